import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

/**
 * Marketing's sale windows, in the database so the scale-scheduler reads them at run time
 * (shared/scaling/sales-windows.repository.ts owns both tables). bicep/sales-calendar.json
 * stays the seed and keeps the sizing policy. History is an append-only change log: every
 * seed, create, update and delete writes the window's values with who and when; the current
 * table keeps its last change too (changed_by, changed_at) so a listing needs no join.
 */
export function salesWindows(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sales_windows')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('name', t.shortText, (c) => c.notNull())
        // Local wall-clock time in time_zone, `YYYY-MM-DDTHH:mm`, as marketing wrote it.
        .addColumn('start_local', sql`varchar(16)`, (c) => c.notNull())
        .addColumn('end_local', sql`varchar(16)`, (c) => c.notNull())
        .addColumn('time_zone', sql`varchar(64)`, (c) => c.notNull())
        // The instants, for ordering and range reads (derived from the three above at write time).
        .addColumn('starts_at', t.timestamp, (c) => c.notNull())
        .addColumn('ends_at', t.timestamp, (c) => c.notNull())
        .addColumn('expected_peak_rps', 'integer', (c) => c.notNull())
        .addColumn('sql_vcores', 'integer')
        .addColumn('booked_at', t.timestamp)
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('changed_by', t.shortText, (c) => c.notNull())
        .addColumn('changed_at', t.timestamp, (c) => c.notNull())
        .addCheckConstraint('sales_windows_peak_positive', sql`expected_peak_rps > 0`)
        .execute();
      await db.schema.createIndex('sales_windows_starts').on('sales_windows').column('starts_at').execute();

      await db.schema
        .createTable('sales_window_changes')
        .addColumn('seq', t.serial, (c) => c.primaryKey())
        .addColumn('window_id', t.id, (c) => c.notNull())
        .addColumn('action', sql`varchar(10)`, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        // The window after the change (before it, for a delete).
        .addColumn('name', t.shortText, (c) => c.notNull())
        .addColumn('start_local', sql`varchar(16)`, (c) => c.notNull())
        .addColumn('end_local', sql`varchar(16)`, (c) => c.notNull())
        .addColumn('time_zone', sql`varchar(64)`, (c) => c.notNull())
        .addColumn('expected_peak_rps', 'integer', (c) => c.notNull())
        .addColumn('sql_vcores', 'integer')
        .addColumn('changed_by', t.shortText, (c) => c.notNull())
        .addColumn('changed_at', t.timestamp, (c) => c.notNull())
        .addCheckConstraint(
          'sales_window_changes_action_known',
          sql`action in ('seeded', 'created', 'updated', 'deleted')`,
        )
        .execute();
      await db.schema
        .createIndex('sales_window_changes_window')
        .on('sales_window_changes')
        .columns(['window_id', 'seq'])
        .execute();
    },
  };
}
