import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { address, visa } from '../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

// Pay Now's `email`: where the receipt goes (asked at checkout, prefilled from the identity).
let shop: TestShop;

beforeAll(async () => {
  shop = await startTestShop({ products: 10 });
});
afterAll(async () => {
  await shop?.close();
});

async function shopper(sub: string) {
  const token = await shop.token(sub);
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
    pay: (body: unknown) =>
      call('checkout', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'idempotency-key': randomUUID() },
      }),
  };
}

async function receiptOf(orderId: string): Promise<{ to: string }> {
  return vi.waitFor(
    async () => {
      const list = (await (await fetch(`${shop.url}/api/dev/outbox`)).json()) as {
        items: Array<{ name: string; to: string }>;
      };
      const found = list.items.find((m) => m.name === `receipt-${orderId}.eml`);
      expect(found).toBeDefined();
      return found!;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('the receipt goes to the email given at checkout', () => {
  it('sends the receipt to the address typed at checkout, not the identity', async () => {
    const grace = await shopper('grace');
    expect((await grace.add(shop.products[0]!.id, 1)).status).toBe(200);
    const paid = await grace.pay({
      shippingAddress: address,
      email: ' Grace.Receipts@example.com ',
      payment: visa,
    });
    expect(paid.status).toBe(201);
    const order = (await paid.json()) as { id: string };
    const receipt = await receiptOf(order.id);
    expect(receipt.to).toContain('Grace.Receipts@example.com');
    expect(receipt.to).not.toContain('grace@example.test');
  });

  it('falls back to the identity email when the request has none', async () => {
    const alan = await shopper('alan');
    expect((await alan.add(shop.products[1]!.id, 1)).status).toBe(200);
    const paid = await alan.pay({ shippingAddress: address, payment: visa });
    expect(paid.status).toBe(201);
    const receipt = await receiptOf(((await paid.json()) as { id: string }).id);
    expect(receipt.to).toContain('alan@example.test');
  });

  it('refuses a malformed email with a 400 on the field, and writes nothing', async () => {
    const edsger = await shopper('edsger');
    expect((await edsger.add(shop.products[2]!.id, 2)).status).toBe(200);
    const refused = await edsger.pay({ shippingAddress: address, email: 'not an email', payment: visa });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await refused.json()) as { code: string; errors: Record<string, string[]> };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.email?.[0]).toMatch(/email address/);
    const orders = (await (await edsger.call('orders')).json()) as { items: unknown[] };
    expect(orders.items).toEqual([]);
    const cart = (await (await edsger.call('cart')).json()) as { lines: Array<{ quantity: number }> };
    expect(cart.lines.map((l) => l.quantity)).toEqual([2]);
  });
});
