import { randomBytes } from 'node:crypto';
import type { CacheAside } from '../adapters/cache/cache-aside';
import { writesInOneStatement } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { invalidateProduct } from '../catalogue/catalogue.service';
import type { ProductStore } from '../catalogue/product-store.port';
import { announceStockLevels, type NotifierDeps } from '../inventory/availability-notifier';
import { readStockLevel, readStockLevelsTogether, type StockLevel } from '../inventory/inventory.repository';
import { type ClaimStatement, claimOnce, handleOnce } from '../messaging/outbox';

export interface OrderPaidEvent {
  eventId: string;
  type: 'OrderPaid';
  orderId: string;
  userId: string;
  lines: Array<{ productId: string; sku: string; quantity: number }>;
}

export function isOrderPaid(body: unknown): body is OrderPaidEvent {
  return typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'OrderPaid';
}

export interface InventoryConsumerDeps extends NotifierDeps {
  products: ProductStore;
  cache: CacheAside;
  lowStockThreshold: number;
  alert: (message: string) => void;
}

/**
 * The `inventory` subscription: after a sale, refresh each product's displayed availability in
 * Cosmos, drop cached copies, push the live count, and flag low stock. Once per message.
 */
export async function refreshInventoryAfterSale(
  deps: InventoryConsumerDeps,
  messageId: string,
  event: OrderPaidEvent,
): Promise<'handled' | 'duplicate'> {
  if (writesInOneStatement(deps.db)) return refreshThenClaim(deps, messageId, event);
  const levels: StockLevel[] = [];
  const outcome = await handleOnce(deps.db, 'inventory', messageId, async (trx) => {
    for (const line of event.lines) {
      const level = await readStockLevel(trx, line.sku);
      if (!level) continue;
      levels.push(level);
      await showAvailability(deps, line.productId, level);
      if (isLow(deps, level)) {
        await trx.deleteFrom('low_stock_alerts').where('sku', '=', line.sku).execute();
        await trx
          .insertInto('low_stock_alerts')
          .values({ sku: line.sku, available: level.available, flagged_at: new Date() })
          .execute();
      }
    }
  });
  // After the commit, with the levels just read (no second read).
  if (outcome === 'handled') await afterClaim(deps, levels);
  return outcome;
}

function isLow(deps: InventoryConsumerDeps, level: StockLevel): boolean {
  return level.available <= deps.lowStockThreshold;
}

async function showAvailability(deps: InventoryConsumerDeps, productId: string, level: StockLevel) {
  await deps.products.setDisplayedAvailability(productId, {
    available: level.available,
    lowStock: isLow(deps, level),
    updatedAt: level.updatedAt.toISOString(),
  });
  await invalidateProduct(deps, productId);
}

function afterClaim(deps: InventoryConsumerDeps, levels: StockLevel[]): Promise<void> {
  for (const level of levels.filter((l) => isLow(deps, l)))
    deps.alert(`LOW STOCK ${level.sku}: ${level.available} left`);
  return announceStockLevels(deps, levels);
}

/** PostgreSQL: with the claim, flag low stock (`low`: [{sku, available}]). */
const lowStockFlags: ClaimStatement = {
  consumer: 'inventory',
  fields: 'low jsonb',
  writes: `flagged as (
    insert into low_stock_alerts (sku, available, flagged_at)
    select l.sku, l.available, m.processed_at
    from mine m cross join jsonb_to_recordset(m.low) as l(sku varchar, available int)
    on conflict (sku) do update set available = excluded.available, flagged_at = excluded.flagged_at
  )`,
};

/**
 * The PostgreSQL path, in two statements (each shared with concurrent deliveries): read the
 * levels and show them, then claim the message and flag low stock. Showing a level is
 * idempotent (it sets what SQL says), so a duplicate that shows it again before losing the
 * claim does no harm; a failure or a crash before the claim leaves the message unclaimed, and
 * its redelivery shows it again.
 */
async function refreshThenClaim(
  deps: InventoryConsumerDeps,
  messageId: string,
  event: OrderPaidEvent,
): Promise<'handled' | 'duplicate'> {
  const levels = await readStockLevelsTogether(
    deps.db,
    event.lines.map((l) => l.sku),
  );
  for (const level of levels) await showAvailability(deps, level.productId, level);
  const low = levels.filter((l) => isLow(deps, l)).map((l) => ({ sku: l.sku, available: l.available }));
  const outcome = await claimOnce(deps.db, lowStockFlags, {
    messageId,
    fields: { low },
    keys: event.lines.map((l) => `sku:${l.sku}`),
  });
  if (outcome === 'handled') await afterClaim(deps, levels);
  return outcome;
}

/** PostgreSQL: with the claim, the pick request (`id`, `order_id`). */
const pickRequests: ClaimStatement = {
  consumer: 'fulfilment',
  fields: 'id varchar, order_id varchar',
  writes: `requested as (
    insert into fulfilment_requests (id, order_id, status, carrier, tracking_number, created_at, shipped_at)
    select id, order_id, 'pending', null, null, processed_at, null from mine
    on conflict (order_id) do nothing
  )`,
};

/** The `fulfilment` subscription: one warehouse pick request per paid order. */
export async function createPickRequest(
  db: Db,
  messageId: string,
  event: OrderPaidEvent,
): Promise<'handled' | 'duplicate'> {
  const id = `fr_${randomBytes(8).toString('hex')}`;
  const now = new Date();
  if (writesInOneStatement(db)) {
    return claimOnce(db, pickRequests, {
      messageId,
      fields: { id, order_id: event.orderId },
      keys: [`order:${event.orderId}`],
    });
  }
  return handleOnce(db, 'fulfilment', messageId, async (trx) => {
    const existing = await trx
      .selectFrom('fulfilment_requests')
      .select('id')
      .where('order_id', '=', event.orderId)
      .executeTakeFirst();
    if (existing) return; // a replayed or re-published event for the same order
    await trx
      .insertInto('fulfilment_requests')
      .values({
        id,
        order_id: event.orderId,
        status: 'pending',
        carrier: null,
        tracking_number: null,
        created_at: now,
        shipped_at: null,
      })
      .execute();
  });
}
