import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { RequestError } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { AppError } from '../../platform/errors';
import {
  compareKeys,
  inLockOrder,
  isTransientTransactionError,
  isUniqueViolation,
  transientKind,
  withTransientRetry,
} from './transient-errors';

/** A pg DatabaseError as the driver builds it from the server's ErrorResponse. */
function pgError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 100, 'error');
  error.code = code;
  error.severity = 'ERROR';
  return error;
}

/** A tedious RequestError as tedious builds it from an ERROR token (token/handler.js). */
function tediousError(number: number, message: string): RequestError {
  const error = new RequestError(message, 'EREQUEST') as RequestError & {
    number: number;
    state: number;
    class: number;
  };
  error.number = number;
  error.state = 51;
  error.class = 13;
  return error;
}

describe('transient transaction errors: which ones', () => {
  it('knows a PostgreSQL deadlock (40P01) and serialization failure (40001) by SQLSTATE', () => {
    expect(transientKind(pgError('40P01', 'deadlock detected'))).toBe('deadlock');
    expect(transientKind(pgError('40001', 'could not serialize access due to concurrent update'))).toBe(
      'serialization',
    );
  });

  it('knows a SQL Server deadlock victim (1205) and snapshot update conflict (3960) by error number', () => {
    const victim = tediousError(
      1205,
      'Transaction (Process ID 57) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.',
    );
    expect(victim.code).toBe('EREQUEST');
    expect(transientKind(victim)).toBe('deadlock');
    expect(
      transientKind(tediousError(3960, 'Snapshot isolation transaction aborted due to update conflict.')),
    ).toBe('serialization');
  });

  it('finds them inside an AggregateError (tedious, several error tokens) or as a cause', () => {
    expect(
      transientKind(
        new AggregateError([
          tediousError(3621, 'The statement has been terminated.'),
          tediousError(1205, 'victim'),
        ]),
      ),
    ).toBe('deadlock');
    expect(transientKind(new Error('batch failed', { cause: pgError('40P01', 'deadlock detected') }))).toBe(
      'deadlock',
    );
    expect(transientKind({ message: 'mssql', originalError: tediousError(1205, 'victim') })).toBe('deadlock');
  });

  it('leaves everything else alone', () => {
    for (const error of [
      pgError('23505', 'duplicate key value violates unique constraint "cart_lines_pk"'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('40P0', 'not quite'),
      tediousError(2627, 'Violation of PRIMARY KEY constraint'),
      tediousError(1204, 'The instance of the SQL Server Database Engine cannot obtain a LOCK resource'),
      new AppError(409, 'out_of_stock', 'Only 0 left'),
      new Error('deadlock detected'), // words are not a code
      { code: 1205 },
      undefined,
      null,
      '40P01',
    ])
      expect(
        isTransientTransactionError(error),
        String((error as { message?: string })?.message ?? error),
      ).toBe(false);
  });
});

describe('unique violations: one test by code, for every engine', () => {
  it('knows SQLSTATE 23505 and SQL Server 2627/2601, also wrapped, and nothing else', () => {
    expect(
      isUniqueViolation(pgError('23505', 'duplicate key value violates unique constraint "inbox_pk"')),
    ).toBe(true);
    expect(isUniqueViolation(tediousError(2627, 'Violation of PRIMARY KEY constraint'))).toBe(true);
    expect(isUniqueViolation(tediousError(2601, 'Cannot insert duplicate key row'))).toBe(true);
    expect(
      isUniqueViolation(new AggregateError([tediousError(3621, 'terminated'), tediousError(2627, 'pk')])),
    ).toBe(true);
    expect(isUniqueViolation({ message: 'mssql', originalError: tediousError(2601, 'dup') })).toBe(true);
    for (const error of [
      pgError('23503', 'insert or update violates foreign key constraint'),
      pgError('40P01', 'deadlock detected'),
      tediousError(547, 'The INSERT statement conflicted with the FOREIGN KEY constraint'),
      new Error('duplicate key value violates unique constraint'), // words are not a code
      undefined,
    ])
      expect(isUniqueViolation(error)).toBe(false);
  });

  it('is what PGlite raises for a duplicate key, through Kysely', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGliteDialect } = await import('./pglite-dialect');
    const db = new Kysely<{ t: { id: number } }>({ dialect: new PGliteDialect(new PGlite()) });
    try {
      await sql`create table t (id int primary key)`.execute(db);
      await db.insertInto('t').values({ id: 1 }).execute();
      const error = await db
        .insertInto('t')
        .values({ id: 1 })
        .execute()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isUniqueViolation(error)).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});

describe('withTransientRetry', () => {
  const noWait = { sleep: async () => {}, random: () => 0.5 };

  it('runs a deadlock victim again and returns what the next run returns', async () => {
    const runs: number[] = [];
    const result = await withTransientRetry(async (attempt) => {
      runs.push(attempt);
      if (attempt === 1) throw pgError('40P01', 'deadlock detected');
      if (attempt === 2) throw tediousError(1205, 'victim');
      return 'committed';
    }, noWait);
    expect(result).toBe('committed');
    expect(runs).toEqual([1, 2, 3]);
  });

  it('gives up after `attempts` runs (3 by default) with the last error', async () => {
    let runs = 0;
    const last = pgError('40001', 'could not serialize access');
    await expect(
      withTransientRetry(async () => {
        runs++;
        throw runs === 3 ? last : pgError('40P01', 'deadlock detected');
      }, noWait),
    ).rejects.toBe(last);
    expect(runs).toBe(3);
    runs = 0;
    await expect(
      withTransientRetry(
        async () => {
          runs++;
          throw pgError('40P01', 'deadlock detected');
        },
        { ...noWait, attempts: 5 },
      ),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(5);
  });

  it('does not run again after any other error', async () => {
    let runs = 0;
    const refusal = new AppError(409, 'out_of_stock', 'Only 0 left');
    await expect(
      withTransientRetry(async () => {
        runs++;
        throw refusal;
      }, noWait),
    ).rejects.toBe(refusal);
    expect(runs).toBe(1);
  });

  it('retries the errors the caller adds, within the same attempts', async () => {
    class LostRace extends Error {}
    let runs = 0;
    const result = await withTransientRetry(
      async () => {
        runs++;
        if (runs === 1) throw new LostRace();
        if (runs === 2) throw pgError('40P01', 'deadlock detected');
        return runs;
      },
      { ...noWait, alsoRetry: (error) => error instanceof LostRace },
    );
    expect(result).toBe(3);
  });

  it('waits a jittered, growing, capped time between runs (full jitter)', async () => {
    const waits: number[] = [];
    const told: Array<[number, number]> = [];
    await expect(
      withTransientRetry(
        async () => {
          throw pgError('40P01', 'deadlock detected');
        },
        {
          attempts: 6,
          baseDelayMs: 10,
          maxDelayMs: 50,
          random: () => 0.999,
          sleep: async (ms) => {
            waits.push(ms);
          },
          onRetry: (_error, attempt, delayMs) => told.push([attempt, delayMs]),
        },
      ),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(waits).toEqual([9, 19, 39, 49, 49]);
    expect(told.map(([attempt]) => attempt)).toEqual([1, 2, 3, 4, 5]);
    // A random 0 means no wait at all.
    const none: number[] = [];
    await withTransientRetry(
      async (attempt) => {
        if (attempt === 1) throw pgError('40P01', 'deadlock detected');
      },
      { random: () => 0, sleep: async (ms) => void none.push(ms) },
    );
    expect(none).toEqual([]);
  });

  it('sorts keys in code-point order, the order rows are locked in', () => {
    expect(['SKU-2', 'SKU-10', 'sku-1', 'SKU-1'].sort(compareKeys)).toEqual([
      'SKU-1',
      'SKU-10',
      'SKU-2',
      'sku-1',
    ]);
    const lines = [{ sku: 'B' }, { sku: 'A' }, { sku: 'C' }];
    expect(inLockOrder(lines, (l) => l.sku).map((l) => l.sku)).toEqual(['A', 'B', 'C']);
    expect(lines.map((l) => l.sku)).toEqual(['B', 'A', 'C']); // a copy
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  `the errors PostgreSQL really raises, through Kysely (real server)${
    process.env.TEST_DATABASE_URL ? '' : ` (skipped: ${postgresSkipReason})`
  }`,
  () => {
    interface Schema {
      stock: { sku: string; held: number };
    }
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Kysely<Schema>;
    let superuser = false;
    beforeAll(async () => {
      database = await createTestDatabase();
      db = new Kysely<Schema>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({
            connectionString: database!.url,
            max: 4,
            application_name: 'transient-errors-test',
          }),
        }),
      });
      await sql`create table stock (sku text primary key, held int not null)`.execute(db);
      const { rows } = await sql<{ su: string }>`select current_setting('is_superuser') as su`.execute(db);
      superuser = rows[0]?.su === 'on';
    });
    afterAll(async () => {
      await db?.destroy();
      await database?.drop();
    });

    const reset = () =>
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('stock').execute();
        await trx
          .insertInto('stock')
          .values([
            { sku: 'A', held: 0 },
            { sku: 'B', held: 0 },
          ])
          .execute();
      });

    /** Two transactions that lock A and B in opposite orders, meeting in the middle. */
    async function oppositeOrders(wrap: <T>(work: () => Promise<T>) => Promise<T>) {
      let arrived = 0;
      let meet!: () => void;
      const bothHoldOne = new Promise<void>((resolve) => {
        meet = resolve;
      });
      const run = (first: string, second: string) =>
        wrap(() =>
          db.transaction().execute(async (trx) => {
            // Detect the deadlock quickly (a superuser-only setting; else the server's 1 s default).
            if (superuser) await sql`set local deadlock_timeout = '50ms'`.execute(trx);
            await trx.updateTable('stock').set({ held: sql`held + 1` }).where('sku', '=', first).execute();
            if (++arrived === 2) meet();
            await bothHoldOne;
            await trx.updateTable('stock').set({ held: sql`held + 1` }).where('sku', '=', second).execute();
          }),
        );
      return Promise.allSettled([run('A', 'B'), run('B', 'A')]);
    }

    it('classifies a real deadlock (40P01) from pg through Kysely', async () => {
      await reset();
      const outcomes = await oppositeOrders((work) => work());
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toBeInstanceOf(pg.DatabaseError);
      expect(failed[0]!.reason).toMatchObject({ code: '40P01' });
      expect(transientKind(failed[0]!.reason)).toBe('deadlock');
    });

    it('classifies a real serialization failure (40001)', async () => {
      await reset();
      const a = await db.connection().execute(async (one) =>
        db.connection().execute(async (two) => {
          await sql`begin isolation level repeatable read`.execute(one);
          await sql`begin isolation level repeatable read`.execute(two);
          await sql`select held from stock where sku = 'A'`.execute(one);
          await sql`select held from stock where sku = 'A'`.execute(two);
          await sql`update stock set held = held + 1 where sku = 'A'`.execute(one);
          await sql`commit`.execute(one);
          const error = await sql`update stock set held = held + 1 where sku = 'A'`.execute(two).then(
            () => undefined,
            (e: unknown) => e,
          );
          await sql`rollback`.execute(two);
          return error;
        }),
      );
      expect(a).toMatchObject({ code: '40001' });
      expect(transientKind(a)).toBe('serialization');
    });

    it('with the retry, both opposite-order transactions commit', async () => {
      await reset();
      const outcomes = await oppositeOrders((work) => withTransientRetry(work));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      const rows = await db.selectFrom('stock').select(['sku', 'held']).orderBy('sku').execute();
      expect(rows).toEqual([
        { sku: 'A', held: 2 },
        { sku: 'B', held: 2 },
      ]);
    });
  },
);
