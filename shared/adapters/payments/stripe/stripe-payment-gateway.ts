import Stripe from 'stripe';
import type {
  CancelInput,
  CancelOutcome,
  ChargeInput,
  ChargeOutcome,
  LookupInput,
  LookupOutcome,
  PaymentWebhookEvent,
  ProviderPaymentGateway,
  WebhookHeaders,
} from '../../../payments/payment-gateway.port';
import {
  gatewayUnavailable,
  headerValue,
  idempotencyConflict,
  invalidSignature,
  validateChargeInput,
} from '../../../payments/payment-input';
import { AppError } from '../../../platform/errors';

export interface StripeGatewayOptions {
  /** `sk_live_...` / `sk_test_...` (setting STRIPE_SECRET_KEY). */
  secretKey: string;
  /** `whsec_...` (setting STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** `https://api.stripe.com` in production; `http://127.0.0.1:PORT` for the loopback fake. */
  apiBase?: string;
  /** Retries reuse the same idempotency key, so they cannot double-charge. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /** Signed webhooks older than this are rejected (replay protection at the signature level). */
  webhookToleranceSeconds?: number;
}

/** `https://api.stripe.com` -> the `{ host, port, protocol }` the Stripe client accepts. */
export function stripeConnection(apiBase: string): {
  host: string;
  port: number;
  protocol: 'http' | 'https';
} {
  const url = new URL(apiBase);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`Unsupported Stripe API base '${apiBase}'.`);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
    protocol,
  };
}

/** Maps Stripe's error codes to our decline codes (Stripe's decline_code when it gives one). */
function declineCode(code: string | undefined | null, declineCodeValue: string | undefined | null): string {
  if (declineCodeValue) return declineCodeValue;
  if (code === 'payment_intent_authentication_failure') return 'authentication_failed';
  if (code === 'card_declined' || !code) return 'generic_decline';
  return code;
}

/** A PaymentIntent (from create, retrieve, search or a webhook) as our outcome. */
export function mapPaymentIntent(intent: Stripe.PaymentIntent): ChargeOutcome {
  const reference = intent.id;
  switch (intent.status) {
    case 'succeeded': {
      const method = typeof intent.payment_method === 'object' ? intent.payment_method : null;
      const card = method?.card;
      return {
        status: 'succeeded',
        provider: 'stripe',
        reference,
        ...(card?.brand ? { cardBrand: card.brand } : {}),
        ...(card?.last4 ? { last4: card.last4 } : {}),
        ...(typeof intent.amount === 'number' ? { amountMinor: intent.amount } : {}),
        ...(intent.currency ? { currency: intent.currency } : {}),
      };
    }
    case 'requires_action':
      return {
        status: 'requires_action',
        provider: 'stripe',
        reference,
        ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}),
        ...(intent.next_action?.redirect_to_url?.url
          ? { nextActionUrl: intent.next_action.redirect_to_url.url }
          : {}),
      };
    case 'processing':
    case 'requires_capture':
    case 'requires_confirmation':
      return { status: 'processing', provider: 'stripe', reference };
    case 'canceled':
      return {
        status: 'declined',
        provider: 'stripe',
        reference,
        code: 'canceled',
        reason: 'The payment was canceled.',
      };
    default: {
      // requires_payment_method: the last attempt failed (or none was made); no money moved.
      const error = intent.last_payment_error;
      return {
        status: 'declined',
        provider: 'stripe',
        reference,
        code: error ? declineCode(error.code, error.decline_code) : 'incomplete',
        reason: error?.message ?? 'The payment was not completed.',
      };
    }
  }
}

/** Lower rank wins when a search finds several intents for one order. */
const STATUS_RANK: Record<ChargeOutcome['status'], number> = {
  succeeded: 0,
  processing: 1,
  requires_action: 2,
  declined: 3,
};

const PAYMENT_INTENT_EVENTS = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.canceled',
]);

/**
 * Verifies a Stripe webhook with Stripe's own code (HMAC-SHA256 over `timestamp.rawBody`,
 * timestamp tolerance) and normalises PaymentIntent events. Shared with the sandbox, whose
 * simulated webhooks are Stripe-shaped and signed the same way.
 */
export function parseStripeWebhook(
  rawBody: string,
  headers: WebhookHeaders,
  secret: string,
  toleranceSeconds = 300,
): PaymentWebhookEvent {
  const signature = headerValue(headers, 'stripe-signature');
  if (!signature) throw invalidSignature('Missing Stripe-Signature header.');
  if (!secret) throw new AppError(500, 'webhook_not_configured', 'STRIPE_WEBHOOK_SECRET is not set.');
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, toleranceSeconds);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalidSignature(`Stripe webhook rejected: ${why}`);
  }
  if (!PAYMENT_INTENT_EVENTS.has(event.type)) {
    return { kind: 'ignored', eventId: event.id, provider: 'stripe', type: event.type };
  }
  const intent = event.data.object as Stripe.PaymentIntent;
  const orderId = intent.metadata?.orderId;
  return {
    kind: 'charge',
    eventId: event.id,
    provider: 'stripe',
    type: event.type,
    ...(orderId ? { orderId } : {}),
    reference: intent.id,
    outcome: mapPaymentIntent(intent),
  };
}

/**
 * Stripe PaymentIntents through the official client: create-and-confirm in one call with
 * our order id as the idempotency key, so a retry (by the client, checkout or recovery)
 * replays Stripe's first answer instead of charging again. Stripe keeps keys for 24 hours.
 */
export class StripePaymentGateway implements ProviderPaymentGateway {
  readonly provider = 'stripe';
  readonly description: string;
  private readonly client: Stripe;

  constructor(private readonly options: StripeGatewayOptions) {
    if (!options.secretKey) throw new Error('The Stripe gateway needs a secret key (STRIPE_SECRET_KEY).');
    const apiBase = options.apiBase || 'https://api.stripe.com';
    this.description = `stripe(${new URL(apiBase).host})`;
    this.client = new Stripe(options.secretKey, {
      ...stripeConnection(apiBase),
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 20_000,
      telemetry: false,
    });
  }

  async charge(input: ChargeInput): Promise<ChargeOutcome> {
    validateChargeInput(input);
    const method = input.method;
    if (method.provider !== 'stripe') {
      throw new AppError(
        400,
        'unsupported_payment_method',
        'The Stripe gateway only takes Stripe payment methods.',
      );
    }
    try {
      let intent = await this.client.paymentIntents.create(
        {
          amount: input.amountMinor,
          currency: input.currency.toLowerCase(),
          payment_method: method.paymentMethodId,
          confirm: true,
          // Cards only, no redirects: 3-D Secure is finished by Stripe.js with the client secret.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          // Only our order id: no e-mail (no receipt_email either — the shop sends its own
          // receipts, and Stripe's would duplicate them) and no other personal data.
          metadata: { orderId: input.orderId },
          expand: ['payment_method'],
        },
        { idempotencyKey: input.orderId },
      );
      // A replay returns the first response; if that was not final, report where it stands now.
      const replayed = intent.lastResponse?.headers?.['idempotent-replayed'] === 'true';
      if (replayed && intent.status !== 'succeeded' && intent.status !== 'canceled') {
        intent = await this.client.paymentIntents.retrieve(intent.id, { expand: ['payment_method'] });
      }
      return mapPaymentIntent(intent);
    } catch (error) {
      return this.mapChargeError(input.orderId, error);
    }
  }

  private mapChargeError(orderId: string, error: unknown): ChargeOutcome {
    if (error instanceof Stripe.errors.StripeCardError) {
      return {
        status: 'declined',
        provider: 'stripe',
        ...(error.payment_intent?.id ? { reference: error.payment_intent.id } : {}),
        code: declineCode(error.code, error.decline_code),
        reason: error.message,
      };
    }
    if (error instanceof Stripe.errors.StripeIdempotencyError) throw idempotencyConflict(orderId);
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      // Stripe refused the request outright (unknown payment method, amount too small...):
      // definitively nothing was charged, so checkout can compensate like any decline.
      const unknownMethod = error.code === 'resource_missing' && error.param === 'payment_method';
      return {
        status: 'declined',
        provider: 'stripe',
        ...(error.payment_intent?.id ? { reference: error.payment_intent.id } : {}),
        code: unknownMethod ? 'invalid_payment_method' : (error.code ?? 'invalid_request'),
        reason: error.message,
      };
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw gatewayUnavailable('stripe', detail);
  }

  async lookup(input: LookupInput): Promise<LookupOutcome> {
    try {
      if (input.reference) {
        const intent = await this.client.paymentIntents.retrieve(input.reference, {
          expand: ['payment_method'],
        });
        return mapPaymentIntent(intent);
      }
      // Search is eventually consistent (Stripe documents up to a minute of lag): recovery
      // should only ask about orders that have been pending for longer than that.
      const escaped = input.orderId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      const result = await this.client.paymentIntents.search({
        query: `metadata['orderId']:'${escaped}'`,
        limit: 10,
        expand: ['data.payment_method'],
      });
      const outcomes = result.data
        .filter((intent) => intent.metadata?.orderId === input.orderId)
        .map(mapPaymentIntent)
        .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
      return outcomes[0] ?? { status: 'not_found', provider: 'stripe' };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
        return { status: 'not_found', provider: 'stripe' };
      }
      if (error instanceof AppError) throw error;
      throw gatewayUnavailable('stripe', error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * `POST /v1/payment_intents/{id}/cancel` (https://docs.stripe.com/api/payment_intents/cancel):
   * allowed while the intent is `requires_payment_method`, `requires_capture`,
   * `requires_confirmation`, `requires_action` (or, in rare cases, `processing`); after it "no
   * additional charges are made by the PaymentIntent and any operations on the PaymentIntent fail
   * with an error", so a 3-D Secure finished later cannot take money. In any other state Stripe
   * refuses with 400 `invalid_request_error` code `payment_intent_unexpected_state` (it succeeded
   * meanwhile, or is already canceled): we then read the intent and report its real state, so a
   * payment that did go through is settled as paid. Anything else (network, 5xx) is an unknown
   * outcome: 502, ask again later. The client's retries carry one automatic idempotency key.
   */
  async cancel(input: CancelInput): Promise<CancelOutcome> {
    let reference = input.reference;
    if (!reference) {
      // No PaymentIntent id stored (a crash before the charge answered): find it by our order id.
      const found = await this.lookup(input);
      if (found.status === 'not_found' || found.status === 'succeeded' || !found.reference) return found;
      reference = found.reference;
    }
    try {
      const intent = await this.client.paymentIntents.cancel(reference, {
        cancellation_reason: 'abandoned',
        expand: ['payment_method'],
      });
      return intent.status === 'canceled'
        ? { status: 'cancelled', provider: 'stripe', reference }
        : mapPaymentIntent(intent);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        if (error.code === 'payment_intent_unexpected_state') {
          const intent = await this.retrieve(reference);
          if (!intent) return { status: 'not_found', provider: 'stripe' };
          return intent.status === 'canceled'
            ? { status: 'cancelled', provider: 'stripe', reference }
            : mapPaymentIntent(intent);
        }
        if (error.code === 'resource_missing') return { status: 'not_found', provider: 'stripe' };
      }
      throw gatewayUnavailable('stripe', error instanceof Error ? error.message : String(error));
    }
  }

  /** The intent as Stripe has it now; undefined when Stripe has no such intent. */
  private async retrieve(reference: string): Promise<Stripe.PaymentIntent | undefined> {
    try {
      return await this.client.paymentIntents.retrieve(reference, { expand: ['payment_method'] });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')
        return undefined;
      throw gatewayUnavailable('stripe', error instanceof Error ? error.message : String(error));
    }
  }

  async parseWebhook(rawBody: string, headers: WebhookHeaders): Promise<PaymentWebhookEvent> {
    return parseStripeWebhook(
      rawBody,
      headers,
      this.options.webhookSecret,
      this.options.webhookToleranceSeconds,
    );
  }
}
