import type { HttpRequest, InvocationContext } from '@azure/functions';
import { settlePayment } from '../../shared/checkout/checkout.service';
import { applyAftermath, checkoutDeps } from '../../shared/checkout/checkout-deps';
import { findOrderIdByPaymentReference } from '../../shared/orders/orders.repository';
import type { PaymentProvider } from '../../shared/payments/payment-gateway.port';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

async function handleWebhook(provider: PaymentProvider, request: HttpRequest, context: InvocationContext) {
  const s = await services();
  const raw = await request.text(); // signatures are over the exact bytes
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const event = await s.payments.parseWebhook(provider, raw, headers); // 400 when forged
  const db = s.sql.db;
  const seen = await db
    .selectFrom('webhook_events')
    .select('event_id')
    .where('provider', '=', provider)
    .where('event_id', '=', event.eventId)
    .executeTakeFirst();
  if (seen) return json(200, { received: true, duplicate: true });
  if (event.kind === 'charge') {
    const orderId = event.orderId ?? (await findOrderIdByPaymentReference(db, event.reference));
    if (orderId) {
      const aftermath = await settlePayment(checkoutDeps(s), orderId, event.outcome);
      await applyAftermath(s, aftermath, (m) => context.warn(m));
    } else {
      context.warn(`${provider} webhook ${event.eventId} names no order we know`);
    }
  }
  // Recorded after it took effect: a failure above makes the provider retry, and settling is idempotent.
  await db
    .insertInto('webhook_events')
    .values({ provider, event_id: event.eventId, received_at: new Date() })
    .execute()
    .catch(() => {});
  return json(200, { received: true });
}

export const stripeWebhookFunction = httpFunction({
  name: 'stripe-webhook',
  route: 'webhooks/stripe',
  methods: ['POST'],
  handler: (request, context) => handleWebhook('stripe', request, context),
});

export const paypalWebhookFunction = httpFunction({
  name: 'paypal-webhook',
  route: 'webhooks/paypal',
  methods: ['POST'],
  handler: (request, context) => handleWebhook('paypal', request, context),
});
