import fs from 'node:fs/promises';
import { Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { SqlConfig } from '../../platform/config';
import { allMigrations } from './migrations';
import type { Database, Db, SqlDialectName } from './schema';

export interface RelationalStore {
  /** The primary: every write and every read-your-write. */
  db: Db;
  /** The read replica when one is configured, else the primary. */
  readDb: Db;
  dialect: SqlDialectName;
  describe: string;
  close(): Promise<void>;
}

/** Opens the store chosen by configuration and brings its schema up to date. */
export async function openRelationalStore(config: SqlConfig): Promise<RelationalStore> {
  const store = await connect(config);
  try {
    await migrate(store.db, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function connect(config: SqlConfig): Promise<RelationalStore> {
  switch (config.kind) {
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('./pglite-dialect');
      await fs.mkdir(config.dataDir, { recursive: true });
      const pglite = await PGlite.create(config.dataDir);
      const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
      return {
        db,
        readDb: db,
        dialect: 'postgres',
        describe: `PGlite at ${config.dataDir}`,
        close: async () => {
          await db.destroy();
          await pglite.close();
        },
      };
    }
    case 'postgres': {
      const { PostgresDialect } = await import('kysely');
      const pg = await import('pg');
      const { preparedStatementPool } = await import('./prepared-statements');
      const pool = (url: string) =>
        preparedStatementPool(new pg.default.Pool({ connectionString: url, max: 10 }));
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(config.url) }) });
      const readDb = config.readUrl
        ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(config.readUrl) }) })
        : db;
      return {
        db,
        readDb,
        dialect: 'postgres',
        describe: 'PostgreSQL',
        close: async () => {
          await db.destroy();
          if (readDb !== db) await readDb.destroy();
        },
      };
    }
    case 'mssql': {
      const { createMssqlDatabase } = await import('./mssql');
      const db = createMssqlDatabase(config, false);
      const readDb = config.readScaleOut ? createMssqlDatabase(config, true) : db;
      return {
        db,
        readDb,
        dialect: 'mssql',
        describe: `Azure SQL ${config.server}/${config.database}`,
        close: async () => {
          await db.destroy();
          if (readDb !== db) await readDb.destroy();
        },
      };
    }
  }
}

export async function migrate(db: Kysely<unknown> | Db, dialect: SqlDialectName): Promise<void> {
  const migrations = allMigrations(dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations as Record<string, Migration> };
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1 as ok`.execute(db);
}
