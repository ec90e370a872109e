import type { Db } from '../adapters/sql/schema';

export interface Availability {
  sku: string;
  available: number;
  onHand: number;
  held: number;
  updatedAt: Date;
}

export async function findAvailability(db: Db, sku: string): Promise<Availability | undefined> {
  const row = await db
    .selectFrom('inventory')
    .select(['sku', 'on_hand', 'held', 'updated_at'])
    .where('sku', '=', sku)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    sku: row.sku,
    onHand: row.on_hand,
    held: row.held,
    available: row.on_hand - row.held,
    updatedAt: row.updated_at,
  };
}

export async function findAvailabilityOfProduct(
  db: Db,
  productId: string,
): Promise<Availability | undefined> {
  const row = await db
    .selectFrom('inventory')
    .select(['sku', 'on_hand', 'held', 'updated_at'])
    .where('product_id', '=', productId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    sku: row.sku,
    onHand: row.on_hand,
    held: row.held,
    available: row.on_hand - row.held,
    updatedAt: row.updated_at,
  };
}

export async function countInventory(db: Db): Promise<number> {
  const row = await db
    .selectFrom('inventory')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Inserts starting stock for SKUs that have none yet (idempotent; never lowers existing stock). */
export async function insertMissingInventory(
  db: Db,
  rows: Array<{ sku: string; productId: string; onHand: number }>,
): Promise<number> {
  let inserted = 0;
  const now = new Date();
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const existing = new Set(
      (
        await db
          .selectFrom('inventory')
          .select('sku')
          .where(
            'sku',
            'in',
            batch.map((row) => row.sku),
          )
          .execute()
      ).map((row) => row.sku),
    );
    const missing = batch.filter((row) => !existing.has(row.sku));
    if (missing.length === 0) continue;
    await db
      .insertInto('inventory')
      .values(
        missing.map((row) => ({
          sku: row.sku,
          product_id: row.productId,
          on_hand: row.onHand,
          held: 0,
          updated_at: now,
        })),
      )
      .execute();
    inserted += missing.length;
  }
  return inserted;
}

/** Resets every SKU's stock to the given starting values (re-seeding). */
export async function replaceInventory(
  db: Db,
  rows: Array<{ sku: string; productId: string; onHand: number }>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('inventory').execute();
    await insertMissingInventory(trx, rows);
  });
}
