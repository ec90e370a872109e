import { type Kysely, MssqlAdapter, type SelectQueryBuilder } from 'kysely';

export function isMssql(
  db: Kysely<never> | Kysely<unknown> | { getExecutor(): { adapter: unknown } },
): boolean {
  return (db as { getExecutor(): { adapter: unknown } }).getExecutor().adapter instanceof MssqlAdapter;
}

/**
 * True when the writes may take their one-statement PostgreSQL form: PostgreSQL or PGlite, and
 * not asked for the portable writes (`portableRequested`: SQL_PORTABLE_WRITES=true). Azure SQL
 * always runs the portable Kysely transactions. Asked once, where services are built
 * (services.ts), which picks each write port's implementation from the answer.
 */
export function writesInOneStatement(
  db: Kysely<never> | Kysely<unknown> | { getExecutor(): { adapter: unknown } },
  portableRequested = false,
): boolean {
  return !isMssql(db) && !portableRequested;
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
