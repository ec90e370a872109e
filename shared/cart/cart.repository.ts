import { type RawBuilder, sql } from 'kysely';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db, OrderStatus } from '../adapters/sql/schema';
import type { VariantOptions } from '../catalogue/product';
import {
  type LevelColumns,
  levelFromColumns,
  moveHeldStatement,
  type StockLevel,
} from '../inventory/inventory.repository';

/** A cart line: one per SKU per shopper (a product with variants may have a line per variant). */
export interface CartLineRow {
  userId: string;
  productId: string;
  sku: string;
  /** The variant's options (size, colour), or null for a product sold as one SKU. */
  variantOptions?: VariantOptions | null;
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
  'variant_options',
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
  variant_options: string | null;
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
    variantOptions: parseVariantOptions(row.variant_options),
    name: row.name,
    unitPriceMinor: row.unit_price_minor,
    currency: row.currency,
    quantity: row.quantity,
    heldQuantity: row.held_quantity,
    holdExpiresAt: row.hold_expires_at,
    addedAt: row.added_at,
  };
}

/** The stored form of a line's variant options: JSON text, null without a variant. */
export function variantOptionsText(options: VariantOptions | null | undefined): string | null {
  return options ? JSON.stringify(options) : null;
}

export function parseVariantOptions(text: string | null): VariantOptions | null {
  return text ? (JSON.parse(text) as VariantOptions) : null;
}

// Every query here is scoped by user_id, so carts can be sharded by user.

export async function listCartLines(db: Db, userId: string): Promise<CartLineRow[]> {
  const rows = await db
    .selectFrom('cart_lines')
    .select(columns)
    .where('user_id', '=', userId)
    .orderBy('added_at')
    .orderBy('sku')
    .execute();
  return rows.map(toRow);
}

/**
 * The cart's lines (in `listCartLines` order) and the user's orders in any of `orderStatuses`
 * (oldest first), in ONE round trip: checkout's pre-checks need both before anything is
 * written. A portable UNION ALL (runs on PostgreSQL and Azure SQL alike); the order rows ride
 * in the line columns (id in product_id, created_at in added_at, sku null) and are told apart
 * by `kind`.
 */
export async function listCartLinesWithOrders(
  db: Db,
  userId: string,
  orderStatuses: readonly OrderStatus[],
): Promise<{ lines: CartLineRow[]; orders: Array<{ id: string; createdAt: Date }> }> {
  const rows = await db
    .selectFrom('cart_lines')
    .select([sql<string>`'line'`.as('kind'), ...columns])
    .where('user_id', '=', userId)
    .unionAll(
      db
        .selectFrom('orders')
        .select([
          sql<string>`'order'`.as('kind'),
          'user_id',
          'id as product_id',
          sql<string>`null`.as('sku'),
          sql<string | null>`null`.as('variant_options'),
          sql<string>`null`.as('name'),
          sql<number>`null`.as('unit_price_minor'),
          sql<string>`null`.as('currency'),
          sql<number>`null`.as('quantity'),
          sql<number>`null`.as('held_quantity'),
          sql<Date>`null`.as('hold_expires_at'),
          'created_at as added_at',
        ])
        .where('user_id', '=', userId)
        .where('status', 'in', [...orderStatuses]),
    )
    .orderBy('added_at')
    .orderBy('sku')
    .execute();
  return {
    lines: rows.filter((row) => row.kind === 'line').map(toRow),
    orders: rows
      .filter((row) => row.kind === 'order')
      .map((row) => ({ id: row.product_id, createdAt: row.added_at })),
  };
}

export async function findCartLine(db: Db, userId: string, sku: string): Promise<CartLineRow | undefined> {
  const row = await db
    .selectFrom('cart_lines')
    .select(columns)
    .where('user_id', '=', userId)
    .where('sku', '=', sku)
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
      variant_options: variantOptionsText(line.variantOptions),
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
  sku: string,
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
    .where('sku', '=', sku)
    .where('held_quantity', '=', expectedHeld)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Adds `quantity` units, held, to a line as it is when the statement runs (a relative update:
 * no read, so no concurrent change of the line can be lost or overwritten); the hold runs to
 * `holdExpiresAt`. False when the cart has no such line. Checkout's decline compensation.
 */
export async function addHeldUnitsToLine(
  db: Db,
  userId: string,
  sku: string,
  quantity: number,
  holdExpiresAt: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('cart_lines')
    .set({
      quantity: sql`quantity + ${quantity}`,
      held_quantity: sql`held_quantity + ${quantity}`,
      hold_expires_at: holdExpiresAt,
    })
    .where('user_id', '=', userId)
    .where('sku', '=', sku)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Checkout's price rule: sets a line to the product's current price (and currency), only if it
 * still has the price the caller read (compare-and-set); false when the line moved meanwhile.
 */
export async function repriceCartLine(
  db: Db,
  userId: string,
  sku: string,
  from: { unitPriceMinor: number; currency: string },
  to: { unitPriceMinor: number; currency: string; name: string },
): Promise<boolean> {
  const result = await db
    .updateTable('cart_lines')
    .set({ unit_price_minor: to.unitPriceMinor, currency: to.currency, name: to.name })
    .where('user_id', '=', userId)
    .where('sku', '=', sku)
    .where('unit_price_minor', '=', from.unitPriceMinor)
    .where('currency', '=', from.currency)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteCartLineIfHeld(
  db: Db,
  userId: string,
  sku: string,
  expectedHeld: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('cart_lines')
    .where('user_id', '=', userId)
    .where('sku', '=', sku)
    .where('held_quantity', '=', expectedHeld)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Cart activity keeps the cart's live holds alive: those expiring before `staleBefore` move on.
 * `below`/`above` limit it to the lines whose SKU sorts before/after that one in key
 * (code-point) order, so a caller can take the locks of a cart's lines in key order.
 */
export async function refreshHolds(
  db: Db,
  userId: string,
  holdExpiresAt: Date,
  staleBefore: Date,
  range: { below?: string; above?: string } = {},
): Promise<void> {
  // Code-point order on both engines, as compareKeys sorts.
  const lineKey = isMssql(db) ? sql<string>`sku collate Latin1_General_BIN2` : sql<string>`sku collate "C"`;
  let query = db
    .updateTable('cart_lines')
    .set({ hold_expires_at: holdExpiresAt })
    .where('user_id', '=', userId)
    .where('held_quantity', '>', 0)
    .where('hold_expires_at', '<', staleBefore);
  if (range.below !== undefined) query = query.where(lineKey, '<', range.below);
  if (range.above !== undefined) query = query.where(lineKey, '>', range.above);
  await query.execute();
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
    .where('sku', '=', line.sku)
    .where('held_quantity', '=', line.heldQuantity)
    .where('hold_expires_at', '<', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** What one `setLineInOneStatement` did, with the cart as the statement left it. */
export interface LineWrite {
  outcome: 'changed' | 'out_of_stock' | 'cart_full' | 'lost_race';
  /** The cart's lines after the statement (before it, when nothing changed), in cart order. */
  lines: CartLineRow[];
  /** The new stock level, when the hold moved. */
  level?: StockLevel;
  /** What the line held before the statement. */
  previouslyHeld: number;
  /** Units of the SKU available before the statement (for the 409). */
  availableBefore: number;
}

interface LineWriteRow extends LevelColumns {
  delta: number;
  line_count: string | number;
  available_before: number | null;
  state: 'new' | 'old' | null;
  user_id: string | null;
  product_id: string | null;
  sku: string | null;
  variant_options: string | null;
  name: string | null;
  unit_price_minor: number | null;
  currency: string | null;
  quantity: number | null;
  held_quantity: number | null;
  hold_expires_at: Date | null;
  added_at: Date | null;
}

const lineColumns = sql.raw(columns.join(', '));
const columnsOf = (alias: string) => sql.raw(columns.map((c) => `${alias}.${c}`).join(', '));

/*
 * One constant text whatever the values (they are parameters), so it is parsed and planned once
 * per connection (prepared statements). Lock order (see transient-errors.ts): the cart lines it
 * writes (this one and the stale holds it refreshes) first, in key order, all of them before the
 * inventory row (`line` aggregates over `locked`, so every lock is taken before `change` has a row).
 */
export function setLineQuery(
  line: Omit<CartLineRow, 'heldQuantity'>,
  options: LineWriteOptions,
): RawBuilder<LineWriteRow> {
  const user = sql`${line.userId}::varchar`;
  const product = sql`${line.productId}::varchar`;
  const sku = sql`${line.sku}::varchar`;
  const variant = sql`${variantOptionsText(line.variantOptions)}::varchar`;
  const quantity = sql`${line.quantity}::int`;
  const name = sql`${line.name}::varchar`;
  const price = sql`${line.unitPriceMinor}::int`;
  const currency = sql`${line.currency}::char(3)`;
  const holdExpiresAt = sql`${line.holdExpiresAt.toISOString()}::timestamptz`;
  const now = sql`${line.addedAt.toISOString()}::timestamptz`;
  const maxLines = sql`${options.maxLines}::int`;
  const refreshBefore = sql`${options.refreshHoldsBefore.toISOString()}::timestamptz`;
  return sql<LineWriteRow>`
  with locked as materialized (
    select sku, held_quantity from cart_lines
    where user_id = ${user}
      and (sku = ${sku} or (held_quantity > 0 and hold_expires_at < ${refreshBefore}))
    order by sku collate "C"
    for update
  ), line as (
    select max(held_quantity) filter (where sku = ${sku}) as held_quantity,
           coalesce(bool_or(sku = ${sku}), false) as has_line
    from locked
  ), change as (
    select ${quantity} - coalesce(l.held_quantity, 0) as delta, l.has_line,
           (select count(*) from cart_lines where user_id = ${user}) as line_count
    from line l
  ), stock as (
    ${moveHeldStatement({ changes: 'change', sku, updatedAt: now, allowed: sql`(c.has_line or c.line_count < ${maxLines})` })}
  ), allowed as (
    select 1 from stock union all select 1 from change where delta = 0
  ), changed_line as (
    update cart_lines
    set quantity = ${quantity}, held_quantity = ${quantity}, hold_expires_at = ${holdExpiresAt},
        unit_price_minor = ${price}, name = ${name}
    where user_id = ${user} and sku = ${sku}
      and (select has_line from change) and exists (select 1 from allowed)
    returning ${lineColumns}
  ), new_line as (
    insert into cart_lines (${lineColumns})
    select ${user}, ${product}, ${sku}, ${variant}, ${name}, ${price}, ${currency}, ${quantity}, ${quantity},
           ${holdExpiresAt}, ${now}
    where not (select has_line from change) and exists (select 1 from allowed)
    returning ${lineColumns}
  ), refreshed as (
    update cart_lines set hold_expires_at = ${holdExpiresAt}
    where user_id = ${user}
      and sku in (select sku from locked where sku <> ${sku})
      and held_quantity > 0 and hold_expires_at < ${refreshBefore} and exists (select 1 from allowed)
  )
  select c.delta, c.line_count,
         (select on_hand - held from inventory where sku = ${sku}) as available_before,
         s.product_id as level_product_id, s.on_hand as level_on_hand,
         s.held as level_held, s.version as level_version, s.updated_at as level_updated_at,
         l.*
  from change c
  left join stock s on true
  left join (
    select 'new' as state, ${lineColumns} from changed_line
    union all select 'new', ${lineColumns} from new_line
    union all select 'old', ${lineColumns} from cart_lines where user_id = ${user}
  ) l on true
  order by l.added_at, l.sku, l.state`;
}

/**
 * Sets a cart line to `line.quantity` in ONE PostgreSQL statement (one round trip, its own
 * transaction): lock the line, take or give back the difference with a conditional update of
 * the inventory, write the line, refresh the cart's other stale holds, and return the cart.
 * Nothing is written unless the stock moved (or did not need to). Same rules as the portable
 * transaction in cart-writes.ts; two inserts of a new line racing end in a unique violation for
 * one of them, which rolls its whole statement back (the caller retries).
 */
export async function setLineInOneStatement(
  db: Db,
  line: Omit<CartLineRow, 'heldQuantity'>,
  options: LineWriteOptions,
): Promise<LineWrite> {
  const { rows } = await setLineQuery(line, options).execute(db);
  return lineWriteFrom(rows, line, options);
}

export interface LineWriteOptions {
  maxLines: number;
  refreshHoldsBefore: Date;
}

/** One line to set, for `setLinesInOneStatement`. */
export interface LineWriteRequest {
  line: Omit<CartLineRow, 'heldQuantity'>;
  options: LineWriteOptions;
}

/** The most lines one `setLinesInOneStatement` sets. */
export const maxLinesPerStatement = 16;

/*
 * The same change as setLineQuery for many lines at once, one per request of `requests` (a JSON
 * array; `n` numbers them). The limit tells the planner how few they are (it guesses 100 rows
 * for a JSON recordset and would then scan whole tables instead of using their keys). Requests
 * must not share a user or a SKU: each of their rows is then written by one request only. Lock
 * order (see transient-errors.ts): all the cart lines first, in key order (`change` waits for all
 * of `line`: a one-time filter), then the inventory rows in SKU order (`stock_locked`; the update
 * waits for all of it the same way), never in the order of the requests, which another batch may
 * hold the other way round.
 */
export function setLinesQuery(requests: string): RawBuilder<LineWriteRow & { n: number }> {
  return sql<LineWriteRow & { n: number }>`
  with req as (
    select * from jsonb_to_recordset(${requests}::jsonb) as r(
      n int, user_id varchar, product_id varchar, sku varchar, variant_options varchar, quantity int, name varchar,
      unit_price_minor int, currency char(3), hold_expires_at timestamptz, added_at timestamptz,
      max_lines int, refresh_before timestamptz)
    limit ${sql.lit(maxLinesPerStatement)}
  ), line as materialized (
    select l.user_id, l.sku, l.held_quantity
    from cart_lines l join req r on l.user_id = r.user_id
    where l.sku = r.sku
       or (l.held_quantity > 0 and l.hold_expires_at < r.refresh_before)
    order by l.user_id collate "C", l.sku collate "C"
    for update of l
  ), change as (
    select r.*, r.quantity - coalesce(l.held_quantity, 0) as delta, l.user_id is not null as has_line,
           (select count(*) from cart_lines c where c.user_id = r.user_id) as line_count
    from req r left join line l on l.user_id = r.user_id and l.sku = r.sku
    where (select count(*) from line) >= 0
  ), stock_locked as materialized (
    select i.sku from inventory i
    where i.sku in (select sku from change where delta <> 0)
    order by i.sku collate "C"
    for no key update
  ), stock as (
    ${moveHeldStatement({
      changes: 'change',
      sku: sql`c.sku`,
      updatedAt: sql`c.added_at`,
      allowed: sql`(c.has_line or c.line_count < c.max_lines)
      and (select count(*) from stock_locked) >= 0`,
      returningFirst: 'c.n, ',
    })}
  ), allowed as (
    select c.* from change c where c.delta = 0 or c.n in (select n from stock)
  ), changed_line as (
    update cart_lines l
    set quantity = a.quantity, held_quantity = a.quantity, hold_expires_at = a.hold_expires_at,
        unit_price_minor = a.unit_price_minor, name = a.name
    from allowed a
    where l.user_id = a.user_id and l.sku = a.sku and a.has_line
    returning a.n, ${columnsOf('l')}
  ), new_line as (
    insert into cart_lines (${lineColumns})
    select a.user_id, a.product_id, a.sku, a.variant_options, a.name, a.unit_price_minor, a.currency, a.quantity, a.quantity,
           a.hold_expires_at, a.added_at
    from allowed a
    where not a.has_line
    returning ${lineColumns}
  ), refreshed as (
    update cart_lines l set hold_expires_at = a.hold_expires_at
    from allowed a, line k
    where l.user_id = a.user_id and l.sku <> a.sku
      and k.user_id = l.user_id and k.sku = l.sku
      and l.held_quantity > 0 and l.hold_expires_at < a.refresh_before
  )
  select c.n, c.delta, c.line_count,
         (select on_hand - held from inventory where sku = c.sku) as available_before,
         s.product_id as level_product_id, s.on_hand as level_on_hand,
         s.held as level_held, s.version as level_version, s.updated_at as level_updated_at,
         l.*
  from change c
  left join stock s on s.n = c.n
  left join (
    select n as line_of, 'new' as state, ${lineColumns} from changed_line
    union all select r.n, 'new', ${columnsOf('w')}
      from new_line w join req r on r.user_id = w.user_id and r.sku = w.sku
    union all select r.n, 'old', ${columnsOf('o')}
      from cart_lines o join req r on r.user_id = o.user_id
  ) l on l.line_of = c.n
  order by c.n, l.added_at, l.sku, l.state`;
}

/**
 * Sets many cart lines in ONE PostgreSQL statement, as if each went through
 * `setLineInOneStatement`, all committed together or (on any error) not at all. The requests
 * must not share a user or a SKU. Results are in the order of `requests`.
 */
export async function setLinesInOneStatement(
  db: Db,
  requests: readonly LineWriteRequest[],
): Promise<LineWrite[]> {
  if (requests.length > maxLinesPerStatement)
    throw new RangeError(`At most ${maxLinesPerStatement} lines per statement, not ${requests.length}.`);
  const { rows } = await setLinesQuery(
    JSON.stringify(
      requests.map(({ line, options }, n) => ({
        n,
        user_id: line.userId,
        product_id: line.productId,
        sku: line.sku,
        variant_options: variantOptionsText(line.variantOptions),
        quantity: line.quantity,
        name: line.name,
        unit_price_minor: line.unitPriceMinor,
        currency: line.currency,
        hold_expires_at: line.holdExpiresAt.toISOString(),
        added_at: line.addedAt.toISOString(),
        max_lines: options.maxLines,
        refresh_before: options.refreshHoldsBefore.toISOString(),
      })),
    ),
  ).execute(db);
  const byRequest = requests.map((): Array<LineWriteRow & { n: number }> => []);
  for (const row of rows) byRequest[row.n]!.push(row);
  return requests.map(({ line, options }, n) => lineWriteFrom(byRequest[n]!, line, options));
}

/** What one request's rows of either statement (in cart order) say it did. */
function lineWriteFrom(
  rows: readonly LineWriteRow[],
  line: Omit<CartLineRow, 'heldQuantity'>,
  options: LineWriteOptions,
): LineWrite {
  const { sku, quantity, holdExpiresAt } = line;
  const first = rows[0]!;
  const level = levelFromColumns(line.sku, first);
  const applied = level !== undefined || first.delta === 0;
  const previouslyHeld = quantity - first.delta;
  const written = rows.find((r) => r.state === 'new');
  const lines: CartLineRow[] = [];
  for (const row of rows) {
    if (row.state === null || (row.state === 'old' && written && row.sku === sku)) continue;
    const cartLine = toRow(row as Parameters<typeof toRow>[0]);
    // The statement refreshed these; its snapshot still shows them as they were.
    if (
      written &&
      row.sku !== sku &&
      cartLine.heldQuantity > 0 &&
      cartLine.holdExpiresAt < options.refreshHoldsBefore
    )
      cartLine.holdExpiresAt = holdExpiresAt;
    lines.push(cartLine);
  }
  const outcome = applied
    ? 'changed'
    : first.delta < 0
      ? 'lost_race'
      : !rows.some((r) => r.sku === sku) && Number(first.line_count) >= options.maxLines
        ? 'cart_full'
        : 'out_of_stock';
  return {
    outcome,
    lines,
    previouslyHeld,
    availableBefore: first.available_before ?? 0,
    level,
  };
}

/**
 * PostgreSQL: checkout emptying the cart, as the body of a CTE of its one-statement reservation
 * (checkout.repository.ts): deletes the shopper's lines listed in `lines` (`sku`; rows the
 * statement locked) when `go` has a row.
 */
export function deleteLinesStatement(options: {
  userId: RawBuilder<unknown>;
  lines: string;
  go: string;
}): RawBuilder<unknown> {
  const { userId, lines, go } = options;
  return sql`delete from cart_lines c using ${sql.raw(lines)} l
    where c.user_id = ${userId} and c.sku = l.sku and exists (select 1 from ${sql.raw(go)})`;
}
