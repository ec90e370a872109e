import type { Db } from '../adapters/sql/schema';
import { withTransientRetry } from '../adapters/sql/transient-errors';
import type { StockLevel } from '../inventory/inventory.repository';
import { newEvent } from '../messaging/outbox';
import { findOrder, type OrderLineRow, type OrderRow, transitionOrder } from '../orders/orders.repository';
import type { ChargeOutcome, LookupOutcome } from '../payments/payment-gateway.port';
import { checkSettlement, type SettlementRefusal, type SettlementTarget } from '../payments/settlement-check';
import { metrics } from '../platform/telemetry';
import { isFinal, type KeptOutcome } from './checkout-outcome';
import { type KeptAnswer, keepAnswer } from './idempotency';
import type { Reservation } from './reservation';
import { reserveStep, withCompensationRetry } from './reserve.step';

/*
 * Pay Now's last step: what the gateway said, applied to the order once. Paid: the order, its
 * OrderPaid event and the kept answer in one transaction (the Reservation port's markPaid).
 * Failed: the reservation's compensation (reserve.step.ts) in the transaction that fails the
 * order. Used by checkout, webhooks, 3-D Secure completion and the recovery timer alike.
 */

export interface SettleDeps {
  db: Db;
  holdMinutes: number;
  /** The write path for this engine (services.ts). */
  reservation: Reservation;
}

/** What the caller must do after a checkout or a settlement commits. */
export interface Aftermath {
  /** SKUs whose availability moved. */
  changedSkus: string[];
  /** New stock levels, when the statement that moved them returned them (no read needed). */
  levels?: StockLevel[];
  /** An OrderPaid (or other) event is waiting in the outbox. */
  eventsWritten: boolean;
}

export const none: Aftermath = { changedSkus: [], eventsWritten: false };

export interface SettleOptions {
  /** A succeeded outcome must state its amount and currency (webhooks: real providers always do). */
  requireAmount?: boolean;
  /** The order and its lines when the caller has them (checkout just wrote them): no read. */
  known?: { order: OrderRow; lines: OrderLineRow[] };
  /** Pay Now's Idempotency-Key: the outcome for the order as this call settles it is kept with the change. */
  answerTo?: { userId: string; key: string; answerFor(order: OrderRow): KeptOutcome };
}

/** What settling did; `answer` when this call moved the order and was asked for one. */
export interface Settled extends Aftermath {
  answer?: KeptOutcome;
  /** Set when the outcome was not this order's payment: nothing was changed. */
  refused?: RefusedSettlement;
}

export interface RefusedSettlement extends SettlementRefusal {
  orderId: string;
  /** One line for the warning log: the distinct message on-call searches for. */
  message: string;
}

/**
 * Applies what the gateway said to an order, once: paid (with the OrderPaid event in the same
 * transaction), failed (stock back to the cart's holds) or waiting for 3-D Secure.
 */
export async function settlePayment(
  deps: SettleDeps,
  orderId: string,
  outcome: ChargeOutcome | LookupOutcome,
  options: SettleOptions = {},
): Promise<Settled> {
  const found = options.known ?? (await findOrder(deps.db, orderId));
  if (!found) return none;
  const { order, lines } = found;
  // Only the order's own payment settles it: its provider, its reference, its total.
  const refusal = checkSettlement(order, outcome, { requireAmount: options.requireAmount });
  if (refusal) return { ...none, refused: refuseSettlement(order, outcome, refusal) };
  const answerTo = options.answerTo;
  // The outcome for the order as this call leaves it, and whether to keep it (only when final).
  const answering = (after: OrderRow) => {
    const answer = answerTo?.answerFor(after);
    const kept: KeptAnswer | undefined =
      answerTo && answer && isFinal(answer)
        ? { userId: answerTo.userId, key: answerTo.key, response: answer }
        : undefined;
    return { answer, kept };
  };
  switch (outcome.status) {
    case 'succeeded': {
      const now = new Date();
      const change = {
        status: 'paid',
        payment_reference: outcome.reference,
        card_brand: outcome.cardBrand?.slice(0, 20) ?? null,
        card_last4: outcome.last4 && /^\d{4}$/.test(outcome.last4) ? outcome.last4 : null,
        paid_at: now,
      } as const;
      const { answer, kept } = answering({ ...order, ...change, updated_at: now });
      const event = newEvent('orders', 'OrderPaid', orderId, {
        orderId,
        userId: order.user_id,
        totalMinor: order.total_minor,
        currency: order.currency,
        paidAt: now.toISOString(),
        lines: lines.map((line) => ({ productId: line.product_id, sku: line.sku, quantity: line.quantity })),
      });
      const paid = await deps.reservation.markPaid(
        {
          orderId,
          reference: change.payment_reference,
          cardBrand: change.card_brand,
          last4: change.card_last4,
          paidAt: now,
        },
        event,
        kept,
      );
      return paid ? { changedSkus: [], eventsWritten: true, answer } : none;
    }
    case 'requires_action': {
      const change = { status: 'requires_action', payment_reference: outcome.reference } as const;
      const moved = await withTransientRetry(() =>
        transitionOrder(deps.db, orderId, ['pending_payment'], change),
      );
      if (!moved) return none;
      return { ...none, answer: answering({ ...order, ...change, updated_at: new Date() }).answer };
    }
    case 'declined':
    case 'not_found': {
      const reason =
        outcome.status === 'declined' ? outcome.reason : 'The payment never reached the payment provider.';
      // The order and its kept answer (this request's own rows) first, then the reservation's
      // compensation, which follows the one lock order (transient-errors.ts).
      const failed = await withCompensationRetry(() =>
        deps.db.transaction().execute(async (trx) => {
          const change = {
            status: 'payment_failed',
            decline_reason: reason.slice(0, 200),
            payment_reference: outcome.status === 'declined' ? (outcome.reference ?? null) : null,
          } as const;
          const moved = await transitionOrder(trx, orderId, ['pending_payment', 'requires_action'], change);
          if (!moved) return undefined;
          const { answer, kept } = answering({ ...order, ...change, updated_at: new Date() });
          if (kept) await keepAnswer(trx, kept.userId, kept.key, kept.response);
          await reserveStep.compensate(trx, order, lines, new Date(Date.now() + deps.holdMinutes * 60_000));
          return { answer };
        }),
      );
      return failed
        ? { changedSkus: lines.map((l) => l.sku), eventsWritten: false, answer: failed.answer }
        : none;
    }
    default:
      return none;
  }
}

/**
 * Counts a refused settlement (`shop.settlement_refused`) and says why, for the caller's warning.
 * The order is left as it was: never paid on a payment that is not its own.
 */
export function refuseSettlement(
  order: SettlementTarget,
  outcome: LookupOutcome,
  refusal: SettlementRefusal,
): RefusedSettlement {
  metrics.settlementRefused.add(1, { provider: outcome.provider, reason: refusal.code });
  const reference = 'reference' in outcome && outcome.reference ? ` (${outcome.reference})` : '';
  return {
    ...refusal,
    orderId: order.id,
    message: `payment settlement refused: ${refusal.code}: ${outcome.provider} ${outcome.status}${reference} for order ${order.id}: ${refusal.detail}`,
  };
}
