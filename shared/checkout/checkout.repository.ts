import { sql } from 'kysely';
import type { Db } from '../adapters/sql/schema';
import { deleteLinesStatement } from '../cart/cart.repository';
import { type LevelColumns, levelFromColumns, sellLinesStatement } from '../inventory/inventory.repository';
import { addToOutboxStatement, type DomainEvent } from '../messaging/outbox';
import {
  insertOrderLinesStatement,
  insertOrderStatement,
  markPaidStatement,
  type OrderLineRow,
  type OrderRow,
} from '../orders/orders.repository';
import { claimKeyStatement, type KeptAnswer, type KeyClaim, keepAnswerStatement } from './idempotency';
import type { OrderDraft, PaidChange, ReserveOutcome } from './reservation';

/*
 * PostgreSQL's one-statement forms of the Reservation port (reservation.ts). Each table's write
 * is a fragment its owner exports (inventory, cart, orders, outbox, idempotency keys); what is
 * checkout's own is the reading and locking, the verdict and the order of the CTEs.
 */

interface ReserveRow extends LevelColumns {
  line_count: string | number;
  currencies: string | number;
  all_available: boolean;
  total_minor: string | number;
  currency: string | null;
  product_id: string | null;
  sku: string | null;
  variant_options: string | null;
  name: string | null;
  unit_price_minor: number | null;
  quantity: number | null;
  held_quantity: number | null;
  line_no: string | number | null;
  on_hand: number | null;
  held: number | null;
}

/**
 * Checkout's reservation in ONE PostgreSQL statement (one round trip, its own transaction):
 * every cart line's hold becomes a sale (a lapsed hold re-acquires stock), the cart is emptied,
 * the order is written `pending_payment` and the Idempotency-Key is taken, or, when a line is
 * short, the cart is empty or mixes currencies, nothing is written at all. The same rules as the
 * portable transaction in reservation.ts; a key already taken ends in a unique violation,
 * which rolls the whole statement back.
 *
 * The cart's lines in key order, then (once all of them are locked: a one-time filter) their
 * inventory rows in SKU order, are locked first: the lock order every write path follows (see
 * transient-errors.ts), so the verdict is taken on rows nobody else can move. The order's lines
 * are still numbered in cart order.
 */
export async function reserveInOneStatement(
  db: Db,
  draft: OrderDraft,
  claim: KeyClaim,
): Promise<ReserveOutcome> {
  const userId = sql`${draft.user_id}::varchar`;
  const now = sql`${draft.created_at.toISOString()}::timestamptz`;
  const { rows } = await sql<ReserveRow>`
  with lines as (
    select product_id, sku, variant_options, name, unit_price_minor, currency, quantity, held_quantity, added_at
    from cart_lines where user_id = ${userId}
    order by sku collate "C"
    for update
  ), numbered as (
    select l.*, row_number() over (order by added_at, sku) as line_no from lines l
  ), stock as (
    select sku, on_hand, held from inventory
    where sku in (select sku from lines) and (select count(*) from lines) > 0
    order by sku collate "C"
    for no key update
  ), verdict as (
    select count(*) as line_count,
           count(distinct l.currency) as currencies,
           coalesce(bool_and(case when l.held_quantity = l.quantity then s.held >= l.quantity
                                  else s.on_hand - s.held >= l.quantity end), false) as all_available,
           coalesce(sum(l.unit_price_minor * l.quantity), 0) as total_minor,
           min(l.currency) as currency
    from lines l join stock s on s.sku = l.sku
  ), go as (
    select total_minor, currency from verdict
    where line_count > 0 and currencies = 1 and all_available
  ), reserved_key as (
    ${claimKeyStatement(claim, draft.id, draft.created_at, 'go')}
  ), sold as (
    ${sellLinesStatement({ lines: 'lines', go: 'go', updatedAt: now })}
  ), emptied as (
    ${deleteLinesStatement({ userId, lines: 'lines', go: 'go' })}
  ), new_order as (
    ${insertOrderStatement(draft, 'go')}
  ), new_lines as (
    ${insertOrderLinesStatement(draft.id, 'numbered', 'go')}
  )
  select v.line_count, v.currencies, v.all_available, v.total_minor, v.currency,
         n.product_id, n.sku, n.variant_options, n.name, n.unit_price_minor, n.quantity, n.held_quantity, n.line_no,
         s.on_hand, s.held,
         sold.product_id as level_product_id, sold.on_hand as level_on_hand, sold.held as level_held,
         sold.version as level_version, sold.updated_at as level_updated_at
  from verdict v
  left join numbered n on true
  left join stock s on s.sku = n.sku
  left join sold on sold.sku = n.sku
  order by n.line_no`.execute(db);
  const verdict = rows[0]!;
  if (Number(verdict.line_count) === 0) return { outcome: 'cart_empty' };
  if (Number(verdict.currencies) !== 1) return { outcome: 'mixed_currencies' };
  if (!verdict.all_available) {
    const short = rows
      .filter((row) =>
        row.held_quantity === row.quantity
          ? row.held! < row.quantity!
          : row.on_hand! - row.held! < row.quantity!,
      )
      .map((row) => ({
        productId: row.product_id!,
        sku: row.sku!,
        requested: row.quantity!,
        available: Math.max(0, row.on_hand! - row.held!),
      }));
    return { outcome: 'out_of_stock', short };
  }
  const order: OrderRow = { ...draft, total_minor: Number(verdict.total_minor), currency: verdict.currency! };
  const lines: OrderLineRow[] = rows.map((row) => ({
    order_id: draft.id,
    line_no: Number(row.line_no),
    product_id: row.product_id!,
    sku: row.sku!,
    variant_options: row.variant_options,
    name: row.name!,
    quantity: row.quantity!,
    unit_price_minor: row.unit_price_minor!,
  }));
  // A re-acquired line's sale moved the SKU's availability (a held one's did not: the units had
  // already left it).
  const relapsedLevels = rows.flatMap((row) => {
    const level = row.held_quantity !== row.quantity ? levelFromColumns(row.sku!, row) : undefined;
    return level ? [level] : [];
  });
  return { outcome: 'reserved', order, lines, changedSkus: [], levels: relapsedLevels };
}

/**
 * Marks an order paid in ONE PostgreSQL statement, with its OrderPaid event in the outbox and,
 * for Pay Now, the answer kept under the Idempotency-Key: all of it, or (the order was already
 * settled) none of it. False when the order was not waiting for this payment.
 */
export async function markPaidInOneStatement(
  db: Db,
  payment: PaidChange,
  event: DomainEvent,
  kept?: KeptAnswer,
): Promise<boolean> {
  const { rows } = await sql<{ moved: string | number }>`
  with moved as (
    ${markPaidStatement(payment)}
  ), kept as (
    ${keepAnswerStatement(kept, 'moved')}
  ), published as (
    ${addToOutboxStatement(event, 'moved', payment.paidAt)}
  )
  select count(*) as moved from moved`.execute(db);
  return Number(rows[0]!.moved) === 1;
}
