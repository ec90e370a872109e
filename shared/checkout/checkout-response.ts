import type { Db } from '../adapters/sql/schema';
import { findOrder, type OrderView, orderView } from '../orders/orders.repository';
import type { ChargeOutcome } from '../payments/payment-gateway.port';
import { AppError } from '../platform/errors';
import { type Problem, problemResponse } from '../platform/http';
import type { ReserveRefusal } from './reserve.step';

/** The HTTP answer to Pay Now, kept under the Idempotency-Key and replayed for it. */
export interface CheckoutResponse {
  status: number;
  body: unknown;
}

/*
 * Pay Now's answers in HTTP terms: the steps return typed outcomes, and this module alone words
 * them as statuses and problem bodies. (They are made here, in shared/, rather than in the
 * trigger because the final answer is kept under the Idempotency-Key in the same transaction
 * that settles the order, and replayed from there.)
 */

/** A refusal that wrote nothing, as the problem Pay Now answers with (and keeps under the key). */
export function refusalProblem(refusal: ReserveRefusal): AppError {
  switch (refusal.outcome) {
    case 'cart_empty':
      return new AppError(422, 'cart_empty', 'Your cart is empty.');
    case 'mixed_currencies':
      return new AppError(422, 'mixed_currencies', 'A cart must be in one currency.');
    case 'cart_changed':
      return new AppError(409, 'cart_changed', 'Your cart changed while paying; please try again.');
    case 'out_of_stock':
      return new AppError(
        409,
        'out_of_stock',
        `Not enough stock for ${refusal.short.length} line(s); nothing was charged.`,
        { lines: refusal.short },
      );
    case 'payment_pending': {
      const until = refusal.retryAfter.toISOString();
      return new AppError(
        409,
        'payment_pending',
        `Finish the payment already in progress (order ${refusal.oldestOrderId}) first; unless it is completed it is cancelled, and its items return to your cart, by ${until}.`,
        { orderIds: refusal.orderIds, retryAfter: until },
      );
    }
    case 'product_unavailable':
      return new AppError(
        409,
        'product_unavailable',
        `${refusal.lines.length} item(s) in your cart are no longer sold; remove them to pay. Nothing was charged.`,
        { lines: refusal.lines },
      );
    case 'price_changed':
      return new AppError(
        409,
        'price_changed',
        `The price of ${refusal.lines.length} item(s) changed; your cart now shows the current prices. Nothing was charged: review the new total and pay again.`,
        {
          lines: refusal.lines,
          totalMinor: refusal.totalMinor,
          previousTotalMinor: refusal.previousTotalMinor,
          currency: refusal.currency,
        },
      );
  }
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
