import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { address, visa } from '../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;

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
    add: (productId: string, quantity: number) =>
      call(`cart/items/${productId}`, { method: 'PUT', body: JSON.stringify({ quantity }) }),
    pay: (body: unknown, key: string | null = randomUUID()) =>
      call('checkout', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: key ? { 'idempotency-key': key } : {},
      }),
  };
}

/** Waits for what a consumer does after the response: `probe` gives it once it is there. */
function until<T>(probe: () => Promise<T | undefined>, timeout = 5_000): Promise<T> {
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
  shop = await startTestShop({ products: 40 });
});
afterAll(async () => {
  await shop?.close();
});

describe('the whole journey over HTTP on the local host', () => {
  it('token -> cart -> Pay Now -> paid -> receipt -> pick request -> shipped', async () => {
    const ada = client(await shop.token('ada'));
    const [first, second] = [shop.products[1]!, shop.products[2]!];
    const before = await stock(first.sku);
    expect((await ada.add(first.id, 2)).status).toBe(200);
    expect((await ada.add(second.id, 1)).status).toBe(200);

    const paid = await ada.pay({ shippingAddress: address, payment: visa });
    expect(paid.status).toBe(201);
    const order = (await paid.json()) as {
      id: string;
      status: string;
      totalMinor: number;
      payment: Record<string, string>;
      lines: unknown[];
    };
    expect(order).toMatchObject({
      status: 'paid',
      totalMinor: 2 * first.priceMinor + second.priceMinor,
      payment: { provider: 'stripe', brand: 'visa', last4: '4242' },
    });
    expect(order.lines).toHaveLength(2);
    expect(await stock(first.sku)).toEqual({ on_hand: before.on_hand - 2, held: before.held });
    expect(((await (await ada.call('cart')).json()) as { lines: unknown[] }).lines).toEqual([]);

    // receipt-email consumer: an .eml in the local outbox, and receipt_sent_at set
    const receipt = await until(async () => {
      const list = (await (await fetch(`${shop.url}/api/dev/outbox`)).json()) as {
        items: Array<{ name: string; subject: string; to: string }>;
      };
      return list.items.find((m) => m.name === `receipt-${order.id}.eml`);
    });
    expect(receipt.to).toContain('ada@example.test');
    const eml = await (await fetch(`${shop.url}/api/dev/outbox/${receipt.name}`)).text();
    expect(eml).toContain(order.id);
    await until(
      async () =>
        ((await (await ada.call(`orders/${order.id}`)).json()) as { receiptSentAt?: string }).receiptSentAt,
    );

    // fulfilment consumer: a pick request the warehouse sees and ships
    const warehouse = client(await shop.token('wendy', ['warehouse']));
    expect((await ada.call('fulfilment/requests')).status).toBe(403);
    const request = await until(async () => {
      const list = (await (await warehouse.call('fulfilment/requests?status=pending')).json()) as {
        items: Array<{ id: string; orderId: string }>;
      };
      return list.items.find((r) => r.orderId === order.id);
    });
    const shipped = await warehouse.call(`fulfilment/requests/${request.id}/shipped`, {
      method: 'POST',
      body: JSON.stringify({ carrier: 'Royal Mail', trackingNumber: 'RM123' }),
    });
    expect(shipped.status).toBe(200);
    const final = (await (await ada.call(`orders/${order.id}`)).json()) as {
      status: string;
      shippedAt?: string;
    };
    expect(final.status).toBe('shipped');
    await until(async () => {
      const list = (await (await fetch(`${shop.url}/api/dev/outbox`)).json()) as {
        items: Array<{ name: string }>;
      };
      return list.items.find((m) => m.name === `shipped-${order.id}.eml`);
    });

    // inventory consumer: the displayed availability in Cosmos was refreshed
    await until(async () => {
      const doc = (await shop.services.products.get(first.id)) as unknown as {
        displayedAvailability?: { available: number };
      };
      return doc.displayedAvailability?.available === before.on_hand - 2 - before.held ? true : undefined;
    });

    const history = (await (await ada.call('orders')).json()) as {
      items: Array<{ id: string; status: string }>;
    };
    expect(history.items[0]).toMatchObject({ id: order.id, status: 'shipped' });
  });
});

describe('Pay Now', () => {
  it('needs an Idempotency-Key and replays the first response for it', async () => {
    const bo = client(await shop.token('bo'));
    await bo.add(shop.products[3]!.id, 1);
    expect((await bo.pay({ shippingAddress: address, payment: visa }, null)).status).toBe(428);
    const key = randomUUID();
    const first = await bo.pay({ shippingAddress: address, payment: visa }, key);
    const again = await bo.pay({ shippingAddress: address, payment: visa }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    const other = await bo.pay({ shippingAddress: { ...address, city: 'Paris' }, payment: visa }, key);
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_conflict');
  });

  it('makes one order from concurrent requests with one key', async () => {
    const cy = client(await shop.token('cy'));
    await cy.add(shop.products[4]!.id, 1);
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => cy.pay({ shippingAddress: address, payment: visa }, key)),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ id: string }>;
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    const orders = await shop.services.sql.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', 'cy')
      .execute();
    expect(orders).toHaveLength(1);
    expect(shop.services.payments.sandbox!.chargeCount(orders[0]!.id)).toBe(1);
  });

  it('declines with a reason, keeps the units held in the cart, and a retry with another card pays', async () => {
    const di = client(await shop.token('di'));
    const product = shop.products[5]!;
    await di.add(product.id, 2);
    const before = await stock(product.sku);
    const declined = await di.pay({
      shippingAddress: address,
      payment: { provider: 'stripe', paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' },
    });
    expect(declined.status).toBe(402);
    expect(declined.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await declined.json()) as { code: string; declineCode: string; orderId: string };
    expect(problem).toMatchObject({ code: 'payment_declined', declineCode: 'insufficient_funds' });
    expect(await stock(product.sku)).toEqual(before);
    const cart = (await (await di.call('cart')).json()) as {
      lines: Array<{ productId: string; quantity: number; holdStatus: string }>;
    };
    expect(cart.lines).toEqual([
      expect.objectContaining({ productId: product.id, quantity: 2, holdStatus: 'held' }),
    ]);
    const failed = (await (await di.call(`orders/${problem.orderId}`)).json()) as { status: string };
    expect(failed.status).toBe('payment_failed');

    const retried = await di.pay({
      shippingAddress: address,
      payment: { provider: 'stripe', paymentMethodId: 'pm_card_mastercard' },
    });
    expect(retried.status).toBe(201);
    expect(await stock(product.sku)).toEqual({ on_hand: before.on_hand - 2, held: before.held - 2 });
  });

  it('returns 3-D Secure to the SPA, and settles when authentication completes', async () => {
    const ed = client(await shop.token('ed'));
    await ed.add(shop.products[6]!.id, 1);
    const pending = await ed.pay({
      shippingAddress: address,
      payment: { provider: 'stripe', paymentMethodId: 'pm_card_authenticationRequired' },
    });
    expect(pending.status).toBe(202);
    const body = (await pending.json()) as {
      status: string;
      reference: string;
      order: { id: string; status: string };
    };
    expect(body).toMatchObject({ status: 'requires_action', order: { status: 'requires_action' } });
    const done = await ed.call(`dev/payments/${body.reference}/authenticate`, {
      method: 'POST',
      body: JSON.stringify({ succeed: true }),
    });
    expect(done.status).toBe(200);
    expect(((await (await ed.call(`orders/${body.order.id}`)).json()) as { status: string }).status).toBe(
      'paid',
    );
  });

  it('refuses with 409 naming the short lines, charging nothing and changing nothing', async () => {
    const fi = client(await shop.token('fi'));
    const [plenty, scarce] = [shop.products[7]!, shop.products[8]!];
    await fi.add(plenty.id, 1);
    await fi.add(scarce.id, 2);
    // Fi's hold on the scarce product lapsed and was released; meanwhile the stock went.
    await shop.services.sql.db
      .updateTable('cart_lines')
      .set({ held_quantity: 0 })
      .where('user_id', '=', 'fi')
      .where('product_id', '=', scarce.id)
      .execute();
    await shop.services.sql.db
      .updateTable('inventory')
      .set({ held: 0, on_hand: 1 })
      .where('sku', '=', scarce.sku)
      .execute();
    const beforePlenty = await stock(plenty.sku);
    const refused = await fi.pay({ shippingAddress: address, payment: visa });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'out_of_stock',
      lines: [{ productId: scarce.id, requested: 2, available: 1 }],
    });
    expect(await stock(plenty.sku)).toEqual(beforePlenty);
    expect(
      await shop.services.sql.db.selectFrom('orders').select('id').where('user_id', '=', 'fi').execute(),
    ).toEqual([]);
    expect(((await (await fi.call('cart')).json()) as { lines: unknown[] }).lines).toHaveLength(2);
  });

  it('rejects bad input with field errors and leaves no trace; an empty cart is 422', async () => {
    const gu = client(await shop.token('gu'));
    expect((await gu.pay({ shippingAddress: address, payment: visa })).status).toBe(422);
    await gu.add(shop.products[9]!.id, 1);
    const bad = await gu.pay({
      shippingAddress: { ...address, postalCode: '!', country: 'XX', name: '' },
      payment: { provider: 'bitcoin' },
    });
    expect(bad.status).toBe(400);
    const errors = ((await bad.json()) as { errors: Record<string, string[]> }).errors;
    expect(Object.keys(errors)).toEqual(
      expect.arrayContaining([
        'shippingAddress.postalCode',
        'shippingAddress.country',
        'shippingAddress.name',
        'payment.provider',
      ]),
    );
    const card = await gu.pay({
      shippingAddress: { ...address, line2: 'card 4242 4242 4242 4242 cvc 123' },
      payment: visa,
    });
    expect(card.status).toBe(400);
    expect(
      await shop.services.sql.db.selectFrom('orders').select('id').where('user_id', '=', 'gu').execute(),
    ).toEqual([]);
  });

  it("hides another shopper's order (404)", async () => {
    const ada = await shop.services.sql.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', 'ada')
      .executeTakeFirstOrThrow();
    const hal = client(await shop.token('hal'));
    expect((await hal.call(`orders/${ada.id}`)).status).toBe(404);
  });

  it('stores no card number or CVC in any table or product document', async () => {
    const db = shop.services.sql.db;
    const tables = [
      'users',
      'inventory',
      'cart_lines',
      'orders',
      'order_lines',
      'idempotency_keys',
      'outbox',
      'inbox',
      'fulfilment_requests',
      'local_bus_messages',
    ] as const;
    let text = '';
    for (const table of tables) text += JSON.stringify(await db.selectFrom(table).selectAll().execute());
    for (const product of shop.products) text += JSON.stringify(await shop.services.products.get(product.id));
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toMatch(/4242[ -]?4242[ -]?4242[ -]?4242/);
    expect(text).not.toMatch(/cvc/i);
    expect(text).toContain('4242'); // last 4 only, which is allowed
  });
});
