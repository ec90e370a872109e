import { type Kysely, MssqlAdapter, type SelectQueryBuilder } from 'kysely';

export function isMssql(
  db: Kysely<never> | Kysely<unknown> | { getExecutor(): { adapter: unknown } },
): boolean {
  return (db as { getExecutor(): { adapter: unknown } }).getExecutor().adapter instanceof MssqlAdapter;
}

// Handles asked to run the portable (Azure SQL) writes on PostgreSQL: SQL_PORTABLE_WRITES.
const portableWriters = new WeakSet<object>();

/** From now on this PostgreSQL handle runs the portable writes Azure SQL runs (tests run both). */
export function usePortableWrites(db: object): void {
  portableWriters.add(db);
}

/**
 * True when a write may use its one-statement PostgreSQL form: PostgreSQL or PGlite, and not
 * asked for the portable writes. Azure SQL always runs the portable Kysely transactions.
 */
export function writesInOneStatement(
  db: Kysely<never> | Kysely<unknown> | { getExecutor(): { adapter: unknown } },
): boolean {
  return !isMssql(db) && !portableWriters.has(db);
}

/**
 * The first `count` rows, in the dialect's own words: `top` on Azure SQL, `limit` on
 * PostgreSQL (Kysely emits invalid T-SQL for `limit` and invalid PostgreSQL for `top`).
 */
export function firstRows<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  count: number,
  mssql: boolean,
): SelectQueryBuilder<DB, TB, O> {
  return mssql ? query.top(count) : query.limit(count);
}
