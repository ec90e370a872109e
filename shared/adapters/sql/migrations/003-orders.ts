import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types';
import type { SqlDialectName } from '../schema';

export function orders(dialect: SqlDialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Payment details are references only: provider ids, card brand and last 4. Never a
      // card number or CVC (the gateway keeps those).
      await db.schema
        .createTable('orders')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('user_id', t.id, (c) => c.notNull().references('users.id'))
        .addColumn('status', sql`varchar(20)`, (c) => c.notNull())
        .addColumn('total_minor', 'integer', (c) => c.notNull())
        .addColumn('currency', sql`char(3)`, (c) => c.notNull())
        .addColumn('email', t.shortText, (c) => c.notNull())
        .addColumn('ship_name', t.shortText, (c) => c.notNull())
        .addColumn('ship_line1', t.shortText, (c) => c.notNull())
        .addColumn('ship_line2', t.shortText, (c) => c.notNull())
        .addColumn('ship_city', t.shortText, (c) => c.notNull())
        .addColumn('ship_postal_code', sql`varchar(20)`, (c) => c.notNull())
        .addColumn('ship_country', sql`char(2)`, (c) => c.notNull())
        .addColumn('payment_provider', sql`varchar(10)`, (c) => c.notNull())
        .addColumn('payment_method_ref', t.shortText, (c) => c.notNull())
        .addColumn('payment_reference', t.shortText)
        .addColumn('card_brand', sql`varchar(20)`)
        .addColumn('card_last4', sql`varchar(4)`)
        .addColumn('decline_reason', t.shortText)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addColumn('paid_at', t.timestamp)
        .addColumn('receipt_sent_at', t.timestamp)
        .addColumn('shipped_at', t.timestamp)
        .addCheckConstraint(
          'orders_status_known',
          sql`status in ('pending_payment', 'requires_action', 'paid', 'payment_failed', 'shipped')`,
        )
        .execute();
      await db.schema
        .createIndex('orders_user_created')
        .on('orders')
        .columns(['user_id', 'created_at'])
        .execute();
      // The recovery timer's access path.
      await db.schema
        .createIndex('orders_status_updated')
        .on('orders')
        .columns(['status', 'updated_at'])
        .execute();

      await db.schema
        .createTable('order_lines')
        .addColumn('order_id', t.id, (c) => c.notNull().references('orders.id'))
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('product_id', t.id, (c) => c.notNull())
        .addColumn('sku', t.id, (c) => c.notNull())
        .addColumn('name', t.shortText, (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_price_minor', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('order_lines_pk', ['order_id', 'line_no'])
        .execute();

      // Pay Now's Idempotency-Key: the first response, replayed for the same key.
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('user_id', t.id, (c) => c.notNull())
        .addColumn('idempotency_key', sql`varchar(100)`, (c) => c.notNull())
        .addColumn('request_hash', sql`varchar(64)`, (c) => c.notNull())
        .addColumn('order_id', t.id)
        .addColumn('response_status', 'integer')
        .addColumn('response_body', t.longText)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'idempotency_key'])
        .execute();

      // Every event is written here in the same transaction as the change it describes.
      await db.schema
        .createTable('outbox')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('topic', sql`varchar(100)`, (c) => c.notNull())
        .addColumn('type', sql`varchar(100)`, (c) => c.notNull())
        .addColumn('correlation_id', t.id, (c) => c.notNull())
        .addColumn('body', t.longText, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('published_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('outbox_unpublished')
        .on('outbox')
        .columns(['published_at', 'created_at'])
        .execute();

      // Consumers remember what they handled: a redelivered message is a no-op.
      await db.schema
        .createTable('inbox')
        .addColumn('consumer', sql`varchar(50)`, (c) => c.notNull())
        .addColumn('message_id', sql`varchar(200)`, (c) => c.notNull())
        .addColumn('processed_at', t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('inbox_pk', ['consumer', 'message_id'])
        .execute();

      await db.schema
        .createTable('fulfilment_requests')
        .addColumn('id', t.id, (c) => c.primaryKey())
        .addColumn('order_id', t.id, (c) => c.notNull().unique().references('orders.id'))
        .addColumn('status', sql`varchar(20)`, (c) => c.notNull())
        .addColumn('carrier', t.shortText)
        .addColumn('tracking_number', t.shortText)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('shipped_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('fulfilment_status')
        .on('fulfilment_requests')
        .columns(['status', 'created_at'])
        .execute();

      await db.schema
        .createTable('webhook_events')
        .addColumn('provider', sql`varchar(10)`, (c) => c.notNull())
        .addColumn('event_id', sql`varchar(200)`, (c) => c.notNull())
        .addColumn('received_at', t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_events_pk', ['provider', 'event_id'])
        .execute();

      await db.schema
        .createTable('low_stock_alerts')
        .addColumn('sku', t.id, (c) => c.primaryKey())
        .addColumn('available', 'integer', (c) => c.notNull())
        .addColumn('flagged_at', t.timestamp, (c) => c.notNull())
        .execute();
    },
  };
}
