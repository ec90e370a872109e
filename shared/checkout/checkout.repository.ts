import { CompiledQuery } from 'kysely';
import type { Db } from '../adapters/sql/schema';
import { type LevelColumns, levelFromColumns } from '../inventory/inventory.repository';
import type { DomainEvent } from '../messaging/outbox';
import type { OrderLineRow, OrderRow } from '../orders/orders.repository';
import type { KeptAnswer, KeyClaim } from './idempotency';
import type { OrderDraft, PaidChange, ReserveOutcome } from './reservation';

interface ReserveRow extends LevelColumns {
  line_count: string | number;
  currencies: string | number;
  all_available: boolean;
  total_minor: string | number;
  currency: string | null;
  product_id: string | null;
  sku: string | null;
  name: string | null;
  unit_price_minor: number | null;
  quantity: number | null;
  held_quantity: number | null;
  line_no: string | number | null;
  on_hand: number | null;
  held: number | null;
}

/*
 * $1 user, $2 idempotency key, $3 request hash, $4 order id, $5 now, $6 email, $7..$12 the
 * shipping address (name, line 1, line 2, city, postal code, country), $13 payment provider,
 * $14 payment method reference.
 * The cart's lines in key order, then (once all of them are locked: a one-time filter) their
 * inventory rows in SKU order, are locked first: the lock order every write path follows (see
 * transient-errors.ts), so the verdict is taken on rows nobody else can move. The order's lines
 * are still numbered in cart order.
 */
export const reserveStatement = `
  with lines as (
    select product_id, sku, name, unit_price_minor, currency, quantity, held_quantity, added_at
    from cart_lines where user_id = $1::varchar
    order by product_id collate "C"
    for update
  ), numbered as (
    select l.*, row_number() over (order by added_at, product_id) as line_no from lines l
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
    insert into idempotency_keys
      (user_id, idempotency_key, request_hash, order_id, response_status, response_body, created_at)
    select $1::varchar, $2::varchar, $3::varchar, $4::varchar, null, null, $5::timestamptz from go
  ), sold as (
    update inventory i
    set held = i.held - case when l.held_quantity = l.quantity then l.quantity else 0 end,
        on_hand = i.on_hand - l.quantity, version = i.version + 1, updated_at = $5::timestamptz
    from lines l
    where i.sku = l.sku and exists (select 1 from go)
    returning i.sku, i.product_id, i.on_hand, i.held, i.version, i.updated_at
  ), emptied as (
    delete from cart_lines c using lines l
    where c.user_id = $1::varchar and c.product_id = l.product_id and exists (select 1 from go)
  ), new_order as (
    insert into orders
      (id, user_id, status, total_minor, currency, email, ship_name, ship_line1, ship_line2, ship_city,
       ship_postal_code, ship_country, payment_provider, payment_method_ref, payment_reference,
       card_brand, card_last4, decline_reason, created_at, updated_at, paid_at, receipt_sent_at,
       shipped_at)
    select $4::varchar, $1::varchar, 'pending_payment', total_minor, currency, $6::varchar,
           $7::varchar, $8::varchar, $9::varchar, $10::varchar, $11::varchar, $12::char(2),
           $13::varchar, $14::varchar, null, null, null, null, $5::timestamptz, $5::timestamptz,
           null, null, null
    from go
  ), new_lines as (
    insert into order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price_minor)
    select $4::varchar, line_no, product_id, sku, name, quantity, unit_price_minor
    from numbered where exists (select 1 from go)
  )
  select v.line_count, v.currencies, v.all_available, v.total_minor, v.currency,
         n.product_id, n.sku, n.name, n.unit_price_minor, n.quantity, n.held_quantity, n.line_no,
         s.on_hand, s.held,
         sold.product_id as level_product_id, sold.on_hand as level_on_hand, sold.held as level_held,
         sold.version as level_version, sold.updated_at as level_updated_at
  from verdict v
  left join numbered n on true
  left join stock s on s.sku = n.sku
  left join sold on sold.sku = n.sku
  order by n.line_no`;

/**
 * Checkout's reservation in ONE PostgreSQL statement (one round trip, its own transaction):
 * every cart line's hold becomes a sale (a lapsed hold re-acquires stock), the cart is emptied,
 * the order is written `pending_payment` and the Idempotency-Key is taken, or, when a line is
 * short, the cart is empty or mixes currencies, nothing is written at all. The same rules as the
 * portable transaction in reservation.ts; a key already taken ends in a unique violation,
 * which rolls the whole statement back.
 */
export async function reserveInOneStatement(
  db: Db,
  draft: OrderDraft,
  idempotency: KeyClaim,
): Promise<ReserveOutcome> {
  const { rows } = await db.executeQuery<ReserveRow>(
    CompiledQuery.raw(reserveStatement, [
      draft.user_id,
      idempotency.key,
      idempotency.requestHash,
      draft.id,
      draft.created_at.toISOString(),
      draft.email,
      draft.ship_name,
      draft.ship_line1,
      draft.ship_line2,
      draft.ship_city,
      draft.ship_postal_code,
      draft.ship_country,
      draft.payment_provider,
      draft.payment_method_ref,
    ]),
  );
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

/*
 * $1 order id, $2 payment reference, $3 card brand, $4 card last 4, $5 now; the answer to keep
 * under the Idempotency-Key: $6 status, $7 body, $8 user, $9 key (nulls: keep none); the
 * OrderPaid event for the outbox: $10 id, $11 topic, $12 type, $13 correlation id, $14 body.
 */
export const settlePaidStatement = `
  with moved as (
    update orders
    set status = 'paid', payment_reference = $2::varchar, card_brand = $3::varchar,
        card_last4 = $4::varchar, paid_at = $5::timestamptz, updated_at = $5::timestamptz
    where id = $1::varchar and status in ('pending_payment', 'requires_action')
    returning id
  ), kept as (
    update idempotency_keys set response_status = $6::int, response_body = $7::text
    where user_id = $8::varchar and idempotency_key = $9::varchar and exists (select 1 from moved)
  ), published as (
    insert into outbox (id, topic, type, correlation_id, body, created_at, published_at)
    select $10::varchar, $11::varchar, $12::varchar, $13::varchar, $14::text, $5::timestamptz, null
    from moved
  )
  select count(*) as moved from moved`;

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
  const { rows } = await db.executeQuery<{ moved: string | number }>(
    CompiledQuery.raw(settlePaidStatement, [
      payment.orderId,
      payment.reference,
      payment.cardBrand,
      payment.last4,
      payment.paidAt.toISOString(),
      kept?.response.status ?? null,
      kept ? JSON.stringify(kept.response.body) : null,
      kept?.userId ?? null,
      kept?.key ?? null,
      event.id,
      event.topic,
      event.type,
      event.correlationId,
      JSON.stringify(event.body),
    ]),
  );
  return Number(rows[0]!.moved) === 1;
}
