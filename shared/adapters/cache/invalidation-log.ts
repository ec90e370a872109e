import { firstRows, isMssql } from '../sql/dialect';
import type { Db } from '../sql/schema';

/** One logged key and the version recorded last (a delivery deletes only that version). */
export interface LoggedInvalidation {
  key: string;
  version: number;
}

/**
 * The durable side of cache invalidation: keys whose DEL could not reach the cache, kept where
 * every instance can read them, so any instance delivers them once the cache answers again.
 */
export interface InvalidationLog {
  /** Records keys (a key recorded twice is one entry, with a newer version). */
  record(keys: string[]): Promise<void>;
  /** Up to `limit` entries, oldest first. */
  read(limit: number): Promise<LoggedInvalidation[]>;
  /** Deletes exactly these entries: one recorded again since it was read stays. */
  remove(entries: LoggedInvalidation[]): Promise<void>;
  /** How many entries wait (health). */
  count(): Promise<number>;
}

/**
 * The log as the `cache_invalidations` table (migration 004), which only this module writes.
 * Written only while the cache is failing, so the portable form (update, else insert) serves
 * every dialect: PostgreSQL, PGlite and Azure SQL run the same statements.
 */
export class SqlInvalidationLog implements InvalidationLog {
  constructor(private readonly db: Db) {}

  async record(keys: string[]): Promise<void> {
    const now = new Date();
    for (const key of new Set(keys)) {
      if (await this.bump(key, now)) continue;
      try {
        await this.db
          .insertInto('cache_invalidations')
          .values({ cache_key: key, version: 1, recorded_at: now })
          .execute();
      } catch (error) {
        // Another instance inserted it between our update and insert: bump theirs instead.
        if (!(await this.bump(key, now))) throw error;
      }
    }
  }

  private async bump(key: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('cache_invalidations')
      .set((eb) => ({ version: eb('version', '+', 1), recorded_at: now }))
      .where('cache_key', '=', key)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async read(limit: number): Promise<LoggedInvalidation[]> {
    const rows = await firstRows(
      this.db
        .selectFrom('cache_invalidations')
        .select(['cache_key', 'version'])
        .orderBy('recorded_at')
        .orderBy('cache_key'),
      limit,
      isMssql(this.db),
    ).execute();
    return rows.map((row) => ({ key: row.cache_key, version: Number(row.version) }));
  }

  async remove(entries: LoggedInvalidation[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db
      .deleteFrom('cache_invalidations')
      .where((eb) =>
        eb.or(
          entries.map((entry) =>
            eb.and([eb('cache_key', '=', entry.key), eb('version', '=', entry.version)]),
          ),
        ),
      )
      .execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('cache_invalidations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
