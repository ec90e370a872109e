import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentGatewayContract } from '../../../payments/payment-gateway.contract';
import type {
  ChargeInput,
  PaymentMethodInput,
  PaymentWebhookEvent,
} from '../../../payments/payment-gateway.port';
import { AppError } from '../../../platform/errors';
import { FakeStripeServer } from './fake-stripe-server';
import { StripePaymentGateway, stripeConnection } from './stripe-payment-gateway';

const TEST_IDS = {
  succeeds: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  insufficient_funds: 'pm_card_chargeDeclinedInsufficientFunds',
  requires_action: 'pm_card_authenticationRequired',
  unknown: 'pm_card_doesNotExist',
} as const;

function gatewayFor(
  fake: FakeStripeServer,
  options: { maxNetworkRetries?: number } = {},
): StripePaymentGateway {
  return new StripePaymentGateway({
    apiBase: fake.url,
    secretKey: fake.secretKey,
    webhookSecret: fake.webhookSecret,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
  });
}

paymentGatewayContract('Stripe adapter (real stripe client, fake Stripe API — no network here)', async () => {
  const fake = await FakeStripeServer.start();
  return {
    gateway: gatewayFor(fake),
    provider: 'stripe',
    method: (scenario): PaymentMethodInput => ({ provider: 'stripe', paymentMethodId: TEST_IDS[scenario] }),
    genericDeclineCode: 'generic_decline',
    chargesAt: (orderId) => fake.intentsForOrder(orderId).length,
    lookupReference: () => undefined,
    completeAction: async (reference) => {
      await fake.completeAuthentication(reference);
    },
    signedWebhook: async (_orderId, outcome) => {
      if (!('reference' in outcome) || !outcome.reference) throw new Error('no PaymentIntent to describe');
      return fake.signedEvent(outcome.reference);
    },
    signatureHeader: 'stripe-signature',
    refusesChangedParameters: true,
    close: () => fake.close(),
  };
});

describe('Stripe adapter specifics (against the fake Stripe API)', () => {
  let fake: FakeStripeServer;
  let gateway: StripePaymentGateway;
  beforeAll(async () => {
    fake = await FakeStripeServer.start();
    gateway = gatewayFor(fake);
  });
  afterAll(async () => {
    await fake.close();
  });

  const input = (paymentMethodId = 'pm_card_visa', orderId = `order-${randomUUID()}`): ChargeInput => ({
    orderId,
    amountMinor: 4200,
    currency: 'EUR',
    method: { provider: 'stripe', paymentMethodId },
  });

  it('sends one confirmed PaymentIntent with the order id as Idempotency-Key and in metadata', async () => {
    const charge = input();
    const outcome = await gateway.charge(charge);
    expect(outcome).toMatchObject({ status: 'succeeded', cardBrand: 'visa', last4: '4242' });
    const creates = fake.requests.filter((r) => r.path === '/v1/payment_intents' && r.params.metadata);
    const sent = creates.find(
      (r) => (r.params.metadata as Record<string, string>).orderId === charge.orderId,
    );
    expect(sent?.idempotencyKey).toBe(charge.orderId);
    expect(sent?.params).toMatchObject({
      amount: '4200',
      currency: 'eur',
      confirm: 'true',
      payment_method: 'pm_card_visa',
      automatic_payment_methods: { enabled: 'true', allow_redirects: 'never' },
    });
    expect(sent?.authorization).toBe(`Bearer ${fake.secretKey}`);
  });

  it('a second call for the same order is an idempotent replay at Stripe, not a new PaymentIntent', async () => {
    const charge = input();
    await gateway.charge(charge);
    await gateway.charge(charge);
    const sent = fake.requests.filter((r) => r.idempotencyKey === charge.orderId);
    expect(sent).toHaveLength(2);
    expect(sent.map((r) => r.replayed)).toEqual([false, true]);
    expect(fake.intentsForOrder(charge.orderId)).toHaveLength(1);
  });

  it('survives a lost response: the client retries with the same key and nothing is charged twice', async () => {
    const charge = input();
    fake.injectFault({ times: 1, when: 'after', status: 500 });
    const outcome = await gateway.charge(charge);
    expect(outcome.status).toBe('succeeded');
    expect(fake.intentsForOrder(charge.orderId)).toHaveLength(1);
    const sent = fake.requests.filter((r) => r.idempotencyKey === charge.orderId);
    expect(sent.length).toBeGreaterThanOrEqual(2);
  });

  it('an unknown outcome (Stripe keeps failing) is a 502 payment_gateway_unavailable; lookup then finds the truth', async () => {
    const noRetries = gatewayFor(fake, { maxNetworkRetries: 0 });
    const charge = input();
    fake.injectFault({ times: 1, when: 'after', status: 500 });
    const error = await noRetries.charge(charge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(502);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
    // The charge did happen: recovery's lookup (search by metadata.orderId) sees it.
    expect(await noRetries.lookup({ orderId: charge.orderId, provider: 'stripe' })).toMatchObject({
      status: 'succeeded',
    });
  });

  it('maps expired card and incorrect CVC declines from StripeCardError', async () => {
    expect(await gateway.charge(input('pm_card_chargeDeclinedExpiredCard'))).toMatchObject({
      status: 'declined',
      code: 'expired_card',
      reason: 'Your card has expired.',
    });
    expect(await gateway.charge(input('pm_card_chargeDeclinedIncorrectCvc'))).toMatchObject({
      status: 'declined',
      code: 'incorrect_cvc',
    });
  });

  it('a decline carries the PaymentIntent id as reference', async () => {
    const outcome = await gateway.charge(input('pm_card_chargeDeclined'));
    expect(outcome.status).toBe('declined');
    expect(outcome.status === 'declined' && outcome.reference).toMatch(/^pi_/);
  });

  it('3-D Secure: returns the client secret; a replay after completion reports succeeded', async () => {
    const charge = input('pm_card_authenticationRequired');
    const first = await gateway.charge(charge);
    if (first.status !== 'requires_action') throw new Error(`expected requires_action, got ${first.status}`);
    expect(first.clientSecret).toMatch(new RegExp(`^${first.reference}_secret_`));
    await fake.completeAuthentication(first.reference);
    expect(await gateway.charge(charge)).toMatchObject({ status: 'succeeded', reference: first.reference });
  });

  it('3-D Secure failure reads as authentication_failed on lookup', async () => {
    const charge = input('pm_card_authenticationRequired');
    const first = await gateway.charge(charge);
    if (first.status !== 'requires_action') throw new Error('expected requires_action');
    await fake.completeAuthentication(first.reference, false);
    expect(
      await gateway.lookup({ orderId: charge.orderId, provider: 'stripe', reference: first.reference }),
    ).toMatchObject({
      status: 'declined',
      code: 'authentication_failed',
    });
  });

  it('cancel: POST /v1/payment_intents/{id}/cancel (abandoned); Stripe then refuses to confirm the intent', async () => {
    const charge = input('pm_card_authenticationRequired');
    const first = await gateway.charge(charge);
    if (first.status !== 'requires_action') throw new Error('expected requires_action');
    expect(
      await gateway.cancel({ orderId: charge.orderId, provider: 'stripe', reference: first.reference }),
    ).toEqual({ status: 'cancelled', provider: 'stripe', reference: first.reference });
    const sent = fake.requests.find((r) => r.path === `/v1/payment_intents/${first.reference}/cancel`);
    expect(sent?.params).toMatchObject({ cancellation_reason: 'abandoned' });
    expect(fake.paymentIntent(first.reference)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    });
    // Any later operation fails (Stripe's API reference): a confirmation through the real client.
    const stripe = new Stripe(fake.secretKey, { ...stripeConnection(fake.url), maxNetworkRetries: 0 });
    const error = await stripe.paymentIntents.confirm(first.reference).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as Stripe.errors.StripeInvalidRequestError).code).toBe('payment_intent_unexpected_state');
    expect(fake.paymentIntent(first.reference)?.status).toBe('canceled');
    // Found without the stored reference too (search by metadata.orderId), and still cancelled.
    expect(await gateway.cancel({ orderId: charge.orderId, provider: 'stripe' })).toMatchObject({
      status: 'cancelled',
    });
  });

  it('cancel with an unknown outcome (Stripe keeps failing) is a 502 payment_gateway_unavailable', async () => {
    const noRetries = gatewayFor(fake, { maxNetworkRetries: 0 });
    const charge = input('pm_card_authenticationRequired');
    const first = await noRetries.charge(charge);
    if (first.status !== 'requires_action') throw new Error('expected requires_action');
    fake.injectFault({ times: 1, when: 'before', status: 500, path: /\/cancel$/ });
    const error = await noRetries
      .cancel({ orderId: charge.orderId, provider: 'stripe', reference: first.reference })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
    expect(fake.paymentIntent(first.reference)?.status).toBe('requires_action');
  });

  it('cancel of an unknown PaymentIntent is not_found', async () => {
    expect(
      await gateway.cancel({ orderId: `order-${randomUUID()}`, provider: 'stripe', reference: 'pi_nope' }),
    ).toEqual({ status: 'not_found', provider: 'stripe' });
  });

  it('lookup by stored reference retrieves the PaymentIntent; an unknown reference is not_found', async () => {
    const charge = input();
    const outcome = await gateway.charge(charge);
    if (outcome.status !== 'succeeded') throw new Error('expected success');
    const byReference = await gateway.lookup({
      orderId: charge.orderId,
      provider: 'stripe',
      reference: outcome.reference,
    });
    expect(byReference).toEqual(outcome);
    const retrieve = fake.requests.at(-1);
    expect(retrieve).toMatchObject({ method: 'GET', path: `/v1/payment_intents/${outcome.reference}` });
    expect(await gateway.lookup({ orderId: 'x', provider: 'stripe', reference: 'pi_missing' })).toEqual({
      status: 'not_found',
      provider: 'stripe',
    });
  });

  it('lookup without a reference searches by metadata orderId', async () => {
    const charge = input();
    await gateway.charge(charge);
    await gateway.lookup({ orderId: charge.orderId, provider: 'stripe' });
    const search = fake.requests.at(-1);
    expect(search).toMatchObject({ method: 'GET', path: '/v1/payment_intents/search' });
    expect(search?.params.query).toBe(`metadata['orderId']:'${charge.orderId}'`);
  });

  it('a wrong secret key is a gateway error, not a decline', async () => {
    const wrongKey = new StripePaymentGateway({
      apiBase: fake.url,
      secretKey: 'sk_test_wrong',
      webhookSecret: 'x',
    });
    const error = await wrongKey.charge(input()).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
  });

  it('ignores events it has no use for, after verifying them', async () => {
    const payload = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'customer.created',
      data: { object: {} },
    });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: fake.webhookSecret });
    expect(await gateway.parseWebhook(payload, { 'Stripe-Signature': header })).toEqual({
      kind: 'ignored',
      eventId: 'evt_1',
      provider: 'stripe',
      type: 'customer.created',
    });
  });

  it('rejects an old (replayed) signed event beyond the tolerance', async () => {
    const charge = input();
    const outcome = await gateway.charge(charge);
    if (outcome.status !== 'succeeded') throw new Error('expected success');
    const { rawBody } = fake.signedEvent(outcome.reference);
    const old = Stripe.webhooks.generateTestHeaderString({
      payload: rawBody,
      secret: fake.webhookSecret,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const error = await gateway.parseWebhook(rawBody, { 'stripe-signature': old }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('invalid_signature');
  });

  it('webhook events carry our order id from metadata', async () => {
    const charge = input();
    const outcome = await gateway.charge(charge);
    if (outcome.status !== 'succeeded') throw new Error('expected success');
    const hook = fake.signedEvent(outcome.reference);
    expect(await gateway.parseWebhook(hook.rawBody, hook.headers)).toMatchObject({
      kind: 'charge',
      orderId: charge.orderId,
      type: 'payment_intent.succeeded',
      reference: outcome.reference,
    });
  });
});

describe('fake Stripe webhook delivery (for end-to-end suites)', () => {
  it('POSTs signed events on every state change to webhookUrl, and they verify', async () => {
    const received: PaymentWebhookEvent[] = [];
    let gateway: StripePaymentGateway | undefined;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        gateway!.parseWebhook(body, headers).then(
          (event) => {
            received.push(event);
            res.writeHead(200).end();
          },
          () => res.writeHead(400).end(),
        );
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const fake = await FakeStripeServer.start({
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    });
    gateway = gatewayFor(fake);
    const orderId = `order-${randomUUID()}`;
    const first = await gateway.charge({
      orderId,
      amountMinor: 500,
      currency: 'usd',
      method: { provider: 'stripe', paymentMethodId: 'pm_card_authenticationRequired' },
    });
    if (first.status !== 'requires_action') throw new Error('expected requires_action');
    await fake.completeAuthentication(first.reference);
    await fake.webhooksSettled();
    expect(received.map((e) => e.kind === 'charge' && e.outcome.status)).toEqual([
      'requires_action',
      'succeeded',
    ]);
    expect(received.every((e) => e.kind === 'charge' && e.orderId === orderId)).toBe(true);
    expect(fake.webhookDeliveries.map((d) => d.status)).toEqual([200, 200]);
    await fake.close();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
});

describe('fake Stripe API with the raw client', () => {
  it('supports create-then-confirm (POST /v1/payment_intents/:id/confirm) and 402 on a declined confirm', async () => {
    const fake = await FakeStripeServer.start();
    const client = new Stripe(fake.secretKey, { ...stripeConnection(fake.url), maxNetworkRetries: 0 });
    const created = await client.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      payment_method: 'pm_card_visa',
    });
    expect(created.status).toBe('requires_confirmation');
    const confirmed = await client.paymentIntents.confirm(created.id);
    expect(confirmed.status).toBe('succeeded');
    const declined = await client.paymentIntents.create({ amount: 700, currency: 'usd' });
    const error = await client.paymentIntents
      .confirm(declined.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((error as Stripe.errors.StripeCardError).decline_code).toBe('insufficient_funds');
    const again = await client.paymentIntents.confirm(created.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await fake.close();
  });
});

describe('stripeConnection', () => {
  it('turns an API base into host, port and protocol', () => {
    expect(stripeConnection('https://api.stripe.com')).toEqual({
      host: 'api.stripe.com',
      port: 443,
      protocol: 'https',
    });
    expect(stripeConnection('http://127.0.0.1:12111')).toEqual({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
    expect(() => stripeConnection('ftp://x')).toThrow();
  });
});
