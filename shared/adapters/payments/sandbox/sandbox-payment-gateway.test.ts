import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paymentGatewayContract } from '../../../payments/payment-gateway.contract';
import type { ChargeInput, PaymentMethodInput } from '../../../payments/payment-gateway.port';
import { AppError } from '../../../platform/errors';
import { SandboxPaymentGateway } from './sandbox-payment-gateway';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-payments-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

const STRIPE_IDS = {
  succeeds: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  insufficient_funds: 'pm_card_chargeDeclinedInsufficientFunds',
  requires_action: 'pm_card_authenticationRequired',
  unknown: 'pm_card_doesNotExist',
} as const;

const PAYPAL_PREFIX = {
  succeeds: 'PAYPAL-APPROVED',
  declined: 'PAYPAL-DECLINED',
  insufficient_funds: 'PAYPAL-INSUFFICIENT',
  requires_action: 'PAYPAL-ACTION',
  unknown: 'PAYPAL-UNKNOWN',
} as const;

let paypalCounter = 0;

for (const provider of ['stripe', 'paypal'] as const) {
  paymentGatewayContract(`sandbox (${provider})`, async () => {
    const sandbox = await SandboxPaymentGateway.open({ dataDir: await tempDir() });
    return {
      gateway: sandbox.forProvider(provider),
      provider,
      method: (scenario): PaymentMethodInput =>
        provider === 'stripe'
          ? { provider, paymentMethodId: STRIPE_IDS[scenario] }
          : { provider, orderId: `${PAYPAL_PREFIX[scenario]}-${++paypalCounter}` },
      genericDeclineCode: provider === 'stripe' ? 'generic_decline' : 'instrument_declined',
      chargesAt: (orderId) => sandbox.chargeCount(orderId),
      lookupReference: () => undefined,
      completeAction: async (reference) => {
        await sandbox.confirmAction(reference);
      },
      signedWebhook: async (orderId) => sandbox.simulateWebhook(orderId),
      signatureHeader: provider === 'stripe' ? 'stripe-signature' : 'paypal-transmission-sig',
      refusesChangedParameters: true,
      close: () => sandbox.close(),
    };
  });
}

describe('sandbox gateway', () => {
  const input = (orderId: string, paymentMethodId = 'pm_card_visa'): ChargeInput => ({
    orderId,
    amountMinor: 1250,
    currency: 'usd',
    method: { provider: 'stripe', paymentMethodId },
  });

  it('honours the Stripe test ids with brand and last 4', async () => {
    const sandbox = await SandboxPaymentGateway.open({ dataDir: await tempDir() });
    expect(await sandbox.charge(input('o-visa'))).toMatchObject({
      status: 'succeeded',
      cardBrand: 'visa',
      last4: '4242',
    });
    expect(await sandbox.charge(input('o-mc', 'pm_card_mastercard'))).toMatchObject({
      cardBrand: 'mastercard',
      last4: '4444',
    });
    expect(await sandbox.charge(input('o-amex', 'pm_card_amex'))).toMatchObject({
      cardBrand: 'amex',
      last4: '8431',
    });
    expect(await sandbox.charge(input('o-exp', 'pm_card_chargeDeclinedExpiredCard'))).toMatchObject({
      status: 'declined',
      code: 'expired_card',
    });
    expect(await sandbox.charge(input('o-cvc', 'pm_card_chargeDeclinedIncorrectCvc'))).toMatchObject({
      status: 'declined',
      code: 'incorrect_cvc',
    });
    await sandbox.close();
  });

  it('is durable: a charge made before a restart is found by lookup in a new instance', async () => {
    const dataDir = await tempDir();
    const first = await SandboxPaymentGateway.open({ dataDir });
    const paid = await first.charge(input('o-durable'));
    const declined = await first.charge(input('o-declined', 'pm_card_chargeDeclinedInsufficientFunds'));
    // No close(): the process "dies" right after the charge answered.
    const second = await SandboxPaymentGateway.open({ dataDir });
    expect(await second.lookup({ orderId: 'o-durable', provider: 'stripe' })).toEqual(paid);
    expect(await second.lookup({ orderId: 'o-declined', provider: 'stripe' })).toEqual(declined);
    expect(await second.lookup({ orderId: 'o-never', provider: 'stripe' })).toEqual({
      status: 'not_found',
      provider: 'stripe',
    });
    // And idempotency survives the restart: the same order is not charged again.
    expect(await second.charge(input('o-durable'))).toEqual(paid);
    await first.close();
    await second.close();
    const lines = (await fs.readFile(path.join(dataDir, 'sandbox-payments.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(lines).toHaveLength(2);
  });

  it('survives SIGKILL right after a charge answered: a new process finds it and does not charge again', async () => {
    const dataDir = await tempDir();
    const script = path.join(dataDir, 'crash-child.ts');
    const answeredFile = path.join(dataDir, 'answered.json');
    const modulePath = path.resolve(__dirname, 'sandbox-payment-gateway.ts');
    await fs.writeFile(
      script,
      `import { writeFileSync } from 'node:fs';
import { SandboxPaymentGateway } from ${JSON.stringify(modulePath)};
async function main(): Promise<void> {
  const sandbox = await SandboxPaymentGateway.open({ dataDir: ${JSON.stringify(dataDir)} });
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      sandbox.charge({ orderId: 'crash-' + i, amountMinor: 999, currency: 'EUR', method: { provider: 'stripe', paymentMethodId: 'pm_card_visa' } }),
    ),
  );
  writeFileSync(${JSON.stringify(answeredFile)}, JSON.stringify(outcomes));
  // Die before any bookkeeping: no close(), no flush, no exit handlers.
  process.kill(process.pid, 'SIGKILL');
}
void main();
`,
    );
    const signal = await new Promise<string | null>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd() });
      child.on('exit', (_code, killedBy) => resolve(killedBy));
    });
    expect(signal).toBe('SIGKILL');
    const stdout = await fs.readFile(answeredFile, 'utf8');
    const answered = JSON.parse(stdout) as { reference: string }[];
    expect(answered).toHaveLength(50);
    const recovered = await SandboxPaymentGateway.open({ dataDir });
    for (let i = 0; i < 50; i++) {
      expect(await recovered.lookup({ orderId: `crash-${i}`, provider: 'stripe' })).toMatchObject({
        status: 'succeeded',
        reference: answered[i]!.reference,
      });
      expect(recovered.chargeCount(`crash-${i}`)).toBe(1);
    }
    await recovered.charge({
      orderId: 'crash-0',
      amountMinor: 999,
      currency: 'EUR',
      method: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
    });
    expect(recovered.chargeCount('crash-0')).toBe(1);
    await recovered.close();
  });

  it('is durable across a 3-D Secure completion', async () => {
    const dataDir = await tempDir();
    const first = await SandboxPaymentGateway.open({ dataDir });
    const pending = await first.charge(input('o-3ds', 'pm_card_authenticationRequired'));
    if (pending.status !== 'requires_action') throw new Error('expected requires_action');
    expect(pending.clientSecret).toMatch(/^pi_sandbox_\w+_secret_\w+$/);
    await first.confirmAction(pending.reference);
    await first.close();
    const second = await SandboxPaymentGateway.open({ dataDir });
    expect(await second.lookup({ orderId: 'o-3ds', provider: 'stripe' })).toMatchObject({
      status: 'succeeded',
      reference: pending.reference,
      last4: '3184',
    });
    await second.close();
  });

  it('a failed 3-D Secure becomes authentication_failed', async () => {
    const sandbox = await SandboxPaymentGateway.open({ dataDir: await tempDir() });
    const pending = await sandbox.charge(input('o-3ds-fail', 'pm_card_authenticationRequired'));
    if (pending.status !== 'requires_action') throw new Error('expected requires_action');
    expect(await sandbox.confirmAction(pending.reference, false)).toMatchObject({
      status: 'declined',
      code: 'authentication_failed',
    });
    // Confirming again does not change a settled charge.
    expect(await sandbox.confirmAction(pending.reference, true)).toMatchObject({ status: 'declined' });
    await sandbox.close();
  });

  it('ignores a torn last line (crash mid-write) and keeps appending cleanly', async () => {
    const dataDir = await tempDir();
    const first = await SandboxPaymentGateway.open({ dataDir });
    await first.charge(input('o-before-tear'));
    await first.close();
    await fs.appendFile(path.join(dataDir, 'sandbox-payments.jsonl'), '{"orderId":"o-torn","provi');
    const second = await SandboxPaymentGateway.open({ dataDir });
    expect((await second.lookup({ orderId: 'o-before-tear', provider: 'stripe' })).status).toBe('succeeded');
    expect((await second.lookup({ orderId: 'o-torn', provider: 'stripe' })).status).toBe('not_found');
    await second.charge(input('o-after-tear'));
    await second.close();
    const third = await SandboxPaymentGateway.open({ dataDir });
    expect((await third.lookup({ orderId: 'o-after-tear', provider: 'stripe' })).status).toBe('succeeded');
    await third.close();
  });

  it('refuses to start on a corrupt journal rather than forget charges', async () => {
    const dataDir = await tempDir();
    await fs.writeFile(path.join(dataDir, 'sandbox-payments.jsonl'), 'garbage\n{"orderId":"x"}\n');
    await expect(SandboxPaymentGateway.open({ dataDir })).rejects.toThrow(/corrupt/);
  });

  it('group-commits: many concurrent charges take far fewer fsyncs, all durable', async () => {
    const dataDir = await tempDir();
    const sandbox = await SandboxPaymentGateway.open({ dataDir });
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => sandbox.charge(input(`bulk-${i}`))),
    );
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(sandbox.syncCount).toBeLessThan(300);
    const reopened = await SandboxPaymentGateway.open({ dataDir });
    expect((await reopened.lookup({ orderId: 'bulk-299', provider: 'stripe' })).status).toBe('succeeded');
    await sandbox.close();
    await reopened.close();
  });

  it('one PayPal order cannot pay for two of our orders', async () => {
    const sandbox = await SandboxPaymentGateway.open({ dataDir: await tempDir() });
    const method = { provider: 'paypal', orderId: 'PAYPAL-APPROVED-shared' } as const;
    expect(await sandbox.charge({ orderId: 'o-a', amountMinor: 500, currency: 'EUR', method })).toMatchObject(
      {
        status: 'succeeded',
      },
    );
    expect(await sandbox.charge({ orderId: 'o-b', amountMinor: 500, currency: 'EUR', method })).toMatchObject(
      {
        status: 'declined',
        code: 'order_already_captured',
      },
    );
    await sandbox.close();
  });

  it('stores no card data in its journal', async () => {
    const dataDir = await tempDir();
    const sandbox = await SandboxPaymentGateway.open({ dataDir });
    await sandbox.charge({ ...input('o-email'), customerEmail: 'someone@example.test' });
    await sandbox.close();
    const text = await fs.readFile(path.join(dataDir, 'sandbox-payments.jsonl'), 'utf8');
    expect(text).not.toMatch(/\d{13,19}/);
    expect(text).not.toContain('someone@example.test');
  });

  it('a cancelled 3-D Secure stays cancelled after a restart; authenticating it is a 409 payment_canceled', async () => {
    const dataDir = await tempDir();
    const first = await SandboxPaymentGateway.open({ dataDir });
    const pending = await first.charge(input('o-3ds-cancel', 'pm_card_authenticationRequired'));
    if (pending.status !== 'requires_action') throw new Error('expected requires_action');
    expect(await first.cancel({ orderId: 'o-3ds-cancel', provider: 'stripe' })).toEqual({
      status: 'cancelled',
      provider: 'stripe',
      reference: pending.reference,
    });
    await first.close();
    const second = await SandboxPaymentGateway.open({ dataDir });
    const error = await second.confirmAction(pending.reference, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(409);
    expect((error as AppError).code).toBe('payment_canceled');
    expect(await second.lookup({ orderId: 'o-3ds-cancel', provider: 'stripe' })).toMatchObject({
      status: 'declined',
      code: 'canceled',
    });
    expect(second.chargeCount('o-3ds-cancel')).toBe(1);
    await second.close();
  });

  it('confirmAction on an unknown reference is a 404', async () => {
    const sandbox = await SandboxPaymentGateway.open({ dataDir: await tempDir() });
    const error = await sandbox.confirmAction('pi_nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(404);
    await sandbox.close();
  });
});
