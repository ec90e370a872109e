import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePaths } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { notifierDeps } from '../cart/cart-deps';
import type { OrderPaid } from '../messaging/integration-events';
import { type InventoryConsumerDeps, refreshInventoryAfterSale } from './inventory-consumer';

describe.each(writePaths)('the inventory consumer ($path, PGlite)', ({ SQL_PORTABLE_WRITES }) => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({ products: 4, host: false, env: { SQL_PORTABLE_WRITES } });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  it('shows the new level, flags low stock and pushes the count once, however often the event comes', async () => {
    const db = shop.services.sql.db;
    const [product, healthy] = shop.products;
    await db.updateTable('inventory').set({ on_hand: 3, held: 0 }).where('sku', '=', product!.sku).execute();
    await db.updateTable('inventory').set({ on_hand: 90, held: 0 }).where('sku', '=', healthy!.sku).execute();
    const alerts: string[] = [];
    let pushes = 0;
    const realtime = shop.services.realtime;
    const deps: InventoryConsumerDeps = {
      ...notifierDeps(shop.services),
      realtime: {
        ...realtime,
        broadcast: async (group, message) => {
          pushes++;
          await realtime.broadcast(group, message);
        },
      },
      products: shop.services.products,
      search: shop.services.search,
      cache: shop.services.cache,
      lowStockThreshold: 5,
      alert: (message) => alerts.push(message),
      inbox: shop.services.inboxClaims,
    };
    const event: OrderPaid = {
      eventId: 'evt-low-1',
      type: 'OrderPaid',
      orderId: 'ord-low-1',
      userId: 'someone',
      totalMinor: 2 * product!.priceMinor,
      currency: 'GBP',
      paidAt: new Date().toISOString(),
      lines: [
        { productId: product!.id, sku: product!.sku, quantity: 1 },
        { productId: healthy!.id, sku: healthy!.sku, quantity: 1 },
      ],
    };

    const outcomes = await Promise.all(
      [1, 2, 3].map(() => refreshInventoryAfterSale(deps, 'msg-low-1', event)),
    );
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'handled']);
    expect(alerts).toEqual([`LOW STOCK ${product!.sku}: 3 left`]);
    expect(pushes).toBe(2); // one per product of the order
    const flagged = () => db.selectFrom('low_stock_alerts').select(['sku', 'available']).execute();
    expect(await flagged()).toEqual([{ sku: product!.sku, available: 3 }]);
    const shown = (id: string) =>
      shop.services.products
        .get(id)
        .then(
          (p) =>
            (p as { displayedAvailability?: { available: number; lowStock: boolean } })
              ?.displayedAvailability,
        );
    expect(await shown(product!.id)).toMatchObject({ available: 3, lowStock: true });
    expect(await shown(healthy!.id)).toMatchObject({ available: 90, lowStock: false });

    // A later sale of the same SKU moves the flag on rather than adding a second one.
    await db.updateTable('inventory').set({ on_hand: 2 }).where('sku', '=', product!.sku).execute();
    expect(await refreshInventoryAfterSale(deps, 'msg-low-2', { ...event, eventId: 'evt-low-2' })).toBe(
      'handled',
    );
    expect(await flagged()).toEqual([{ sku: product!.sku, available: 2 }]);
    expect(await shown(product!.id)).toMatchObject({ available: 2, lowStock: true });
    expect(alerts).toHaveLength(2);
  });
});
