import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../platform/errors';
import { createPaymentGateway, type PaymentGatewaySettings } from './create-payment-gateway';
import { FakePaypalServer } from './paypal/fake-paypal-server';
import { FakeStripeServer } from './stripe/fake-stripe-server';

describe('createPaymentGateway', () => {
  let dataDir: string;
  let stripe: FakeStripeServer;
  let paypal: FakePaypalServer;
  const blank: Omit<PaymentGatewaySettings, 'dataDir'> = {
    sandbox: true,
    stripeApiBase: '',
    stripeSecretKey: '',
    stripeWebhookSecret: '',
    paypalApiBase: '',
    paypalClientId: '',
    paypalClientSecret: '',
    paypalWebhookId: '',
  };

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'payments-factory-'));
    stripe = await FakeStripeServer.start();
    paypal = await FakePaypalServer.start();
  });
  afterAll(async () => {
    await stripe.close();
    await paypal.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('uses the sandbox for both providers when no API base is set, journaled under DATA_DIR/payments', async () => {
    const gateway = await createPaymentGateway({ dataDir, ...blank });
    expect(gateway.describe()).toEqual({ stripe: 'sandbox', paypal: 'sandbox' });
    expect(gateway.sandbox?.filePath).toBe(path.join(dataDir, 'payments', 'sandbox-payments.jsonl'));
    expect(
      await gateway.charge({
        orderId: 'f-1',
        amountMinor: 100,
        currency: 'EUR',
        method: { provider: 'paypal', orderId: 'PAYPAL-APPROVED-1' },
      }),
    ).toMatchObject({ status: 'succeeded', provider: 'paypal' });
    // Sandbox webhooks go through the same parse path the webhook functions use.
    const hook = gateway.sandbox!.simulateWebhook('f-1');
    expect(await gateway.parseWebhook('paypal', hook.rawBody, hook.headers)).toMatchObject({
      kind: 'charge',
      orderId: 'f-1',
    });
    await gateway.close();
  });

  it('routes each provider to its configured adapter', async () => {
    const gateway = await createPaymentGateway({
      dataDir,
      sandbox: false,
      stripeApiBase: stripe.url,
      stripeSecretKey: stripe.secretKey,
      stripeWebhookSecret: stripe.webhookSecret,
      paypalApiBase: paypal.url,
      paypalClientId: paypal.clientId,
      paypalClientSecret: paypal.clientSecret,
      paypalWebhookId: paypal.webhookId,
    });
    expect(gateway.sandbox).toBeUndefined();
    expect(gateway.describe().stripe).toMatch(/^stripe\(127\.0\.0\.1:\d+\)$/);
    const outcome = await gateway.charge({
      orderId: 'f-2',
      amountMinor: 100,
      currency: 'EUR',
      method: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
    });
    expect(outcome).toMatchObject({ status: 'succeeded', provider: 'stripe' });
    expect(stripe.intentsForOrder('f-2')).toHaveLength(1);
    const paypalOrderId = paypal.createOrder({ amountMinor: 100, currency: 'EUR' });
    expect(
      await gateway.charge({
        orderId: 'f-3',
        amountMinor: 100,
        currency: 'EUR',
        method: { provider: 'paypal', orderId: paypalOrderId },
      }),
    ).toMatchObject({ status: 'succeeded', provider: 'paypal', reference: paypalOrderId });
    await gateway.close();
  });

  it('mixes: Stripe for real, PayPal on the sandbox', async () => {
    const gateway = await createPaymentGateway({
      dataDir,
      ...blank,
      stripeApiBase: stripe.url,
      stripeSecretKey: stripe.secretKey,
      stripeWebhookSecret: stripe.webhookSecret,
    });
    expect(gateway.describe().paypal).toBe('sandbox');
    expect(gateway.sandbox).toBeDefined();
    await gateway.close();
  });

  it('refuses half a configuration', async () => {
    await expect(createPaymentGateway({ dataDir, ...blank, stripeApiBase: stripe.url })).rejects.toThrow(
      /STRIPE_SECRET_KEY/,
    );
    await expect(createPaymentGateway({ dataDir, ...blank, paypalApiBase: paypal.url })).rejects.toThrow(
      /PAYPAL_CLIENT_SECRET/,
    );
  });

  it('never switches the sandbox on by itself: a blank API base without PAYMENTS_SANDBOX is a ConfigError naming the setting, and nothing is journaled', async () => {
    const emptyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'payments-no-sandbox-'));
    const strict = { ...blank, dataDir: emptyDir, sandbox: false };
    await expect(createPaymentGateway(strict)).rejects.toThrow(/STRIPE_API_BASE is blank.*PAYMENTS_SANDBOX/);
    await expect(
      createPaymentGateway({
        ...strict,
        stripeApiBase: stripe.url,
        stripeSecretKey: stripe.secretKey,
        stripeWebhookSecret: stripe.webhookSecret,
      }),
    ).rejects.toThrow(/PAYPAL_API_BASE is blank.*PAYMENTS_SANDBOX/);
    expect(await fs.readdir(emptyDir)).toEqual([]);
    // Both providers real: no sandbox at all.
    const real = await createPaymentGateway({
      ...strict,
      stripeApiBase: stripe.url,
      stripeSecretKey: stripe.secretKey,
      stripeWebhookSecret: stripe.webhookSecret,
      paypalApiBase: paypal.url,
      paypalClientId: paypal.clientId,
      paypalClientSecret: paypal.clientSecret,
      paypalWebhookId: paypal.webhookId,
    });
    expect(real.sandbox).toBeUndefined();
    await real.close();
    await fs.rm(emptyDir, { recursive: true, force: true });
  });

  it('rejects malformed input at the router with 400', async () => {
    const gateway = await createPaymentGateway({ dataDir, ...blank });
    const error = await gateway
      .charge({ orderId: 'x', amountMinor: 1, currency: 'EUR', method: { provider: 'cash' } as never })
      .catch((e: unknown) => e);
    expect((error as AppError).status).toBe(400);
    await gateway.close();
  });
});
