import pg from 'pg';
import { createScratchDatabase } from '../../test/support/scratch-database';
import { startProcess, stopProcess } from './processes';

export interface BenchShop {
  /** The local host's base URL. */
  base: string;
  dataDir: string;
  databaseUrl: string;
  /** A direct connection to the shop's database, for setup and checks. */
  db: pg.Client;
  /** The first 2,000 SKUs (and their products), with a million units each and nothing held. */
  stock: Array<{ sku: string; product_id: string }>;
  stop(): Promise<void>;
}

/** Which of the two write implementations the shop runs on PostgreSQL (see shared/platform/services.ts). */
export type WritePath = 'one-statement' | 'portable';

/**
 * `npm start` on a scratch database of the PostgreSQL server at `adminUrl`, stocked for load.
 * `portable` runs the Azure SQL path's writes (SQL_PORTABLE_WRITES) on PostgreSQL.
 */
export async function startShopOnPostgres(
  adminUrl: string,
  name: string,
  writePath: WritePath = 'one-statement',
): Promise<BenchShop> {
  const database = await createScratchDatabase(adminUrl, 'shop_bench');
  const dataDir = `/tmp/bench-${name}-${Date.now()}`;
  const host = await startProcess(
    'scripts/start.ts',
    {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      SQL_PORTABLE_WRITES: writePath === 'portable' ? 'true' : 'false',
    },
    /Shop ready in [\d.]+s: (http:\/\/[^/ ]+)\//,
  );
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await db.query('update inventory set on_hand = 1000000, held = 0');
  const { rows } = await db.query<{ sku: string; product_id: string }>(
    'select sku, product_id from inventory order by sku limit 2000',
  );
  return {
    base: host.match[1]!.replace('localhost', '127.0.0.1'),
    dataDir,
    databaseUrl: database.url,
    db,
    stock: rows,
    async stop() {
      await db.end();
      await stopProcess(host.child);
      await database.drop();
    },
  };
}
