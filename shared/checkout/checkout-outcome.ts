import type { Db } from '../adapters/sql/schema';
import { findOrder, type OrderView, orderView } from '../orders/orders.repository';
import type { ChargeOutcome } from '../payments/payment-gateway.port';
import type { ReserveRefusal } from './reserve.step';

/*
 * What Pay Now ends in, as data: the trigger (functions/checkout/checkout-response.ts) alone words
 * it as HTTP. The final outcome is what the Idempotency-Key keeps (idempotency.ts), so a replay is
 * worded by the same mapping as the first answer.
 */

/** What the gateway said that Pay Now's answer shows beyond the order itself. */
export interface ChargeNote {
  /** A declined charge's machine-readable code. */
  declineCode?: string;
  /** The provider's reference, when it gave one. */
  reference?: string;
  /** 3-D Secure: what Stripe.js needs, or where to send the buyer (never kept: see isFinal). */
  clientSecret?: string;
  nextActionUrl?: string;
}

/** Pay Now's outcomes that are kept under the key once final. */
export type KeptOutcome =
  /** Nothing was written (out of stock, empty cart, a changed price...). */
  | { kind: 'refused'; refusal: ReserveRefusal }
  /** The order as this request leaves it (paid, failed, or still waiting for its payment). */
  | { kind: 'order'; order: OrderView; charge?: ChargeNote };

export type CheckoutOutcome =
  | KeptOutcome
  /** The key was used for a different request. */
  | { kind: 'idempotency_conflict' }
  /** The request holding the key had no answer yet when this one gave up waiting. */
  | { kind: 'request_in_progress' }
  /**
   * A key kept by the code before typed outcomes, which stored the HTTP answer itself
   * (`response_status` set): replayed exactly as it was stored. Keys are never deleted, so this
   * stays until a migration rewrites those rows.
   */
  | { kind: 'kept_http_answer'; status: number; body: unknown };

const settledStatuses: ReadonlySet<string> = new Set(['paid', 'shipped', 'payment_failed']);

/**
 * Final: the same key would get this outcome again, so it is kept. An order still waiting for its
 * payment is not: a replay answers from the order's state then.
 */
export function isFinal(outcome: CheckoutOutcome): boolean {
  return outcome.kind !== 'order' || settledStatuses.has(outcome.order.status);
}

/** The part of the gateway's outcome the answer shows. */
export function chargeNote(outcome: ChargeOutcome | undefined): ChargeNote | undefined {
  if (!outcome) return undefined;
  // Present exactly when the gateway said it (an absent field is absent from the answer).
  return {
    ...(outcome.status === 'declined' ? { declineCode: outcome.code } : {}),
    ...(outcome.reference !== undefined ? { reference: outcome.reference } : {}),
    ...(outcome.status === 'requires_action' && outcome.clientSecret !== undefined
      ? { clientSecret: outcome.clientSecret }
      : {}),
    ...(outcome.status === 'requires_action' && outcome.nextActionUrl !== undefined
      ? { nextActionUrl: outcome.nextActionUrl }
      : {}),
  };
}

export function orderOutcome(order: OrderView, charge?: ChargeOutcome): KeptOutcome {
  const note = chargeNote(charge);
  return note ? { kind: 'order', order, charge: note } : { kind: 'order', order };
}

/** The outcome for an order in its current state (read from the database). */
export async function outcomeFor(db: Db, orderId: string, charge?: ChargeOutcome): Promise<KeptOutcome> {
  const found = await findOrder(db, orderId);
  if (!found) throw new Error(`order ${orderId} vanished`);
  return orderOutcome(orderView(found.order, found.lines), charge);
}
