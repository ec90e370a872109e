import { releaseExpiredHolds } from '../../shared/cart/cart.service';
import { notifierDeps } from '../../shared/cart/cart-deps';
import { announceStockChange } from '../../shared/inventory/availability-notifier';
import { timerFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';

/** Every minute: abandoned carts give their held stock back. Safe with several instances. */
export const releaseExpiredHoldsFunction = timerFunction({
  name: 'release-expired-holds',
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const s = await services();
    const skus = await releaseExpiredHolds({ db: s.sql.db }, new Date());
    if (skus.length > 0) {
      context.log(`released ${skus.length} expired holds`);
      await announceStockChange(
        notifierDeps(s, (m) => context.warn(m)),
        skus,
      );
    }
  },
});
