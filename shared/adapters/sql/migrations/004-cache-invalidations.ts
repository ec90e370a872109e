import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

export function cacheInvalidations(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Owned by the cache (shared/adapters/cache/invalidation-log.ts): cache keys whose
      // invalidation could not reach Redis, delivered by whichever instance reaches it first.
      // `version` grows at each record, so a delivery deletes only the rows it delivered.
      await db.schema
        .createTable('cache_invalidations')
        .addColumn('cache_key', sql`varchar(400)`, (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}
