import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;
let admin: string;
let shopper: string;
const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${shop.url}/api/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

beforeAll(async () => {
  shop = await startTestShop({ products: 12, variants: true });
  admin = await shop.token('root', ['admin']);
  shopper = await shop.token('sam', ['shopper']);
}, 120_000);
afterAll(async () => {
  await shop?.close();
});

describe('GET /admin/inventory?productId= (admin read of on hand and held per SKU)', () => {
  it('lists every SKU of the product with on hand, held and available; holds show as held', async () => {
    const product = {
      sku: 'SKU-INV-1',
      category: 'apparel',
      name: 'Stock Tee',
      brand: 'Northwear',
      priceMinor: 2000,
      currency: 'USD',
      variants: [
        { sku: 'SKU-INV-1-S', options: { size: 'S' } },
        { sku: 'SKU-INV-1-M', options: { size: 'M' } },
      ],
    };
    expect(
      (await call('admin/products/p-inv-1', admin, { method: 'PUT', body: JSON.stringify(product) })).status,
    ).toBe(201);
    expect(
      (
        await call('admin/inventory/SKU-INV-1-M', admin, {
          method: 'PUT',
          body: JSON.stringify({ onHand: 5 }),
        })
      ).status,
    ).toBe(200);
    const added = await call('cart/items/p-inv-1', shopper, {
      method: 'PUT',
      body: JSON.stringify({ sku: 'SKU-INV-1-M', quantity: 2 }),
    });
    expect(added.status).toBeLessThan(300);
    const response = await call('admin/inventory?productId=p-inv-1', admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      productId: 'p-inv-1',
      items: [
        { sku: 'SKU-INV-1-M', onHand: 5, held: 2, available: 3 },
        { sku: 'SKU-INV-1-S', onHand: 0, held: 0, available: 0 },
      ],
    });
  });

  it('refuses a shopper (403) and a missing productId (400 validation_failed)', async () => {
    expect((await call('admin/inventory?productId=p-inv-1', shopper)).status).toBe(403);
    const missing = await call('admin/inventory', admin);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { code: string }).code).toBe('validation_failed');
  });
});
