import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

/**
 * The admins' audit trail of catalogue changes (shared/catalogue/catalogue-changes.repository.ts
 * owns it): who changed which product or SKU, when, and a short summary of what. Append-only.
 * The id is an identity, so it orders rows as they were written (the keyset of the listing).
 */
export function catalogueChanges(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('catalogue_changes')
        .addColumn('id', t.serial, (c) => c.primaryKey())
        .addColumn('changed_at', t.timestamp, (c) => c.notNull())
        .addColumn('changed_by_id', t.id, (c) => c.notNull())
        .addColumn('changed_by_name', t.shortText, (c) => c.notNull())
        .addColumn('action', sql`varchar(20)`, (c) => c.notNull())
        .addColumn('product_id', t.id, (c) => c.notNull())
        .addColumn('sku', sql`varchar(64)`)
        .addColumn('summary', t.longText, (c) => c.notNull())
        .addCheckConstraint(
          'catalogue_changes_action_known',
          sql`action in ('product_created', 'product_updated', 'product_deleted', 'stock_set')`,
        )
        .execute();
      await db.schema
        .createIndex('catalogue_changes_product')
        .on('catalogue_changes')
        .columns(['product_id', 'id'])
        .execute();
    },
  };
}
