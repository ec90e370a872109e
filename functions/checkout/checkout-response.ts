import type { HttpResponseInit } from '@azure/functions';
import type { ChargeNote, CheckoutOutcome } from '../../shared/checkout/checkout-outcome';
import type { ReserveRefusal } from '../../shared/checkout/reserve.step';
import type { OrderView } from '../../shared/orders/orders.repository';
import { AppError } from '../../shared/platform/errors';
import { json, type Problem, problemContentType, problemResponse } from '../../shared/platform/http';

/*
 * Pay Now's outcomes in HTTP terms (docs/api.md, "Checkout"): the one place they become statuses
 * and problem bodies. A replay is the kept outcome worded here again, so it answers as the first
 * response did.
 */

/** The HTTP answer to Pay Now: its status and (parsed) body. */
export interface CheckoutAnswer {
  status: number;
  body: unknown;
}

/** Refuses a missing (428) or malformed (400) Idempotency-Key. */
export function requireKey(idempotencyKey: string | null): string {
  if (!idempotencyKey)
    throw new AppError(
      428,
      'idempotency_key_required',
      'Send an Idempotency-Key header (a new UUID per attempt).',
    );
  if (!/^[\w-]{8,100}$/.test(idempotencyKey)) {
    throw new AppError(400, 'validation_failed', 'Idempotency-Key must be 8-100 letters, digits, _ or -.', {
      errors: { 'Idempotency-Key': ['must be 8-100 letters, digits, _ or -'] },
    });
  }
  return idempotencyKey;
}

/** The response the trigger sends: JSON, or problem+json for a 4xx, never cached. */
export function checkoutResponse(outcome: CheckoutOutcome): HttpResponseInit {
  const { status, body } = checkoutAnswer(outcome);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (status >= 400) headers['content-type'] = problemContentType;
  return json(status, body, headers);
}

export function checkoutAnswer(outcome: CheckoutOutcome): CheckoutAnswer {
  switch (outcome.kind) {
    case 'refused':
      return problem(refusalProblem(outcome.refusal));
    case 'order':
      return orderAnswer(outcome.order, outcome.charge);
    case 'idempotency_conflict':
      return problem(
        new AppError(
          409,
          'idempotency_conflict',
          'This Idempotency-Key was used for a different request; use a new key.',
        ),
      );
    case 'request_in_progress':
      return problem(
        new AppError(
          409,
          'request_in_progress',
          'A request with this Idempotency-Key is still being processed.',
        ),
      );
    case 'kept_http_answer':
      // Kept by the code before typed outcomes: already the HTTP answer.
      return { status: outcome.status, body: outcome.body };
  }
}

function problem(error: AppError): CheckoutAnswer {
  return { status: error.status, body: JSON.parse(String(problemResponse(error).body)) as Problem };
}

/** A refusal that wrote nothing, as the problem Pay Now answers with. */
function refusalProblem(refusal: ReserveRefusal): AppError {
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

/** The answer for an order as Pay Now left it: paid 201, declined 402, still waiting 202. */
function orderAnswer(view: OrderView, charge: ChargeNote | undefined): CheckoutAnswer {
  switch (view.status) {
    case 'paid':
    case 'shipped':
      return { status: 201, body: view };
    case 'payment_failed':
      return problem(
        new AppError(
          402,
          'payment_declined',
          `Payment declined: ${view.declineReason ?? 'declined'}. Your items are still in your cart.`,
          {
            orderId: view.id,
            reason: view.declineReason,
            declineCode: charge?.declineCode ?? 'payment_failed',
          },
        ),
      );
    case 'requires_action':
      return {
        status: 202,
        body: {
          status: 'requires_action',
          order: view,
          reference: charge?.reference,
          clientSecret: charge?.clientSecret,
          nextActionUrl: charge?.nextActionUrl,
        },
      };
    default:
      return { status: 202, body: { status: 'pending_payment', order: view } };
  }
}
