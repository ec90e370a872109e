import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';

export interface CartLineRow {
  userId: string;
  productId: string;
  sku: string;
  name: string;
  unitPriceMinor: number;
  currency: string;
  quantity: number;
  heldQuantity: number;
  holdExpiresAt: Date;
  addedAt: Date;
}

const columns = [
  'user_id',
  'product_id',
  'sku',
  'name',
  'unit_price_minor',
  'currency',
  'quantity',
  'held_quantity',
  'hold_expires_at',
  'added_at',
] as const;

function toRow(row: {
  user_id: string;
  product_id: string;
  sku: string;
  name: string;
  unit_price_minor: number;
  currency: string;
  quantity: number;
  held_quantity: number;
  hold_expires_at: Date;
  added_at: Date;
}): CartLineRow {
  return {
    userId: row.user_id,
    productId: row.product_id,
    sku: row.sku,
    name: row.name,
    unitPriceMinor: row.unit_price_minor,
    currency: row.currency,
    quantity: row.quantity,
    heldQuantity: row.held_quantity,
    holdExpiresAt: row.hold_expires_at,
    addedAt: row.added_at,
  };
}

// Every query here is scoped by user_id, so carts can be sharded by user.

export async function listCartLines(db: Db, userId: string): Promise<CartLineRow[]> {
  const rows = await db
    .selectFrom('cart_lines')
    .select(columns)
    .where('user_id', '=', userId)
    .orderBy('added_at')
    .orderBy('product_id')
    .execute();
  return rows.map(toRow);
}

export async function findCartLine(
  db: Db,
  userId: string,
  productId: string,
): Promise<CartLineRow | undefined> {
  const row = await db
    .selectFrom('cart_lines')
    .select(columns)
    .where('user_id', '=', userId)
    .where('product_id', '=', productId)
    .executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function countCartLines(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('cart_lines')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertCartLine(db: Db, line: CartLineRow): Promise<void> {
  await db
    .insertInto('cart_lines')
    .values({
      user_id: line.userId,
      product_id: line.productId,
      sku: line.sku,
      name: line.name,
      unit_price_minor: line.unitPriceMinor,
      currency: line.currency,
      quantity: line.quantity,
      held_quantity: line.heldQuantity,
      hold_expires_at: line.holdExpiresAt,
      added_at: line.addedAt,
    })
    .execute();
}

/**
 * Changes a line only if it still holds what the caller read (compare-and-set on
 * held_quantity): a concurrent change or an expiry sweep makes this a no-op (false).
 */
export async function updateCartLineIfHeld(
  db: Db,
  userId: string,
  productId: string,
  expectedHeld: number,
  change: {
    quantity: number;
    heldQuantity: number;
    holdExpiresAt: Date;
    unitPriceMinor: number;
    name: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('cart_lines')
    .set({
      quantity: change.quantity,
      held_quantity: change.heldQuantity,
      hold_expires_at: change.holdExpiresAt,
      unit_price_minor: change.unitPriceMinor,
      name: change.name,
    })
    .where('user_id', '=', userId)
    .where('product_id', '=', productId)
    .where('held_quantity', '=', expectedHeld)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteCartLineIfHeld(
  db: Db,
  userId: string,
  productId: string,
  expectedHeld: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('cart_lines')
    .where('user_id', '=', userId)
    .where('product_id', '=', productId)
    .where('held_quantity', '=', expectedHeld)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Cart activity keeps every live hold of the cart alive. */
export async function refreshHolds(db: Db, userId: string, holdExpiresAt: Date): Promise<void> {
  await db
    .updateTable('cart_lines')
    .set({ hold_expires_at: holdExpiresAt })
    .where('user_id', '=', userId)
    .where('held_quantity', '>', 0)
    .execute();
}

/** Lines whose hold has lapsed but still holds stock (the sweeper's work list). */
export async function findExpiredHolds(db: Db, now: Date, max: number): Promise<CartLineRow[]> {
  const query = db
    .selectFrom('cart_lines')
    .select(columns)
    .where('hold_expires_at', '<', now)
    .where('held_quantity', '>', 0)
    .orderBy('hold_expires_at');
  const rows = await firstRows(query, max, isMssql(db)).execute();
  return rows.map(toRow);
}

/** Marks an expired hold released, only if it is still that hold (two sweepers: one wins). */
export async function markHoldReleased(db: Db, line: CartLineRow, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('cart_lines')
    .set({ held_quantity: 0 })
    .where('user_id', '=', line.userId)
    .where('product_id', '=', line.productId)
    .where('held_quantity', '=', line.heldQuantity)
    .where('hold_expires_at', '<', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
