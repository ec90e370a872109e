import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import type {
  ChargeInput,
  ChargeOutcome,
  PaymentMethodInput,
  PaymentProvider,
  ProviderPaymentGateway,
} from './payment-gateway.port';

/** The payment situations every adapter must handle. */
export type ContractScenario = 'succeeds' | 'declined' | 'insufficient_funds' | 'requires_action' | 'unknown';

export interface SignedWebhook {
  rawBody: string;
  headers: Record<string, string>;
}

/** What a test file supplies to run the contract against one adapter. */
export interface PaymentGatewayHarness {
  gateway: ProviderPaymentGateway;
  provider: PaymentProvider;
  /** A payment method that will behave as the scenario says for this amount. */
  method(scenario: ContractScenario, money: { amountMinor: number; currency: string }): PaymentMethodInput;
  /** The decline code the adapter reports for the plain `declined` scenario. */
  genericDeclineCode: string;
  /** Money movements the provider made for this order (the double-charge probe). */
  chargesAt(orderId: string, method: PaymentMethodInput): number;
  /** The reference recovery would pass to lookup (PayPal needs its order id; others need none). */
  lookupReference(method: PaymentMethodInput): string | undefined;
  /** The buyer completes the requires_action step (3-D Secure), when the harness can do that. */
  completeAction?(reference: string): Promise<void>;
  /** A webhook signed as the provider would, describing this order's charge. */
  signedWebhook(orderId: string, outcome: ChargeOutcome, method: PaymentMethodInput): Promise<SignedWebhook>;
  /** Header that carries the signature (to forge it). */
  signatureHeader: string;
  /** Whether the same order id with different parameters is refused (409 idempotency_conflict). */
  refusesChangedParameters: boolean;
  close(): Promise<void>;
}

/** Any run of 13-19 digits would look like a card number: outcomes must never carry one. */
const CARD_NUMBER = /\d{13,19}/;

function headerKey(headers: Record<string, string>, name: string): string {
  return Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
}

async function expectAppError(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).status).toBe(status);
  expect((error as AppError).code).toBe(code);
}

/**
 * One contract for every payment adapter: the sandbox, Stripe (real client against the fake
 * API) and PayPal (against its fake). Each test uses fresh order ids, so the suite can share
 * one gateway.
 */
export function paymentGatewayContract(
  name: string,
  makeHarness: () => Promise<PaymentGatewayHarness>,
): void {
  describe(`payment gateway contract: ${name}`, () => {
    let h: PaymentGatewayHarness;
    const money = { amountMinor: 2599, currency: 'EUR' };

    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    function chargeInput(scenario: ContractScenario, orderId = `order-${randomUUID()}`): ChargeInput {
      return { orderId, ...money, method: h.method(scenario, money), customerEmail: 'buyer@example.test' };
    }

    it('charges a good payment method: succeeded with a reference, never a card number', async () => {
      const input = chargeInput('succeeds');
      const outcome = await h.gateway.charge(input);
      expect(outcome.status).toBe('succeeded');
      expect(outcome.provider).toBe(h.provider);
      if (outcome.status !== 'succeeded') return;
      expect(outcome.reference).toMatch(/\S+/);
      if (outcome.last4 !== undefined) expect(outcome.last4).toMatch(/^\d{4}$/);
      expect(JSON.stringify(outcome)).not.toMatch(CARD_NUMBER);
      expect(h.chargesAt(input.orderId, input.method)).toBe(1);
    });

    it('reports a decline with a code and a reason a shopper can read', async () => {
      const outcome = await h.gateway.charge(chargeInput('declined'));
      expect(outcome).toMatchObject({ status: 'declined', provider: h.provider, code: h.genericDeclineCode });
      if (outcome.status === 'declined') expect(outcome.reason.length).toBeGreaterThan(5);
    });

    it('reports insufficient funds as its own decline code', async () => {
      const outcome = await h.gateway.charge(chargeInput('insufficient_funds'));
      expect(outcome).toMatchObject({ status: 'declined', code: 'insufficient_funds' });
    });

    it('returns requires_action with what the SPA needs to finish (3-D Secure / payer action)', async () => {
      const outcome = await h.gateway.charge(chargeInput('requires_action'));
      expect(outcome.status).toBe('requires_action');
      if (outcome.status !== 'requires_action') return;
      expect(outcome.reference).toMatch(/\S+/);
      expect(outcome.clientSecret ?? outcome.nextActionUrl).toBeTruthy();
    });

    it('declines an unknown payment method as invalid_payment_method (a clean decline, not a crash)', async () => {
      const outcome = await h.gateway.charge(chargeInput('unknown'));
      expect(outcome).toMatchObject({ status: 'declined', code: 'invalid_payment_method' });
    });

    it('is idempotent per order: the same order twice charges once and answers the same', async () => {
      const input = chargeInput('succeeds');
      const first = await h.gateway.charge(input);
      const second = await h.gateway.charge({ ...input });
      expect(second).toEqual(first);
      expect(h.chargesAt(input.orderId, input.method)).toBe(1);
    });

    it('is idempotent under concurrency: simultaneous charges for one order charge once', async () => {
      const input = chargeInput('succeeds');
      const outcomes = await Promise.all([
        h.gateway.charge(input),
        h.gateway.charge(input),
        h.gateway.charge(input),
      ]);
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[2]).toEqual(outcomes[0]);
      expect(h.chargesAt(input.orderId, input.method)).toBe(1);
    });

    it('replays a decline too, without a second attempt', async () => {
      const input = chargeInput('declined');
      const first = await h.gateway.charge(input);
      const second = await h.gateway.charge(input);
      expect(second).toEqual(first);
      expect(h.chargesAt(input.orderId, input.method)).toBeLessThanOrEqual(1);
    });

    it('refuses the same order id with a different amount when the provider can tell', async () => {
      if (!h.refusesChangedParameters) return;
      const input = chargeInput('succeeds');
      await h.gateway.charge(input);
      await expectAppError(
        h.gateway.charge({ ...input, amountMinor: input.amountMinor + 100 }),
        409,
        'idempotency_conflict',
      );
      expect(h.chargesAt(input.orderId, input.method)).toBe(1);
    });

    it('rejects malformed input with 400 before anything is charged', async () => {
      const input = chargeInput('succeeds');
      await expectAppError(h.gateway.charge({ ...input, amountMinor: 0 }), 400, 'validation_failed');
      await expectAppError(h.gateway.charge({ ...input, amountMinor: 10.5 }), 400, 'validation_failed');
      await expectAppError(h.gateway.charge({ ...input, currency: 'euro' }), 400, 'validation_failed');
      expect(h.chargesAt(input.orderId, input.method)).toBe(0);
    });

    it('looks up a charge after the fact (recovery after a crash)', async () => {
      const input = chargeInput('succeeds');
      const charged = await h.gateway.charge(input);
      const found = await h.gateway.lookup({
        orderId: input.orderId,
        provider: h.provider,
        reference: h.lookupReference(input.method),
      });
      expect(found.status).toBe('succeeded');
      expect('reference' in found && found.reference).toBe('reference' in charged && charged.reference);
    });

    it('looks up a declined charge as declined', async () => {
      const input = chargeInput('insufficient_funds');
      await h.gateway.charge(input);
      const found = await h.gateway.lookup({
        orderId: input.orderId,
        provider: h.provider,
        reference: h.lookupReference(input.method),
      });
      expect(found).toMatchObject({ status: 'declined', code: 'insufficient_funds' });
    });

    it('looks up an order that was never charged as not_found', async () => {
      const input = chargeInput('succeeds');
      const found = await h.gateway.lookup({
        orderId: input.orderId,
        provider: h.provider,
        reference: h.lookupReference(input.method),
      });
      expect(found).toEqual({ status: 'not_found', provider: h.provider });
      expect(h.chargesAt(input.orderId, input.method)).toBe(0);
    });

    it('after the buyer completes the action, lookup shows the charge succeeded', async () => {
      if (!h.completeAction) return;
      const input = chargeInput('requires_action');
      const outcome = await h.gateway.charge(input);
      if (outcome.status !== 'requires_action')
        throw new Error(`expected requires_action, got ${outcome.status}`);
      await h.completeAction(outcome.reference);
      const found = await h.gateway.lookup({
        orderId: input.orderId,
        provider: h.provider,
        reference: h.lookupReference(input.method),
      });
      expect(found).toMatchObject({ status: 'succeeded', reference: outcome.reference });
      expect(await h.gateway.charge(input)).toMatchObject({
        status: 'succeeded',
        reference: outcome.reference,
      });
      expect(h.chargesAt(input.orderId, input.method)).toBe(1);
    });

    describe('cancel (an abandoned 3-D Secure / payer action)', () => {
      /** What recovery passes: PayPal's order id, else the reference the charge returned. */
      function cancelInput(input: ChargeInput, outcome: ChargeOutcome) {
        return {
          orderId: input.orderId,
          provider: h.provider,
          reference:
            h.lookupReference(input.method) ?? ('reference' in outcome ? outcome.reference : undefined),
        };
      }

      it('cancels a payment waiting for the buyer: cancelled, idempotent, and the buyer can no longer complete it', async () => {
        const input = chargeInput('requires_action');
        const outcome = await h.gateway.charge(input);
        if (outcome.status !== 'requires_action')
          throw new Error(`expected requires_action, got ${outcome.status}`);
        expect(await h.gateway.cancel(cancelInput(input, outcome))).toMatchObject({
          status: 'cancelled',
          provider: h.provider,
        });
        expect(await h.gateway.cancel(cancelInput(input, outcome))).toMatchObject({ status: 'cancelled' });
        if (h.completeAction) await expect(h.completeAction(outcome.reference)).rejects.toThrow();
        const found = await h.gateway.lookup({
          orderId: input.orderId,
          provider: h.provider,
          reference: h.lookupReference(input.method),
        });
        expect(found.status).not.toBe('succeeded');
        // Pay Now retried with the same order id does not revive it either.
        expect((await h.gateway.charge(input)).status).not.toBe('succeeded');
        expect(h.chargesAt(input.orderId, input.method)).toBeLessThanOrEqual(1);
      });

      it('cannot cancel a payment that succeeded: reports it succeeded, for the caller to settle as paid', async () => {
        const input = chargeInput('succeeds');
        const charged = await h.gateway.charge(input);
        if (charged.status !== 'succeeded') throw new Error(`expected succeeded, got ${charged.status}`);
        expect(await h.gateway.cancel(cancelInput(input, charged))).toMatchObject({
          status: 'succeeded',
          provider: h.provider,
          reference: charged.reference,
        });
        expect(h.chargesAt(input.orderId, input.method)).toBe(1);
      });

      it('the buyer authenticated just before the cancel: reports succeeded, not cancelled', async () => {
        if (!h.completeAction) return;
        const input = chargeInput('requires_action');
        const outcome = await h.gateway.charge(input);
        if (outcome.status !== 'requires_action')
          throw new Error(`expected requires_action, got ${outcome.status}`);
        await h.completeAction(outcome.reference);
        expect(await h.gateway.cancel(cancelInput(input, outcome))).toMatchObject({
          status: 'succeeded',
          reference: outcome.reference,
        });
      });

      it('an order never charged: nothing to cancel, no money moved', async () => {
        const input = chargeInput('succeeds');
        const result = await h.gateway.cancel({
          orderId: input.orderId,
          provider: h.provider,
          reference: h.lookupReference(input.method),
        });
        expect(['not_found', 'cancelled']).toContain(result.status);
        expect(h.chargesAt(input.orderId, input.method)).toBe(0);
      });
    });

    describe('webhooks', () => {
      async function charged(
        scenario: ContractScenario,
      ): Promise<{ input: ChargeInput; outcome: ChargeOutcome }> {
        const input = chargeInput(scenario);
        return { input, outcome: await h.gateway.charge(input) };
      }

      it('accepts a validly signed success event and maps it', async () => {
        const { input, outcome } = await charged('succeeds');
        const hook = await h.signedWebhook(input.orderId, outcome, input.method);
        const event = await h.gateway.parseWebhook(hook.rawBody, hook.headers);
        expect(event.kind).toBe('charge');
        if (event.kind !== 'charge') return;
        expect(event.provider).toBe(h.provider);
        expect(event.eventId).toMatch(/\S+/);
        expect(event.outcome.status).toBe('succeeded');
        expect(event.reference).toBe('reference' in outcome ? outcome.reference : undefined);
        if (event.orderId !== undefined) expect(event.orderId).toBe(input.orderId);
      });

      it('maps a failure event to declined', async () => {
        const { input, outcome } = await charged('insufficient_funds');
        const hook = await h.signedWebhook(input.orderId, outcome, input.method);
        const event = await h.gateway.parseWebhook(hook.rawBody, hook.headers);
        expect(event).toMatchObject({ kind: 'charge', outcome: { status: 'declined' } });
      });

      it('rejects a forged signature (one lifted from another event) with 400 invalid_signature', async () => {
        const a = await charged('succeeds');
        const b = await charged('succeeds');
        const hookA = await h.signedWebhook(a.input.orderId, a.outcome, a.input.method);
        const hookB = await h.signedWebhook(b.input.orderId, b.outcome, b.input.method);
        const key = headerKey(hookA.headers, h.signatureHeader);
        const forged = {
          ...hookA.headers,
          [key]: hookB.headers[headerKey(hookB.headers, h.signatureHeader)]!,
        };
        await expectAppError(h.gateway.parseWebhook(hookA.rawBody, forged), 400, 'invalid_signature');
      });

      it('rejects a missing signature with 400', async () => {
        const { input, outcome } = await charged('succeeds');
        const hook = await h.signedWebhook(input.orderId, outcome, input.method);
        const headers = { ...hook.headers };
        delete headers[headerKey(headers, h.signatureHeader)];
        await expectAppError(h.gateway.parseWebhook(hook.rawBody, headers), 400, 'invalid_signature');
      });

      it('rejects a tampered body with 400', async () => {
        const { input, outcome } = await charged('insufficient_funds');
        const hook = await h.signedWebhook(input.orderId, outcome, input.method);
        // An attacker turns a failure into a success, keeping the original signature.
        const tampered = hook.rawBody
          .replace('payment_intent.payment_failed', 'payment_intent.succeeded')
          .replace('PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.COMPLETED');
        expect(tampered).not.toBe(hook.rawBody);
        await expectAppError(h.gateway.parseWebhook(tampered, hook.headers), 400, 'invalid_signature');
      });
    });
  });
}
