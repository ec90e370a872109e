import type { CacheAside } from '../adapters/cache/cache-aside';
import { invalidateProducts } from '../catalogue/catalogue.service';
import { reindexSizedProducts } from '../catalogue/index-availability';
import type { ProductStore } from '../catalogue/product-store.port';
import type { ConsumerWrites, InboxClaims } from '../messaging/inbox-claims';
import type { OrderPaid } from '../messaging/integration-events';
import { batcherFor } from '../platform/batcher';
import type { SearchIndex } from '../search/search-index.port';
import { announceStockLevels, type NotifierDeps } from './availability-notifier';
import { readProductTotals, readStockLevelsTogether, type StockLevel } from './inventory.repository';

export interface InventoryConsumerDeps extends NotifierDeps {
  products: ProductStore;
  cache: CacheAside;
  /** Products of which a size sold out are re-indexed, so the search `size` filter drops it. */
  search: SearchIndex;
  lowStockThreshold: number;
  alert: (message: string) => void;
  inbox: InboxClaims;
}

/**
 * The `inventory` subscription: after a sale, refresh each product's displayed availability in
 * Cosmos, drop cached copies, push the live count, re-index a product of which a size sold out
 * (only those: the index changes only when a size leaves the filter), and flag low stock. Once per message, in two
 * steps (each shared with concurrent deliveries on PostgreSQL): read the levels and show them,
 * then claim the message and flag low stock. Showing a level is idempotent (it sets what SQL
 * says), so a duplicate that shows it again before losing the claim does no harm; a failure or
 * a crash before the claim leaves the message unclaimed, and its redelivery shows it again.
 */
export async function refreshInventoryAfterSale(
  deps: InventoryConsumerDeps,
  messageId: string,
  event: OrderPaid,
): Promise<'handled' | 'duplicate'> {
  const levels = await readStockLevelsTogether(
    deps.db,
    event.lines.map((l) => l.sku),
  );
  await showAvailabilityTogether(
    deps,
    levels.map((l) => l.productId),
  );
  await reindexSizedProducts(
    deps,
    levels.filter((l) => l.available <= 0).map((l) => l.productId),
  );
  const low = levels.filter((l) => isLow(deps, l)).map((l) => ({ sku: l.sku, available: l.available }));
  const outcome = await deps.inbox.claim(lowStockFlags, {
    messageId,
    fields: { low },
    // The claim writes only the low SKUs' flags: claims of a hot SKU that is not low share a
    // statement (two upserts of one flag in one statement would fail, so those never do).
    keys: low.map((l) => `sku:${l.sku}`),
  });
  // After the commit, with the levels just read (no second read).
  if (outcome === 'handled') await afterClaim(deps, levels);
  return outcome;
}

function isLow(deps: InventoryConsumerDeps, level: StockLevel): boolean {
  return level.available <= deps.lowStockThreshold;
}

/**
 * Shows each product's count in Cosmos: its SKU's, or for a product with variants the sum of
 * its SKUs' with each variant's own (`variants`, by SKU), low when any of them is. Concurrent
 * deliveries share the work, one batch at a time: a batch reads the totals of all its products
 * in one query made after every request in it arrived (so it is at least as new as each
 * message's sale), patches each product once (a hot product sold by fifty messages: one patch,
 * the latest level) and drops their cached copies in one invalidation with one catalogue
 * version bump. If a batch fails, each request runs alone (batcher.ts), and a failure is that
 * message's to retry.
 */
function showAvailabilityTogether(deps: InventoryConsumerDeps, productIds: readonly string[]): Promise<void> {
  const show = batcherFor<{ deps: InventoryConsumerDeps; productIds: readonly string[] }, void>(
    deps.products,
    'displayed availability',
    () => ({
      // One batch at a time: a later batch never writes an older level over a newer one, and
      // while one runs the next gathers every delivery that arrives meanwhile.
      maxInFlight: 1,
      maxBatch: 256,
      async runBatch(requests) {
        await showAvailability(
          requests[0]!.deps,
          requests.flatMap((r) => r.productIds),
        );
        return requests.map(() => undefined);
      },
    }),
  );
  return show({ deps, productIds });
}

async function showAvailability(deps: InventoryConsumerDeps, productIds: readonly string[]): Promise<void> {
  const totals = await readProductTotals(deps.db, productIds);
  await Promise.all(
    [...totals].map(([productId, total]) => {
      const skus = Object.keys(total.skus);
      return deps.products.setDisplayedAvailability(productId, {
        available: total.available,
        lowStock: Object.values(total.skus).some((available) => available <= deps.lowStockThreshold),
        updatedAt: total.updatedAt.toISOString(),
        ...(skus.length > 1 && { variants: total.skus }),
      });
    }),
  );
  await invalidateProducts(deps, [...totals.keys()]);
}

function afterClaim(deps: InventoryConsumerDeps, levels: StockLevel[]): Promise<void> {
  for (const level of levels.filter((l) => isLow(deps, l)))
    deps.alert(`LOW STOCK ${level.sku}: ${level.available} left`);
  return announceStockLevels(deps, levels);
}

/** With the claim, flag low stock (`low`: [{sku, available}]), replacing an older flag. */
const lowStockFlags: ConsumerWrites<{ low: Array<{ sku: string; available: number }> }> = {
  consumer: 'inventory',
  async write(trx, { low }) {
    for (const { sku, available } of low) {
      await trx.deleteFrom('low_stock_alerts').where('sku', '=', sku).execute();
      await trx.insertInto('low_stock_alerts').values({ sku, available, flagged_at: new Date() }).execute();
    }
  },
  statement: {
    fields: 'low jsonb',
    writes: `flagged as (
    insert into low_stock_alerts (sku, available, flagged_at)
    select l.sku, l.available, m.processed_at
    from mine m cross join jsonb_to_recordset(m.low) as l(sku varchar, available int)
    on conflict (sku) do update set available = excluded.available, flagged_at = excluded.flagged_at
  )`,
  },
};
