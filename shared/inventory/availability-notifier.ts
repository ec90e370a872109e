import type { CacheAside } from '../adapters/cache/cache-aside';
import type { Db } from '../adapters/sql/schema';
import { invalidateAvailability } from '../catalogue/catalogue.service';
import { productGroup, type RealtimeHub } from '../realtime/realtime-hub.port';
import { readStockLevel } from './inventory.repository';

export interface AvailabilityMessage {
  type: 'availability';
  productId: string;
  available: number;
  /** Increases with every change of the SKU: a client keeps the highest it has seen. */
  version: number;
  updatedAt: string;
}

export interface NotifierDeps {
  db: Db;
  cache: CacheAside;
  realtime: RealtimeHub;
  log?: (message: string) => void;
}

/**
 * After a committed stock change: forget the cached count, then push the current count to
 * every page showing the product. Failures here never undo the change: the cache TTL and the
 * polling fallback cover a lost push.
 */
export async function announceStockChange(deps: NotifierDeps, skus: Iterable<string>): Promise<void> {
  await Promise.all(
    [...new Set(skus)].map(async (sku) => {
      try {
        const level = await readStockLevel(deps.db, sku);
        if (!level) return;
        await invalidateAvailability(deps, level.productId);
        const message: AvailabilityMessage = {
          type: 'availability',
          productId: level.productId,
          available: level.available,
          version: level.version,
          updatedAt: level.updatedAt.toISOString(),
        };
        await deps.realtime.broadcast(productGroup(level.productId), message);
      } catch (error) {
        deps.log?.(
          `stock change of ${sku} not announced: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }),
  );
}
