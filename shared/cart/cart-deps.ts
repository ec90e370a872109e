import type { NotifierDeps } from '../inventory/availability-notifier';
import type { Services } from '../platform/services';
import type { CartDeps } from './cart.service';

export function cartDeps(s: Services): CartDeps {
  return {
    db: s.sql.db,
    writes: s.cartWrites,
    catalogue: { products: s.products, db: s.sql.db, cache: s.cache },
    settings: { holdMinutes: s.config.cart.holdMinutes, maxLineQuantity: s.config.cart.maxLineQuantity },
  };
}

export function notifierDeps(s: Services, log?: (message: string) => void): NotifierDeps {
  return { db: s.sql.db, cache: s.cache, realtime: s.realtime, log };
}
