import { randomBytes } from 'node:crypto';
import type { CacheAside } from '../adapters/cache/cache-aside';
import { writesInOneStatement } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { invalidateProduct } from '../catalogue/catalogue.service';
import type { ProductStore } from '../catalogue/product-store.port';
import { announceStockLevels, type NotifierDeps } from '../inventory/availability-notifier';
import { readStockLevel, type StockLevel } from '../inventory/inventory.repository';
import { claimedInOneStatement, handleOnce, inboxClaim } from '../messaging/outbox';

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
  const levels: StockLevel[] = [];
  const outcome = await handleOnce(deps.db, 'inventory', messageId, async (trx) => {
    for (const line of event.lines) {
      const level = await readStockLevel(trx, line.sku);
      if (!level) continue;
      levels.push(level);
      const lowStock = level.available <= deps.lowStockThreshold;
      await deps.products.setDisplayedAvailability(line.productId, {
        available: level.available,
        lowStock,
        updatedAt: level.updatedAt.toISOString(),
      });
      await invalidateProduct(deps, line.productId);
      if (lowStock) {
        await trx.deleteFrom('low_stock_alerts').where('sku', '=', line.sku).execute();
        await trx
          .insertInto('low_stock_alerts')
          .values({ sku: line.sku, available: level.available, flagged_at: new Date() })
          .execute();
        deps.alert(`LOW STOCK ${line.sku}: ${level.available} left`);
      }
    }
  });
  // After the commit, with the levels just read (no second read).
  if (outcome === 'handled') await announceStockLevels(deps, levels);
  return outcome;
}

/** PostgreSQL: the inbox claim and the pick request in one statement ($4 request id, $5 order id). */
const pickRequestStatement = `
  with ${inboxClaim}, requested as (
    insert into fulfilment_requests (id, order_id, status, carrier, tracking_number, created_at, shipped_at)
    select $4::varchar, $5::varchar, 'pending', null, null, $3::timestamptz, null
    where exists (select 1 from claimed)
    on conflict (order_id) do nothing
  )
  select count(*) as claimed from claimed`;

/** The `fulfilment` subscription: one warehouse pick request per paid order. */
export async function createPickRequest(
  db: Db,
  messageId: string,
  event: OrderPaidEvent,
): Promise<'handled' | 'duplicate'> {
  const id = `fr_${randomBytes(8).toString('hex')}`;
  const now = new Date();
  if (writesInOneStatement(db)) {
    return claimedInOneStatement(db, pickRequestStatement, [
      'fulfilment',
      messageId,
      now.toISOString(),
      id,
      event.orderId,
    ]);
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
