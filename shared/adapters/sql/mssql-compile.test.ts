import fs from 'node:fs/promises';
import { CompiledQuery, NoResultError, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mssqlRecorder, tsqlSyntaxError } from '../../../test/support/mssql-recorder';
import { tempDir } from '../../../test/support/test-shop';
import { recordAsAzureSql, recordedStatements, tsqlProblems } from '../../../test/support/tsql-recorder';
import {
  countCartLines,
  deleteCartLineIfHeld,
  findCartLine,
  findExpiredHolds,
  insertCartLine,
  listCartLines,
  listCartLinesWithOrders,
  markHoldReleased,
  refreshHolds,
  repriceCartLine,
  updateCartLineIfHeld,
} from '../../cart/cart.repository';
import { insertCatalogueChange, listCatalogueChanges } from '../../catalogue/catalogue-changes.repository';
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
  returnSoldUnitsToHolds,
  sellAvailableStock,
  sellHeldStock,
  setOnHand,
} from '../../inventory/inventory.repository';
import { addToOutbox, newEvent, relayOutbox, republishOutbox } from '../../messaging/outbox';
import {
  findOrder,
  findOrderForMessage,
  findOrderIdByPaymentReference,
  findStuckOrders,
  findUserOrder,
  listUserOrders,
  markReceiptSent,
  transitionOrder,
} from '../../orders/orders.repository';
import { SqlInvalidationLog } from '../cache/invalidation-log';
import { openRelationalStore } from './database';
import { writesInOneStatement } from './dialect';
import { allMigrations } from './migrations';

/**
 * Store queries, run against the recorder. The `azure-sql-path` vitest project records every
 * statement the app's Azure SQL path issues while its tests run (test/support/tsql-recorder.ts);
 * this list still adds the queries those tests do not reach (countInventory, replaceInventory,
 * countCartLines, refreshHolds with a key range, which needs stale holds on both sides) and runs
 * without a database.
 */
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
  await listCartLinesWithOrders(db, 'u', ['pending_payment', 'requires_action']);
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
  await addToOutbox(
    db,
    newEvent('orders', 'OrderShipped', 'o-1', { orderId: 'o-1', carrier: null, trackingNumber: null }),
  );
  await findOrderForMessage(db, 'o-1', { consumer: 'receipts', messageId: 'm-1' });
  await relayOutbox(db, { publish: async () => {}, close: async () => {} });
  await republishOutbox(
    db,
    { publish: async () => {}, close: async () => {} },
    { since: new Date(0), until: new Date() },
  );
  // the admins' audit trail of catalogue changes
  await insertCatalogueChange(db, {
    changedAt: new Date(),
    changedBy: { userId: 'u', name: 'U' },
    action: 'stock_set',
    productId: 'p-1',
    sku: 'SKU-1',
    summary: 'on hand 5 → 0',
  });
  await listCatalogueChanges(db, { limit: 21 });
  await listCatalogueChanges(db, { productId: 'p-1', limit: 21, beforeId: 40 });
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

  it('runs the app as Azure SQL on PGlite and records every statement, flagging what is not T-SQL (the azure-sql-path project)', async () => {
    const dataDir = await tempDir('tsql-recorder-');
    const store = recordAsAzureSql(await openRelationalStore({ kind: 'pglite', dataDir }), {
      recordTestCode: true,
    });
    const db = store.db;
    try {
      // The app takes the Azure SQL path; its MSSQL-only forms run on PostgreSQL.
      expect(writesInOneStatement(db)).toBe(false);
      await insertMissingInventory(db, [{ sku: 'SKU-R', productId: 'p-r', onHand: 5 }]);
      expect(await holdStock(db, 'SKU-R', 2)).toMatchObject({ sku: 'SKU-R', available: 3 }); // output
      expect(await findExpiredHolds(db, new Date(), 10)).toEqual([]); // top
      await refreshHolds(db, 'u', new Date(), new Date(), { below: 'p-r' }); // its collation
      // What Azure SQL would refuse: a LIMIT, PostgreSQL's own text, a hand-written statement.
      await db.selectFrom('inventory').select('sku').limit(1).execute();
      await db.executeQuery(CompiledQuery.raw('select 1 as x where 1 = $1', [1]));
      await sql`select 2 as y`.execute(db);
    } finally {
      await store.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
    const texts = recordedStatements().map((s) => s.sql);
    expect(texts).toContainEqual(
      expect.stringMatching(/^update "inventory" set .* output "inserted"\."sku"/),
    );
    expect(texts).toContainEqual(expect.stringMatching(/^select top\(10\) /));
    expect(texts).toContainEqual(expect.stringMatching(/sku collate Latin1_General_BIN2 < @\d+$/));
    expect(Object.fromEntries(tsqlProblems().map((s) => [s.sql, s.problem]))).toEqual({
      'select "sku" from "inventory" limit @1': 'LIMIT is not T-SQL (use top or offset/fetch)',
      'select 1 as x where 1 = $1':
        'pre-compiled PostgreSQL statement (CompiledQuery) ran on the Azure SQL path',
      'select 2 as y': 'hand-written SQL (a `sql` template) ran on the Azure SQL path',
    });
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
