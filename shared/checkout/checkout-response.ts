import type { Db } from '../adapters/sql/schema';
import { findOrder, type OrderView, orderView } from '../orders/orders.repository';
import type { ChargeOutcome } from '../payments/payment-gateway.port';
import { AppError } from '../platform/errors';
import { type Problem, problemResponse } from '../platform/http';

/** The HTTP answer to Pay Now, kept under the Idempotency-Key and replayed for it. */
export interface CheckoutResponse {
  status: number;
  body: unknown;
}

export function problemBody(error: AppError): Problem {
  return JSON.parse(String(problemResponse(error).body)) as Problem;
}

/** The response Pay Now gives for an order in its current state. */
export async function answerFor(db: Db, orderId: string, outcome?: ChargeOutcome): Promise<CheckoutResponse> {
  const found = await findOrder(db, orderId);
  if (!found) throw new Error(`order ${orderId} vanished`);
  return responseForOrder(orderView(found.order, found.lines), outcome);
}

export function responseForOrder(view: OrderView, outcome?: ChargeOutcome): CheckoutResponse {
  switch (view.status) {
    case 'paid':
    case 'shipped':
      return { status: 201, body: view };
    case 'payment_failed': {
      const declineCode = outcome?.status === 'declined' ? outcome.code : 'payment_failed';
      return {
        status: 402,
        body: problemBody(
          new AppError(
            402,
            'payment_declined',
            `Payment declined: ${view.declineReason ?? 'declined'}. Your items are still in your cart.`,
            {
              orderId: view.id,
              reason: view.declineReason,
              declineCode,
            },
          ),
        ),
      };
    }
    case 'requires_action':
      return {
        status: 202,
        body: {
          status: 'requires_action',
          order: view,
          reference: outcome && 'reference' in outcome ? outcome.reference : undefined,
          clientSecret: outcome?.status === 'requires_action' ? outcome.clientSecret : undefined,
          nextActionUrl: outcome?.status === 'requires_action' ? outcome.nextActionUrl : undefined,
        },
      };
    default:
      return { status: 202, body: { status: 'pending_payment', order: view } };
  }
}
