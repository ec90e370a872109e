import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;
let alice: string;
let bob: string;
let carol: string;
const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${shop.url}/api/${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
const setQuantity = (token: string, productId: string, quantity: unknown) =>
  api(`cart/items/${productId}`, token, { method: 'PUT', body: JSON.stringify({ quantity }) });
const stock = (sku: string) =>
  shop.services.sql.db
    .selectFrom('inventory')
    .select(['on_hand', 'held'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  shop = await startTestShop({ products: 30 });
  [alice, bob, carol] = await Promise.all([shop.token('alice'), shop.token('bob'), shop.token('carol')]);
});
afterAll(async () => {
  await shop?.close();
});

describe('cart over HTTP', () => {
  it('needs a signed-in shopper', async () => {
    expect((await fetch(`${shop.url}/api/cart`)).status).toBe(401);
  });

  it('holds stock when a line is set, and gives back the difference when it shrinks', async () => {
    const product = shop.products[1]!;
    const before = await stock(product.sku);
    const added = await setQuantity(alice, product.id, 3);
    expect(added.status).toBe(200);
    const cart = (await added.json()) as {
      lines: Array<Record<string, unknown>>;
      totalMinor: number;
      itemCount: number;
    };
    expect(cart.lines).toEqual([
      expect.objectContaining({
        productId: product.id,
        quantity: 3,
        unitPriceMinor: product.priceMinor,
        holdStatus: 'held',
        lineTotalMinor: 3 * product.priceMinor,
      }),
    ]);
    expect(cart.totalMinor).toBe(3 * product.priceMinor);
    expect(Date.parse(String(cart.lines[0]!.holdExpiresAt)) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await stock(product.sku)).held).toBe(before.held + 3);

    await setQuantity(alice, product.id, 1);
    expect((await stock(product.sku)).held).toBe(before.held + 1);
    const removed = await api(`cart/items/${product.id}`, alice, { method: 'DELETE' });
    expect(((await removed.json()) as { lines: unknown[] }).lines).toEqual([]);
    expect((await stock(product.sku)).held).toBe(before.held);
  });

  it('answers 409 out_of_stock with what is still available, changing nothing', async () => {
    const product = shop.products[2]!;
    await shop.services.sql.db
      .updateTable('inventory')
      .set({ on_hand: 4, held: 0 })
      .where('sku', '=', product.sku)
      .execute();
    expect((await setQuantity(bob, product.id, 3)).status).toBe(200);
    const refused = await setQuantity(carol, product.id, 2);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({
      code: 'out_of_stock',
      available: 1,
      requested: 2,
      productId: product.id,
    });
    // Bob may grow his own line to everything that is left plus what he holds.
    const bobTooMany = await setQuantity(bob, product.id, 5);
    expect(await bobTooMany.json()).toMatchObject({ code: 'out_of_stock', available: 4 });
    expect(await stock(product.sku)).toEqual({ on_hand: 4, held: 3 });
    const carolCart = (await (await api('cart', carol)).json()) as { lines: unknown[] };
    expect(carolCart.lines).toEqual([]);
  });

  it('validates the quantity and the product', async () => {
    const product = shop.products[3]!;
    for (const quantity of [0, -1, 11, 1.5, '2', null]) {
      const response = await setQuantity(alice, product.id, quantity);
      expect(response.status, String(quantity)).toBe(400);
      expect(((await response.json()) as { errors: Record<string, string[]> }).errors.quantity).toBeDefined();
    }
    expect((await setQuantity(alice, 'p-999999', 1)).status).toBe(404);
    expect((await api(`cart/items/${product.id}`, alice, { method: 'PUT', body: '{' })).status).toBe(400);
  });

  it("keeps each shopper's cart to themselves", async () => {
    const product = shop.products[4]!;
    await setQuantity(alice, product.id, 2);
    const bobCart = (await (await api('cart', bob)).json()) as { lines: Array<{ productId: string }> };
    expect(bobCart.lines.map((l) => l.productId)).not.toContain(product.id);
    await api(`cart/items/${product.id}`, bob, { method: 'DELETE' });
    await setQuantity(bob, product.id, 1);
    const aliceCart = (await (await api('cart', alice)).json()) as {
      lines: Array<{ productId: string; quantity: number }>;
    };
    expect(aliceCart.lines.find((l) => l.productId === product.id)?.quantity).toBe(2);
  });

  it('lets an admin restock, but never below what is held', async () => {
    const admin = await shop.token('root', ['admin']);
    const product = shop.products[2]!; // bob holds 3 of 4
    const restock = (onHand: number, token = admin) =>
      api(`admin/inventory/${product.sku}`, token, { method: 'PUT', body: JSON.stringify({ onHand }) });
    expect((await restock(2)).status).toBe(409);
    expect((await restock(10, alice)).status).toBe(403);
    const ok = await restock(10);
    expect(await ok.json()).toMatchObject({ sku: product.sku, onHand: 10, available: 7 });
    expect(
      (await api('admin/inventory/SKU-NONE', admin, { method: 'PUT', body: '{"onHand":1}' })).status,
    ).toBe(404);
  });
});

describe('live stock on product pages', () => {
  it("pushes a third shopper's hold to two subscribed pages within a second", async () => {
    const product = shop.products[5]!;
    const negotiated = (await (
      await fetch(`${shop.url}/api/realtime/negotiate?productIds=${product.id}`)
    ).json()) as {
      url: string;
      groups: string[];
    };
    expect(negotiated.groups).toEqual([`product:${product.id}`]);
    const pages = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(negotiated.url);
            socket.once('open', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    const received = pages.map(
      (socket) =>
        new Promise<{ message: Record<string, unknown>; at: number }>((resolve) => {
          socket.once('message', (data) => resolve({ message: JSON.parse(String(data)), at: Date.now() }));
        }),
    );
    const before = await stock(product.sku);
    const sent = Date.now();
    expect((await setQuantity(carol, product.id, 2)).status).toBe(200);
    const messages = await Promise.all(received);
    for (const { message, at } of messages) {
      expect(message).toMatchObject({
        type: 'availability',
        productId: product.id,
        available: before.on_hand - before.held - 2,
      });
      expect(at - sent).toBeLessThan(1_000);
    }
    // The cached count was invalidated too: a poll agrees with the push.
    const polled = (await (await fetch(`${shop.url}/api/products/${product.id}/availability`)).json()) as {
      available: number;
    };
    expect(polled.available).toBe(before.on_hand - before.held - 2);
    for (const socket of pages) socket.close();
  });

  it('rejects a negotiate without products', async () => {
    expect((await fetch(`${shop.url}/api/realtime/negotiate`)).status).toBe(400);
    const tooMany = Array.from({ length: 51 }, (_, i) => `p-${i}`).join(',');
    expect((await fetch(`${shop.url}/api/realtime/negotiate?productIds=${tooMany}`)).status).toBe(400);
  });
});
