import { NoResultError } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mssqlRecorder, tsqlSyntaxError } from '../../../test/support/mssql-recorder';
import {
  countCartLines,
  deleteCartLineIfHeld,
  findCartLine,
  findExpiredHolds,
  insertCartLine,
  listCartLines,
  markHoldReleased,
  refreshHolds,
  repriceCartLine,
  updateCartLineIfHeld,
} from '../../cart/cart.repository';
import { ensureUser } from '../../identity/users.repository';
import {
  countInventory,
  findAvailability,
  findAvailabilityOfProduct,
  holdStock,
  insertMissingInventory,
  readStockLevel,
  releaseStock,
  replaceInventory,
  sellAvailableStock,
  sellHeldStock,
  setOnHand,
} from '../../inventory/inventory.repository';
import { addToOutbox, newEvent, relayOutbox } from '../../messaging/outbox';
import {
  findOrder,
  findOrderForMessage,
  findOrderIdByPaymentReference,
  findStuckOrders,
  findUserOrder,
  listUserOrders,
  markReceiptSent,
  returnSoldUnitsToHolds,
  transitionOrder,
} from '../../orders/orders.repository';
import { SqlInvalidationLog } from '../cache/invalidation-log';
import { allMigrations } from './migrations';

/** Every store query, run against the recorder. Later stores add their calls here. */
async function runEveryStoreQuery(db: ReturnType<typeof mssqlRecorder>['db']) {
  const swallowNoResult = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof NoResultError)) throw error; // the recorder returns no rows
    }
  };
  await findAvailability(db, 'SKU-1');
  await findAvailabilityOfProduct(db, 'p-1');
  await swallowNoResult(() => countInventory(db));
  await insertMissingInventory(db, [{ sku: 'SKU-1', productId: 'p-1', onHand: 5 }]);
  await replaceInventory(db, [{ sku: 'SKU-1', productId: 'p-1', onHand: 5 }]);
  await swallowNoResult(() => ensureUser(db, { userId: 'u', email: 'u@x', name: 'U', roles: [] }));
  await readStockLevel(db, 'SKU-1');
  await holdStock(db, 'SKU-1', 2);
  await releaseStock(db, 'SKU-1', 2);
  await sellHeldStock(db, 'SKU-1', 1);
  await sellAvailableStock(db, 'SKU-1', 1);
  await setOnHand(db, 'SKU-1', 5);
  const line = {
    userId: 'u',
    productId: 'p-1',
    sku: 'SKU-1',
    name: 'N',
    unitPriceMinor: 100,
    currency: 'USD',
    quantity: 1,
    heldQuantity: 1,
    holdExpiresAt: new Date(),
    addedAt: new Date(),
  };
  await listCartLines(db, 'u');
  await findCartLine(db, 'u', 'p-1');
  await swallowNoResult(() => countCartLines(db, 'u'));
  await insertCartLine(db, line);
  await updateCartLineIfHeld(db, 'u', 'p-1', 1, { ...line });
  await repriceCartLine(
    db,
    'u',
    'p-1',
    { unitPriceMinor: 100, currency: 'USD' },
    { unitPriceMinor: 1000, currency: 'USD', name: 'N' },
  );
  await deleteCartLineIfHeld(db, 'u', 'p-1', 1);
  await refreshHolds(db, 'u', new Date(), new Date());
  await refreshHolds(db, 'u', new Date(), new Date(), { below: 'p-1' });
  await refreshHolds(db, 'u', new Date(), new Date(), { above: 'p-1' });
  await findExpiredHolds(db, new Date(), 100);
  await markHoldReleased(db, line, new Date());
  // orders, outbox, inbox
  await findUserOrder(db, 'u', 'o-1');
  await findOrder(db, 'o-1');
  await findOrderIdByPaymentReference(db, 'pi_1');
  await listUserOrders(db, 'u', { limit: 21, before: { createdAt: new Date(), id: 'o-1' } });
  await transitionOrder(db, 'o-1', ['pending_payment'], { status: 'paid', paid_at: new Date() });
  await markReceiptSent(db, 'o-1');
  await findStuckOrders(db, new Date(), 200);
  await returnSoldUnitsToHolds(db, 'SKU-1', 1);
  await addToOutbox(db, newEvent('orders', 'OrderPaid', 'o-1', { orderId: 'o-1' }));
  await findOrderForMessage(db, 'o-1', { consumer: 'receipts', messageId: 'm-1' });
  await relayOutbox(db, { publish: async () => {}, close: async () => {} });
  // the cache's durable invalidation log (update, then insert: the recorder updates no row)
  const invalidations = new SqlInvalidationLog(db);
  await invalidations.record(['product:p-1', 'availability:p-1']);
  await invalidations.read(200);
  await invalidations.remove([
    { key: 'product:p-1', version: 1 },
    { key: 'availability:p-1', version: 2 },
  ]);
  await swallowNoResult(() => invalidations.count());
}

describe('Azure SQL (MSSQL dialect; no SQL Server here, so compiled and syntax-checked)', () => {
  it('compiles every migration to valid T-SQL', async () => {
    const { db, statements } = mssqlRecorder();
    for (const migration of Object.values(allMigrations('mssql'))) await migration.up(db as never);
    expect(statements.length).toBeGreaterThan(2);
    const problems = statements.map((s) => [s, tsqlSyntaxError(s)]).filter(([, error]) => error);
    expect(problems).toEqual([]);
    expect(statements.join('\n')).not.toMatch(/\btimestamptz\b|\bserial\b|\btext\b/);
  });

  it('compiles every store query to valid T-SQL without LIMIT, RETURNING or ON CONFLICT', async () => {
    const { db, statements } = mssqlRecorder();
    await runEveryStoreQuery(db);
    expect(statements.length).toBeGreaterThan(4);
    const problems = statements.map((s) => [s, tsqlSyntaxError(s)]).filter(([, error]) => error);
    expect(problems).toEqual([]);
  });

  it('would catch invalid T-SQL (the checker is not a rubber stamp)', () => {
    expect(tsqlSyntaxError('select * from [t] limit 5')).toBeDefined();
    expect(tsqlSyntaxError('insert into [t] ([a]) values (@1) returning [a]')).toBeDefined();
    expect(tsqlSyntaxError('insert into [t] ([a]) values (@1) on conflict do nothing')).toBeDefined();
    expect(tsqlSyntaxError('selec * from [t]')).toBeDefined();
    expect(
      tsqlSyntaxError('select [a] from [t] order by [a] offset @1 rows fetch next @2 rows only'),
    ).toBeUndefined();
  });
});
