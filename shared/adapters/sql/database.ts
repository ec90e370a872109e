import fs from 'node:fs/promises';
import path from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { SqlConfig } from '../../platform/config';
import { createLogger, type Logger } from '../../platform/logging';
import { allMigrations } from './migrations';
import { unpackPgliteTemplate } from './pglite-template';
import type { Database, Db, SqlDialectName } from './schema';
import { relationalStoreHooks } from './store-hooks';

/** How the store's connections behave (PostgreSQL). */
export interface RelationalStoreOptions {
  /** Where a connection's error that no query waits for is logged (warnings to stdout by default). */
  log?: Logger;
  /**
   * PostgreSQL `application_name` of the store's connections, followed by `:primary` or
   * `:read` (default `storefront:<pid>`): `pg_stat_activity` then says whose a session is.
   */
  applicationName?: string;
  /** Azure SQL and Azure PostgreSQL: the identity to sign in with (default: a DefaultAzureCredential of its own). */
  credential?: TokenCredential;
}

export interface RelationalStore {
  /** The primary: every write and every read-your-write. */
  db: Db;
  /** The read replica when one is configured, else the primary. */
  readDb: Db;
  dialect: SqlDialectName;
  describe: string;
  close(): Promise<void>;
}

/**
 * Opens the store chosen by configuration and brings its schema up to date. Azure SQL is not
 * migrated by the app: Kysely's MSSQL migration lock needs db_owner, which the app's identity
 * does not get, so `npm run migrate` runs it at deploy time (docs/deploy.md); start-up then
 * does not need SQL to answer at all (the pool connects on first use). Azure PostgreSQL is
 * migrated the same way, by the operators' group that owns the tables (docs/deploy.md, step 4).
 */
export async function openRelationalStore(
  config: SqlConfig,
  options: { migrate?: boolean } & RelationalStoreOptions = {},
): Promise<RelationalStore> {
  let store: RelationalStore;
  try {
    store = await openAndMigrate(config, options);
  } catch (error) {
    if (config.kind !== 'pglite' || !(await isFromTemplate(config.dataDir))) throw error;
    // A template that no longer fits (another PGlite, a migration it has and the code lacks):
    // start this new, empty database afresh with initdb instead.
    await fs.rm(config.dataDir, { recursive: true, force: true });
    store = await openAndMigrate(config, { ...options, useTemplate: false });
  }
  return relationalStoreHooks.wrap ? relationalStoreHooks.wrap(store) : store;
}

const fromTemplateMarker = '.from-template';

/** True while a PGlite folder made from the template has never opened and migrated cleanly. */
async function isFromTemplate(dataDir: string): Promise<boolean> {
  return fs
    .access(path.join(dataDir, fromTemplateMarker))
    .then(() => true)
    .catch(() => false);
}

async function openAndMigrate(
  config: SqlConfig,
  options: { migrate?: boolean; useTemplate?: boolean } & RelationalStoreOptions,
): Promise<RelationalStore> {
  if (config.kind === 'pglite' && options.useTemplate !== false) {
    await fs.mkdir(config.dataDir, { recursive: true });
    if (await unpackPgliteTemplate(config.dataDir)) {
      await fs.writeFile(path.join(config.dataDir, fromTemplateMarker), '');
    }
  }
  const store = await connect(config, options);
  if (options.migrate ?? (config.kind === 'pglite' || config.kind === 'postgres')) {
    try {
      await migrate(store.db, store.dialect);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  if (config.kind === 'pglite') await fs.rm(path.join(config.dataDir, fromTemplateMarker), { force: true });
  return store;
}

async function connect(config: SqlConfig, options: RelationalStoreOptions): Promise<RelationalStore> {
  switch (config.kind) {
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGliteDialect } = await import('./pglite-dialect');
      await fs.mkdir(config.dataDir, { recursive: true });
      // shared_buffers 16MB instead of Postgres's 128MB: PGlite's buffers live in its WebAssembly
      // memory, which never shrinks; measured 338 -> 216 MB RSS after opening a database (issue #19).
      // A local shop's working set (catalogue stock, carts, orders) is a few MB.
      const pglite = await PGlite.create({
        dataDir: config.dataDir,
        startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
      });
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
    case 'postgres':
    case 'postgres-entra': {
      const { PostgresDialect } = await import('kysely');
      const pg = await import('pg');
      const { preparedStatementPool } = await import('./prepared-statements');
      const log = options.log ?? createLogger('warn');
      const appName = options.applicationName ?? `storefront:${process.pid}`;
      // Where each pool connects: a URL (local), or Azure's host, database and Entra user with a
      // token as the password (postgresEntraConnection).
      const target =
        config.kind === 'postgres'
          ? (url: string) => ({ connectionString: url })
          : postgresEntraConnection(config, options.credential);
      // Every pool logs a connection's error that no query waits for (an idle client whose server
      // went away must not take the process down) and closes completely before close() returns.
      const pool = (where: string, role: 'primary' | 'read') =>
        preparedStatementPool(
          new pg.default.Pool({
            ...target(where),
            max: 10,
            application_name: `${appName}:${role}`.slice(0, 63),
          }),
          {
            onError: (error) =>
              log('warn', `PostgreSQL ${role} connection failed; the pool drops it`, {
                error: error.message,
                code: (error as { code?: string }).code,
              }),
          },
        );
      const primary = config.kind === 'postgres' ? config.url : config.host;
      const read = config.kind === 'postgres' ? config.readUrl : config.readHost;
      const db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: pool(primary, 'primary') }),
      });
      const readDb = read
        ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool(read, 'read') }) })
        : db;
      return {
        db,
        readDb,
        dialect: 'postgres',
        describe:
          config.kind === 'postgres' ? 'PostgreSQL' : `Azure PostgreSQL ${config.host}/${config.database}`,
        // Both pools, each until its last connection has closed (prepared-statements.ts).
        close: async () => {
          await Promise.all([db.destroy(), readDb !== db ? readDb.destroy() : undefined]);
        },
      };
    }
    case 'mssql': {
      const { createMssqlDatabase } = await import('./mssql');
      const db = createMssqlDatabase(config, false, options.credential);
      const readDb = config.readScaleOut ? createMssqlDatabase(config, true, options.credential) : db;
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
  // Most opens find every migration applied: one read says so. Kysely's migrator would first
  // ensure its tables, take its lock and read them (~0.4 s of a warm PGlite start, issue #19).
  if (await allApplied(db as Kysely<unknown>, Object.keys(migrations))) return;
  const provider: MigrationProvider = { getMigrations: async () => migrations as Record<string, Migration> };
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** True when the migration table lists exactly these migrations (false when it is missing). */
async function allApplied(db: Kysely<unknown>, names: string[]): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.map((row) => row.name));
    return applied.size === names.length && names.every((name) => applied.has(name));
  } catch {
    return false; // a new database: no migration table yet
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1 as ok`.execute(db);
}

/**
 * The token audience of Azure Database for PostgreSQL with Microsoft Entra authentication
 * (https://learn.microsoft.com/azure/postgresql/flexible-server/how-to-connect-with-managed-identity).
 */
export const postgresEntraScope = 'https://ossrdbms-aad.database.windows.net/.default';

/**
 * What the app must be on an Azure PostgreSQL server for Entra sign-in. It is not an Azure role:
 * the server maps an Entra principal to a PostgreSQL role when that principal is one of its
 * Entra administrators (flexibleServers/administrators, named by the principal's object id, with
 * principalName = the role = PG_USER). The Azure-shaped start-up test checks that Bicep makes the
 * Function App's identity one, under the name the app signs in with.
 */
export const postgresEntraAccess = {
  resourceType: 'Microsoft.DBforPostgreSQL/flexibleServers/administrators',
  principalType: 'ServicePrincipal',
  why: 'sign in to PostgreSQL as PG_USER with an Entra token (every query)',
} as const;

/**
 * pg connection options for Azure PostgreSQL with Entra: user = the identity's role name,
 * password = a fresh access token. pg calls an async `password` for every new connection, so a
 * pool opened hours ago still signs in: the credential caches the token and renews it before it
 * expires; connections already open stay open (the server checks the token only at sign-in).
 * TLS with certificate checks, as Azure requires.
 */
export function postgresEntraConnection(
  config: { database: string; user: string },
  credential: TokenCredential | undefined,
): (host: string) => {
  host: string;
  port: number;
  database: string;
  user: string;
  password: () => Promise<string>;
  ssl: { rejectUnauthorized: true };
} {
  let shared: Promise<TokenCredential> | undefined;
  const identity = () => {
    shared ??= credential
      ? Promise.resolve(credential)
      : import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
    return shared;
  };
  const password = async () => {
    const token = await (await identity()).getToken(postgresEntraScope);
    if (!token?.token)
      throw new Error(`No Entra token for ${postgresEntraScope}: cannot sign in to PostgreSQL.`);
    return token.token;
  };
  return (host) => ({
    host,
    port: 5432,
    database: config.database,
    user: config.user,
    password,
    ssl: { rejectUnauthorized: true },
  });
}
