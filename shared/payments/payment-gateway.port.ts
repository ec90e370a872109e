/**
 * The payment gateway port. Money is integer minor units plus an ISO 4217 currency code.
 * Our order id is the gateway's idempotency key: charging one order twice never moves
 * money twice and returns the first outcome. Nothing here ever carries a card number or
 * CVC; the most a gateway returns about a card is its brand and last four digits.
 */

export type PaymentProvider = 'stripe' | 'paypal';

/**
 * What the SPA collected. Stripe: a PaymentMethod id made by Stripe.js (or a test id such as
 * `pm_card_visa`). PayPal: PayPal's own order id, created and approved by the buyer in the
 * PayPal button; the server only captures it.
 */
export type PaymentMethodInput =
  | { provider: 'stripe'; paymentMethodId: string }
  | { provider: 'paypal'; orderId: string };

export interface ChargeInput {
  /** Our order id: the idempotency key at the gateway and the key `lookup` finds the charge by. */
  orderId: string;
  amountMinor: number;
  /** ISO 4217, any case (normalised to lower case for Stripe, upper case for PayPal). */
  currency: string;
  method: PaymentMethodInput;
  /** Accepted for providers that want it; today no adapter sends or stores it. */
  customerEmail?: string;
}

export type ChargeOutcome =
  | {
      status: 'succeeded';
      provider: PaymentProvider;
      /** Stripe: PaymentIntent id. PayPal: PayPal order id. Sandbox: a `pi_sandbox_...` / PayPal id. */
      reference: string;
      cardBrand?: string;
      last4?: string;
      /** What the provider says was paid, when it says (Stripe `amount`, PayPal capture `amount`):
       * a settlement must match the order's total and currency (settlement-check.ts). */
      amountMinor?: number;
      /** ISO 4217 as the provider wrote it (any case). */
      currency?: string;
    }
  | {
      status: 'requires_action';
      provider: PaymentProvider;
      reference: string;
      /** Stripe: the PaymentIntent client secret Stripe.js needs to finish 3-D Secure. */
      clientSecret?: string;
      /** Where to send the buyer when the action is a redirect (PayPal payer action). */
      nextActionUrl?: string;
    }
  | {
      status: 'declined';
      provider: PaymentProvider;
      reference?: string;
      /** Machine-readable: `generic_decline`, `insufficient_funds`, `expired_card`, `incorrect_cvc`,
       * `authentication_failed`, `invalid_payment_method`, `amount_mismatch`, ... */
      code: string;
      /** A sentence a shopper may read. */
      reason: string;
    }
  | { status: 'processing'; provider: PaymentProvider; reference: string };

export type ChargeStatus = ChargeOutcome['status'];

/** `not_found`: the gateway never saw a charge for this order, so no money moved. */
export type LookupOutcome = ChargeOutcome | { status: 'not_found'; provider: PaymentProvider };

export interface LookupInput {
  /** Our order id. */
  orderId: string;
  provider: PaymentProvider;
  /**
   * The provider reference when known. Stripe: PaymentIntent id (else the adapter searches by
   * `metadata.orderId`). PayPal: PayPal's order id (`method.orderId` given to `charge`) — required
   * for PayPal, whose API cannot search by our order id, so store it with the pending order.
   */
  reference?: string;
}

export type CancelInput = LookupInput;

/**
 * What cancelling a payment that was never finished (3-D Secure abandoned) did. `cancelled`: the
 * provider will take no money for it any more, so the order may fail and its stock go back.
 * Otherwise it could not be cancelled and this is its real state, as `lookup` reports it: settle
 * that (`succeeded` -> paid, with the usual settlement checks; `declined` / `not_found` -> failed);
 * `requires_action` / `processing` -> still in flight, ask again later.
 */
export type CancelOutcome =
  | { status: 'cancelled'; provider: PaymentProvider; reference?: string }
  | LookupOutcome;

/** A verified, normalised webhook. `kind: 'ignored'` is a genuine event we have no use for. */
export type PaymentWebhookEvent =
  | {
      kind: 'charge';
      /** Provider event id: deduplicate on (provider, eventId). */
      eventId: string;
      provider: PaymentProvider;
      type: string;
      /** Our order id when the provider echoes it (Stripe metadata.orderId, PayPal custom_id). */
      orderId?: string;
      /** Provider payment reference, to find the order when `orderId` is absent (PayPal). */
      reference: string;
      outcome: ChargeOutcome;
    }
  | { kind: 'ignored'; eventId: string; provider: PaymentProvider; type: string };

/** Header names are matched case-insensitively. */
export type WebhookHeaders = Record<string, string | undefined>;

/** One provider's adapter. Errors: AppError 400 for bad input or a forged webhook; AppError 502
 * `payment_gateway_unavailable` when the outcome is unknown (network, 5xx) — leave the order
 * pending and let recovery `lookup` it. */
export interface ProviderPaymentGateway {
  readonly provider: PaymentProvider;
  /** Short description for health/logs, e.g. `sandbox`, `stripe(api.stripe.com)`. */
  readonly description: string;
  charge(input: ChargeInput): Promise<ChargeOutcome>;
  lookup(input: LookupInput): Promise<LookupOutcome>;
  /** Cancels an unfinished payment, so a late authentication cannot take money. Idempotent. */
  cancel(input: CancelInput): Promise<CancelOutcome>;
  parseWebhook(rawBody: string, headers: WebhookHeaders): Promise<PaymentWebhookEvent>;
}

/** What checkout, recovery and the webhook functions call. Routes by provider. */
export interface PaymentGateway {
  charge(input: ChargeInput): Promise<ChargeOutcome>;
  lookup(input: LookupInput): Promise<LookupOutcome>;
  cancel(input: CancelInput): Promise<CancelOutcome>;
  parseWebhook(
    provider: PaymentProvider,
    rawBody: string,
    headers: WebhookHeaders,
  ): Promise<PaymentWebhookEvent>;
  /** Which adapter serves each provider, for health and the start-up log. */
  describe(): Record<PaymentProvider, string>;
  close(): Promise<void>;
}
