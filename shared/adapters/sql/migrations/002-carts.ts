import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

export function carts(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Bumped on every stock change, so live-count messages can be ordered by clients.
      await db.schema
        .alterTable('inventory')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('addresses')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('user_id', t.id, (c) => c.notNull().references('users.id'))
        .addColumn('name', t.shortText, (c) => c.notNull())
        .addColumn('line1', t.shortText, (c) => c.notNull())
        .addColumn('line2', t.shortText, (c) => c.notNull())
        .addColumn('city', t.shortText, (c) => c.notNull())
        .addColumn('postal_code', sql`varchar(20)`, (c) => c.notNull())
        .addColumn('country', sql`char(2)`, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('addresses_user').on('addresses').column('user_id').execute();

      // One line per product per user. `held_quantity` is what this line holds in inventory
      // right now: equal to `quantity` while the hold lives, 0 once it lapsed and was released.
      await db.schema
        .createTable('cart_lines')
        .addColumn('user_id', t.id, (c) => c.notNull().references('users.id'))
        .addColumn('product_id', t.id, (c) => c.notNull())
        .addColumn('sku', t.id, (c) => c.notNull().references('inventory.sku'))
        .addColumn('name', t.shortText, (c) => c.notNull())
        .addColumn('unit_price_minor', 'integer', (c) => c.notNull())
        .addColumn('currency', sql`char(3)`, (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('held_quantity', 'integer', (c) => c.notNull())
        .addColumn('hold_expires_at', t.timestamp, (c) => c.notNull())
        .addColumn('added_at', t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('cart_lines_pk', ['user_id', 'product_id'])
        .addCheckConstraint('cart_lines_quantity_positive', sql`quantity > 0`)
        .addCheckConstraint(
          'cart_lines_held_within_quantity',
          sql`held_quantity >= 0 and held_quantity <= quantity`,
        )
        .execute();
      // The expiry sweeper's access path.
      await db.schema
        .createIndex('cart_lines_expiry')
        .on('cart_lines')
        .columns(['hold_expires_at', 'held_quantity'])
        .execute();
    },
  };
}
