import type { ColumnType, Generated, Kysely } from 'kysely';

/*
 * Each table is written by one context (others call its functions; reads may join freely):
 *
 * | table                  | written by                                                     |
 * |------------------------|----------------------------------------------------------------|
 * | users                  | identity/users.repository.ts                                   |
 * | inventory              | inventory/inventory.repository.ts                              |
 * | cart_lines             | cart/cart.repository.ts (through CartWrites, cart-writes.ts)   |
 * | orders, order_lines    | orders/orders.repository.ts                                    |
 * | idempotency_keys       | checkout/idempotency.ts                                        |
 * | outbox                 | messaging/outbox.ts                                            |
 * | inbox                  | messaging/inbox.ts (through InboxClaims, inbox-claims.ts)      |
 * | fulfilment_requests    | fulfilment/                                                    |
 * | low_stock_alerts       | inventory/inventory-consumer.ts                                |
 * | webhook_events         | payments/webhook-events.repository.ts                          |
 * | local_bus_messages     | adapters/bus/local-bus.ts                                      |
 * | cache_invalidations    | adapters/cache/invalidation-log.ts                             |
 * | sales_windows,         | scaling/sales-windows.repository.ts                            |
 * |   sales_window_changes |                                                                |
 * | component_heartbeats   | operations/heartbeats.repository.ts                            |
 * | catalogue_changes      | catalogue/catalogue-changes.repository.ts                      |
 *
 * The one-statement PostgreSQL writes compose owners' fragments (each the body of a CTE): the
 * cart statements take their inventory update from inventory.repository (moveHeldStatement), the
 * receipts claim its orders update from orders.repository (receiptSentClaimWrites), and
 * checkout's reservation and settlement as paid (checkout/checkout.repository.ts, behind the
 * Reservation port) take sellLinesStatement (inventory), deleteLinesStatement (cart),
 * insertOrderStatement, insertOrderLinesStatement and markPaidStatement (orders),
 * addToOutboxStatement (outbox) and claimKeyStatement/keepAnswerStatement (idempotency); what
 * stays in checkout is reading and locking the rows, the verdict, and the order of the CTEs.
 */

/** A nullable column that inserts may leave out (it is then null). */
type OptionalText = ColumnType<string | null, string | null | undefined, string | null>;

/** Timestamps are written as Date and read back as Date on every dialect we run. */
type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  created_at: Timestamp;
}

export interface InventoryTable {
  sku: string;
  product_id: string;
  on_hand: number;
  held: number;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CartLinesTable {
  user_id: string;
  product_id: string;
  sku: string;
  /** JSON of the variant's options ({ size, colour? }); null for a product sold as one SKU. */
  variant_options: OptionalText;
  name: string;
  unit_price_minor: number;
  currency: string;
  quantity: number;
  held_quantity: number;
  hold_expires_at: Timestamp;
  added_at: Timestamp;
}

export type OrderStatus = 'pending_payment' | 'requires_action' | 'paid' | 'payment_failed' | 'shipped';

export interface OrdersTable {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_minor: number;
  currency: string;
  email: string;
  ship_name: string;
  ship_line1: string;
  ship_line2: string;
  ship_city: string;
  ship_postal_code: string;
  ship_country: string;
  payment_provider: 'stripe' | 'paypal';
  payment_method_ref: string;
  payment_reference: string | null;
  card_brand: string | null;
  card_last4: string | null;
  decline_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  paid_at: Timestamp | null;
  receipt_sent_at: Timestamp | null;
  shipped_at: Timestamp | null;
}

export interface OrderLinesTable {
  order_id: string;
  line_no: number;
  product_id: string;
  sku: string;
  /** JSON of the variant's options ({ size, colour? }); null for a product sold as one SKU. */
  variant_options: OptionalText;
  name: string;
  quantity: number;
  unit_price_minor: number;
}

export interface IdempotencyKeysTable {
  user_id: string;
  idempotency_key: string;
  request_hash: string;
  order_id: string | null;
  response_status: number | null;
  response_body: string | null;
  created_at: Timestamp;
}

export interface OutboxTable {
  id: string;
  topic: string;
  type: string;
  correlation_id: string;
  body: string;
  created_at: Timestamp;
  published_at: Timestamp | null;
}

export interface InboxTable {
  consumer: string;
  message_id: string;
  processed_at: Timestamp;
}

export interface FulfilmentRequestsTable {
  id: string;
  order_id: string;
  status: 'pending' | 'shipped';
  carrier: string | null;
  tracking_number: string | null;
  created_at: Timestamp;
  shipped_at: Timestamp | null;
}

export interface WebhookEventsTable {
  provider: string;
  event_id: string;
  received_at: Timestamp;
}

export interface LowStockAlertsTable {
  sku: string;
  available: number;
  flagged_at: Timestamp;
}

/** Cache keys whose invalidation has not reached Redis yet (written by the cache module only). */
export interface CacheInvalidationsTable {
  cache_key: string;
  /** 1 at the first record, +1 at each later one: a delivery deletes only the version it sent. */
  version: number;
  recorded_at: Timestamp;
}

export interface LocalBusMessagesTable {
  seq: Generated<number>;
  message_id: string;
  topic: string;
  subscription: string;
  subject: string;
  correlation_id: string;
  body: string;
  enqueued_at: Timestamp;
  visible_at: Timestamp;
  delivery_count: number;
  /** Backoff redeliveries so far (the consumer's schedule; delivery_count restarts at each). */
  redeliveries: Generated<number>;
  lock_token: string | null;
  state: 'active' | 'dead';
  dead_letter_reason: string | null;
}

/** A sale window marketing booked (shared/scaling/sales-windows.repository.ts). */
export interface SalesWindowsTable {
  id: string;
  name: string;
  /** Local wall-clock time in time_zone, `YYYY-MM-DDTHH:mm`. */
  start_local: string;
  end_local: string;
  time_zone: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  expected_peak_rps: number;
  sql_vcores: number | null;
  booked_at: Timestamp | null;
  version: number;
  changed_by: string;
  changed_at: Timestamp;
}

/** Append-only history of sale windows: the values after each change (before it, for a delete). */
export interface SalesWindowChangesTable {
  seq: Generated<number>;
  window_id: string;
  action: 'seeded' | 'created' | 'updated' | 'deleted';
  version: number;
  name: string;
  start_local: string;
  end_local: string;
  time_zone: string;
  expected_peak_rps: number;
  sql_vcores: number | null;
  changed_by: string;
  changed_at: Timestamp;
}

/** The last successful run of each timer component (shared/operations/heartbeats.repository.ts). */
export interface ComponentHeartbeatsTable {
  component: string;
  last_beat_at: Timestamp;
  detail: string | null;
}

/** Admins' audit trail of product and stock changes (catalogue/catalogue-changes.repository.ts). */
export interface CatalogueChangesTable {
  id: Generated<number>;
  changed_at: Timestamp;
  changed_by_id: string;
  changed_by_name: string;
  action: 'product_created' | 'product_updated' | 'product_deleted' | 'stock_set';
  product_id: string;
  sku: string | null;
  summary: string;
}

export interface Database {
  users: UsersTable;
  inventory: InventoryTable;
  cart_lines: CartLinesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  inbox: InboxTable;
  fulfilment_requests: FulfilmentRequestsTable;
  webhook_events: WebhookEventsTable;
  low_stock_alerts: LowStockAlertsTable;
  local_bus_messages: LocalBusMessagesTable;
  cache_invalidations: CacheInvalidationsTable;
  sales_windows: SalesWindowsTable;
  sales_window_changes: SalesWindowChangesTable;
  component_heartbeats: ComponentHeartbeatsTable;
  catalogue_changes: CatalogueChangesTable;
}

export type Db = Kysely<Database>;
export type SqlDialectName = 'postgres' | 'mssql';
