import pg from 'pg';
import { uniqueName } from './test-shop';

/**
 * A fresh database on the machine's PostgreSQL for one test file, dropped afterwards.
 * Returns undefined when TEST_DATABASE_URL is not set (the suite then skips, saying why).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return undefined;
  const name = uniqueName('shop_test').toLowerCase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export const postgresSkipReason = 'TEST_DATABASE_URL is not set (CI sets it to the machine PostgreSQL)';
