import { notifierDeps } from '../cart/cart-deps';
import { announceStockChange, announceStockLevels } from '../inventory/availability-notifier';
import { nudgeRelay } from '../messaging/outbox';
import type { Services } from '../platform/services';
import type { Aftermath, CheckoutDeps } from './checkout.service';

export function checkoutDeps(s: Services): CheckoutDeps {
  // The product store itself (Cosmos), never the cache: checkout charges the current price.
  return {
    db: s.sql.db,
    reservation: s.reservation,
    gateway: s.payments,
    holdMinutes: s.config.cart.holdMinutes,
    products: s.products,
  };
}

/**
 * After a payment step commits: push stock changes, and publish the outbox right away (the
 * relay timer is the safety net if this fails or the process dies first).
 */
export async function applyAftermath(
  s: Services,
  aftermath: Aftermath,
  log: (message: string) => void,
): Promise<void> {
  const deps = notifierDeps(s, log);
  await Promise.all([
    announceStockChange(deps, aftermath.changedSkus),
    announceStockLevels(deps, aftermath.levels ?? []),
  ]);
  if (aftermath.eventsWritten) {
    // Not awaited: the shopper's answer does not wait for the bus.
    void nudgeRelay(s.sql.db, s.bus, (error) => log(`outbox relay deferred to the timer: ${String(error)}`));
  }
}
