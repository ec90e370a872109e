import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

/**
 * Product variants: each size/colour combination is its own SKU (its own inventory row, which
 * the inventory table was keyed by already). A cart now has one line per SKU, so two sizes of
 * one product are two lines; cart and order lines keep the variant's options (JSON text such
 * as {"size":"M","colour":"navy"}, null without a variant) so the cart, the order, the receipt
 * and the pick list can say "Size M" without the catalogue.
 */
export function variants(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Every existing line is one product's only SKU, so (user_id, sku) is unique already.
      // Unquoted, the same text on both engines (the T-SQL checker does not read a quoted name here).
      await sql`alter table cart_lines drop constraint cart_lines_pk`.execute(db);
      await db.schema
        .alterTable('cart_lines')
        .addPrimaryKeyConstraint('cart_lines_pk', ['user_id', 'sku'])
        .execute();
      await db.schema.alterTable('cart_lines').addColumn('variant_options', t.shortText).execute();
      await db.schema.alterTable('order_lines').addColumn('variant_options', t.shortText).execute();
    },
  };
}
