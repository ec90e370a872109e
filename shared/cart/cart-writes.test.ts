import { Kysely, PostgresDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { setLineQuery, setLinesQuery } from './cart.repository';
import { portableCartWrites, postgresCartWrites } from './cart-writes';
import { type CartWritesImplementation, cartWritesContract } from './cart-writes.contract';

// Both implementations on PGlite and PostgreSQL; in the `azure-sql-path` project (every store
// runs as Azure SQL there) only the portable one, whose every statement is compiled as T-SQL.
const implementations: CartWritesImplementation[] = [
  ...(process.env.TSQL_RECORDING
    ? []
    : [
        { name: 'postgresCartWrites (one statement)', kind: 'postgres' as const, create: postgresCartWrites },
      ]),
  {
    name: 'portableCartWrites (transactions, the Azure SQL path)',
    kind: 'portable',
    create: portableCartWrites,
  },
];

for (const target of pgliteAndPostgres())
  for (const implementation of implementations) cartWritesContract(target, implementation);

describe('the one-statement cart writes', () => {
  it('compile to one text whatever the values, so each connection prepares them once', () => {
    const compiler = new Kysely<never>({ dialect: new PostgresDialect({ pool: {} as never }) });
    const line = (userId: string, quantity: number) => ({
      userId,
      productId: `p-${userId}`,
      sku: `s-${userId}`,
      name: 'N',
      unitPriceMinor: quantity * 100,
      currency: 'GBP',
      quantity,
      holdExpiresAt: new Date(quantity * 1000),
      addedAt: new Date(0),
    });
    const options = { maxLines: 50, refreshHoldsBefore: new Date(0) };
    const a = setLineQuery(line('a', 1), options).compile(compiler);
    const b = setLineQuery(line('b', 2), options).compile(compiler);
    expect(b.sql).toBe(a.sql);
    expect(a.parameters).not.toEqual(b.parameters);
    expect(setLinesQuery('[1]').compile(compiler).sql).toBe(setLinesQuery('[2]').compile(compiler).sql);
  });
});
