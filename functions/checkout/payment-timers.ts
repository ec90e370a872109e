import { applyAftermath, checkoutDeps } from '../../shared/checkout/checkout-deps';
import { recoverStuckPayments } from '../../shared/checkout/payment-recovery';
import { nudgeRelay } from '../../shared/messaging/outbox';
import { timerFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';

/**
 * Every 5 minutes, the safety net: publishes what the outbox still holds after a crash or a bus
 * outage. Events are relayed right after the commit that writes them (applyAftermath), so this
 * sweeper rarely finds anything; running it every few seconds kept serverless SQL from ever
 * pausing and billed an execution each time.
 */
export const relayOutboxFunction = timerFunction({
  name: 'relay-outbox',
  schedule: '15 */5 * * * *',
  handler: async (_timer, context) => {
    const s = await services();
    await nudgeRelay(s.sql.db, s.bus, (error) => context.warn(`outbox relay failed: ${String(error)}`));
  },
});

/** Every minute: asks the gateway about orders stuck waiting for payment, and settles them. */
export const recoverPaymentsFunction = timerFunction({
  name: 'recover-payments',
  schedule: '30 * * * * *',
  handler: async (_timer, context) => {
    const s = await services();
    const result = await recoverStuckPayments(checkoutDeps(s), new Date());
    if (result.settled > 0) context.log(`recovered ${result.settled} stuck payments`);
    for (const refused of result.refused) context.warn(refused.message);
    if (result.deferred.length > 0)
      context.warn(
        `payment provider unsure or unreachable for ${result.deferred.length} abandoned order(s), retried next minute: ${result.deferred.join(', ')}`,
      );
    await applyAftermath(s, result.aftermath, (m) => context.warn(m));
  },
});
