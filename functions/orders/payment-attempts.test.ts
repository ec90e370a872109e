import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, visa } from '../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

// Issue 17 point 5: declined attempts are not orders in the history; the order they led to lists them.
let shop: TestShop;

beforeAll(async () => {
  shop = await startTestShop({ products: 10 });
});
afterAll(async () => {
  await shop?.close();
});

async function shopper(sub: string) {
  const token = await shop.token(sub);
  const call = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${shop.url}/api/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    call,
    add: (productId: string) =>
      call(`cart/items/${productId}`, { method: 'PUT', body: JSON.stringify({ quantity: 1 }) }),
    pay: (paymentMethodId: string) =>
      call<{ id: string; orderId?: string; status?: string }>('checkout', {
        method: 'POST',
        body: JSON.stringify({ shippingAddress: address, payment: { ...visa, paymentMethodId } }),
        headers: { 'idempotency-key': randomUUID() },
      }),
  };
}

interface Attempt {
  orderId: string;
  status: string;
  declineReason?: string;
}

describe('payment attempts belong to the order they led to', () => {
  it('lists one order per purchase, with its declined attempts on the order, oldest first', async () => {
    const joan = await shopper('joan');
    expect((await joan.add(shop.products[0]!.id)).status).toBe(200);
    const declined = await joan.pay('pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    const short = await joan.pay('pm_card_chargeDeclinedInsufficientFunds');
    expect(short.status).toBe(402);
    const paid = await joan.pay('pm_card_visa');
    expect(paid.status).toBe(201);

    const list = await joan.call<{ items: Array<{ id: string; status: string }> }>('orders');
    expect(list.body.items.map((o) => [o.id, o.status])).toEqual([[paid.body.id, 'paid']]);

    const order = await joan.call<{ attempts?: Attempt[] }>(`orders/${paid.body.id}`);
    expect(order.body.attempts?.map((a) => [a.orderId, a.status])).toEqual([
      [declined.body.orderId, 'payment_failed'],
      [short.body.orderId, 'payment_failed'],
    ]);
    expect(order.body.attempts?.every((a) => (a.declineReason ?? '').length > 0)).toBe(true);

    // A declined attempt can still be opened by its id (a link or a support question).
    const attempt = await joan.call<{ status: string; attempts?: Attempt[] }>(
      `orders/${declined.body.orderId}`,
    );
    expect(attempt.status).toBe(200);
    expect(attempt.body.status).toBe('payment_failed');
    expect(attempt.body.attempts).toBeUndefined();

    // The next purchase's page lists only its own attempts.
    expect((await joan.add(shop.products[1]!.id)).status).toBe(200);
    const third = await joan.pay('pm_card_chargeDeclined');
    expect(third.status).toBe(402);
    const second = await joan.pay('pm_card_visa');
    expect(second.status).toBe(201);
    const secondOrder = await joan.call<{ attempts?: Attempt[] }>(`orders/${second.body.id}`);
    expect(secondOrder.body.attempts?.map((a) => a.orderId)).toEqual([third.body.orderId]);
    const both = await joan.call<{ items: Array<{ id: string }> }>('orders');
    expect(both.body.items.map((o) => o.id)).toEqual([second.body.id, paid.body.id]);
  });

  it('a first purchase paid at once has no attempts', async () => {
    const kurt = await shopper('kurt');
    expect((await kurt.add(shop.products[2]!.id)).status).toBe(200);
    const paid = await kurt.pay('pm_card_visa');
    expect(paid.status).toBe(201);
    const order = await kurt.call<{ attempts?: Attempt[] }>(`orders/${paid.body.id}`);
    expect(order.body.attempts).toBeUndefined();
  });
});
