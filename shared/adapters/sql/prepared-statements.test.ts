import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { preparedStatementPool } from './prepared-statements';

interface Schema {
  stock: { sku: string; held: number };
}

const skip = process.env.TEST_DATABASE_URL ? false : postgresSkipReason;

describe.skipIf(skip)('named prepared statements on PostgreSQL (real server)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Kysely<Schema>;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so the statements it prepared can be seen from it.
    const pool = new pg.Pool({ connectionString: database!.url, max: 1 });
    db = new Kysely<Schema>({
      dialect: new PostgresDialect({ pool: preparedStatementPool(pool, { maxStatements: 3 }) }),
    });
    await sql`create table stock (sku text primary key, held int not null)`.execute(db);
    await db
      .insertInto('stock')
      .values([
        { sku: 'A', held: 0 },
        { sku: 'B', held: 5 },
      ])
      .execute();
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const prepared = async () =>
    (
      await sql<{
        statement: string;
      }>`select statement from pg_prepared_statements order by prepare_time`.execute(db)
    ).rows.map((row) => row.statement);

  it('prepares each parameterised statement once and reuses it, with the right answers', async () => {
    const held = (sku: string) =>
      db.selectFrom('stock').select('held').where('sku', '=', sku).executeTakeFirst();
    expect(await held('B')).toEqual({ held: 5 });
    expect(await held('A')).toEqual({ held: 0 });
    const update = await db
      .updateTable('stock')
      .set((eb) => ({ held: eb('held', '+', 1) }))
      .where('sku', '=', 'A')
      .where('held', '<', 10)
      .executeTakeFirst();
    expect(update.numUpdatedRows).toBe(1n);
    expect(await held('A')).toEqual({ held: 1 });
    const statements = await prepared();
    // The setup's insert, then the select (prepared once for both SKUs), then the update.
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^insert into "stock"/);
    expect(statements[1]).toMatch(/^select "held" from "stock" where "sku" = \$1/);
    expect(statements[2]).toMatch(/^update "stock" set "held" = "held" \+ \$1/);
  });

  it('runs statements past the cap unnamed, and still answers them', async () => {
    const rows = await db.selectFrom('stock').select(['sku']).where('held', '>=', 0).orderBy('sku').execute();
    expect(rows.map((row) => row.sku)).toEqual(['A', 'B']);
    expect(await prepared()).toHaveLength(3);
  });

  it('keeps a transaction on its one connection', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('stock').set({ held: 7 }).where('sku', '=', 'B').execute();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.selectFrom('stock').select('held').where('sku', '=', 'B').executeTakeFirst()).toEqual({
      held: 5,
    });
  });
});
