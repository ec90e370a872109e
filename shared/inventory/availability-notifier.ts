import type { CacheAside } from '../adapters/cache/cache-aside';
import type { Db } from '../adapters/sql/schema';
import { invalidateAvailability } from '../catalogue/catalogue.service';
import { productGroup, type RealtimeHub } from '../realtime/realtime-hub.port';
import { readStockLevel, type StockLevel } from './inventory.repository';

export interface AvailabilityMessage {
  type: 'availability';
  productId: string;
  /** The SKU that changed: the product's own, or one of its variants. */
  sku: string;
  /** The SKU's count: for a product with variants, that variant's (the page sums them). */
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

// Announcements waiting to run, per hub: changes of one SKU that arrive together share one
// read and one push (a hot SKU would otherwise read and broadcast once per change).
const waiting = new WeakMap<RealtimeHub, Map<string, Promise<void>>>();

/**
 * After a committed stock change: forget the cached count, then push the current count to
 * every page showing the product. Failures here never undo the change: the cache TTL and the
 * polling fallback cover a lost push.
 */
export async function announceStockChange(deps: NotifierDeps, skus: Iterable<string>): Promise<void> {
  let queue = waiting.get(deps.realtime);
  if (!queue) {
    queue = new Map();
    waiting.set(deps.realtime, queue);
  }
  const pending = queue;
  await Promise.all(
    [...new Set(skus)].map((sku) => {
      let announcement = pending.get(sku);
      if (!announcement) {
        announcement = (async () => {
          await new Promise((resolve) => setImmediate(resolve));
          // From here on a new change needs a new read: this one may predate it.
          pending.delete(sku);
          await announceOne(deps, sku);
        })();
        pending.set(sku, announcement);
      }
      return announcement;
    }),
  );
}

async function announceOne(deps: NotifierDeps, sku: string): Promise<void> {
  try {
    const level = await readStockLevel(deps.db, sku);
    if (!level) return;
    await invalidateAvailability(deps, level.productId);
    const message: AvailabilityMessage = {
      type: 'availability',
      productId: level.productId,
      sku: level.sku,
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
}

// Levels waiting to be pushed, per hub: only the newest version of a SKU goes out, so a hot
// SKU changing hundreds of times a second costs one push per tick, not one per change.
const unsent = new WeakMap<RealtimeHub, Map<string, { level: StockLevel; sent: Promise<void> }>>();

/**
 * Like `announceStockChange`, for changes whose resulting level is already known (it came
 * back from the conditional update itself): no read needed.
 */
export async function announceStockLevels(deps: NotifierDeps, levels: StockLevel[]): Promise<void> {
  let queue = unsent.get(deps.realtime);
  if (!queue) {
    queue = new Map();
    unsent.set(deps.realtime, queue);
  }
  const pending = queue;
  await Promise.all(
    levels.map(async (level) => {
      await invalidateAvailability(deps, level.productId);
      const queued = pending.get(level.sku);
      if (queued) {
        if (level.version > queued.level.version) queued.level = level;
        return queued.sent;
      }
      const entry = { level, sent: Promise.resolve() };
      entry.sent = (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        pending.delete(level.sku);
        const newest = entry.level;
        const message: AvailabilityMessage = {
          type: 'availability',
          productId: newest.productId,
          sku: newest.sku,
          available: newest.available,
          version: newest.version,
          updatedAt: newest.updatedAt.toISOString(),
        };
        try {
          await deps.realtime.broadcast(productGroup(newest.productId), message);
        } catch (error) {
          deps.log?.(
            `stock change of ${newest.sku} not pushed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      })();
      pending.set(level.sku, entry);
      return entry.sent;
    }),
  );
}
