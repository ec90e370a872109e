import type { HttpRequest, InvocationContext } from '@azure/functions';
import { refuseSettlement, type Settled, settlePayment } from '../../shared/checkout/checkout.service';
import { applyAftermath, checkoutDeps } from '../../shared/checkout/checkout-deps';
import {
  findOrder,
  findOrderIdByPaymentReference,
  type OrderRow,
} from '../../shared/orders/orders.repository';
import type { ChargeOutcome, PaymentProvider } from '../../shared/payments/payment-gateway.port';
import { checkSettlement, expectedReference } from '../../shared/payments/settlement-check';
import { isWebhookEventRecorded, recordWebhookEvent } from '../../shared/payments/webhook-events.repository';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { type Services, services } from '../../shared/platform/services';

async function handleWebhook(provider: PaymentProvider, request: HttpRequest, context: InvocationContext) {
  const s = await services();
  const raw = await request.text(); // signatures are over the exact bytes
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const event = await s.payments.parseWebhook(provider, raw, headers); // 400 when forged
  const db = s.sql.db;
  const seen = await isWebhookEventRecorded(db, provider, event.eventId);
  if (seen) return json(200, { received: true, duplicate: true });
  let refused: string | undefined;
  if (event.kind === 'charge') {
    const orderId = event.orderId ?? (await findOrderIdByPaymentReference(db, event.reference));
    const found = orderId ? await findOrder(db, orderId) : undefined;
    if (found) {
      const settled = await settleFromWebhook(s, found.order, event.outcome);
      if (settled.refused) {
        refused = settled.refused.code;
        context.warn(`${settled.refused.message} (${provider} webhook ${event.eventId})`);
      }
      await applyAftermath(s, settled, (m) => context.warn(m));
    } else {
      context.warn(`${provider} webhook ${event.eventId} names no order we know`);
    }
  }
  // Recorded after it took effect: a failure above makes the provider retry, and settling is idempotent.
  await recordWebhookEvent(db, provider, event.eventId, new Date());
  // A refused event is answered 200 too: it was received and judged; a retry would be refused again.
  return json(200, refused ? { received: true, refused } : { received: true });
}

/**
 * A webhook only says "look at this order". It settles nothing unless it is the order's own
 * payment (provider, reference, amount, currency: checkSettlement); then the provider is asked
 * where the order's payment stands, by the reference we stored (or, for a Stripe charge whose
 * answer was lost, by our order id in the metadata only our key can write), and that answer,
 * checked the same way, settles the order.
 */
async function settleFromWebhook(s: Services, order: OrderRow, outcome: ChargeOutcome): Promise<Settled> {
  const deps = checkoutDeps(s);
  const refusal = checkSettlement(order, outcome, { requireAmount: true });
  if (refusal)
    return { changedSkus: [], eventsWritten: false, refused: refuseSettlement(order, outcome, refusal) };
  if (order.status !== 'pending_payment' && order.status !== 'requires_action') {
    return { changedSkus: [], eventsWritten: false }; // already settled: nothing to ask
  }
  const confirmed = await s.payments.lookup({
    orderId: order.id,
    provider: order.payment_provider,
    reference: expectedReference(order),
  });
  // The provider's own answer must be the order's payment too (its amount when it states one).
  return settlePayment(deps, order.id, confirmed);
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
