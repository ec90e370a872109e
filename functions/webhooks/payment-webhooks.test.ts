import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakePaypalServer } from '../../shared/adapters/payments/paypal/fake-paypal-server';
import { PaypalPaymentGateway } from '../../shared/adapters/payments/paypal/paypal-payment-gateway';
import { FakeStripeServer } from '../../shared/adapters/payments/stripe/fake-stripe-server';
import { checkoutDeps } from '../../shared/checkout/checkout-deps';
import { recoverStuckPayments } from '../../shared/checkout/payment-recovery';
import { metrics } from '../../shared/platform/telemetry';
import { address, payNow } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres, writePaths } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { httpRequest, responseJson, startTestShop, type TestShop } from '../../test/support/test-shop';
import { paypalWebhookFunction, stripeWebhookFunction } from './payment-webhooks';

/**
 * Issue #15 point 1: a genuine, correctly signed webhook that names our order id settles nothing
 * unless it is that order's own payment (provider, reference, amount, currency). Real `stripe`
 * client against the loopback fake Stripe API, real PayPal adapter against the fake PayPal API.
 */
let shop: TestShop;
let stripeFake: FakeStripeServer;
let paypalFake: FakePaypalServer;

beforeAll(async () => {
  stripeFake = await FakeStripeServer.start();
  paypalFake = await FakePaypalServer.start();
});
afterAll(async () => {
  await stripeFake?.close();
  await paypalFake?.close();
});

const db = () => shop.services.sql.db;

/** A shopper whose order waits for 3-D Secure at Stripe (payment_reference = its PaymentIntent). */
async function orderAwaitingAuthentication(name: string) {
  const userId = `${name}-${randomUUID().slice(0, 8)}`;
  const principal = await signUpShopper(db(), userId);
  const product = shop.products[1]!;
  await putLapsedLine(db(), userId, product);
  const result = await payNow(checkoutDeps(shop.services), principal, randomUUID(), {
    shippingAddress: address,
    payment: { provider: 'stripe', paymentMethodId: 'pm_card_authenticationRequired' },
  });
  expect(result.status).toBe(202);
  const { order, reference } = result.body as {
    order: { id: string; totalMinor: number };
    reference: string;
  };
  return { orderId: order.id, reference, total: order.totalMinor, currency: product.currency };
}

async function deliver(
  fn: typeof stripeWebhookFunction,
  hook: { rawBody: string; headers: Record<string, string> },
) {
  const warnings: string[] = [];
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: fn.name,
    logHandler: (level, ...args) => {
      if (level === 'warning') warnings.push(args.map(String).join(' '));
    },
  });
  const handler = (fn as unknown as { handler: (r: unknown, c: InvocationContext) => Promise<unknown> })
    .handler;
  const response = (await handler(
    httpRequest('POST', `webhooks/${fn === stripeWebhookFunction ? 'stripe' : 'paypal'}`, {
      headers: hook.headers,
      body: hook.rawBody,
    }),
    context,
  )) as { status: number; jsonBody?: unknown; body?: unknown };
  return {
    status: response.status,
    body: (await responseJson(response)) as Record<string, unknown>,
    warnings,
  };
}

/** A Stripe event about `intent`, signed with our webhook secret: genuine as far as the signature goes. */
function signedStripeEvent(intent: Record<string, unknown>, type = 'payment_intent.succeeded') {
  const rawBody = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: intent },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: rawBody,
    secret: stripeFake.webhookSecret,
  });
  return { rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}

async function orderState(orderId: string) {
  const order = await db()
    .selectFrom('orders')
    .select(['status', 'payment_provider', 'payment_reference', 'paid_at'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const events = await db()
    .selectFrom('outbox')
    .select('type')
    .where('correlation_id', '=', orderId)
    .execute();
  return { ...order, events: events.map((e) => e.type) };
}

function webhookChecks({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined).each(writePaths)(
    `payment webhooks settle only the order’s own payment (issue #15 point 1): ${name}, $path${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    ({ SQL_PORTABLE_WRITES }) => {
      beforeAll(async () => {
        shop = await startTestShop({
          products: 6,
          host: false,
          env: {
            ...(await env()),
            SQL_PORTABLE_WRITES,
            STRIPE_API_BASE: stripeFake.url,
            STRIPE_SECRET_KEY: stripeFake.secretKey,
            STRIPE_WEBHOOK_SECRET: stripeFake.webhookSecret,
            PAYPAL_API_BASE: paypalFake.url,
            PAYPAL_CLIENT_ID: paypalFake.clientId,
            PAYPAL_CLIENT_SECRET: paypalFake.clientSecret,
            PAYPAL_WEBHOOK_ID: paypalFake.webhookId,
          },
        });
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      it("refuses a signed Stripe payment_intent.succeeded for 1 with someone else's PaymentIntent: unpaid, no outbox event, warned, counted", async () => {
        const counted = vi.spyOn(metrics.settlementRefused, 'add');
        const victim = await orderAwaitingAuthentication('webhook-victim-1');
        // Someone else's PaymentIntent, genuinely succeeded at Stripe, for 1 minor unit.
        const stripe = new Stripe(stripeFake.secretKey, {
          host: '127.0.0.1',
          port: Number(new URL(stripeFake.url).port),
          protocol: 'http',
        });
        const foreign = await stripe.paymentIntents.create({
          amount: 1,
          currency: victim.currency.toLowerCase(),
          payment_method: 'pm_card_visa',
          confirm: true,
          metadata: { orderId: 'someone-elses-order' },
        });
        expect(foreign.status).toBe('succeeded');
        const hook = signedStripeEvent({ ...foreign, metadata: { orderId: victim.orderId } });

        const answer = await deliver(stripeWebhookFunction, hook);

        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ received: true, refused: 'reference_mismatch' });
        expect(await orderState(victim.orderId)).toMatchObject({
          status: 'requires_action',
          payment_provider: 'stripe',
          payment_reference: victim.reference,
          paid_at: null,
          events: [],
        });
        expect(answer.warnings).toEqual([
          expect.stringContaining('payment settlement refused: reference_mismatch'),
        ]);
        expect(counted).toHaveBeenCalledWith(1, { provider: 'stripe', reason: 'reference_mismatch' });
        counted.mockRestore();
      });

      it("refuses the order's own PaymentIntent reported as succeeded for 1 (amount) and in another currency", async () => {
        const victim = await orderAwaitingAuthentication('webhook-victim-2');
        const intent = stripeFake.paymentIntent(victim.reference)!;
        const cheap = await deliver(
          stripeWebhookFunction,
          signedStripeEvent({ ...intent, status: 'succeeded', amount: 1, next_action: null }),
        );
        expect(cheap.body).toMatchObject({ refused: 'amount_mismatch' });
        const otherCurrency = await deliver(
          stripeWebhookFunction,
          signedStripeEvent({
            ...intent,
            status: 'succeeded',
            amount: victim.total,
            currency: 'jpy',
            next_action: null,
          }),
        );
        expect(otherCurrency.body).toMatchObject({ refused: 'currency_mismatch' });
        expect(await orderState(victim.orderId)).toMatchObject({ status: 'requires_action', events: [] });
      });

      it('asks Stripe: a well-formed succeeded event for a payment Stripe still shows unauthenticated pays nothing', async () => {
        const victim = await orderAwaitingAuthentication('webhook-victim-3');
        const intent = stripeFake.paymentIntent(victim.reference)!;
        // Right reference, amount and currency, but Stripe itself says 3-D Secure is not done.
        const answer = await deliver(
          stripeWebhookFunction,
          signedStripeEvent({ ...intent, status: 'succeeded', next_action: null }),
        );
        expect(answer.status).toBe(200);
        expect(await orderState(victim.orderId)).toMatchObject({ status: 'requires_action', events: [] });
      });

      it('the recovery timer, asking Stripe, refuses an answer for another amount: unpaid, no outbox event, reported', async () => {
        const victim = await orderAwaitingAuthentication('recovery-victim');
        const intent = stripeFake.paymentIntent(victim.reference)!;
        // Stripe reports the order's PaymentIntent succeeded, but for 1 minor unit.
        Object.assign(intent, { status: 'succeeded', amount: 1, next_action: null });
        const result = await recoverStuckPayments(
          checkoutDeps(shop.services),
          new Date(Date.now() + 120_000),
        );
        expect(result.refused).toEqual([
          expect.objectContaining({
            orderId: victim.orderId,
            code: 'amount_mismatch',
            message: expect.stringContaining('payment settlement refused: amount_mismatch'),
          }),
        ]);
        expect(await orderState(victim.orderId)).toMatchObject({ status: 'requires_action', events: [] });
      });

      it('still pays on the genuine event once the buyer finishes 3-D Secure', async () => {
        const buyer = await orderAwaitingAuthentication('webhook-genuine');
        await stripeFake.completeAuthentication(buyer.reference);
        const answer = await deliver(stripeWebhookFunction, stripeFake.signedEvent(buyer.reference));
        expect(answer).toMatchObject({ status: 200, body: { received: true }, warnings: [] });
        expect(await orderState(buyer.orderId)).toMatchObject({
          status: 'paid',
          payment_reference: buyer.reference,
          events: ['OrderPaid'],
        });
      });

      it('refuses a PayPal PAYMENT.CAPTURE.COMPLETED for 0.01 whose custom_id is a Stripe order waiting for 3-D Secure', async () => {
        const counted = vi.spyOn(metrics.settlementRefused, 'add');
        const victim = await orderAwaitingAuthentication('webhook-victim-4');
        // The buyer's own PayPal order, carrying our order id, captured for 0.01.
        const paypalOrderId = paypalFake.createOrder({
          amountMinor: 1,
          currency: victim.currency,
          customId: victim.orderId,
        });
        const buyersOwnGateway = new PaypalPaymentGateway({
          apiBase: paypalFake.url,
          clientId: paypalFake.clientId,
          clientSecret: paypalFake.clientSecret,
          webhookId: paypalFake.webhookId,
        });
        const captured = await buyersOwnGateway.charge({
          orderId: `attacker-${randomUUID()}`,
          amountMinor: 1,
          currency: victim.currency,
          method: { provider: 'paypal', orderId: paypalOrderId },
        });
        expect(captured.status).toBe('succeeded');

        const answer = await deliver(paypalWebhookFunction, paypalFake.signedWebhook(paypalOrderId));

        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ received: true, refused: 'provider_mismatch' });
        expect(await orderState(victim.orderId)).toMatchObject({
          status: 'requires_action',
          payment_provider: 'stripe',
          payment_reference: victim.reference,
          paid_at: null,
          events: [],
        });
        expect(answer.warnings).toEqual([
          expect.stringContaining('payment settlement refused: provider_mismatch'),
        ]);
        expect(counted).toHaveBeenCalledWith(1, { provider: 'paypal', reason: 'provider_mismatch' });
        expect(
          await db()
            .selectFrom('fulfilment_requests')
            .select('order_id')
            .where('order_id', '=', victim.orderId)
            .execute(),
        ).toEqual([]);
        counted.mockRestore();
      });
    },
  );
}

for (const target of pgliteAndPostgres()) webhookChecks(target);
