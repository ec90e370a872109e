import { type RawBuilder, sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import { isMssql } from '../adapters/sql/dialect';
import type { Database, Db } from '../adapters/sql/schema';
import { batcherFor } from '../platform/batcher';

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

/** A product's stock over all its SKUs (the sum), or undefined when it has none. */
export async function findAvailabilityOfProduct(
  db: Db,
  productId: string,
): Promise<Availability | undefined> {
  return sumAvailability(await findAvailabilityOfProductSkus(db, productId));
}

/** Several SKUs' stock as one (a product with variants): the sums, the latest change. */
export function sumAvailability(rows: readonly Availability[]): Availability | undefined {
  if (rows.length === 0) return undefined;
  if (rows.length === 1) return rows[0];
  return {
    sku: rows[0]!.sku,
    onHand: rows.reduce((sum, r) => sum + r.onHand, 0),
    held: rows.reduce((sum, r) => sum + r.held, 0),
    available: rows.reduce((sum, r) => sum + r.available, 0),
    updatedAt: new Date(Math.max(...rows.map((r) => r.updatedAt.getTime()))),
  };
}

/** Each product's stock over all its SKUs, and each SKU's, in one query (the inventory consumer). */
export async function readProductTotals(
  db: Db,
  productIds: readonly string[],
): Promise<Map<string, { available: number; skus: Record<string, number>; updatedAt: Date }>> {
  const totals = new Map<string, { available: number; skus: Record<string, number>; updatedAt: Date }>();
  if (productIds.length === 0) return totals;
  const rows = await db
    .selectFrom('inventory')
    .select(['sku', 'product_id', 'on_hand', 'held', 'updated_at'])
    .where('product_id', 'in', [...new Set(productIds)])
    .execute();
  for (const row of rows) {
    const total = totals.get(row.product_id) ?? { available: 0, skus: {}, updatedAt: row.updated_at };
    total.available += row.on_hand - row.held;
    total.skus[row.sku] = row.on_hand - row.held;
    if (row.updated_at > total.updatedAt) total.updatedAt = row.updated_at;
    totals.set(row.product_id, total);
  }
  return totals;
}

/** Every SKU of a product (one, or one per variant) with its stock, in SKU order. */
export async function findAvailabilityOfProductSkus(db: Db, productId: string): Promise<Availability[]> {
  const rows = await db
    .selectFrom('inventory')
    .select(['sku', 'on_hand', 'held', 'updated_at'])
    .where('product_id', '=', productId)
    .orderBy('sku')
    .execute();
  return rows.map((row) => ({
    sku: row.sku,
    onHand: row.on_hand,
    held: row.held,
    available: row.on_hand - row.held,
    updatedAt: row.updated_at,
  }));
}

export async function countInventory(db: Db): Promise<number> {
  const row = await db
    .selectFrom('inventory')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Those of `skus` whose stock row belongs to a product other than `productId`. */
export async function findSkusOfOtherProducts(
  db: Db,
  skus: readonly string[],
  productId: string,
): Promise<string[]> {
  if (skus.length === 0) return [];
  const rows = await db
    .selectFrom('inventory')
    .select('sku')
    .where('sku', 'in', [...skus])
    .where('product_id', '<>', productId)
    .execute();
  return rows.map((row) => row.sku);
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

/** What a stock change leaves behind, for caches and live pages. */
export interface StockLevel {
  sku: string;
  productId: string;
  available: number;
  version: number;
  updatedAt: Date;
}

/** A stock level a statement returned beside other columns (`level_*`, null when none moved). */
export interface LevelColumns {
  level_product_id: string | null;
  level_on_hand: number | null;
  level_held: number | null;
  level_version: number | null;
  level_updated_at: Date | null;
}

export function levelFromColumns(sku: string, row: LevelColumns): StockLevel | undefined {
  if (row.level_product_id === null) return undefined;
  return {
    sku,
    productId: row.level_product_id,
    available: row.level_on_hand! - row.level_held!,
    version: row.level_version!,
    updatedAt: row.level_updated_at!,
  };
}

export async function readStockLevel(db: Db, sku: string): Promise<StockLevel | undefined> {
  return (await readStockLevels(db, [sku]))[0];
}

/** The levels of these SKUs (those that exist), in one query. */
export async function readStockLevels(db: Db, skus: readonly string[]): Promise<StockLevel[]> {
  if (skus.length === 0) return [];
  const rows = await db
    .selectFrom('inventory')
    .select([...levelColumns])
    .where('sku', skus.length === 1 ? '=' : 'in', skus.length === 1 ? skus[0]! : [...skus])
    .execute();
  return rows.map(toLevel);
}

/** `readStockLevels`, with the reads of concurrent callers in one (portable) query (the inventory consumer). */
export function readStockLevelsTogether(db: Db, skus: readonly string[]): Promise<StockLevel[]> {
  const read = batcherFor<readonly string[], StockLevel[]>(db, 'stock levels', () => ({
    maxBatch: 32,
    async runBatch(lists) {
      const levels = await readStockLevels(db, [...new Set(lists.flat())]);
      const bySku = new Map(levels.map((level) => [level.sku, level]));
      return lists.map((list) => list.flatMap((sku) => bySku.get(sku) ?? []));
    },
  }));
  return read(skus);
}

const levelColumns = ['sku', 'product_id', 'on_hand', 'held', 'version', 'updated_at'] as const;

function toLevel(row: {
  sku: string;
  product_id: string;
  on_hand: number;
  held: number;
  version: number;
  updated_at: Date;
}): StockLevel {
  return {
    sku: row.sku,
    productId: row.product_id,
    available: row.on_hand - row.held,
    version: row.version,
    updatedAt: row.updated_at,
  };
}

/**
 * Runs a conditional inventory update and returns the row as it left it (one round trip:
 * RETURNING on PostgreSQL, OUTPUT on Azure SQL), or undefined when the condition failed.
 */
async function updateReturningLevel(
  db: Db,
  build: (
    query: UpdateQueryBuilder<Database, 'inventory', 'inventory', UpdateResult>,
  ) => UpdateQueryBuilder<Database, 'inventory', 'inventory', UpdateResult>,
): Promise<StockLevel | undefined> {
  const query = build(db.updateTable('inventory'));
  const row = isMssql(db)
    ? await query.output(levelColumns.map((c) => `inserted.${c}` as const)).executeTakeFirst()
    : await query.returning([...levelColumns]).executeTakeFirst();
  return row ? toLevel(row) : undefined;
}

/**
 * Holds `quantity` units if that many are available: one conditional update, never a
 * read-then-write. Undefined when there is not enough stock (nothing changed).
 */
export async function holdStock(db: Db, sku: string, quantity: number): Promise<StockLevel | undefined> {
  return updateReturningLevel(db, (q) =>
    q
      .set({ held: sql`held + ${quantity}`, version: sql`version + 1`, updated_at: new Date() })
      .where('sku', '=', sku)
      .where(sql<boolean>`on_hand - held >= ${quantity}`),
  );
}

/** Gives held units back. Guarded so `held` can never go negative. */
export async function releaseStock(db: Db, sku: string, quantity: number): Promise<StockLevel | undefined> {
  return updateReturningLevel(db, (q) =>
    q
      .set({ held: sql`held - ${quantity}`, version: sql`version + 1`, updated_at: new Date() })
      .where('sku', '=', sku)
      .where('held', '>=', quantity),
  );
}

/** Turns held units into a sale: they leave both `held` and `on_hand`. */
export async function sellHeldStock(db: Db, sku: string, quantity: number): Promise<boolean> {
  const result = await db
    .updateTable('inventory')
    .set({
      held: sql`held - ${quantity}`,
      on_hand: sql`on_hand - ${quantity}`,
      version: sql`version + 1`,
      updated_at: new Date(),
    })
    .where('sku', '=', sku)
    .where('held', '>=', quantity)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Sells units that are not held (a lapsed hold re-acquired at checkout), if available. */
export async function sellAvailableStock(db: Db, sku: string, quantity: number): Promise<boolean> {
  const result = await db
    .updateTable('inventory')
    .set({ on_hand: sql`on_hand - ${quantity}`, version: sql`version + 1`, updated_at: new Date() })
    .where('sku', '=', sku)
    .where(sql<boolean>`on_hand - held >= ${quantity}`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Puts sold units back as held units (a declined payment returns them to the cart's holds). */
export async function returnSoldUnitsToHolds(db: Db, sku: string, quantity: number): Promise<void> {
  await db
    .updateTable('inventory')
    .set({
      on_hand: sql`on_hand + ${quantity}`,
      held: sql`held + ${quantity}`,
      version: sql`version + 1`,
      updated_at: new Date(),
    })
    .where('sku', '=', sku)
    .execute();
}

/**
 * PostgreSQL: the inventory write a one-statement cart write composes (the body of a CTE; the
 * cart statements in cart.repository.ts). For each row of `changes` (aliased `c`, with a
 * `delta` column) whose `allowed` holds, moves `held` by `c.delta` if the stock allows it (the
 * same guards as holdStock and releaseStock), and returns the level as `i.*` columns after
 * `returningFirst` (e.g. `c.n, `).
 */
export function moveHeldStatement(options: {
  changes: string;
  sku: RawBuilder<unknown>;
  updatedAt: RawBuilder<unknown>;
  allowed: RawBuilder<unknown>;
  returningFirst?: string;
}): RawBuilder<unknown> {
  const { changes, sku, updatedAt, allowed, returningFirst = '' } = options;
  return sql`update inventory i
    set held = i.held + c.delta, version = i.version + 1, updated_at = ${updatedAt}
    from ${sql.raw(changes)} c
    where i.sku = ${sku} and c.delta <> 0
      and (c.delta > 0 and i.on_hand - i.held >= c.delta or c.delta < 0 and i.held >= -c.delta)
      and ${allowed}
    returning ${sql.raw(returningFirst)}i.sku, i.product_id, i.on_hand, i.held, i.version, i.updated_at`;
}

/** Restock or correction (admin): sets on_hand, refusing to go below what is held. */
export async function setOnHand(
  db: Db,
  sku: string,
  onHand: number,
): Promise<'ok' | 'below_held' | 'unknown_sku'> {
  const result = await db
    .updateTable('inventory')
    .set({ on_hand: onHand, version: sql`version + 1`, updated_at: new Date() })
    .where('sku', '=', sku)
    .where('held', '<=', onHand)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return 'ok';
  return (await findAvailability(db, sku)) ? 'below_held' : 'unknown_sku';
}

/**
 * PostgreSQL: checkout's sale as the body of a CTE of its one-statement reservation
 * (checkout.repository.ts), the statement form of sellHeldStock/sellAvailableStock. For each row
 * of `lines` (`sku`, `quantity`, `held_quantity`), when `go` has a row (the statement checked
 * the stock first, on rows it has locked): a line that holds all its units sells held ones, any
 * other sells available ones. Returns each level as `i.*` columns.
 */
export function sellLinesStatement(options: {
  lines: string;
  go: string;
  updatedAt: RawBuilder<unknown>;
}): RawBuilder<unknown> {
  const { lines, go, updatedAt } = options;
  return sql`update inventory i
    set held = i.held - case when l.held_quantity = l.quantity then l.quantity else 0 end,
        on_hand = i.on_hand - l.quantity, version = i.version + 1, updated_at = ${updatedAt}
    from ${sql.raw(lines)} l
    where i.sku = l.sku and exists (select 1 from ${sql.raw(go)})
    returning i.sku, i.product_id, i.on_hand, i.held, i.version, i.updated_at`;
}
