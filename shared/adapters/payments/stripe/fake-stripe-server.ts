import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { randomId } from '../random-id';
import {
  AUTHENTICATION_FAILED,
  findTestPaymentMethod,
  type TestPaymentMethod,
} from '../stripe-test-payment-methods';

/**
 * A loopback stand-in for the part of Stripe's REST API our adapter uses, close enough for
 * the real `stripe` client: form-encoded POSTs, `Idempotency-Key` replay (first response,
 * `Idempotent-Replayed: true`; different parameters -> 400 idempotency_error), 402
 * `card_error` bodies shaped like Stripe's, PaymentIntent search by metadata, Stripe's test
 * PaymentMethod ids. Test-only; never used by the running shop.
 */

export interface RecordedStripeRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  authorization?: string;
  params: Record<string, unknown>;
  status: number;
  replayed: boolean;
}

/** A PaymentIntent as the fake stores it (the subset of Stripe's shape the adapter reads). */
export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled';
  client_secret: string;
  created: number;
  livemode: false;
  metadata: Record<string, string>;
  payment_method: string | null;
  latest_charge: string | null;
  last_payment_error: Record<string, unknown> | null;
  next_action: Record<string, unknown> | null;
  receipt_email: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
}

export interface FakeStripeOptions {
  secretKey?: string;
  webhookSecret?: string;
  /** When set, every PaymentIntent state change is POSTed here as a signed webhook. */
  webhookUrl?: string;
}

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

type FaultWhen = 'before' | 'after';

function id(prefix: string): string {
  return randomId(`${prefix}_`);
}

/** `metadata[orderId]=x&expand[0]=y` -> `{ metadata: { orderId: 'x' }, expand: { '0': 'y' } }`. */
export function parseStripeParams(encoded: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const parts = key.replace(/\]/g, '').split('[');
    let target = result;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      if (typeof next !== 'object' || next === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return result;
}

function listParam(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).map(String);
  return [];
}

export class FakeStripeServer {
  readonly requests: RecordedStripeRequest[] = [];
  readonly webhookDeliveries: { type: string; status: number }[] = [];
  readonly secretKey: string;
  readonly webhookSecret: string;
  private readonly intents = new Map<string, FakePaymentIntent>();
  private readonly idempotency = new Map<string, StoredResponse>();
  private faults:
    | { when: FaultWhen; status: number; remaining: number; path: RegExp | undefined }
    | undefined;
  private server!: http.Server;
  url = '';

  private constructor(private readonly options: FakeStripeOptions) {
    this.secretKey = options.secretKey ?? 'sk_test_fake_stripe';
    this.webhookSecret = options.webhookSecret ?? 'whsec_fake_stripe';
  }

  static async start(options: FakeStripeOptions = {}): Promise<FakeStripeServer> {
    const fake = new FakeStripeServer(options);
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests fail with `status`: `before` = not processed, `after` = processed
   * but the answer lost (the client cannot tell what happened; its retry must not charge twice).
   * `path`: only requests whose path matches (e.g. `/\/cancel$/`) fail; others pass untouched. */
  injectFault(fault: { times: number; when: FaultWhen; status?: number; path?: RegExp }): void {
    this.faults = {
      when: fault.when,
      status: fault.status ?? 500,
      remaining: fault.times,
      path: fault.path,
    };
  }

  paymentIntent(intentId: string): FakePaymentIntent | undefined {
    return this.intents.get(intentId);
  }

  /** PaymentIntents created for one of our orders: the "was the buyer charged twice" probe. */
  intentsForOrder(orderId: string): FakePaymentIntent[] {
    return [...this.intents.values()].filter((intent) => intent.metadata.orderId === orderId);
  }

  /** Requests that created a PaymentIntent (replays excluded). */
  createRequests(): RecordedStripeRequest[] {
    return this.requests.filter(
      (r) => r.method === 'POST' && r.path === '/v1/payment_intents' && !r.replayed,
    );
  }

  /** The buyer finishes (or fails) 3-D Secure in Stripe.js. A canceled (or otherwise settled)
   * intent cannot be authenticated any more: it throws, as Stripe.js reports an error. */
  async completeAuthentication(intentId: string, succeed = true): Promise<FakePaymentIntent> {
    const intent = this.intents.get(intentId);
    if (intent?.status !== 'requires_action') {
      throw new Error(
        `payment_intent_unexpected_state: ${intentId} is ${intent?.status ?? 'unknown'}, not awaiting authentication.`,
      );
    }
    intent.next_action = null;
    if (succeed) {
      intent.status = 'succeeded';
      intent.latest_charge = id('ch');
    } else {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'invalid_request_error',
        code: AUTHENTICATION_FAILED.errorCode,
        message: AUTHENTICATION_FAILED.message,
      };
    }
    await this.emit(intent);
    return intent;
  }

  /** A webhook body + headers for an intent, signed with the webhook secret like Stripe does. */
  signedEvent(
    intentId: string,
    type = this.eventTypeFor(this.requireIntent(intentId)),
    secret = this.webhookSecret,
  ): { rawBody: string; headers: Record<string, string> } {
    const intent = this.requireIntent(intentId);
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: intent },
    };
    const rawBody = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret });
    return { rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
  }

  private requireIntent(intentId: string): FakePaymentIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new Error(`No PaymentIntent ${intentId} in the fake.`);
    return intent;
  }

  private eventTypeFor(intent: FakePaymentIntent): string {
    switch (intent.status) {
      case 'succeeded':
        return 'payment_intent.succeeded';
      case 'requires_action':
        return 'payment_intent.requires_action';
      case 'processing':
        return 'payment_intent.processing';
      case 'canceled':
        return 'payment_intent.canceled';
      default:
        return intent.last_payment_error ? 'payment_intent.payment_failed' : 'payment_intent.created';
    }
  }

  /** Deliveries run in order, after the API answer, like Stripe's (asynchronous) webhooks. */
  private deliveries: Promise<void> = Promise.resolve();

  /** Resolves when every webhook queued so far has been delivered (or failed). */
  webhooksSettled(): Promise<void> {
    return this.deliveries;
  }

  private async emit(intent: FakePaymentIntent): Promise<void> {
    const webhookUrl = this.options.webhookUrl;
    if (!webhookUrl) return;
    // Snapshot now: the intent may change again before delivery.
    const { rawBody, headers } = this.signedEvent(intent.id);
    const type = this.eventTypeFor(intent);
    this.deliveries = this.deliveries.then(async () => {
      try {
        const response = await fetch(webhookUrl, { method: 'POST', headers, body: rawBody });
        this.webhookDeliveries.push({ type, status: response.status });
      } catch {
        this.webhookDeliveries.push({ type, status: 0 });
      }
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const params = parseStripeParams(method === 'GET' ? url.search.slice(1) : rawBody);
    const idempotencyKey =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const record: RecordedStripeRequest = {
      method,
      path: url.pathname,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      params,
      status: 0,
      replayed: false,
    };
    this.requests.push(record);
    const send = (status: number, body: unknown, extraHeaders: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...extraHeaders });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    const fault =
      this.faults && this.faults.remaining > 0 && (this.faults.path?.test(url.pathname) ?? true)
        ? this.faults
        : undefined;
    if (fault) fault.remaining -= 1;
    if (fault?.when === 'before') {
      send(fault.status, { error: { type: 'api_error', message: 'Injected fault before processing.' } });
      return;
    }

    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }

    // Stripe replays POSTs by idempotency key: same parameters -> the stored response.
    const fingerprint = `${method} ${url.pathname} ${rawBody}`;
    if (method === 'POST' && idempotencyKey) {
      const stored = this.idempotency.get(idempotencyKey);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
          });
          return;
        }
        record.replayed = true;
        if (fault?.when === 'after') {
          send(fault.status, { error: { type: 'api_error', message: 'Injected fault after processing.' } });
          return;
        }
        send(stored.status, stored.body, { 'idempotent-replayed': 'true' });
        return;
      }
    }

    const result = await this.route(method, url.pathname, params);
    const body = JSON.stringify(result.body);
    if (method === 'POST' && idempotencyKey && result.status < 500) {
      this.idempotency.set(idempotencyKey, { fingerprint, status: result.status, body });
    }
    if (fault?.when === 'after') {
      send(fault.status, { error: { type: 'api_error', message: 'Injected fault after processing.' } });
      return;
    }
    send(result.status, body);
  }

  private async route(
    method: string,
    path: string,
    params: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const expand = listParam(params.expand);
    if (method === 'POST' && path === '/v1/payment_intents') return this.create(params, expand);
    if (method === 'GET' && path === '/v1/payment_intents/search') return this.search(params, expand);
    const confirm = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path);
    if (method === 'POST' && confirm) return this.confirmExisting(confirm[1]!, params, expand);
    const cancel = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && cancel) return this.cancel(cancel[1]!, params, expand);
    const retrieve = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && retrieve) {
      const intent = this.intents.get(retrieve[1]!);
      if (!intent) return this.missing('id', `No such payment_intent: '${retrieve[1]}'`);
      return { status: 200, body: this.render(intent, expand) };
    }
    return {
      status: 404,
      body: {
        error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` },
      },
    };
  }

  private missing(param: string, message: string): { status: number; body: unknown } {
    return {
      status: 404,
      body: { error: { type: 'invalid_request_error', code: 'resource_missing', param, message } },
    };
  }

  private async create(
    params: Record<string, unknown>,
    expand: string[],
  ): Promise<{ status: number; body: unknown }> {
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount < 1) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'parameter_invalid_integer',
            param: 'amount',
            message: 'Invalid integer: amount',
          },
        },
      };
    }
    if (typeof params.currency !== 'string') {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'parameter_missing',
            param: 'currency',
            message: 'Missing required param: currency.',
          },
        },
      };
    }
    const pmId = typeof params.payment_method === 'string' ? params.payment_method : undefined;
    const testMethod = pmId ? findTestPaymentMethod(pmId) : undefined;
    if (pmId && !testMethod) return this.missing('payment_method', `No such PaymentMethod: '${pmId}'`);
    const intentId = id('pi');
    const intent: FakePaymentIntent = {
      id: intentId,
      object: 'payment_intent',
      amount,
      currency: params.currency,
      status: pmId ? 'requires_confirmation' : 'requires_payment_method',
      client_secret: randomId(`${intentId}_secret_`),
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      metadata: (params.metadata as Record<string, string> | undefined) ?? {},
      payment_method: pmId ?? null,
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      receipt_email: typeof params.receipt_email === 'string' ? params.receipt_email : null,
      canceled_at: null,
      cancellation_reason: null,
    };
    this.intents.set(intentId, intent);
    if (params.confirm === 'true' && testMethod) return this.attempt(intent, testMethod, expand);
    return { status: 200, body: this.render(intent, expand) };
  }

  private async confirmExisting(
    intentId: string,
    params: Record<string, unknown>,
    expand: string[],
  ): Promise<{ status: number; body: unknown }> {
    const intent = this.intents.get(intentId);
    if (!intent) return this.missing('intent', `No such payment_intent: '${intentId}'`);
    if (typeof params.payment_method === 'string') intent.payment_method = params.payment_method;
    const testMethod = intent.payment_method ? findTestPaymentMethod(intent.payment_method) : undefined;
    if (!testMethod)
      return this.missing('payment_method', `No such PaymentMethod: '${intent.payment_method}'`);
    if (intent.status !== 'requires_confirmation' && intent.status !== 'requires_payment_method') {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `This PaymentIntent's status is ${intent.status} and cannot be confirmed.`,
            payment_intent: this.render(intent, expand),
          },
        },
      };
    }
    return this.attempt(intent, testMethod, expand);
  }

  /** Stripe's cancel: only from the states its API reference lists; then the intent is final. */
  private async cancel(
    intentId: string,
    params: Record<string, unknown>,
    expand: string[],
  ): Promise<{ status: number; body: unknown }> {
    const intent = this.intents.get(intentId);
    if (!intent) return this.missing('intent', `No such payment_intent: '${intentId}'`);
    const cancellable = [
      'requires_payment_method',
      'requires_capture',
      'requires_confirmation',
      'requires_action',
    ];
    if (!cancellable.includes(intent.status)) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${cancellable.join(', ')}.`,
            payment_intent: this.render(intent, expand),
          },
        },
      };
    }
    intent.status = 'canceled';
    intent.next_action = null;
    intent.canceled_at = Math.floor(Date.now() / 1000);
    intent.cancellation_reason =
      typeof params.cancellation_reason === 'string' ? params.cancellation_reason : null;
    await this.emit(intent);
    return { status: 200, body: this.render(intent, expand) };
  }

  /** Runs a confirmation with one of Stripe's test cards. */
  private async attempt(
    intent: FakePaymentIntent,
    method: TestPaymentMethod,
    expand: string[],
  ): Promise<{ status: number; body: unknown }> {
    intent.last_payment_error = null;
    const behaviour = method.behaviour;
    if (behaviour.kind === 'succeed') {
      intent.status = 'succeeded';
      intent.latest_charge = id('ch');
    } else if (behaviour.kind === 'authenticate') {
      intent.status = 'requires_action';
      intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
    } else {
      const chargeId = id('ch');
      intent.status = 'requires_payment_method';
      intent.latest_charge = chargeId;
      const error = {
        type: 'card_error',
        code: behaviour.errorCode,
        decline_code: behaviour.declineCode,
        message: behaviour.message,
        charge: chargeId,
        doc_url: `https://stripe.com/docs/error-codes/${behaviour.errorCode.replace(/_/g, '-')}`,
        payment_method: this.paymentMethodObject(method),
      };
      intent.last_payment_error = error;
      await this.emit(intent);
      // Stripe answers a declined confirmation with 402 and the intent inside the error.
      return { status: 402, body: { error: { ...error, payment_intent: this.render(intent, expand) } } };
    }
    await this.emit(intent);
    return { status: 200, body: this.render(intent, expand) };
  }

  private search(params: Record<string, unknown>, expand: string[]): { status: number; body: unknown } {
    const query = typeof params.query === 'string' ? params.query : '';
    const match = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(query.trim());
    if (!match) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            param: 'query',
            message: `Unsupported query in the fake: ${query}`,
          },
        },
      };
    }
    const key = match[1]!;
    const value = match[2]!.replace(/\\(.)/g, '$1');
    const itemExpand = expand.filter((e) => e.startsWith('data.')).map((e) => e.slice('data.'.length));
    const data = [...this.intents.values()]
      .filter((intent) => intent.metadata[key] === value)
      .sort((a, b) => b.created - a.created)
      .slice(0, Number(params.limit ?? 10))
      .map((intent) => this.render(intent, itemExpand));
    return {
      status: 200,
      body: {
        object: 'search_result',
        data,
        has_more: false,
        next_page: null,
        url: '/v1/payment_intents/search',
      },
    };
  }

  private paymentMethodObject(method: TestPaymentMethod): Record<string, unknown> {
    return {
      id: method.id,
      object: 'payment_method',
      type: 'card',
      card: { brand: method.brand, last4: method.last4, exp_month: 12, exp_year: 2034, funding: 'credit' },
    };
  }

  private render(intent: FakePaymentIntent, expand: string[]): Record<string, unknown> {
    const body: Record<string, unknown> = { ...intent };
    if (expand.includes('payment_method') && intent.payment_method) {
      const method = findTestPaymentMethod(intent.payment_method);
      if (method) body.payment_method = this.paymentMethodObject(method);
    }
    return body;
  }
}
