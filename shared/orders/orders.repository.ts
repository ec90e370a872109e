import { type Insertable, type RawBuilder, type Selectable, sql } from 'kysely';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db, OrderLinesTable, OrderStatus, OrdersTable } from '../adapters/sql/schema';
import type { VariantOptions } from '../catalogue/product';
import { variantLabel } from '../catalogue/variants';
import { batcherFor } from '../platform/batcher';

export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;

/** An order in a list (`GET /api/orders`). */
export interface OrderSummary {
  id: string;
  status: OrderStatus;
  createdAt: string;
  totalMinor: number;
  currency: string;
  itemCount: number;
}

export interface OrderLineView {
  productId: string;
  sku: string;
  /** The variant bought (a product with variants), e.g. { size: 'M' }. */
  options?: VariantOptions;
  /** How the variant reads: "Size M" (absent without a variant). */
  variantLabel?: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

export interface ShippingAddressView {
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
}

/** One order, whole (`GET /api/orders/{id}`, checkout answers). */
export interface OrderView extends OrderSummary {
  lines: OrderLineView[];
  shippingAddress: ShippingAddressView;
  payment: { provider: string; brand?: string; last4?: string } | null;
  paidAt?: string;
  receiptSentAt?: string;
  shippedAt?: string;
  /** Once shipped: how it travels (from the warehouse's pick request). */
  carrier?: string;
  trackingNumber?: string;
  declineReason?: string;
  /**
   * `GET /api/orders/{id}` of a placed order: the declined attempts that came just before it
   * (each Pay Now is its own provider payment, so its own order row), oldest first.
   */
  attempts?: PaymentAttempt[];
}

/** A Pay Now that did not go through, shown on the order it led to rather than as an order. */
export interface PaymentAttempt {
  orderId: string;
  status: 'payment_failed';
  createdAt: string;
  declineReason?: string;
}

/** How many earlier attempts an order page shows at most. */
const maxAttemptsShown = 20;

export function orderView(order: OrderRow, lines: OrderLineRow[]): OrderView {
  return {
    id: order.id,
    status: order.status,
    createdAt: order.created_at.toISOString(),
    totalMinor: order.total_minor,
    currency: order.currency,
    itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
    lines: lines.map((line) => ({
      productId: line.product_id,
      sku: line.sku,
      ...variantFields(line.variant_options),
      name: line.name,
      quantity: line.quantity,
      unitPriceMinor: line.unit_price_minor,
      lineTotalMinor: line.quantity * line.unit_price_minor,
    })),
    shippingAddress: {
      name: order.ship_name,
      line1: order.ship_line1,
      line2: order.ship_line2,
      city: order.ship_city,
      postalCode: order.ship_postal_code,
      country: order.ship_country,
    },
    payment:
      order.status === 'paid' || order.status === 'shipped'
        ? {
            provider: order.payment_provider,
            ...(order.card_brand ? { brand: order.card_brand } : {}),
            ...(order.card_last4 ? { last4: order.card_last4 } : {}),
          }
        : null,
    ...(order.paid_at ? { paidAt: order.paid_at.toISOString() } : {}),
    ...(order.receipt_sent_at ? { receiptSentAt: order.receipt_sent_at.toISOString() } : {}),
    ...(order.shipped_at ? { shippedAt: order.shipped_at.toISOString() } : {}),
    ...(order.decline_reason ? { declineReason: order.decline_reason } : {}),
  };
}

/** A line's variant as the API shows it (nothing for a product sold as one SKU). */
export function variantFields(text: string | null | undefined): {
  options?: VariantOptions;
  variantLabel?: string;
} {
  if (!text) return {};
  const options = JSON.parse(text) as VariantOptions;
  return { options, variantLabel: variantLabel(options) };
}

export async function insertOrder(
  db: Db,
  order: Insertable<OrdersTable>,
  lines: Insertable<OrderLinesTable>[],
): Promise<void> {
  await db.insertInto('orders').values(order).execute();
  await db.insertInto('order_lines').values(lines).execute();
}

export async function findOrderLines(db: Db, orderId: string): Promise<OrderLineRow[]> {
  return db
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('line_no')
    .execute();
}

/**
 * An order of this user (another user's order is simply not found). A placed order (not itself a
 * failed attempt) lists the declined attempts made since the user's previous placed order.
 */
export async function findUserOrder(db: Db, userId: string, orderId: string): Promise<OrderView | undefined> {
  const order = await db
    .selectFrom('orders')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!order) return undefined;
  const [lines, attempts, shipment] = await Promise.all([
    findOrderLines(db, orderId),
    order.status === 'payment_failed' ? Promise.resolve([]) : attemptsBefore(db, order),
    order.status === 'shipped'
      ? db
          .selectFrom('fulfilment_requests')
          .select(['carrier', 'tracking_number'])
          .where('order_id', '=', orderId)
          .executeTakeFirst()
      : Promise.resolve(undefined),
  ]);
  const view: OrderView = {
    ...orderView(order, lines),
    ...(shipment?.carrier ? { carrier: shipment.carrier } : {}),
    ...(shipment?.tracking_number ? { trackingNumber: shipment.tracking_number } : {}),
  };
  return attempts.length > 0 ? { ...view, attempts } : view;
}

/** The user's failed attempts right before `order`, back to their previous placed order. */
async function attemptsBefore(db: Db, order: OrderRow): Promise<PaymentAttempt[]> {
  const earlier = await firstRows(
    db
      .selectFrom('orders')
      .select(['id', 'status', 'created_at', 'decline_reason'])
      .where('user_id', '=', order.user_id)
      .where((eb) =>
        eb.or([
          eb('created_at', '<', order.created_at),
          eb.and([eb('created_at', '=', order.created_at), eb('id', '<', order.id)]),
        ]),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc'),
    maxAttemptsShown,
    isMssql(db),
  ).execute();
  const attempts: PaymentAttempt[] = [];
  for (const row of earlier) {
    if (row.status !== 'payment_failed') break;
    attempts.push({
      orderId: row.id,
      status: 'payment_failed',
      createdAt: row.created_at.toISOString(),
      ...(row.decline_reason ? { declineReason: row.decline_reason } : {}),
    });
  }
  return attempts.reverse();
}

/** For system work (consumers, recovery, webhooks) that acts on an order by id. */
export async function findOrder(
  db: Db,
  orderId: string,
): Promise<{ order: OrderRow; lines: OrderLineRow[] } | undefined> {
  const order = await db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  return order ? { order, lines: await findOrderLines(db, orderId) } : undefined;
}

/** What a consumer reads before it acts: the order, its lines, and whether it handled the message. */
export interface OrderForMessage {
  handled: boolean;
  order: OrderRow;
  lines: OrderLineRow[];
}

interface OrderForMessageRow extends OrderRow {
  line_no: number | null;
  line_product_id: string | null;
  line_sku: string | null;
  line_variant_options: string | null;
  line_name: string | null;
  line_quantity: number | null;
  line_unit_price_minor: number | null;
  handled: number | string | boolean;
}

/**
 * For a consumer: the order with its lines, and whether the consumer already handled
 * `messageId`, in one round trip instead of three. Undefined when there is no such order.
 */
export async function findOrderForMessage(
  db: Db,
  orderId: string,
  inbox: { consumer: string; messageId: string },
): Promise<OrderForMessage | undefined> {
  const rows = await db
    .selectFrom('orders')
    .leftJoin('order_lines', 'order_lines.order_id', 'orders.id')
    .selectAll('orders')
    .select([
      'order_lines.line_no as line_no',
      'order_lines.product_id as line_product_id',
      'order_lines.sku as line_sku',
      'order_lines.variant_options as line_variant_options',
      'order_lines.name as line_name',
      'order_lines.quantity as line_quantity',
      'order_lines.unit_price_minor as line_unit_price_minor',
    ])
    .select((eb) =>
      eb
        .selectFrom('inbox')
        .select((i) => i.fn.countAll<number | string>().as('n'))
        .where('consumer', '=', inbox.consumer)
        .where('message_id', '=', inbox.messageId)
        .as('handled'),
    )
    .where('orders.id', '=', orderId)
    .orderBy('order_lines.line_no')
    .execute();
  return orderFromJoinedRows(rows as OrderForMessageRow[]);
}

/**
 * `findOrderForMessage` on PostgreSQL, where concurrent reads share one statement (the
 * consumers get it through InboxClaims, messaging/inbox-claims.ts).
 */
export function findOrderForMessageTogether(
  db: Db,
  orderId: string,
  inbox: { consumer: string; messageId: string },
): Promise<OrderForMessage | undefined> {
  const read = batcherFor<MessageOrderRead, OrderForMessage | undefined>(db, 'orders for messages', () => ({
    maxBatch: ordersPerRead,
    runBatch: (many) => readOrdersForMessages(db, many),
  }));
  return read({ orderId, ...inbox });
}

interface MessageOrderRead {
  orderId: string;
  consumer: string;
  messageId: string;
}

const ordersPerRead = 32;

// PostgreSQL: the same join for many messages (`reads`: JSON [{n, order_id, consumer, message_id}]).
// The limit tells the planner how few they are (it guesses 100 rows for a JSON recordset and
// would then scan all orders instead of using their key).
const ordersForMessagesQuery = (reads: string) => sql<OrderForMessageRow & { n: number }>`
  with req as (
    select * from jsonb_to_recordset(${reads}::jsonb) as r(n int, order_id varchar, consumer varchar, message_id varchar)
    limit ${sql.lit(ordersPerRead)}
  )
  select r.n, o.*, l.line_no, l.product_id as line_product_id, l.sku as line_sku,
         l.variant_options as line_variant_options, l.name as line_name,
         l.quantity as line_quantity, l.unit_price_minor as line_unit_price_minor,
         exists (select 1 from inbox i where i.consumer = r.consumer and i.message_id = r.message_id) as handled
  from req r
  join orders o on o.id = r.order_id
  left join order_lines l on l.order_id = o.id
  order by r.n, l.line_no`;

async function readOrdersForMessages(
  db: Db,
  reads: readonly MessageOrderRead[],
): Promise<Array<OrderForMessage | undefined>> {
  const { rows } = await ordersForMessagesQuery(
    JSON.stringify(
      reads.map((r, n) => ({ n, order_id: r.orderId, consumer: r.consumer, message_id: r.messageId })),
    ),
  ).execute(db);
  const byRead = reads.map((): OrderForMessageRow[] => []);
  for (const { n, ...row } of rows) byRead[n]!.push(row as OrderForMessageRow);
  return byRead.map(orderFromJoinedRows);
}

/** One order's rows of the join (one per line, in line order), as the order and its lines. */
function orderFromJoinedRows(rows: readonly OrderForMessageRow[]): OrderForMessage | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const {
    line_no: _lineNo,
    line_product_id: _productId,
    line_sku: _sku,
    line_variant_options: _variant,
    line_name: _name,
    line_quantity: _quantity,
    line_unit_price_minor: _price,
    handled,
    ...order
  } = first;
  const lines: OrderLineRow[] = [];
  for (const row of rows) {
    if (row.line_no === null) continue;
    lines.push({
      order_id: order.id,
      line_no: row.line_no,
      product_id: row.line_product_id!,
      sku: row.line_sku!,
      variant_options: row.line_variant_options,
      name: row.line_name!,
      quantity: row.line_quantity!,
      unit_price_minor: row.line_unit_price_minor!,
    });
  }
  return { handled: Number(handled) > 0, order, lines };
}

export async function findOrderIdByPaymentReference(db: Db, reference: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('orders')
    .select('id')
    .where((eb) => eb.or([eb('payment_reference', '=', reference), eb('payment_method_ref', '=', reference)]))
    .executeTakeFirst();
  return row?.id;
}

/**
 * Newest first, keyset-paged on (created_at, id). Declined attempts are not orders to the
 * shopper: they are left out here and listed on the order they led to (`attempts`).
 */
export async function listUserOrders(
  db: Db,
  userId: string,
  options: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<OrderSummary[]> {
  let query = db
    .selectFrom('orders')
    .select(['id', 'status', 'created_at', 'total_minor', 'currency'])
    .select((eb) =>
      eb
        .selectFrom('order_lines')
        .select((inner) => inner.fn.sum<number | string>('quantity').as('n'))
        .whereRef('order_lines.order_id', '=', 'orders.id')
        .as('item_count'),
    )
    .where('user_id', '=', userId)
    .where('status', '!=', 'payment_failed');
  if (options.before) {
    const { createdAt, id } = options.before;
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', createdAt),
        eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
      ]),
    );
  }
  const rows = await firstRows(
    query.orderBy('created_at', 'desc').orderBy('id', 'desc'),
    options.limit,
    isMssql(db),
  ).execute();
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    totalMinor: row.total_minor,
    currency: row.currency,
    itemCount: Number(row.item_count ?? 0),
  }));
}

/** Moves an order between states only from the expected ones (compare-and-set). */
export async function transitionOrder(
  db: Db,
  orderId: string,
  from: OrderStatus[],
  change: Partial<
    Pick<
      OrderRow,
      | 'status'
      | 'payment_reference'
      | 'card_brand'
      | 'card_last4'
      | 'decline_reason'
      | 'paid_at'
      | 'shipped_at'
    >
  >,
): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ ...change, updated_at: new Date() })
    .where('id', '=', orderId)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markReceiptSent(db: Db, orderId: string): Promise<void> {
  await db
    .updateTable('orders')
    .set({ receipt_sent_at: new Date() })
    .where('id', '=', orderId)
    .where('receipt_sent_at', 'is', null)
    .execute();
}

/** Orders waiting on the gateway for longer than they should (the recovery timer's list). */
export async function findStuckOrders(
  db: Db,
  olderThan: Date,
  max: number,
): Promise<Array<{ id: string; status: OrderStatus }>> {
  const query = db
    .selectFrom('orders')
    .select(['id', 'status'])
    .where('status', 'in', ['pending_payment', 'requires_action'])
    .where('updated_at', '<', olderThan)
    .orderBy('updated_at');
  return firstRows(query, max, isMssql(db)).execute();
}

/**
 * PostgreSQL: `markReceiptSent` as a CTE of an inbox claim statement (inbox.ts): for each
 * claimed message of `mine` (`order_id`; `paid`: the email was a receipt), at its processed_at.
 */
export const receiptSentClaimWrites = `marked as (
    update orders o set receipt_sent_at = m.processed_at
    from mine m
    where o.id = m.order_id and m.paid and o.receipt_sent_at is null
  )`;

const at = (date: Date | null) => sql`${date ? date.toISOString() : null}::timestamptz`;

/*
 * PostgreSQL: the orders writes checkout's one-statement writes compose (checkout.repository.ts),
 * each the body of a CTE; the statement forms of insertOrder and transitionOrder.
 */

/** Inserts `order` with the total and currency of the one row of `totals` (`total_minor`, `currency`), if any. */
export function insertOrderStatement(
  order: Omit<OrderRow, 'total_minor' | 'currency'>,
  totals: string,
): RawBuilder<unknown> {
  return sql`insert into orders
      (id, user_id, status, total_minor, currency, email, ship_name, ship_line1, ship_line2, ship_city,
       ship_postal_code, ship_country, payment_provider, payment_method_ref, payment_reference,
       card_brand, card_last4, decline_reason, created_at, updated_at, paid_at, receipt_sent_at,
       shipped_at)
    select ${order.id}::varchar, ${order.user_id}::varchar, ${order.status}::varchar, total_minor, currency,
           ${order.email}::varchar, ${order.ship_name}::varchar, ${order.ship_line1}::varchar,
           ${order.ship_line2}::varchar, ${order.ship_city}::varchar, ${order.ship_postal_code}::varchar,
           ${order.ship_country}::char(2), ${order.payment_provider}::varchar,
           ${order.payment_method_ref}::varchar, ${order.payment_reference}::varchar,
           ${order.card_brand}::varchar, ${order.card_last4}::varchar, ${order.decline_reason}::varchar,
           ${at(order.created_at)}, ${at(order.updated_at)}, ${at(order.paid_at)},
           ${at(order.receipt_sent_at)}, ${at(order.shipped_at)}
    from ${sql.raw(totals)}`;
}

/** The order's lines: the rows of `lines` (`line_no`, `product_id`, `sku`, `variant_options`, `name`, `quantity`, `unit_price_minor`) when `go` has a row. */
export function insertOrderLinesStatement(orderId: string, lines: string, go: string): RawBuilder<unknown> {
  return sql`insert into order_lines (order_id, line_no, product_id, sku, variant_options, name, quantity, unit_price_minor)
    select ${orderId}::varchar, line_no, product_id, sku, variant_options, name, quantity, unit_price_minor
    from ${sql.raw(lines)} where exists (select 1 from ${sql.raw(go)})`;
}

/** Marks the order paid if it is waiting for a payment (`pending_payment`, `requires_action`); returns its `id` if so. */
export function markPaidStatement(payment: {
  orderId: string;
  reference: string;
  cardBrand: string | null;
  last4: string | null;
  paidAt: Date;
}): RawBuilder<unknown> {
  return sql`update orders
    set status = 'paid', payment_reference = ${payment.reference}::varchar, card_brand = ${payment.cardBrand}::varchar,
        card_last4 = ${payment.last4}::varchar, paid_at = ${at(payment.paidAt)}, updated_at = ${at(payment.paidAt)}
    where id = ${payment.orderId}::varchar and status in ('pending_payment', 'requires_action')
    returning id`;
}
