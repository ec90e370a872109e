import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rebuildSearchIndex } from '../../shared/catalogue/catalogue-admin.service';
import type { Product } from '../../shared/catalogue/product';
import { address, visa } from '../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

// Issue #17 point 1: the search `size` filter covers only sizes in stock, through a sale, a
// restock and a rebuild (real embedded index, PGlite, the local bus and its inventory consumer).
let shop: TestShop;
let hoodie: Product;

const setStock = (sku: string, onHand: number) =>
  shop.services.sql.db
    .updateTable('inventory')
    .set({ on_hand: onHand, held: 0 })
    .where('sku', '=', sku)
    .execute();

/** Whether `GET /api/search?size=<size>&q=<hoodie's name>` finds the hoodie. */
async function matchesSize(size: string): Promise<boolean> {
  const query = new URLSearchParams({ q: hoodie.name, size, pageSize: '50' });
  const response = await fetch(`${shop.url}/api/search?${query}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { items: Array<{ id: string }> };
  return body.items.some((item) => item.id === hoodie.id);
}

beforeAll(async () => {
  shop = await startTestShop({ products: 30, variants: true });
  hoodie = shop.products.find((p) => p.category === 'apparel' && (p.variants?.length ?? 0) >= 3)!;
  for (const variant of hoodie.variants!) await setStock(variant.sku, 5);
}, 180_000);
afterAll(async () => {
  await shop?.close();
});

describe('search by size covers sizes in stock', () => {
  it('drops a size that sells out, keeps the others, and brings it back on restock', async () => {
    const [sold, other] = hoodie.variants! as [
      NonNullable<Product['variants']>[number],
      NonNullable<Product['variants']>[number],
    ];
    await setStock(sold.sku, 1);
    expect(await matchesSize(sold.options.size)).toBe(true);

    const token = await shop.token('ada');
    const call = (path: string, init: RequestInit) =>
      fetch(`${shop.url}/api/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
    const added = await call(`cart/items/${hoodie.id}`, {
      method: 'PUT',
      body: JSON.stringify({ quantity: 1, sku: sold.sku }),
    });
    expect(added.status).toBe(200);
    const paid = await call('checkout', {
      method: 'POST',
      body: JSON.stringify({ shippingAddress: address, payment: visa }),
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(paid.status).toBe(201);

    // The inventory consumer re-indexes the product once OrderPaid arrives.
    await vi.waitFor(async () => expect(await matchesSize(sold.options.size)).toBe(false), {
      timeout: 10_000,
      interval: 100,
    });
    expect(await matchesSize(other.options.size)).toBe(true);

    const admin = await shop.token('root', ['admin']);
    const restock = await fetch(`${shop.url}/api/admin/inventory/${sold.sku}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ onHand: 4 }),
    });
    expect(restock.status).toBe(200);
    expect(await matchesSize(sold.options.size)).toBe(true);
  });

  it('the full rebuild indexes a sold-out size as out', async () => {
    const [, other, third] = hoodie.variants!;
    await setStock(third!.sku, 0);
    expect(await matchesSize(third!.options.size)).toBe(true); // the index has not heard yet

    const services = shop.services;
    await rebuildSearchIndex({ ...services, db: services.sql.db });
    expect(await matchesSize(third!.options.size)).toBe(false);
    expect(await matchesSize(other!.options.size)).toBe(true);
  });
});
