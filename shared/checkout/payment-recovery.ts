import { findOrder, findStuckOrders } from '../orders/orders.repository';
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
 * abandoned: the order fails and its units go back to the cart's holds. Stock is never kept out
 * of reach by an unfinished payment for longer than a cart may hold it.
 */
export function authenticationWindowMs(holdMinutes: number): number {
  return holdMinutes * 60_000;
}

/**
 * The repair for a crash between the steps of Pay Now: ask the gateway what happened to each
 * order still waiting, then settle it exactly as checkout would have (paid or compensated).
 */
export async function recoverStuckPayments(
  deps: Pick<CheckoutDeps, 'db' | 'gateway' | 'holdMinutes'>,
  now: Date,
  options: { graceMs?: number } = {},
): Promise<{ settled: number; aftermath: Aftermath; refused: RefusedSettlement[] }> {
  const stuck = await findStuckOrders(
    deps.db,
    new Date(now.getTime() - (options.graceMs ?? pendingGraceMs)),
    200,
  );
  const aftermath: Aftermath = { changedSkus: [], eventsWritten: false };
  let settled = 0;
  // The provider's answer that is not the order's payment (another amount...): left for on-call.
  const refused: RefusedSettlement[] = [];
  for (const { id } of stuck) {
    const found = await findOrder(deps.db, id);
    if (!found) continue;
    const { order } = found;
    const outcome = await deps.gateway.lookup({
      orderId: id,
      provider: order.payment_provider,
      reference:
        order.payment_provider === 'paypal'
          ? order.payment_method_ref
          : (order.payment_reference ?? undefined),
    });
    let result: Settled;
    if (outcome.status === 'requires_action' || outcome.status === 'processing') {
      if (now.getTime() - order.created_at.getTime() < authenticationWindowMs(deps.holdMinutes)) continue;
      result = await settlePayment(deps, id, {
        status: 'declined',
        provider: order.payment_provider,
        code: 'authentication_abandoned',
        reason: 'The payment was never authenticated.',
      });
    } else {
      result = await settlePayment(deps, id, outcome);
    }
    if (result.refused) refused.push(result.refused);
    if (result.eventsWritten || result.changedSkus.length > 0) settled++;
    aftermath.changedSkus.push(...result.changedSkus);
    aftermath.eventsWritten ||= result.eventsWritten;
  }
  return { settled, aftermath, refused };
}
