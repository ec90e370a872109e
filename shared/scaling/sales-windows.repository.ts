import type { Selectable, Transaction } from 'kysely';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Database, Db, SalesWindowChangesTable, SalesWindowsTable } from '../adapters/sql/schema';
import { isUniqueViolation } from '../adapters/sql/transient-errors';

/**
 * The sale windows marketing books, in SQL (tables created by migration 007). The only writer
 * of `sales_windows` and `sales_window_changes`. History is an append-only change log: each
 * seed, create, update and delete adds a row with the window's values, who and when (a delete
 * keeps the values it removed), so nothing marketing did is lost and the current table stays
 * small for the scheduler's read. Queries avoid `limit`/`returning` (Azure SQL, FACTS.md).
 */

/** A window as written: local times with their zone, and the instants they resolve to. */
export interface SaleWindowRow {
  name: string;
  start: string;
  end: string;
  timeZone: string;
  startsAt: Date;
  endsAt: Date;
  expectedPeakRps: number;
  sqlVCores?: number;
  bookedAt?: Date;
}

export interface StoredSaleWindow extends SaleWindowRow {
  id: string;
  version: number;
  changedBy: string;
  changedAt: Date;
}

export type ChangeAction = SalesWindowChangesTable['action'];

export interface SaleWindowChange {
  seq: number;
  windowId: string;
  action: ChangeAction;
  version: number;
  name: string;
  start: string;
  end: string;
  timeZone: string;
  expectedPeakRps: number;
  sqlVCores?: number;
  changedBy: string;
  changedAt: Date;
}

type Executor = Db | Transaction<Database>;

function fromRow(row: Selectable<SalesWindowsTable>): StoredSaleWindow {
  return {
    id: row.id,
    name: row.name,
    start: row.start_local,
    end: row.end_local,
    timeZone: row.time_zone,
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    expectedPeakRps: Number(row.expected_peak_rps),
    ...(row.sql_vcores === null ? {} : { sqlVCores: Number(row.sql_vcores) }),
    ...(row.booked_at === null ? {} : { bookedAt: new Date(row.booked_at) }),
    version: Number(row.version),
    changedBy: row.changed_by,
    changedAt: new Date(row.changed_at),
  };
}

function columns(window: SaleWindowRow) {
  return {
    name: window.name,
    start_local: window.start,
    end_local: window.end,
    time_zone: window.timeZone,
    starts_at: window.startsAt,
    ends_at: window.endsAt,
    expected_peak_rps: window.expectedPeakRps,
    sql_vcores: window.sqlVCores ?? null,
    booked_at: window.bookedAt ?? null,
  };
}

async function logChange(
  db: Executor,
  windowId: string,
  action: ChangeAction,
  version: number,
  window: SaleWindowRow,
  by: string,
  at: Date,
): Promise<void> {
  await db
    .insertInto('sales_window_changes')
    .values({
      window_id: windowId,
      action,
      version,
      name: window.name,
      start_local: window.start,
      end_local: window.end,
      time_zone: window.timeZone,
      expected_peak_rps: window.expectedPeakRps,
      sql_vcores: window.sqlVCores ?? null,
      changed_by: by,
      changed_at: at,
    })
    .execute();
}

/** Databases this process has seen seeded (the check is then skipped: one query less per tick). */
const seeded = new WeakSet<Db>();

/**
 * On first use (no change was ever logged) the store is filled from the calendar file's windows,
 * logged as `seeded` by `by`. Seeded windows get fixed ids (`seed-1`, ...): two instances seeding
 * at once collide on the primary key and the loser's transaction rolls back whole.
 * Returns how many windows it seeded (0 when the store was already in use).
 */
export async function ensureSeeded(db: Db, windows: SaleWindowRow[], by: string, at: Date): Promise<number> {
  if (seeded.has(db)) return 0;
  const used = await db
    .selectFrom('sales_window_changes')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  if (Number(used?.n ?? 0) > 0) {
    seeded.add(db);
    return 0;
  }
  try {
    await db.transaction().execute(async (trx) => {
      for (const [index, window] of windows.entries()) {
        const id = `seed-${index + 1}`;
        await trx
          .insertInto('sales_windows')
          .values({ id, ...columns(window), version: 1, changed_by: by, changed_at: at })
          .execute();
        await logChange(trx, id, 'seeded', 1, window, by, at);
      }
      // An empty seed still marks the store as in use, so deleting every window later does not reseed.
      if (windows.length === 0) {
        await logChange(
          trx,
          'seed-none',
          'seeded',
          0,
          {
            name: '(no windows in the file)',
            start: '',
            end: '',
            timeZone: '',
            startsAt: at,
            endsAt: at,
            expectedPeakRps: 0,
          },
          by,
          at,
        );
      }
    });
  } catch (error) {
    // Another instance seeded first: its windows are the same file's.
    if (!isUniqueViolation(error)) throw error;
    seeded.add(db);
    return 0;
  }
  seeded.add(db);
  return windows.length;
}

/** Every window, by start. `endingAfter` keeps only those ending after that instant. */
export async function listSaleWindows(db: Executor, endingAfter?: Date): Promise<StoredSaleWindow[]> {
  let query = db.selectFrom('sales_windows').selectAll();
  if (endingAfter) query = query.where('ends_at', '>', endingAfter);
  const rows = await query.orderBy('starts_at').orderBy('id').execute();
  return rows.map(fromRow);
}

export async function findSaleWindow(db: Executor, id: string): Promise<StoredSaleWindow | undefined> {
  const row = await db.selectFrom('sales_windows').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function insertSaleWindow(
  db: Db,
  id: string,
  window: SaleWindowRow,
  by: string,
  at: Date,
): Promise<StoredSaleWindow> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sales_windows')
      .values({ id, ...columns(window), version: 1, changed_by: by, changed_at: at })
      .execute();
    await logChange(trx, id, 'created', 1, window, by, at);
  });
  return { id, ...window, version: 1, changedBy: by, changedAt: at };
}

/**
 * Replaces a window's values if it is still at `version` (optimistic: a concurrent change
 * makes this return 'conflict' and changes nothing). 'missing' when there is no such window.
 */
export async function updateSaleWindow(
  db: Db,
  id: string,
  version: number,
  window: SaleWindowRow,
  by: string,
  at: Date,
): Promise<StoredSaleWindow | 'missing' | 'conflict'> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('sales_windows')
      .set({ ...columns(window), version: version + 1, changed_by: by, changed_at: at })
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      return (await findSaleWindow(trx, id)) ? 'conflict' : 'missing';
    }
    await logChange(trx, id, 'updated', version + 1, window, by, at);
    return { id, ...window, version: version + 1, changedBy: by, changedAt: at };
  });
}

/** Deletes a window, logging the values it had. False when there is no such window. */
export async function deleteSaleWindow(db: Db, id: string, by: string, at: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const existing = await findSaleWindow(trx, id);
    if (!existing) return false;
    const result = await trx
      .deleteFrom('sales_windows')
      .where('id', '=', id)
      .where('version', '=', existing.version)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await logChange(trx, id, 'deleted', existing.version + 1, existing, by, at);
    return true;
  });
}

/** The change log, newest first: of one window, or of all (at most `count` rows). */
export async function listSaleWindowChanges(
  db: Executor,
  options: { windowId?: string; count?: number } = {},
): Promise<SaleWindowChange[]> {
  let query = firstRows(db.selectFrom('sales_window_changes').selectAll(), options.count ?? 100, isMssql(db));
  if (options.windowId) query = query.where('window_id', '=', options.windowId);
  const rows = await query.orderBy('seq', 'desc').execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    windowId: row.window_id,
    action: row.action,
    version: Number(row.version),
    name: row.name,
    start: row.start_local,
    end: row.end_local,
    timeZone: row.time_zone,
    expectedPeakRps: Number(row.expected_peak_rps),
    ...(row.sql_vcores === null ? {} : { sqlVCores: Number(row.sql_vcores) }),
    changedBy: row.changed_by,
    changedAt: new Date(row.changed_at),
  }));
}
