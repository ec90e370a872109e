import { afterAll } from 'vitest';
import { createScratchDatabase } from './scratch-database';

/**
 * A fresh database on the machine's PostgreSQL for one test file, dropped afterwards.
 * Returns undefined when TEST_DATABASE_URL is not set (the suite then skips, saying why).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  return adminUrl ? createScratchDatabase(adminUrl, 'shop_test') : undefined;
}

export const postgresSkipReason = 'TEST_DATABASE_URL is not set (CI sets it to the machine PostgreSQL)';

/** Where a database suite runs: the settings it adds to the shop, and why it is skipped, if it is. */
export interface DatabaseTarget {
  name: string;
  env(): Promise<Record<string, string> | undefined>;
  skipReason?: string;
}

/**
 * PGlite, and the machine's PostgreSQL (a fresh database per `env()` call, all dropped after the
 * file's tests) when TEST_DATABASE_URL is set. Call at the top level of a test file.
 */
export function pgliteAndPostgres(): DatabaseTarget[] {
  const databases: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });
  return [
    { name: 'PGlite', env: async () => undefined },
    {
      name: 'PostgreSQL (real server, real concurrency)',
      async env() {
        const database = (await createTestDatabase())!;
        databases.push(database);
        return { DATABASE_URL: database.url };
      },
      skipReason: process.env.TEST_DATABASE_URL ? undefined : postgresSkipReason,
    },
  ];
}

/**
 * The two write paths on PostgreSQL: its one-statement writes, and the portable ones Azure SQL runs.
 * Only the portable one in the `azure-sql-path` project, where every store runs as Azure SQL.
 */
export const writePaths = [
  ...(process.env.TSQL_RECORDING ? [] : [{ path: 'one statement', SQL_PORTABLE_WRITES: 'false' }]),
  { path: 'portable transactions (the Azure SQL path)', SQL_PORTABLE_WRITES: 'true' },
];
