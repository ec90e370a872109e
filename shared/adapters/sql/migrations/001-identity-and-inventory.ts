import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

export function identityAndInventory(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('email', t.shortText, (c) => c.notNull())
        .addColumn('display_name', t.shortText, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();

      // The invariant 0 <= held <= on_hand is the database's to keep, not the code's.
      await db.schema
        .createTable('inventory')
        .addColumn('sku', t.id, (c) => c.primaryKey())
        .addColumn('product_id', t.id, (c) => c.notNull())
        .addColumn('on_hand', 'integer', (c) => c.notNull())
        .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addCheckConstraint('inventory_on_hand_not_negative', sql`on_hand >= 0`)
        .addCheckConstraint('inventory_held_within_on_hand', sql`held >= 0 and held <= on_hand`)
        .execute();
      await db.schema.createIndex('inventory_product_id').on('inventory').column('product_id').execute();
    },
  };
}
