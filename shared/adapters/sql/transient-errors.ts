/**
 * Transactions that lost to another one and may simply run again: a deadlock victim or a
 * serialization failure. The database rolled the whole transaction back, so running it again
 * from the start is safe (and is what both PostgreSQL and SQL Server tell the client to do).
 *
 * Lock order (what keeps deadlocks away in the first place; every write path follows it, the
 * portable Kysely transactions Azure SQL runs and PostgreSQL's one-statement writes alike):
 *   1. rows that belong to one request only (its Idempotency-Key, its order, its outbox event);
 *   2. existing `cart_lines` rows, in key order (user_id, product_id): updated, deleted or
 *      locked (`for update`) before anything else is;
 *   3. `inventory` rows, in key order (sku): the conditional updates, or `for no key update`
 *      first where a statement needs them all before it decides;
 *   4. new `cart_lines` rows (inserts) last: their foreign key reads the inventory row, which by
 *      then this transaction holds (on SQL Server the check takes a shared lock on it; on
 *      PostgreSQL a key-share lock, which `for no key update` does not block).
 * "Key order" is code-point order: `compareKeys` in TypeScript, `collate "C"` in PostgreSQL
 * statements (`Latin1_General_BIN2` on SQL Server where a statement compares keys), so every
 * path sorts alike. The inventory rows are the contended ones (a hot SKU): they are taken late,
 * so they are held only until the commit that follows. What is left (a server's own choices,
 * say) is a deadlock victim, which `withTransientRetry` runs again.
 */

export type TransientKind = 'deadlock' | 'serialization';

/** SQLSTATEs (PostgreSQL, PGlite) and SQL Server error numbers (tedious) that mean "run it again". */
const pgStates: Record<string, TransientKind> = {
  '40P01': 'deadlock', // deadlock_detected
  '40001': 'serialization', // serialization_failure
};
const mssqlNumbers: Record<number, TransientKind> = {
  1205: 'deadlock', // chosen as deadlock victim
  3960: 'serialization', // snapshot isolation update conflict
};

/**
 * Whether `error` says the transaction was a deadlock victim or failed to serialize: a pg
 * `DatabaseError` with `code` 40P01/40001, a tedious `RequestError` with `number` 1205/3960
 * (also inside an AggregateError or as an error's `cause`/`originalError`). Undefined otherwise.
 */
export function transientKind(error: unknown): TransientKind | undefined {
  for (const e of nestedErrors(error)) {
    if (typeof e.code === 'string' && pgStates[e.code]) return pgStates[e.code];
    if (typeof e.number === 'number' && mssqlNumbers[e.number]) return mssqlNumbers[e.number];
  }
  return undefined;
}

/**
 * Whether `error` is a unique or primary-key violation: SQLSTATE 23505 (PostgreSQL, PGlite) or
 * SQL Server error 2627/2601 (tedious), found as `transientKind` finds its errors.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (const e of nestedErrors(error)) {
    if (e.code === '23505' || e.number === 2627 || e.number === 2601) return true;
  }
  return false;
}

interface DriverError {
  code?: unknown;
  number?: unknown;
  errors?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The error, the members of an AggregateError, and their `cause`/`originalError`, 4 deep. */
function* nestedErrors(error: unknown, depth = 0): Generator<DriverError> {
  if (depth > 4 || typeof error !== 'object' || error === null) return;
  const e = error as DriverError;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* nestedErrors(inner, depth + 1);
  yield* nestedErrors(e.cause, depth + 1);
  yield* nestedErrors(e.originalError, depth + 1);
}

export function isTransientTransactionError(error: unknown): boolean {
  return transientKind(error) !== undefined;
}

export interface RetryOptions {
  /** Runs in all, the first included (3 by default). */
  attempts?: number;
  /** Other errors that mean "run it again" (a lost compare-and-set, say); they share the attempts. */
  alsoRetry?(error: unknown): boolean;
  /** The first backoff's ceiling in ms (it doubles each time, up to `maxDelayMs`); 5 by default. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told before each retry (logging, counting). */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** Test seams. */
  random?(): number;
  sleep?(ms: number): Promise<void>;
}

/**
 * Runs `work` (a whole transaction, or one statement that is its own transaction) and runs it
 * again when it lost a deadlock or a serialization conflict, up to `attempts` runs in all,
 * waiting a random time ("full jitter": 0..base*2^n ms) between runs so the losers do not meet
 * again. Any other error, or the last attempt's, is the caller's.
 */
export async function withTransientRetry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const base = options.baseDelayMs ?? 5;
  const max = options.maxDelayMs ?? 200;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const again = isTransientTransactionError(error) || (options.alsoRetry?.(error) ?? false);
      if (!again || attempt >= attempts) throw error;
      const delayMs = Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
      options.onRetry?.(error, attempt, delayMs);
      if (delayMs > 0) await sleep(delayMs);
    }
  }
}

/** Code-point order of keys (SKUs, product ids): the order rows are locked in. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `items` in lock order of `key`. */
export function inLockOrder<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((x, y) => compareKeys(key(x), key(y)));
}
