import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

/**
 * The last successful run of each timer component (shared/operations/heartbeats.repository.ts
 * owns it), written after every run by the timer wrapper (platform/function-definition.ts) so
 * the operations page can say which component has gone quiet, locally and in Azure alike.
 */
export function componentHeartbeats(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('component_heartbeats')
        .addColumn('component', t.id, (c) => c.primaryKey())
        .addColumn('last_beat_at', t.timestamp, (c) => c.notNull())
        .addColumn('detail', t.shortText)
        .execute();
    },
  };
}
