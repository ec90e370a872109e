import type { Db } from '../adapters/sql/schema';
import type { Principal } from '../identity/principal';
import { orderView } from '../orders/orders.repository';
import type { PaymentGateway } from '../payments/payment-gateway.port';
import { parseWith } from '../platform/http';
import { chargeStep } from './charge.step';
import { type CheckoutOutcome, isFinal, orderOutcome, outcomeFor } from './checkout-outcome';
import { checkoutRequestSchema } from './checkout-request';
import { keepAnswer, keepRefusal, requestHash, waitForOutcome } from './idempotency';
import { type ReserveDeps, reserveStep } from './reserve.step';
import { type Aftermath, none, settlePayment } from './settle.step';

// Where the rest of the app has always found these.
export type { CheckoutOutcome } from './checkout-outcome';
export {
  type Aftermath,
  type RefusedSettlement,
  refuseSettlement,
  type Settled,
  settlePayment,
} from './settle.step';

export interface CheckoutDeps extends ReserveDeps {
  db: Db;
  gateway: PaymentGateway;
  /** Test seam for crash injection: called between the steps. */
  hooks?: { afterReserve?(orderId: string): Promise<void>; afterCharge?(orderId: string): Promise<void> };
}

/** What Pay Now ended in (the trigger words it as HTTP), and what the caller must do after it. */
export interface CheckoutResult {
  outcome: CheckoutOutcome;
  aftermath: Aftermath;
}

/**
 * `POST /api/checkout`: the steps reserve (reserve.step.ts), charge (charge.step.ts) and settle
 * (settle.step.ts), under the Idempotency-Key (idempotency.ts). In one transaction every cart
 * line's hold becomes a sale (a lapsed hold re-acquires stock) and the order is written
 * `pending_payment`; any short line rolls all of it back. Then the gateway charges with the order
 * id as its idempotency key, and the result settles the order (a failed payment runs the
 * reservation's compensation). The same Idempotency-Key replays the first outcome. `key` is the
 * shopper's Idempotency-Key, already checked for form by the trigger.
 */
export async function checkout(
  deps: CheckoutDeps,
  shopper: Principal,
  key: string,
  body: unknown,
): Promise<CheckoutResult> {
  const request = parseWith(checkoutRequestSchema, body);
  const hash = requestHash(request);
  const claim = { userId: shopper.userId, key, requestHash: hash };

  // No read of the key first: the reservation claims it (with the order it writes), and a used
  // key fails that claim; a refusal claims it when storing its answer, with the same effect. A
  // replay is rarer than a first attempt, so it pays the detour.
  const reserved = await reserveStep.run(deps, shopper, claim, request);
  switch (reserved.outcome) {
    case 'reserved':
      break;
    case 'key_taken': {
      // The key was used before, or is in use by a concurrent request: answer as that one does
      // (an order still waiting may mean it is still charging, so wait briefly for its final one).
      const outcome = await waitForOutcome(deps.db, shopper.userId, key, hash);
      return { outcome, aftermath: none };
    }
    default: {
      // A refusal (out of stock, empty cart, a changed price) is the outcome for this key too.
      const refusal = { kind: 'refused', refusal: reserved } as const;
      return { outcome: await keepRefusal(deps.db, shopper.userId, key, hash, refusal), aftermath: none };
    }
  }
  const { order, lines } = reserved;
  await deps.hooks?.afterReserve?.(order.id);

  const outcome = await chargeStep.run(deps.gateway, order, shopper, request);
  if (outcome.status === 'unknown') {
    // The order stays pending_payment and the recovery timer asks the gateway.
    return {
      outcome: await outcomeFor(deps.db, order.id),
      aftermath: { changedSkus: reserved.changedSkus, levels: reserved.levels, eventsWritten: false },
    };
  }
  await deps.hooks?.afterCharge?.(order.id);
  // A final outcome is kept as answered (with the settling change when this call settles the
  // order); one still waiting for its payment is answered from the order's state on replay.
  const settled = await settlePayment(deps, order.id, outcome, {
    known: { order, lines },
    answerTo: {
      userId: shopper.userId,
      key,
      answerFor: (after) => orderOutcome(orderView(after, lines), outcome),
    },
  });
  let answer = settled.answer;
  if (!answer) {
    // Someone else (a webhook, the recovery timer) settled it first: answer from its state.
    const current = await outcomeFor(deps.db, order.id, outcome);
    if (isFinal(current)) await keepAnswer(deps.db, shopper.userId, key, current);
    answer = current;
  }
  return {
    outcome: answer,
    aftermath: {
      changedSkus: [...new Set([...reserved.changedSkus, ...settled.changedSkus])],
      levels: reserved.levels,
      eventsWritten: settled.eventsWritten,
    },
  };
}
