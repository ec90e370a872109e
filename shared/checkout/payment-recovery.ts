import { findOrder, findStuckOrders } from '../orders/orders.repository';
import type { CancelInput, CancelOutcome, ChargeOutcome } from '../payments/payment-gateway.port';
import { expectedReference } from '../payments/settlement-check';
import { AppError } from '../platform/errors';
import {
  type Aftermath,
  type CheckoutDeps,
  type RefusedSettlement,
  type Settled,
  settlePayment,
} from './checkout.service';

/** Waiting this long means the process that charged probably died. */
export const pendingGraceMs = 60_000;
/**
 * A 3-D Secure challenge nobody finished within the hold time (counted from the reservation) is
 * abandoned: the payment is cancelled at the provider, then the order fails and its units go back
 * to the cart's holds. Stock is never kept out of reach by an unfinished payment for longer than a
 * cart may hold it, and a shopper who authenticates later is refused instead of charged.
 */
function authenticationWindowMs(holdMinutes: number): number {
  return holdMinutes * 60_000;
}

const abandoned = (provider: ChargeOutcome['provider'], reference?: string): ChargeOutcome => ({
  status: 'declined',
  provider,
  ...(reference ? { reference } : {}),
  code: 'authentication_abandoned',
  reason: 'The payment was never authenticated.',
});

/** Still in flight at the provider: nothing to settle yet. */
const inFlight = (outcome: CancelOutcome): boolean =>
  outcome.status === 'requires_action' || outcome.status === 'processing';

/**
 * The repair for a crash between the steps of Pay Now, and the end of an abandoned 3-D Secure:
 * ask the gateway what happened to each order still waiting (within its authentication window),
 * or cancel its payment (past it), then settle it exactly as checkout would have (paid or
 * compensated). `deferred`: orders whose cancel had an unknown outcome (provider unreachable),
 * left untouched for the next run.
 */
export async function recoverStuckPayments(
  deps: Pick<CheckoutDeps, 'db' | 'reservation' | 'gateway' | 'holdMinutes'>,
  now: Date,
  options: { graceMs?: number } = {},
): Promise<{ settled: number; aftermath: Aftermath; refused: RefusedSettlement[]; deferred: string[] }> {
  const stuck = await findStuckOrders(
    deps.db,
    new Date(now.getTime() - (options.graceMs ?? pendingGraceMs)),
    200,
  );
  const aftermath: Aftermath = { changedSkus: [], eventsWritten: false };
  let settled = 0;
  // The provider's answer that is not the order's payment (another amount...): left for on-call.
  const refused: RefusedSettlement[] = [];
  const deferred: string[] = [];
  for (const { id } of stuck) {
    const found = await findOrder(deps.db, id);
    if (!found) continue;
    const { order } = found;
    const input: CancelInput = {
      orderId: id,
      provider: order.payment_provider,
      reference: expectedReference(order),
    };
    let result: Settled;
    if (now.getTime() - order.created_at.getTime() < authenticationWindowMs(deps.holdMinutes)) {
      const outcome = await deps.gateway.lookup(input);
      if (inFlight(outcome)) continue;
      result = await settlePayment(deps, id, outcome);
    } else {
      // Past the window: cancel first, so the order never fails while its payment can still
      // succeed (money taken for an order whose stock went back). If it could not be cancelled
      // because it succeeded meanwhile, it is paid, through the same checks as any settlement.
      let outcome: CancelOutcome;
      try {
        outcome = await deps.gateway.cancel(input);
      } catch (error) {
        // Unknown outcome (network, 5xx): the payment may still be live; try again next run.
        if (error instanceof AppError && error.status === 502) {
          deferred.push(id);
          continue;
        }
        throw error;
      }
      if (inFlight(outcome)) {
        deferred.push(id);
        continue;
      }
      result = await settlePayment(
        deps,
        id,
        outcome.status === 'cancelled' ? abandoned(outcome.provider, outcome.reference) : outcome,
      );
    }
    if (result.refused) refused.push(result.refused);
    if (result.eventsWritten || result.changedSkus.length > 0) settled++;
    aftermath.changedSkus.push(...result.changedSkus);
    aftermath.eventsWritten ||= result.eventsWritten;
  }
  return { settled, aftermath, refused, deferred };
}
