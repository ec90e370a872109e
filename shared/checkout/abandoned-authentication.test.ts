import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthenticateFunction } from '../../functions/dev/dev-payments';
import { address, payNow } from '../../test/support/pay-now';
import { putLapsedLine, signUpShopper, stockOf } from '../../test/support/shoppers';
import { httpRequest, responseJson, startTestShop, type TestShop } from '../../test/support/test-shop';
import { FakeStripeServer } from '../adapters/payments/stripe/fake-stripe-server';
import { checkoutDeps } from './checkout-deps';
import { recoverStuckPayments } from './payment-recovery';

/**
 * Issue #15 point 6, follow-up: an abandoned 3-D Secure is cancelled at the provider before the
 * order fails and its units go back, so a shopper who authenticates later is refused instead of
 * charged for an order we no longer have. With the sandbox gateway (through the dev
 * authenticate endpoint) and with the real `stripe` client against the loopback fake Stripe API
 * (Stripe itself cannot be reached from here). PGlite.
 */

/** A shopper with `quantity` units of `product` in the cart, paying with a card that needs 3-D Secure. */
async function awaitingAuthentication(shop: TestShop, productIndex: number, quantity: number) {
  const db = shop.services.sql.db;
  const userId = `abandon-${randomUUID().slice(0, 8)}`;
  const principal = await signUpShopper(db, userId);
  const product = shop.products[productIndex]!;
  await db.updateTable('inventory').set({ on_hand: 50, held: 0 }).where('sku', '=', product.sku).execute();
  await putLapsedLine(db, userId, product, quantity);
  const result = await payNow(checkoutDeps(shop.services), principal, randomUUID(), {
    shippingAddress: address,
    payment: { provider: 'stripe', paymentMethodId: 'pm_card_authenticationRequired' },
  });
  expect(result.status).toBe(202);
  const { order, reference } = result.body as { order: { id: string }; reference: string };
  const { created_at: reservedAt } = await db
    .selectFrom('orders')
    .select('created_at')
    .where('id', '=', order.id)
    .executeTakeFirstOrThrow();
  const pastWindow = new Date(reservedAt.getTime() + shop.services.config.cart.holdMinutes * 60_000 + 30_000);
  return { userId, orderId: order.id, reference, sku: product.sku, productId: product.id, pastWindow };
}

async function state(shop: TestShop, o: { userId: string; orderId: string; sku: string }) {
  const db = shop.services.sql.db;
  const order = await db
    .selectFrom('orders')
    .select(['status', 'decline_reason'])
    .where('id', '=', o.orderId)
    .executeTakeFirstOrThrow();
  const stock = await stockOf(db, o.sku);
  const cart = await db
    .selectFrom('cart_lines')
    .select(['quantity', 'held_quantity'])
    .where('user_id', '=', o.userId)
    .execute();
  const events = await db
    .selectFrom('outbox')
    .select('type')
    .where('correlation_id', '=', o.orderId)
    .execute();
  return { ...order, stock, cart, events: events.map((e) => e.type) };
}

describe('abandoned 3-D Secure with the sandbox gateway (PGlite)', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({ products: 4, host: false });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  async function authenticate(userId: string, reference: string) {
    const handler = (
      devAuthenticateFunction as unknown as {
        handler: (r: unknown, c: InvocationContext) => Promise<{ status: number; jsonBody?: unknown }>;
      }
    ).handler;
    const response = await handler(
      httpRequest('POST', `dev/payments/${reference}/authenticate`, {
        params: { reference },
        headers: { authorization: `Bearer ${await shop.token(userId)}` },
        body: { succeed: true },
      }),
      new InvocationContext({ invocationId: randomUUID(), functionName: 'dev-authenticate-payment' }),
    );
    return { status: response.status, body: (await responseJson(response)) as Record<string, unknown> };
  }

  it('abandoned: cancelled at the provider, order failed, units back in the cart; a later authentication is refused and charges nothing', async () => {
    const o = await awaitingAuthentication(shop, 1, 3);
    const sandbox = shop.services.payments.sandbox!;
    expect(await state(shop, o)).toMatchObject({
      status: 'requires_action',
      stock: { on_hand: 47, held: 0 },
    });

    const run = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(run.deferred).toEqual([]);
    expect(await sandbox.lookup({ orderId: o.orderId, provider: 'stripe' })).toMatchObject({
      status: 'declined',
      code: 'canceled',
    });
    expect(await state(shop, o)).toEqual({
      status: 'payment_failed',
      decline_reason: 'The payment was never authenticated.',
      stock: { on_hand: 50, held: 3 },
      cart: [{ quantity: 3, held_quantity: 3 }],
      events: [],
    });

    // The shopper comes back from the challenge page: refused, not charged.
    const late = await authenticate(o.userId, o.reference);
    expect(late).toMatchObject({ status: 409, body: { code: 'payment_canceled' } });
    expect(await sandbox.lookup({ orderId: o.orderId, provider: 'stripe' })).toMatchObject({
      status: 'declined',
    });
    expect(sandbox.chargeCount(o.orderId)).toBe(1);
    expect(await state(shop, o)).toMatchObject({
      status: 'payment_failed',
      stock: { on_hand: 50, held: 3 },
      events: [],
    });
  });

  it('the shopper authenticated just before the timer ran: the order is paid, not failed', async () => {
    const o = await awaitingAuthentication(shop, 2, 2);
    // Authenticated at the provider; its word has not reached us yet (the order still waits).
    await shop.services.payments.sandbox!.confirmAction(o.reference, true);
    expect((await state(shop, o)).status).toBe('requires_action');

    const run = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(run.settled).toBe(1);
    expect(await state(shop, o)).toEqual({
      status: 'paid',
      decline_reason: null,
      stock: { on_hand: 48, held: 0 },
      cart: [],
      events: ['OrderPaid'],
    });
  });
});

describe('abandoned 3-D Secure with Stripe (real stripe client, fake Stripe API; PGlite)', () => {
  let shop: TestShop;
  let stripe: FakeStripeServer;
  beforeAll(async () => {
    stripe = await FakeStripeServer.start();
    shop = await startTestShop({
      products: 4,
      host: false,
      env: {
        STRIPE_API_BASE: stripe.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
    await stripe?.close();
  });

  it('abandoned: the PaymentIntent is cancelled (abandoned), the order failed, units back; Stripe refuses a later authentication', async () => {
    const o = await awaitingAuthentication(shop, 1, 3);

    const run = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(run.deferred).toEqual([]);
    expect(stripe.paymentIntent(o.reference)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    });
    expect(await state(shop, o)).toEqual({
      status: 'payment_failed',
      decline_reason: 'The payment was never authenticated.',
      stock: { on_hand: 50, held: 3 },
      cart: [{ quantity: 3, held_quantity: 3 }],
      events: [],
    });
    await expect(stripe.completeAuthentication(o.reference)).rejects.toThrow(
      /payment_intent_unexpected_state/,
    );
    expect(stripe.paymentIntent(o.reference)?.status).toBe('canceled');
    expect(stripe.paymentIntent(o.reference)?.latest_charge).toBeNull();
  });

  it('the shopper authenticated just before the timer ran: Stripe refuses the cancel, the order is paid (checked) and keeps its stock', async () => {
    const o = await awaitingAuthentication(shop, 2, 2);
    await stripe.completeAuthentication(o.reference); // no webhook reaches us in this shop

    const run = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    const cancels = stripe.requests.filter((r) => r.path === `/v1/payment_intents/${o.reference}/cancel`);
    expect(cancels.map((r) => r.status)).toEqual([400]);
    expect(run).toMatchObject({ settled: 1, refused: [], deferred: [] });
    expect(await state(shop, o)).toEqual({
      status: 'paid',
      decline_reason: null,
      stock: { on_hand: 48, held: 0 },
      cart: [],
      events: ['OrderPaid'],
    });
  });

  it('the cancel cannot reach Stripe: the order is left as it was and the next run cancels it', async () => {
    const o = await awaitingAuthentication(shop, 3, 1);
    // Every attempt of this run (the client's first try and its 2 retries) fails before Stripe acts.
    stripe.injectFault({ times: 3, when: 'before', status: 503, path: /\/cancel$/ });

    const first = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(first).toMatchObject({ settled: 0, deferred: [o.orderId] });
    expect(stripe.paymentIntent(o.reference)?.status).toBe('requires_action');
    expect(await state(shop, o)).toEqual({
      status: 'requires_action',
      decline_reason: null,
      stock: { on_hand: 49, held: 0 },
      cart: [],
      events: [],
    });

    const next = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(next).toMatchObject({ settled: 1, deferred: [] });
    expect(stripe.paymentIntent(o.reference)?.status).toBe('canceled');
    expect(await state(shop, o)).toMatchObject({
      status: 'payment_failed',
      decline_reason: 'The payment was never authenticated.',
      stock: { on_hand: 50, held: 1 },
      cart: [{ quantity: 1, held_quantity: 1 }],
    });
  });

  it('the cancel went through but its answer was lost: the next run finds it cancelled and fails the order once', async () => {
    const o = await awaitingAuthentication(shop, 0, 1);
    stripe.injectFault({ times: 3, when: 'after', status: 500, path: /\/cancel$/ });

    const first = await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(first.deferred).toEqual([o.orderId]);
    expect(stripe.paymentIntent(o.reference)?.status).toBe('canceled');
    expect((await state(shop, o)).status).toBe('requires_action');

    await recoverStuckPayments(checkoutDeps(shop.services), o.pastWindow);

    expect(await state(shop, o)).toMatchObject({
      status: 'payment_failed',
      decline_reason: 'The payment was never authenticated.',
      stock: { on_hand: 50, held: 1 },
      cart: [{ quantity: 1, held_quantity: 1 }],
    });
  });
});
