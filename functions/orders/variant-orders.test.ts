import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
import { address, visa } from '../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;
let hoodie: Product;

function client(token: string) {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${shop.url}/api/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  return {
    call,
    add: (productId: string, body: unknown) =>
      call(`cart/items/${productId}`, { method: 'PUT', body: JSON.stringify(body) }),
    pay: () =>
      call('checkout', {
        method: 'POST',
        body: JSON.stringify({ shippingAddress: address, payment: visa }),
        headers: { 'idempotency-key': randomUUID() },
      }),
  };
}

function until<T>(probe: () => Promise<T | undefined>, timeout = 10_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      expect(value).toBeDefined();
      return value as T;
    },
    { timeout, interval: 50 },
  );
}

const stock = (sku: string) =>
  shop.services.sql.db
    .selectFrom('inventory')
    .select(['on_hand', 'held'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  shop = await startTestShop({ products: 30, variants: true });
  // A sized product whose first two sizes have stock, XL or XXL priced on its own when it has one.
  hoodie = shop.products.find((p) => p.category === 'apparel' && (p.variants?.length ?? 0) >= 3)!;
  for (const variant of hoodie.variants!)
    await shop.services.sql.db
      .updateTable('inventory')
      .set({ on_hand: 10, held: 0 })
      .where('sku', '=', variant.sku)
      .execute();
}, 180_000);
afterAll(async () => {
  await shop?.close();
});

describe('buying a size over HTTP', () => {
  it('holds, sells and ships the chosen sizes; cart, order, receipt and pick list name them', async () => {
    const ada = client(await shop.token('ada'));
    const [small, other] = hoodie.variants! as [
      NonNullable<Product['variants']>[number],
      NonNullable<Product['variants']>[number],
    ];
    const noSize = await ada.add(hoodie.id, { quantity: 1 });
    expect(noSize.status).toBe(422);
    expect(await noSize.json()).toMatchObject({ code: 'variant_required' });

    expect((await ada.add(hoodie.id, { quantity: 2, sku: small.sku })).status).toBe(200);
    const cartResponse = await ada.add(hoodie.id, { quantity: 1, sku: other.sku });
    const cart = (await cartResponse.json()) as {
      lines: Array<{ sku: string; variantLabel?: string; unitPriceMinor: number }>;
    };
    expect(cart.lines.map((l) => [l.sku, l.variantLabel])).toEqual([
      [small.sku, `Size ${small.options.size}, ${small.options.colour}`],
      [other.sku, `Size ${other.options.size}, ${other.options.colour}`],
    ]);
    expect(await stock(small.sku)).toEqual({ on_hand: 10, held: 2 });
    expect(await stock(other.sku)).toEqual({ on_hand: 10, held: 1 });

    const paid = await ada.pay();
    expect(paid.status).toBe(201);
    const order = (await paid.json()) as {
      id: string;
      totalMinor: number;
      lines: Array<{ sku: string; options?: unknown; variantLabel?: string; unitPriceMinor: number }>;
    };
    const priceOf = (v: typeof small) => v.priceMinor ?? hoodie.priceMinor;
    expect(order.totalMinor).toBe(2 * priceOf(small) + priceOf(other));
    expect(order.lines.map((l) => [l.sku, l.options, l.unitPriceMinor])).toEqual([
      [small.sku, small.options, priceOf(small)],
      [other.sku, other.options, priceOf(other)],
    ]);
    expect(await stock(small.sku)).toEqual({ on_hand: 8, held: 0 });
    expect(await stock(other.sku)).toEqual({ on_hand: 9, held: 0 });
    const read = (await (await ada.call(`orders/${order.id}`)).json()) as typeof order;
    expect(read.lines.map((l) => l.variantLabel)).toEqual(order.lines.map((l) => l.variantLabel));

    // The receipt names the sizes.
    const eml = await until(async () => {
      const response = await fetch(`${shop.url}/api/dev/outbox/receipt-${order.id}.eml`);
      return response.status === 200 ? response.text() : undefined;
    });
    const text = eml.replace(/=\r?\n/g, '');
    expect(text).toContain(`(Size ${small.options.size}, ${small.options.colour})`);
    expect(text).toContain(`(Size ${other.options.size}, ${other.options.colour})`);

    // The inventory consumer shows the product's sum in Cosmos, with each variant's count.
    const total = 8 + 9 + 10 * (hoodie.variants!.length - 2);
    const shown = await until(async () => {
      const doc = (await shop.services.products.get(hoodie.id)) as unknown as {
        displayedAvailability?: { available: number; variants?: Record<string, number> };
      };
      return doc.displayedAvailability?.available === total ? doc.displayedAvailability : undefined;
    });
    expect(shown.variants).toMatchObject({ [small.sku]: 8, [other.sku]: 9 });

    // The pick list names them too.
    const warehouse = client(await shop.token('wendy', ['warehouse']));
    const request = await until(async () => {
      const list = (await (await warehouse.call('fulfilment/requests?status=pending')).json()) as {
        items: Array<{
          orderId: string;
          lines: Array<{ sku: string; variantLabel?: string; quantity: number }>;
        }>;
      };
      return list.items.find((r) => r.orderId === order.id);
    });
    expect(request.lines.map((l) => [l.sku, l.variantLabel, l.quantity])).toEqual([
      [small.sku, `Size ${small.options.size}, ${small.options.colour}`, 2],
      [other.sku, `Size ${other.options.size}, ${other.options.colour}`, 1],
    ]);
  }, 120_000);

  it("applies the price rule per variant: a size's own new price is 409 price_changed naming its SKU", async () => {
    const bo = client(await shop.token('bo'));
    const admin = await shop.token('root', ['admin']);
    const [small] = hoodie.variants!;
    expect((await bo.add(hoodie.id, { quantity: 1, sku: small!.sku })).status).toBe(200);
    const { id, createdAt, updatedAt, ...rest } = hoodie;
    const raised = {
      ...rest,
      variants: hoodie.variants!.map((v) => (v.sku === small!.sku ? { ...v, priceMinor: 99_999 } : v)),
    };
    const put = await fetch(`${shop.url}/api/admin/products/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(raised),
    });
    expect(put.status).toBe(200);
    const refused = await bo.pay();
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'price_changed',
      lines: [{ sku: small!.sku, unitPriceMinor: 99_999 }],
    });
    const again = await bo.pay();
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ totalMinor: 99_999 });
  }, 120_000);
});
