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
