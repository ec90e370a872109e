import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { minorToDecimalString } from '../../../payments/payment-input';
import { randomId } from '../random-id';
import type { PaypalCapture, PaypalOrder } from './paypal-payment-gateway';

/**
 * A loopback stand-in for the PayPal REST calls our adapter makes: OAuth client-credentials
 * token, Orders v2 create / get / capture (with `PayPal-Request-Id` replay), and
 * verify-webhook-signature. PayPal signs webhooks with RSA certificates; the fake signs with an
 * HMAC instead, which is enough to prove that the adapter asks PayPal and honours its answer.
 * Test-only.
 */

/** What happens when the buyer's approved order is captured. */
export type FakePaypalScenario =
  | 'approve'
  | 'instrument_declined'
  | 'insufficient_funds'
  | 'payer_action_required'
  | 'not_approved';

export interface RecordedPaypalRequest {
  method: string;
  path: string;
  requestId?: string;
  status: number;
}

interface FakeOrder {
  order: PaypalOrder;
  scenario: FakePaypalScenario;
}

function id(prefix: string): string {
  return randomId(prefix, 17);
}

export class FakePaypalServer {
  readonly requests: RecordedPaypalRequest[] = [];
  readonly clientId = 'fake-paypal-client';
  readonly clientSecret = 'fake-paypal-secret';
  readonly webhookId = 'WH-FAKE-0001';
  /** Captures actually performed (replays excluded). */
  captureCount = 0;
  private readonly capturesByOrder = new Map<string, number>();
  tokensIssued = 0;
  private readonly webhookSigningKey = randomBytes(32);
  private readonly orders = new Map<string, FakeOrder>();
  private readonly captureReplies = new Map<string, { orderId: string; status: number; body: string }>();
  private readonly tokens = new Set<string>();
  private server!: http.Server;
  url = '';

  static async start(): Promise<FakePaypalServer> {
    const fake = new FakePaypalServer();
    fake.server = http.createServer((req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: 'INTERNAL_SERVER_ERROR', message: String(error) }));
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

  /** What the PayPal button does in the browser: create an order and (usually) approve it. */
  createOrder(input: {
    amountMinor: number;
    currency: string;
    scenario?: FakePaypalScenario;
    customId?: string;
  }): string {
    const scenario = input.scenario ?? 'approve';
    const currency = input.currency.toUpperCase();
    const orderId = id('PP');
    this.orders.set(orderId, {
      scenario,
      order: {
        id: orderId,
        status: scenario === 'not_approved' ? 'CREATED' : 'APPROVED',
        purchase_units: [
          {
            amount: { currency_code: currency, value: minorToDecimalString(input.amountMinor, currency) },
            ...(input.customId ? { custom_id: input.customId } : {}),
          },
        ],
        links: [{ rel: 'self', href: `${this.url}/v2/checkout/orders/${orderId}` }],
      },
    });
    return orderId;
  }

  /** Captures performed for one PayPal order: the "was the buyer charged twice" probe. */
  capturesFor(orderId: string): number {
    return this.capturesByOrder.get(orderId) ?? 0;
  }

  order(orderId: string): PaypalOrder | undefined {
    return this.orders.get(orderId)?.order;
  }

  /** A webhook PayPal would send about an order's capture, signed for verify-webhook-signature. */
  signedWebhook(
    paypalOrderId: string,
    eventType = 'PAYMENT.CAPTURE.COMPLETED',
  ): { rawBody: string; headers: Record<string, string> } {
    const stored = this.orders.get(paypalOrderId);
    const capture = stored?.order.purchase_units?.[0]?.payments?.captures?.[0];
    const resource: PaypalCapture = capture ?? {
      id: id('CAP'),
      status: eventType === 'PAYMENT.CAPTURE.COMPLETED' ? 'COMPLETED' : 'DECLINED',
      supplementary_data: { related_ids: { order_id: paypalOrderId } },
    };
    const event = {
      id: id('WH-'),
      event_version: '1.0',
      create_time: new Date().toISOString(),
      resource_type: 'capture',
      event_type: eventType,
      summary: `Payment ${eventType}`,
      resource,
    };
    const rawBody = JSON.stringify(event);
    const transmissionId = randomBytes(16).toString('hex');
    const transmissionTime = new Date().toISOString();
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        'paypal-auth-algo': 'SHA256withRSA',
        'paypal-cert-url': `${this.url}/v1/notifications/certs/CERT-FAKE`,
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': this.sign(transmissionId, transmissionTime, this.webhookId, rawBody),
      },
    };
  }

  private sign(transmissionId: string, time: string, webhookId: string, eventJson: string): string {
    return createHmac('sha256', this.webhookSigningKey)
      .update(`${transmissionId}|${time}|${webhookId}|${eventJson}`)
      .digest('base64');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';
    const requestId =
      typeof req.headers['paypal-request-id'] === 'string' ? req.headers['paypal-request-id'] : undefined;
    const record: RecordedPaypalRequest = { method, path, ...(requestId ? { requestId } : {}), status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown): void => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json',
        'paypal-debug-id': randomBytes(6).toString('hex'),
      });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (method === 'POST' && path === '/v1/oauth2/token') {
      const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected || !rawBody.includes('grant_type=client_credentials')) {
        send(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
        return;
      }
      const token = `A21AA${randomBytes(16).toString('hex')}`;
      this.tokens.add(token);
      this.tokensIssued += 1;
      send(200, {
        scope: 'https://uri.paypal.com/services/payments',
        access_token: token,
        token_type: 'Bearer',
        expires_in: 32400,
      });
      return;
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!this.tokens.has(bearer)) {
      send(401, { error: 'invalid_token', error_description: 'Token signature verification failed' });
      return;
    }

    if (method === 'POST' && path === '/v1/notifications/verify-webhook-signature') {
      send(200, { verification_status: this.verify(rawBody) ? 'SUCCESS' : 'FAILURE' });
      return;
    }
    if (method === 'POST' && path === '/v2/checkout/orders') {
      const body = JSON.parse(rawBody) as {
        purchase_units: { amount: { currency_code: string; value: string } }[];
      };
      const orderId = id('PP');
      const order: PaypalOrder = { id: orderId, status: 'CREATED', purchase_units: body.purchase_units };
      this.orders.set(orderId, { order, scenario: 'not_approved' });
      send(201, order);
      return;
    }
    const capture = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(path);
    if (method === 'POST' && capture) {
      const orderId = decodeURIComponent(capture[1]!);
      const reply = this.capture(orderId, requestId);
      send(reply.status, reply.body);
      return;
    }
    const get = /^\/v2\/checkout\/orders\/([^/]+)$/.exec(path);
    if (method === 'GET' && get) {
      const stored = this.orders.get(decodeURIComponent(get[1]!));
      if (!stored)
        send(
          404,
          this.error('RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID', 'Specified resource ID does not exist.'),
        );
      else send(200, stored.order);
      return;
    }
    send(404, { name: 'NOT_FOUND', message: `No fake route for ${method} ${path}` });
  }

  private verify(rawRequest: string): boolean {
    const request = JSON.parse(rawRequest) as {
      transmission_id: string;
      transmission_time: string;
      transmission_sig: string;
      webhook_id: string;
      webhook_event: unknown;
    };
    const expected = Buffer.from(
      this.sign(
        request.transmission_id,
        request.transmission_time,
        request.webhook_id,
        JSON.stringify(request.webhook_event),
      ),
    );
    const given = Buffer.from(String(request.transmission_sig));
    return (
      request.webhook_id === this.webhookId &&
      given.length === expected.length &&
      timingSafeEqual(given, expected)
    );
  }

  private error(
    name: string,
    issue: string,
    description: string,
    links?: { href: string; rel: string }[],
  ): unknown {
    return {
      name,
      message:
        'The requested action could not be performed, semantically incorrect, or failed business validation.',
      details: [{ issue, description }],
      ...(links ? { links } : {}),
    };
  }

  /** Capture with PayPal-Request-Id replay: same id -> same reply; another id on a captured order -> 422. */
  private capture(orderId: string, requestId: string | undefined): { status: number; body: string } {
    if (requestId) {
      const previous = this.captureReplies.get(requestId);
      if (previous && previous.orderId === orderId) return { status: previous.status, body: previous.body };
    }
    const reply = this.performCapture(orderId);
    const stored = { orderId, status: reply.status, body: JSON.stringify(reply.body) };
    if (requestId) this.captureReplies.set(requestId, stored);
    return stored;
  }

  private performCapture(orderId: string): { status: number; body: unknown } {
    const stored = this.orders.get(orderId);
    if (!stored)
      return {
        status: 404,
        body: this.error(
          'RESOURCE_NOT_FOUND',
          'INVALID_RESOURCE_ID',
          'Specified resource ID does not exist.',
        ),
      };
    const order = stored.order;
    if (order.status === 'COMPLETED') {
      return {
        status: 422,
        body: this.error('UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED', 'Order already captured.'),
      };
    }
    switch (stored.scenario) {
      case 'not_approved':
        return {
          status: 422,
          body: this.error(
            'UNPROCESSABLE_ENTITY',
            'ORDER_NOT_APPROVED',
            'Payer has not yet approved the Order for payment.',
          ),
        };
      case 'instrument_declined':
        return {
          status: 422,
          body: this.error(
            'UNPROCESSABLE_ENTITY',
            'INSTRUMENT_DECLINED',
            "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.",
          ),
        };
      case 'payer_action_required': {
        order.status = 'PAYER_ACTION_REQUIRED';
        const links = [
          { rel: 'payer-action', href: `https://www.sandbox.paypal.com/checkoutnow?token=${orderId}` },
        ];
        order.links = links;
        return {
          status: 422,
          body: this.error(
            'UNPROCESSABLE_ENTITY',
            'PAYER_ACTION_REQUIRED',
            'Payer needs to perform the following action before proceeding with payment.',
            links,
          ),
        };
      }
      default: {
        this.captureCount += 1;
        this.capturesByOrder.set(orderId, this.capturesFor(orderId) + 1);
        const unit = order.purchase_units?.[0];
        const declined = stored.scenario === 'insufficient_funds';
        const captureRecord: PaypalCapture = {
          id: id('CAP'),
          status: declined ? 'DECLINED' : 'COMPLETED',
          ...(unit?.amount ? { amount: unit.amount } : {}),
          ...(unit?.custom_id ? { custom_id: unit.custom_id } : {}),
          ...(declined ? { processor_response: { response_code: '5120' } } : {}),
          supplementary_data: { related_ids: { order_id: orderId } },
        };
        order.status = 'COMPLETED';
        if (unit) unit.payments = { captures: [captureRecord] };
        return { status: 201, body: order };
      }
    }
  }
}
