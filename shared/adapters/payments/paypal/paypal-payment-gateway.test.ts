import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentGatewayContract } from '../../../payments/payment-gateway.contract';
import type { ChargeInput, PaymentMethodInput } from '../../../payments/payment-gateway.port';
import { AppError } from '../../../platform/errors';
import { type FakePaypalScenario, FakePaypalServer } from './fake-paypal-server';
import { PaypalPaymentGateway } from './paypal-payment-gateway';

function gatewayFor(fake: FakePaypalServer, overrides: { clientSecret?: string } = {}): PaypalPaymentGateway {
  return new PaypalPaymentGateway({
    apiBase: fake.url,
    clientId: fake.clientId,
    clientSecret: overrides.clientSecret ?? fake.clientSecret,
    webhookId: fake.webhookId,
  });
}

const SCENARIOS: Record<string, FakePaypalScenario> = {
  succeeds: 'approve',
  declined: 'instrument_declined',
  insufficient_funds: 'insufficient_funds',
  requires_action: 'payer_action_required',
};

paymentGatewayContract('PayPal adapter (fetch, fake PayPal API — no network here)', async () => {
  const fake = await FakePaypalServer.start();
  return {
    gateway: gatewayFor(fake),
    provider: 'paypal',
    method: (scenario, money): PaymentMethodInput => ({
      provider: 'paypal',
      orderId:
        scenario === 'unknown'
          ? `PP-NOT-A-REAL-ORDER-${randomUUID()}`
          : fake.createOrder({ ...money, scenario: SCENARIOS[scenario] }),
    }),
    genericDeclineCode: 'instrument_declined',
    chargesAt: (_orderId, method) => (method.provider === 'paypal' ? fake.capturesFor(method.orderId) : 0),
    lookupReference: (method) => (method.provider === 'paypal' ? method.orderId : undefined),
    signedWebhook: async (_orderId, outcome, method) => {
      if (method.provider !== 'paypal') throw new Error('not a PayPal method');
      return fake.signedWebhook(
        method.orderId,
        outcome.status === 'succeeded' ? 'PAYMENT.CAPTURE.COMPLETED' : 'PAYMENT.CAPTURE.DENIED',
      );
    },
    signatureHeader: 'paypal-transmission-sig',
    // PayPal cannot tell: a different amount shows up as amount_mismatch (tested below).
    refusesChangedParameters: false,
    close: () => fake.close(),
  };
});

describe('PayPal adapter specifics (against the fake PayPal API)', () => {
  let fake: FakePaypalServer;
  let gateway: PaypalPaymentGateway;
  beforeAll(async () => {
    fake = await FakePaypalServer.start();
    gateway = gatewayFor(fake);
  });
  afterAll(async () => {
    await fake.close();
  });

  const charge = (paypalOrderId: string, amountMinor = 1999, currency = 'EUR'): ChargeInput => ({
    orderId: `order-${randomUUID()}`,
    amountMinor,
    currency,
    method: { provider: 'paypal', orderId: paypalOrderId },
  });

  it('captures with PayPal-Request-Id = our order id and reuses one OAuth token', async () => {
    const tokensBefore = fake.tokensIssued;
    const input = charge(fake.createOrder({ amountMinor: 1999, currency: 'EUR' }));
    expect(await gateway.charge(input)).toMatchObject({
      status: 'succeeded',
      reference: input.method.provider === 'paypal' && input.method.orderId,
    });
    await gateway.charge(charge(fake.createOrder({ amountMinor: 1999, currency: 'EUR' })));
    const capture = fake.requests.find((r) => r.path.endsWith('/capture') && r.requestId === input.orderId);
    expect(capture).toBeDefined();
    expect(fake.tokensIssued - tokensBefore).toBeLessThanOrEqual(1);
  });

  it('refuses to capture an order approved for a different amount or currency', async () => {
    const cheap = charge(fake.createOrder({ amountMinor: 100, currency: 'EUR' }), 1999);
    expect(await gateway.charge(cheap)).toMatchObject({ status: 'declined', code: 'amount_mismatch' });
    const otherCurrency = charge(fake.createOrder({ amountMinor: 1999, currency: 'USD' }), 1999, 'EUR');
    expect(await gateway.charge(otherCurrency)).toMatchObject({
      status: 'declined',
      code: 'amount_mismatch',
    });
    if (cheap.method.provider === 'paypal') expect(fake.capturesFor(cheap.method.orderId)).toBe(0);
  });

  it('handles zero-decimal currencies (JPY) exactly', async () => {
    const input = charge(fake.createOrder({ amountMinor: 1500, currency: 'JPY' }), 1500, 'JPY');
    expect(await gateway.charge(input)).toMatchObject({ status: 'succeeded' });
  });

  it('one PayPal order cannot pay for two of our orders', async () => {
    const paypalOrderId = fake.createOrder({ amountMinor: 1999, currency: 'EUR' });
    expect(await gateway.charge(charge(paypalOrderId))).toMatchObject({ status: 'succeeded' });
    expect(await gateway.charge(charge(paypalOrderId))).toMatchObject({
      status: 'declined',
      code: 'order_already_captured',
    });
    expect(fake.capturesFor(paypalOrderId)).toBe(1);
  });

  it('an order the buyer never approved is declined, not captured', async () => {
    const input = charge(fake.createOrder({ amountMinor: 1999, currency: 'EUR', scenario: 'not_approved' }));
    expect(await gateway.charge(input)).toMatchObject({ status: 'declined', code: 'order_not_approved' });
  });

  it('lookup of an approved but never captured order is not_found (no money moved)', async () => {
    const paypalOrderId = fake.createOrder({ amountMinor: 1999, currency: 'EUR' });
    expect(await gateway.lookup({ orderId: 'o', provider: 'paypal', reference: paypalOrderId })).toEqual({
      status: 'not_found',
      provider: 'paypal',
    });
  });

  it('lookup without PayPal order id is a 400 (PayPal cannot search by our id)', async () => {
    const error = await gateway.lookup({ orderId: 'o', provider: 'paypal' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('reference_required');
  });

  it('cancel asks PayPal only whether it was captured: no capture, no void call (orders v2 has none for CAPTURE orders)', async () => {
    const paypalOrderId = fake.createOrder({
      amountMinor: 1999,
      currency: 'EUR',
      scenario: 'payer_action_required',
    });
    const input = charge(paypalOrderId);
    expect((await gateway.charge(input)).status).toBe('requires_action');
    const before = fake.requests.length;
    expect(
      await gateway.cancel({ orderId: input.orderId, provider: 'paypal', reference: paypalOrderId }),
    ).toEqual({
      status: 'cancelled',
      provider: 'paypal',
      reference: paypalOrderId,
    });
    const calls = fake.requests.slice(before).filter((r) => r.path !== '/v1/oauth2/token');
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v2/checkout/orders/${paypalOrderId}`]);
    expect(fake.capturesFor(paypalOrderId)).toBe(0);
  });

  it('cancel of an unreachable PayPal is a 502 (unknown: ask again later)', async () => {
    const down = new PaypalPaymentGateway({
      apiBase: 'http://127.0.0.1:9',
      clientId: 'x',
      clientSecret: 'y',
      webhookId: 'z',
      timeoutMs: 2000,
    });
    const error = await down
      .cancel({ orderId: 'o-1', provider: 'paypal', reference: 'PP-1' })
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
  });

  it('bad client credentials are a gateway error (502), not a decline', async () => {
    const wrong = gatewayFor(fake, { clientSecret: 'wrong' });
    const error = await wrong
      .charge(charge(fake.createOrder({ amountMinor: 1999, currency: 'EUR' })))
      .catch((e: unknown) => e);
    expect((error as AppError).status).toBe(502);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
  });

  it('an unreachable PayPal is a gateway error (502)', async () => {
    const down = new PaypalPaymentGateway({
      apiBase: 'http://127.0.0.1:9',
      clientId: 'x',
      clientSecret: 'y',
      webhookId: 'z',
      timeoutMs: 2000,
    });
    const error = await down.charge(charge('PP-1')).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('payment_gateway_unavailable');
  });

  it('verifies webhooks through verify-webhook-signature with our webhook id and the body as received', async () => {
    const input = charge(fake.createOrder({ amountMinor: 1999, currency: 'EUR', customId: 'our-order-1' }));
    await gateway.charge(input);
    if (input.method.provider !== 'paypal') throw new Error('unreachable');
    const hook = fake.signedWebhook(input.method.orderId);
    const event = await gateway.parseWebhook(hook.rawBody, hook.headers);
    expect(event).toMatchObject({
      kind: 'charge',
      provider: 'paypal',
      type: 'PAYMENT.CAPTURE.COMPLETED',
      orderId: 'our-order-1',
      reference: input.method.orderId,
      outcome: { status: 'succeeded' },
    });
    const verify = fake.requests.filter((r) => r.path === '/v1/notifications/verify-webhook-signature');
    expect(verify.length).toBeGreaterThan(0);
  });

  it('a webhook signed for another webhook id is rejected', async () => {
    const other = new PaypalPaymentGateway({
      apiBase: fake.url,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      webhookId: 'WH-SOMEONE-ELSE',
    });
    const paypalOrderId = fake.createOrder({ amountMinor: 1999, currency: 'EUR' });
    const hook = fake.signedWebhook(paypalOrderId);
    const error = await other.parseWebhook(hook.rawBody, hook.headers).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('invalid_signature');
  });

  it('a body that is not JSON is rejected with 400', async () => {
    const hook = fake.signedWebhook(fake.createOrder({ amountMinor: 1, currency: 'EUR' }));
    const error = await gateway.parseWebhook('not json', hook.headers).catch((e: unknown) => e);
    expect((error as AppError).status).toBe(400);
  });
});
