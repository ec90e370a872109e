import { createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import Stripe from 'stripe';
import type {
  CancelInput,
  CancelOutcome,
  ChargeInput,
  ChargeOutcome,
  LookupInput,
  LookupOutcome,
  PaymentProvider,
  PaymentWebhookEvent,
  ProviderPaymentGateway,
  WebhookHeaders,
} from '../../../payments/payment-gateway.port';
import {
  gatewayUnavailable,
  headerValue,
  idempotencyConflict,
  invalidSignature,
  minorToDecimalString,
  validateChargeInput,
} from '../../../payments/payment-input';
import { AppError } from '../../../platform/errors';
import { mapPaypalWebhookEvent, type PaypalCapture } from '../paypal/paypal-payment-gateway';
import { randomId } from '../random-id';
import { parseStripeWebhook } from '../stripe/stripe-payment-gateway';
import {
  AUTHENTICATION_FAILED,
  findTestPaymentMethod,
  STRIPE_TEST_PAYMENT_METHODS,
} from '../stripe-test-payment-methods';
import { JsonLinesJournal } from './json-lines-journal';

/** Local-only secrets: the sandbox signs its simulated webhooks with these unless told otherwise. */
export const SANDBOX_STRIPE_WEBHOOK_SECRET = 'whsec_sandbox_local_only';
export const SANDBOX_PAYPAL_WEBHOOK_SECRET = 'paypal_sandbox_local_only';

export interface SandboxGatewayOptions {
  /** Directory for the journal (the app's DATA_DIR, e.g. `.data/payments`). */
  dataDir: string;
  fileName?: string;
  /** Used to sign and verify simulated Stripe webhooks (STRIPE_WEBHOOK_SECRET when set). */
  stripeWebhookSecret?: string;
  paypalWebhookSecret?: string;
}

/**
 * One line of the journal: the charge's state after an event. The last line for an order wins.
 * `methodRef` is a token (pm id / PayPal order id), never card data.
 */
interface SandboxChargeRecord {
  /** `charge`: a new charge (money may move); `update`: its state changed (3-D Secure finished). */
  kind: 'charge' | 'update';
  orderId: string;
  provider: PaymentProvider;
  methodRef: string;
  amountMinor: number;
  currency: string;
  outcome: ChargeOutcome;
  at: string;
}

interface Entry {
  record: SandboxChargeRecord;
  /** Resolves when the latest record for this order is on disk. */
  durable: Promise<void>;
}

/** How a cancelled sandbox charge reads afterwards (as Stripe's canceled PaymentIntent maps). */
const CANCELED = { code: 'canceled', reason: 'The payment was canceled.' } as const;

function isCanceled(outcome: ChargeOutcome): boolean {
  return outcome.status === 'declined' && outcome.code === CANCELED.code;
}

const KNOWN_STRIPE_IDS = STRIPE_TEST_PAYMENT_METHODS.map((m) => m.id).join(', ');

/**
 * The local default gateway. Behaves like Stripe in test mode for Stripe's test PaymentMethod
 * ids, and like PayPal for order ids named by outcome (`PAYPAL-APPROVED-...`,
 * `PAYPAL-DECLINED-...`, `PAYPAL-INSUFFICIENT-...`, `PAYPAL-ACTION-...`).
 *
 * Unknown payment method ids are a decline (`invalid_payment_method`), not an exception: by
 * the time Pay Now charges, stock is sold to the order, and a decline is the path that puts it
 * back. The Stripe adapter maps Stripe's "No such PaymentMethod" the same way.
 *
 * Durable like a real gateway: the in-memory map is authoritative while running; every state
 * change is appended to a JSON-lines journal and `charge` answers only once its line is
 * fsync'ed, so a process killed after a charge finds it again (`lookup`) after a restart.
 */
export class SandboxPaymentGateway {
  private readonly byOrder = new Map<string, Entry>();
  private readonly orderByReference = new Map<string, string>();
  private readonly chargesByOrder = new Map<string, number>();
  /** PayPal order id -> our order id: one PayPal order pays for one of our orders. */
  private readonly paypalCaptures = new Map<string, string>();
  private readonly stripeWebhookSecret: string;
  private readonly paypalWebhookSecret: string;

  private constructor(
    private readonly journal: JsonLinesJournal<SandboxChargeRecord>,
    options: SandboxGatewayOptions,
  ) {
    this.stripeWebhookSecret = options.stripeWebhookSecret || SANDBOX_STRIPE_WEBHOOK_SECRET;
    this.paypalWebhookSecret = options.paypalWebhookSecret || SANDBOX_PAYPAL_WEBHOOK_SECRET;
  }

  static async open(options: SandboxGatewayOptions): Promise<SandboxPaymentGateway> {
    const filePath = path.join(options.dataDir, options.fileName ?? 'sandbox-payments.jsonl');
    const { journal, records } = await JsonLinesJournal.open<SandboxChargeRecord>(filePath);
    const gateway = new SandboxPaymentGateway(journal, options);
    for (const record of records) gateway.remember(record, Promise.resolve());
    return gateway;
  }

  get filePath(): string {
    return this.journal.filePath;
  }

  /** Write+fsync rounds so far (group commit makes this far smaller than the charge count). */
  get syncCount(): number {
    return this.journal.syncCount;
  }

  private remember(record: SandboxChargeRecord, durable: Promise<void>): Entry {
    const entry = { record, durable };
    this.byOrder.set(record.orderId, entry);
    if (record.kind === 'charge')
      this.chargesByOrder.set(record.orderId, this.chargeCount(record.orderId) + 1);
    const reference = 'reference' in record.outcome ? record.outcome.reference : undefined;
    if (reference) this.orderByReference.set(reference, record.orderId);
    if (record.provider === 'paypal' && record.outcome.status === 'succeeded') {
      this.paypalCaptures.set(record.methodRef, record.orderId);
    }
    return entry;
  }

  /** Records a state change; the map changes now (so concurrent callers see it), the disk soon. */
  private async persist(record: SandboxChargeRecord): Promise<ChargeOutcome> {
    const durable = this.journal.append(record);
    const entry = this.remember(record, durable);
    try {
      await durable;
    } catch (error) {
      if (this.byOrder.get(record.orderId) === entry) this.byOrder.delete(record.orderId);
      throw gatewayUnavailable(record.provider, `sandbox journal write failed: ${String(error)}`);
    }
    return record.outcome;
  }

  async charge(input: ChargeInput): Promise<ChargeOutcome> {
    validateChargeInput(input);
    const method = input.method;
    const methodRef = method.provider === 'stripe' ? method.paymentMethodId : method.orderId;
    const currency = input.currency.toUpperCase();
    const existing = this.byOrder.get(input.orderId);
    if (existing) {
      const first = existing.record;
      if (
        first.provider !== method.provider ||
        first.methodRef !== methodRef ||
        first.amountMinor !== input.amountMinor ||
        first.currency !== currency
      ) {
        throw idempotencyConflict(input.orderId);
      }
      await existing.durable.catch((error: unknown) => {
        throw gatewayUnavailable(first.provider, `sandbox journal write failed: ${String(error)}`);
      });
      // The charge's current state (a completed 3-D Secure shows as succeeded).
      return (this.byOrder.get(input.orderId) ?? existing).record.outcome;
    }
    const outcome =
      method.provider === 'stripe'
        ? this.stripeOutcome(methodRef)
        : this.paypalOutcome(input.orderId, methodRef);
    return this.persist({
      kind: 'charge',
      orderId: input.orderId,
      provider: method.provider,
      methodRef,
      amountMinor: input.amountMinor,
      currency,
      outcome,
      at: new Date().toISOString(),
    });
  }

  private stripeOutcome(paymentMethodId: string): ChargeOutcome {
    const reference = randomId('pi_sandbox_');
    const method = findTestPaymentMethod(paymentMethodId);
    if (!method) {
      return {
        status: 'declined',
        provider: 'stripe',
        reference,
        code: 'invalid_payment_method',
        reason: `No such PaymentMethod '${paymentMethodId}' in the sandbox; use a Stripe test id (${KNOWN_STRIPE_IDS}).`,
      };
    }
    switch (method.behaviour.kind) {
      case 'succeed':
        return {
          status: 'succeeded',
          provider: 'stripe',
          reference,
          cardBrand: method.brand,
          last4: method.last4,
        };
      case 'authenticate':
        return {
          status: 'requires_action',
          provider: 'stripe',
          reference,
          clientSecret: randomId(`${reference}_secret_`),
        };
      case 'decline':
        return {
          status: 'declined',
          provider: 'stripe',
          reference,
          code: method.behaviour.declineCode,
          reason: method.behaviour.message,
        };
    }
  }

  private paypalOutcome(orderId: string, paypalOrderId: string): ChargeOutcome {
    const reference = paypalOrderId;
    const capturedFor = this.paypalCaptures.get(paypalOrderId);
    if (capturedFor && capturedFor !== orderId) {
      return {
        status: 'declined',
        provider: 'paypal',
        reference,
        code: 'order_already_captured',
        reason: 'Order already captured.',
      };
    }
    if (paypalOrderId.startsWith('PAYPAL-APPROVED'))
      return { status: 'succeeded', provider: 'paypal', reference };
    if (paypalOrderId.startsWith('PAYPAL-DECLINED')) {
      return {
        status: 'declined',
        provider: 'paypal',
        reference,
        code: 'instrument_declined',
        reason: 'The instrument presented was declined by the processor or bank.',
      };
    }
    if (paypalOrderId.startsWith('PAYPAL-INSUFFICIENT')) {
      return {
        status: 'declined',
        provider: 'paypal',
        reference,
        code: 'insufficient_funds',
        reason: 'The payment was declined for insufficient funds.',
      };
    }
    if (paypalOrderId.startsWith('PAYPAL-ACTION')) {
      return {
        status: 'requires_action',
        provider: 'paypal',
        reference,
        nextActionUrl: `https://www.sandbox.paypal.com/checkoutnow?token=${encodeURIComponent(paypalOrderId)}`,
      };
    }
    return {
      status: 'declined',
      provider: 'paypal',
      reference,
      code: 'invalid_payment_method',
      reason: `PayPal order '${paypalOrderId}' is unknown to the sandbox; use PAYPAL-APPROVED-..., PAYPAL-DECLINED-..., PAYPAL-INSUFFICIENT-... or PAYPAL-ACTION-....`,
    };
  }

  /** Sandbox charges are found by our order id alone; `reference`, if given, must agree. */
  async lookup(input: LookupInput): Promise<LookupOutcome> {
    const entry = this.byOrder.get(input.orderId);
    if (!entry || entry.record.provider !== input.provider)
      return { status: 'not_found', provider: input.provider };
    await entry.durable;
    return (this.byOrder.get(input.orderId) ?? entry).record.outcome;
  }

  /**
   * Like Stripe's cancel: a charge still waiting for the buyer becomes final (read back as
   * declined `canceled`), so a later `confirmAction` cannot make it succeed. A charge that already
   * finished reports its state instead (succeeded: the caller settles it as paid). Journaled like
   * any state change, so a restart keeps it cancelled.
   */
  async cancel(input: CancelInput): Promise<CancelOutcome> {
    const entry = this.byOrder.get(input.orderId);
    if (!entry || entry.record.provider !== input.provider)
      return { status: 'not_found', provider: input.provider };
    await entry.durable;
    const record = (this.byOrder.get(input.orderId) ?? entry).record;
    const outcome = record.outcome;
    const reference = 'reference' in outcome ? outcome.reference : undefined;
    const cancelled: CancelOutcome = {
      status: 'cancelled',
      provider: record.provider,
      ...(reference ? { reference } : {}),
    };
    if (isCanceled(outcome)) return cancelled;
    if (outcome.status !== 'requires_action' && outcome.status !== 'processing') return outcome;
    await this.persist({
      ...record,
      kind: 'update',
      outcome: { status: 'declined', provider: record.provider, reference: outcome.reference, ...CANCELED },
      at: new Date().toISOString(),
    });
    return cancelled;
  }

  /**
   * The buyer finishes (or fails) 3-D Secure / PayPal payer action. Idempotent: a charge that is
   * no longer waiting keeps its state. Unknown reference -> AppError 404; a cancelled charge ->
   * AppError 409 `payment_canceled` (as Stripe refuses any operation on a canceled PaymentIntent).
   */
  async confirmAction(reference: string, succeed = true): Promise<ChargeOutcome> {
    const orderId = this.orderByReference.get(reference);
    const entry = orderId ? this.byOrder.get(orderId) : undefined;
    if (!entry) throw new AppError(404, 'not_found', `No sandbox charge with reference '${reference}'.`);
    await entry.durable;
    const record = (orderId ? this.byOrder.get(orderId) : undefined)?.record ?? entry.record;
    if (isCanceled(record.outcome)) {
      throw new AppError(
        409,
        'payment_canceled',
        'This payment was cancelled because it was not authenticated in time; nothing was charged. Pay again from the cart.',
      );
    }
    if (record.outcome.status !== 'requires_action') return record.outcome;
    const method = record.provider === 'stripe' ? findTestPaymentMethod(record.methodRef) : undefined;
    const outcome: ChargeOutcome = succeed
      ? {
          status: 'succeeded',
          provider: record.provider,
          reference,
          ...(method ? { cardBrand: method.brand, last4: method.last4 } : {}),
        }
      : {
          status: 'declined',
          provider: record.provider,
          reference,
          code: 'authentication_failed',
          reason: AUTHENTICATION_FAILED.message,
        };
    return this.persist({ ...record, kind: 'update', outcome, at: new Date().toISOString() });
  }

  /** Charges made for an order, from the journal: more than 1 would be a double charge. */
  chargeCount(orderId: string): number {
    return this.chargesByOrder.get(orderId) ?? 0;
  }

  /**
   * A signed webhook describing an order's charge as it stands, shaped like the provider's
   * (Stripe event / PayPal capture event), for the local host's dev tools and tests.
   */
  simulateWebhook(orderId: string): {
    provider: PaymentProvider;
    rawBody: string;
    headers: Record<string, string>;
  } {
    const entry = this.byOrder.get(orderId);
    if (!entry) throw new AppError(404, 'not_found', `No sandbox charge for order '${orderId}'.`);
    const { record } = entry;
    const outcome = record.outcome;
    const reference =
      'reference' in outcome && outcome.reference ? outcome.reference : `pi_sandbox_${orderId}`;
    if (record.provider === 'stripe') {
      const intent = {
        id: reference,
        object: 'payment_intent',
        amount: record.amountMinor,
        currency: record.currency.toLowerCase(),
        metadata: { orderId },
        payment_method: record.methodRef,
        status:
          outcome.status === 'declined'
            ? 'requires_payment_method'
            : outcome.status === 'requires_action'
              ? 'requires_action'
              : outcome.status,
        ...(outcome.status === 'requires_action' && outcome.clientSecret
          ? { client_secret: outcome.clientSecret }
          : {}),
        last_payment_error:
          outcome.status === 'declined'
            ? { type: 'card_error', decline_code: outcome.code, message: outcome.reason }
            : null,
      };
      const type =
        outcome.status === 'succeeded'
          ? 'payment_intent.succeeded'
          : outcome.status === 'declined'
            ? 'payment_intent.payment_failed'
            : `payment_intent.${outcome.status}`;
      const rawBody = JSON.stringify({
        id: randomId('evt_sandbox_'),
        object: 'event',
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        type,
        data: { object: intent },
      });
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload: rawBody,
        secret: this.stripeWebhookSecret,
      });
      return {
        provider: 'stripe',
        rawBody,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      };
    }
    const capture: PaypalCapture = {
      id: randomId('CAP-SANDBOX-', 12),
      status:
        outcome.status === 'succeeded' ? 'COMPLETED' : outcome.status === 'declined' ? 'DECLINED' : 'PENDING',
      custom_id: orderId,
      amount: {
        currency_code: record.currency.toUpperCase(),
        value: minorToDecimalString(record.amountMinor, record.currency),
      },
      supplementary_data: { related_ids: { order_id: record.methodRef } },
      ...(outcome.status === 'declined' && outcome.code === 'insufficient_funds'
        ? { processor_response: { response_code: '5120' } }
        : {}),
    };
    const eventType =
      outcome.status === 'succeeded'
        ? 'PAYMENT.CAPTURE.COMPLETED'
        : outcome.status === 'declined'
          ? 'PAYMENT.CAPTURE.DENIED'
          : 'PAYMENT.CAPTURE.PENDING';
    const rawBody = JSON.stringify({
      id: randomId('WH-SANDBOX-', 16),
      event_type: eventType,
      resource_type: 'capture',
      resource: capture,
    });
    return {
      provider: 'paypal',
      rawBody,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': randomId('', 16),
        'paypal-transmission-sig': this.paypalSignature(rawBody),
      },
    };
  }

  private paypalSignature(rawBody: string): string {
    return createHmac('sha256', this.paypalWebhookSecret).update(rawBody).digest('hex');
  }

  /** Stripe-shaped events are verified by Stripe's own code; PayPal-shaped ones by a local HMAC
   * (the sandbox has no PayPal API to ask). */
  async parseWebhook(
    provider: PaymentProvider,
    rawBody: string,
    headers: WebhookHeaders,
  ): Promise<PaymentWebhookEvent> {
    if (provider === 'stripe') return parseStripeWebhook(rawBody, headers, this.stripeWebhookSecret);
    const given = Buffer.from(headerValue(headers, 'paypal-transmission-sig') ?? '');
    const expected = Buffer.from(this.paypalSignature(rawBody));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidSignature('The sandbox PayPal webhook signature does not match.');
    }
    let event: { id: string; event_type: string; resource?: PaypalCapture };
    try {
      event = JSON.parse(rawBody) as typeof event;
    } catch {
      throw invalidSignature('The PayPal webhook body is not JSON.');
    }
    return mapPaypalWebhookEvent(event);
  }

  /** The sandbox as one provider's adapter, for the router. */
  forProvider(provider: PaymentProvider): ProviderPaymentGateway {
    return {
      provider,
      description: 'sandbox',
      charge: async (input) => {
        if (input.method?.provider !== provider) {
          throw new AppError(
            400,
            'unsupported_payment_method',
            `This sandbox view only takes ${provider} payments.`,
          );
        }
        return this.charge(input);
      },
      lookup: (input) => this.lookup({ ...input, provider }),
      cancel: (input) => this.cancel({ ...input, provider }),
      parseWebhook: (rawBody, headers) => this.parseWebhook(provider, rawBody, headers),
    };
  }

  async close(): Promise<void> {
    await this.journal.close();
  }
}
