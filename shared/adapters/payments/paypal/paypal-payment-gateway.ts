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
  decimalStringToMinor,
  gatewayUnavailable,
  headerValue,
  invalidSignature,
  minorToDecimalString,
  validateChargeInput,
} from '../../../payments/payment-input';
import { AppError } from '../../../platform/errors';

/*
 * Why plain `fetch` and not a PayPal SDK:
 * - `@paypal/checkout-server-sdk` is PayPal's old SDK and is no longer developed.
 * - `@paypal/paypal-server-sdk` (2.x, the current one) fixes its environment to PayPal's
 *   sandbox or production hosts; reaching a loopback fake needs an axios adapter passed
 *   through `unstable_httpClientOptions` — an unstable, SDK-internal hook to test against.
 * - Our server needs three REST calls of Orders v2 (OAuth client-credentials token, GET order,
 *   POST capture) plus the webhook verification call. With `fetch` (global in Node 20+) they
 *   are a few dozen lines, add no dependency to the cold start, take any base URL (production,
 *   PayPal sandbox, loopback fake), and idempotency is explicit (`PayPal-Request-Id`).
 */

export interface PaypalGatewayOptions {
  /** `https://api-m.paypal.com`, `https://api-m.sandbox.paypal.com`, or a loopback fake. */
  apiBase: string;
  clientId: string;
  /** Setting PAYPAL_CLIENT_SECRET (a Key Vault reference in Azure). */
  clientSecret: string;
  /** Setting PAYPAL_WEBHOOK_ID: the id PayPal gave our webhook subscription. */
  webhookId: string;
  timeoutMs?: number;
}

/** The parts of a PayPal Orders v2 order we read. */
export interface PaypalCapture {
  id: string;
  status: 'COMPLETED' | 'DECLINED' | 'PENDING' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'FAILED' | string;
  amount?: { currency_code: string; value: string };
  custom_id?: string;
  invoice_id?: string;
  processor_response?: { response_code?: string };
  supplementary_data?: { related_ids?: { order_id?: string } };
}
export interface PaypalOrder {
  id: string;
  status: 'CREATED' | 'SAVED' | 'APPROVED' | 'VOIDED' | 'COMPLETED' | 'PAYER_ACTION_REQUIRED' | string;
  purchase_units?: {
    amount?: { currency_code: string; value: string };
    custom_id?: string;
    payments?: { captures?: PaypalCapture[] };
  }[];
  payment_source?: { card?: { brand?: string; last_digits?: string } };
  links?: { href: string; rel: string }[];
}
export interface PaypalError {
  name?: string;
  message?: string;
  details?: { issue?: string; description?: string }[];
  links?: { href: string; rel: string }[];
}

/** PayPal processor response codes we name (card payments); anything else is a generic decline. */
const PROCESSOR_CODES: Record<string, { code: string; reason: string }> = {
  '5120': { code: 'insufficient_funds', reason: 'The payment was declined for insufficient funds.' },
  '5400': { code: 'expired_card', reason: 'The card has expired.' },
  '00N7': { code: 'incorrect_cvc', reason: "The card's security code is incorrect." },
};

function payerActionUrl(links: { href: string; rel: string }[] | undefined): string | undefined {
  return links?.find((link) => link.rel === 'payer-action' || link.rel === 'approve')?.href;
}

/** The captured amount in minor units, when the capture states one PayPal's way (a decimal string). */
function capturedAmount(capture: PaypalCapture): { amountMinor?: number; currency?: string } {
  if (!capture.amount?.currency_code) return {};
  let amountMinor: number | undefined;
  try {
    amountMinor = decimalStringToMinor(capture.amount.value, capture.amount.currency_code);
  } catch {
    amountMinor = undefined; // not a currency ICU knows: the currency check refuses it
  }
  return amountMinor === undefined
    ? { currency: capture.amount.currency_code }
    : { amountMinor, currency: capture.amount.currency_code };
}

/** A capture (from an order or a webhook) as our outcome; `reference` is PayPal's order id. */
export function mapPaypalCapture(
  capture: PaypalCapture,
  reference: string,
  card?: PaypalOrder['payment_source'],
): ChargeOutcome {
  switch (capture.status) {
    case 'COMPLETED':
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return {
        status: 'succeeded',
        provider: 'paypal',
        reference,
        ...(card?.card?.brand ? { cardBrand: card.card.brand.toLowerCase() } : {}),
        ...(card?.card?.last_digits ? { last4: card.card.last_digits } : {}),
        ...capturedAmount(capture),
      };
    case 'PENDING':
      return { status: 'processing', provider: 'paypal', reference };
    default: {
      const known = PROCESSOR_CODES[capture.processor_response?.response_code ?? ''];
      return {
        status: 'declined',
        provider: 'paypal',
        reference,
        code: known?.code ?? 'generic_decline',
        reason: known?.reason ?? 'PayPal declined the payment.',
      };
    }
  }
}

/** An order as our outcome: captured (any capture state), awaiting the payer, or not charged. */
export function mapPaypalOrder(order: PaypalOrder): LookupOutcome {
  const capture = order.purchase_units?.[0]?.payments?.captures?.[0];
  if (capture) return mapPaypalCapture(capture, order.id, order.payment_source);
  if (order.status === 'PAYER_ACTION_REQUIRED') {
    const nextActionUrl = payerActionUrl(order.links);
    return {
      status: 'requires_action',
      provider: 'paypal',
      reference: order.id,
      ...(nextActionUrl ? { nextActionUrl } : {}),
    };
  }
  if (order.status === 'VOIDED') {
    return {
      status: 'declined',
      provider: 'paypal',
      reference: order.id,
      code: 'voided',
      reason: 'The PayPal order was voided.',
    };
  }
  // CREATED / SAVED / APPROVED: approved perhaps, but never captured, so no money moved.
  return { status: 'not_found', provider: 'paypal' };
}

const CAPTURE_EVENTS = new Set([
  'PAYMENT.CAPTURE.COMPLETED',
  'PAYMENT.CAPTURE.DENIED',
  'PAYMENT.CAPTURE.DECLINED',
  'PAYMENT.CAPTURE.PENDING',
]);

/** Normalises a verified PayPal webhook event (shared with the sandbox). */
export function mapPaypalWebhookEvent(event: {
  id: string;
  event_type: string;
  resource?: PaypalCapture;
}): PaymentWebhookEvent {
  if (!CAPTURE_EVENTS.has(event.event_type) || !event.resource) {
    return { kind: 'ignored', eventId: event.id, provider: 'paypal', type: event.event_type };
  }
  const capture = event.resource;
  const reference = capture.supplementary_data?.related_ids?.order_id ?? capture.id;
  // The event type is authoritative for the capture's state.
  const status =
    event.event_type === 'PAYMENT.CAPTURE.COMPLETED'
      ? 'COMPLETED'
      : event.event_type === 'PAYMENT.CAPTURE.PENDING'
        ? 'PENDING'
        : 'DECLINED';
  const orderId = capture.custom_id || capture.invoice_id;
  return {
    kind: 'charge',
    eventId: event.id,
    provider: 'paypal',
    type: event.event_type,
    ...(orderId ? { orderId } : {}),
    reference,
    outcome: mapPaypalCapture({ ...capture, status }, reference),
  };
}

/**
 * PayPal Orders v2. The buyer creates and approves the PayPal order in the PayPal button; at
 * Pay Now the server checks the approved amount against our order total and captures it with
 * `PayPal-Request-Id` = our order id, so a retried capture replays PayPal's first answer.
 */
export class PaypalPaymentGateway implements ProviderPaymentGateway {
  readonly provider = 'paypal';
  readonly description: string;
  private readonly apiBase: string;
  private token: { value: string; expiresAt: number } | undefined;
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly options: PaypalGatewayOptions) {
    if (!options.apiBase || !options.clientId || !options.clientSecret) {
      throw new Error('The PayPal gateway needs PAYPAL_API_BASE, PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET.');
    }
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.description = `paypal(${new URL(this.apiBase).host})`;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    // One token request at a time, however many charges are waiting for it.
    this.tokenRequest ??= (async () => {
      try {
        const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
        const response = await this.send('/v1/oauth2/token', {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        const body = (await response.json()) as { access_token?: string; expires_in?: number };
        if (!response.ok || !body.access_token) {
          throw gatewayUnavailable('paypal', `OAuth token request failed with ${response.status}.`);
        }
        // Renew a minute early so a token never expires mid-request.
        this.token = {
          value: body.access_token,
          expiresAt: Date.now() + ((body.expires_in ?? 300) - 60) * 1000,
        };
        return body.access_token;
      } finally {
        this.tokenRequest = undefined;
      }
    })();
    return this.tokenRequest;
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.apiBase}${path}`, {
        ...init,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch (error) {
      throw gatewayUnavailable('paypal', error instanceof Error ? error.message : String(error));
    }
  }

  /** An authorised JSON call; a 401 (token revoked early) gets one fresh token and one retry. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken();
      const response = await this.send(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
      if (response.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { message: text };
      }
      if (response.status >= 500 || response.status === 429 || response.status === 401) {
        throw gatewayUnavailable('paypal', `${method} ${path} answered ${response.status}.`);
      }
      return { status: response.status, body };
    }
  }

  async charge(input: ChargeInput): Promise<ChargeOutcome> {
    validateChargeInput(input);
    const method = input.method;
    if (method.provider !== 'paypal') {
      throw new AppError(400, 'unsupported_payment_method', 'The PayPal gateway only takes PayPal orders.');
    }
    const paypalOrderId = encodeURIComponent(method.orderId);
    const declined = (code: string, reason: string): ChargeOutcome => ({
      status: 'declined',
      provider: 'paypal',
      reference: method.orderId,
      code,
      reason,
    });

    // The SPA created the PayPal order, so its amount is the buyer's word: check it first.
    const current = await this.call('GET', `/v2/checkout/orders/${paypalOrderId}`);
    if (current.status === 404)
      return declined('invalid_payment_method', `PayPal order '${method.orderId}' does not exist.`);
    if (current.status >= 400) return this.mapPaypalError(method.orderId, current.body as PaypalError);
    const order = current.body as PaypalOrder;
    const currency = input.currency.toUpperCase();
    const units = order.purchase_units ?? [];
    let approvedMinor = 0;
    for (const unit of units) {
      const value =
        unit.amount?.currency_code === currency
          ? decimalStringToMinor(unit.amount.value, currency)
          : undefined;
      approvedMinor = value === undefined ? Number.NaN : approvedMinor + value;
    }
    if (units.length === 0 || approvedMinor !== input.amountMinor) {
      const expected = `${minorToDecimalString(input.amountMinor, currency)} ${currency}`;
      const got = units.map((u) => `${u.amount?.value} ${u.amount?.currency_code}`).join(' + ') || 'nothing';
      return declined(
        'amount_mismatch',
        `The PayPal order is for ${got}, but the order total is ${expected}.`,
      );
    }

    // Capture even when the order already shows COMPLETED: with our request id PayPal replays
    // our own capture; with another order's id it answers ORDER_ALREADY_CAPTURED (no double sale).
    const captured = await this.call('POST', `/v2/checkout/orders/${paypalOrderId}/capture`, {
      body: '{}',
      headers: { 'paypal-request-id': input.orderId, prefer: 'return=representation' },
    });
    if (captured.status === 200 || captured.status === 201) {
      const outcome = mapPaypalOrder(captured.body as PaypalOrder);
      return outcome.status === 'not_found'
        ? { status: 'processing', provider: 'paypal', reference: method.orderId }
        : outcome;
    }
    if (captured.status === 404)
      return declined('invalid_payment_method', `PayPal order '${method.orderId}' does not exist.`);
    return this.mapPaypalError(method.orderId, captured.body as PaypalError);
  }

  private mapPaypalError(paypalOrderId: string, error: PaypalError): ChargeOutcome {
    const issue = error.details?.[0]?.issue ?? error.name ?? 'UNPROCESSABLE_ENTITY';
    if (issue === 'PAYER_ACTION_REQUIRED') {
      const nextActionUrl = payerActionUrl(error.links);
      return {
        status: 'requires_action',
        provider: 'paypal',
        reference: paypalOrderId,
        ...(nextActionUrl ? { nextActionUrl } : {}),
      };
    }
    const reason =
      error.details?.[0]?.description ?? error.message ?? 'PayPal could not capture the payment.';
    return {
      status: 'declined',
      provider: 'paypal',
      reference: paypalOrderId,
      code: issue.toLowerCase(),
      reason,
    };
  }

  async lookup(input: LookupInput): Promise<LookupOutcome> {
    if (!input.reference) {
      throw new AppError(
        400,
        'reference_required',
        "PayPal lookups need PayPal's order id (the method.orderId given to charge); PayPal cannot search by our order id.",
      );
    }
    const result = await this.call('GET', `/v2/checkout/orders/${encodeURIComponent(input.reference)}`);
    if (result.status === 404) return { status: 'not_found', provider: 'paypal' };
    if (result.status >= 400) throw gatewayUnavailable('paypal', `Order lookup answered ${result.status}.`);
    return mapPaypalOrder(result.body as PaypalOrder);
  }

  /**
   * Nothing to call at PayPal, by design; we only check that no capture happened. Orders v2 has no
   * cancel for an order created with intent CAPTURE: only authorizations can be voided
   * (`POST /v2/payments/authorizations/{id}/void`, https://developer.paypal.com/checkout/void-authorized-payment),
   * and we never authorize. Money moves only when our server captures (`charge`, at Pay Now, keyed
   * by our order id), so an order we do not capture again takes nothing: PayPal lets it lapse
   * (an order id is valid for 29 days, https://developer.paypal.com/api/nvp-soap/troubleshooting/10621;
   * an approval not captured in time is reversed, https://developer.paypal.com/v5/checkout/uncaptured-payments).
   * So: captured (or capture pending) -> that state, for the caller to settle; otherwise
   * `cancelled`. Network/5xx -> 502 (unknown: ask again later).
   */
  async cancel(input: CancelInput): Promise<CancelOutcome> {
    const state = await this.lookup(input);
    if (state.status === 'succeeded' || state.status === 'processing') return state;
    if (state.status === 'declined' && state.code !== 'voided') return state;
    return {
      status: 'cancelled',
      provider: 'paypal',
      ...(input.reference ? { reference: input.reference } : {}),
    };
  }

  /**
   * Verified by PayPal's verify-webhook-signature API. The event goes back byte-for-byte as
   * received (spliced into the request as raw JSON): re-serialising a parsed event can change
   * it (number formats, key order) and make a genuine event fail verification.
   */
  async parseWebhook(rawBody: string, headers: WebhookHeaders): Promise<PaymentWebhookEvent> {
    const names = [
      'auth-algo',
      'cert-url',
      'transmission-id',
      'transmission-sig',
      'transmission-time',
    ] as const;
    const values = names.map((name) => headerValue(headers, `paypal-${name}`));
    if (values.some((value) => !value)) throw invalidSignature('Missing PayPal transmission headers.');
    if (!this.options.webhookId)
      throw new AppError(500, 'webhook_not_configured', 'PAYPAL_WEBHOOK_ID is not set.');
    let event: { id: string; event_type: string; resource?: PaypalCapture };
    try {
      event = JSON.parse(rawBody) as typeof event;
    } catch {
      throw invalidSignature('The PayPal webhook body is not JSON.');
    }
    if (typeof event?.id !== 'string' || typeof event.event_type !== 'string') {
      throw invalidSignature('The PayPal webhook body is not an event.');
    }
    const [authAlgo, certUrl, transmissionId, transmissionSig, transmissionTime] = values as string[];
    const request = `{${[
      `"auth_algo":${JSON.stringify(authAlgo)}`,
      `"cert_url":${JSON.stringify(certUrl)}`,
      `"transmission_id":${JSON.stringify(transmissionId)}`,
      `"transmission_sig":${JSON.stringify(transmissionSig)}`,
      `"transmission_time":${JSON.stringify(transmissionTime)}`,
      `"webhook_id":${JSON.stringify(this.options.webhookId)}`,
      `"webhook_event":${rawBody}`,
    ].join(',')}}`;
    const result = await this.call('POST', '/v1/notifications/verify-webhook-signature', { body: request });
    const status = (result.body as { verification_status?: string }).verification_status;
    if (result.status !== 200 || status !== 'SUCCESS') {
      throw invalidSignature(
        `PayPal did not verify the webhook (${result.status}, ${status ?? 'no status'}).`,
      );
    }
    return mapPaypalWebhookEvent(event);
  }
}
