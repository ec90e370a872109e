import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { type Attributes, type MeterProvider, metrics as otelMetrics } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../shared/adapters/email/outbox-folder-email-sender';
import { checkoutDeps } from '../../shared/checkout/checkout-deps';
import type { OrderPaid } from '../../shared/messaging/integration-events';
import { insertOrder } from '../../shared/orders/orders.repository';
import { defaultBatchSize, startBusDelivery } from '../../shared/platform/local-host/bus-delivery';
import { createLogger } from '../../shared/platform/logging';
import { paidOrderRow } from '../../test/support/orders';
import { address, payNow, visa } from '../../test/support/pay-now';
import { writePaths } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { fulfilmentConsumerFunction, inventoryConsumerFunction } from './order-consumers';
import { receiptsConsumerFunction } from './receipts';

/**
 * Records what the shop's counters add. Azure Monitor cannot run here: this stands in for the
 * meter provider it registers (telemetry.ts resolves the global provider on every add).
 */
function recordingMeterProvider(records: { counter: string; value: number }[]): MeterProvider {
  return {
    getMeter: () =>
      ({
        createCounter: (counter: string) => ({
          add: (value: number, _attributes?: Attributes) => records.push({ counter, value }),
        }),
      }) as unknown as ReturnType<MeterProvider['getMeter']>,
  };
}

function messageContext(name: string, messageId: string, applicationProperties: Record<string, string> = {}) {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: name,
    logHandler: () => {},
    triggerMetadata: { messageId, deliveryCount: 1, applicationProperties },
  });
}

describe.each(writePaths)('order consumers ($path, PGlite)', ({ SQL_PORTABLE_WRITES }) => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({ products: 4, host: false, env: { SQL_PORTABLE_WRITES } });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });
  afterEach(() => {
    otelMetrics.disable();
  });

  it('counts a paid order once in shop.orders_paid, however often its event is delivered or replayed', async () => {
    const db = shop.services.sql.db;
    const product = shop.products[0]!;
    await signUpShopper(db, 'metric');
    await putLapsedLine(db, 'metric', product);
    const result = await payNow(
      checkoutDeps(shop.services),
      { userId: 'metric', email: 'metric@example.test', name: 'M', roles: ['shopper'] },
      'metric-key-0001',
      { shippingAddress: address, payment: visa },
    );
    expect(result.status).toBe(201);
    const row = await db
      .selectFrom('outbox')
      .selectAll()
      .where('type', '=', 'OrderPaid')
      .executeTakeFirstOrThrow();
    const body = JSON.parse(row.body);

    const records: { counter: string; value: number }[] = [];
    otelMetrics.setGlobalMeterProvider(recordingMeterProvider(records));
    const ordersPaid = () =>
      records.filter((r) => r.counter === 'shop.orders_paid').reduce((sum, r) => sum + r.value, 0);
    const deliver = () => fulfilmentConsumerFunction.handler(body, messageContext('fulfilment', row.id));

    await deliver();
    expect(ordersPaid()).toBe(1);
    // Redeliveries, two of them concurrent, then a replay from the dead-letter queue.
    await Promise.all([deliver(), deliver()]);
    await deliver();
    await fulfilmentConsumerFunction.handler(
      body,
      messageContext('fulfilment', `${row.id}.replay.fulfilment.7`, {
        replayFor: 'fulfilment',
        originalMessageId: row.id,
      }),
    );
    expect(ordersPaid()).toBe(1);
    expect(
      await db
        .selectFrom('fulfilment_requests')
        .select('order_id')
        .where('order_id', '=', body.orderId)
        .execute(),
    ).toHaveLength(1);
  });

  it('handles a received batch together: each order once, a second event for one order adds nothing, a poison message fails alone, a redelivered batch is a no-op', async () => {
    const db = shop.services.sql.db;
    const bus = shop.services.localBus!;
    await db
      .insertInto('users')
      .values({ id: 'batcher', email: 'batcher@example.test', display_name: 'B', created_at: new Date() })
      .execute();
    const now = new Date();
    const count = 40; // one receive takes them all (defaultBatchSize), so they share statements
    expect(defaultBatchSize).toBeGreaterThan(count);
    const events: OrderPaid[] = [];
    for (let i = 0; i < count; i++) {
      const product = shop.products[i % shop.products.length]!;
      const orderId = `ord-batch-${i}`;
      await insertOrder(
        db,
        paidOrderRow(
          {
            id: orderId,
            userId: 'batcher',
            totalMinor: product.priceMinor,
            email: `batcher+${i}@example.test`,
            at: now,
          },
          { ship_name: 'Batcher' },
        ),
        [
          {
            order_id: orderId,
            line_no: 1,
            product_id: product.id,
            sku: product.sku,
            name: product.name,
            quantity: 1,
            unit_price_minor: product.priceMinor,
          },
        ],
      );
      events.push({
        eventId: randomUUID(),
        type: 'OrderPaid',
        orderId,
        userId: 'batcher',
        totalMinor: product.priceMinor,
        currency: 'GBP',
        paidAt: now.toISOString(),
        lines: [{ productId: product.id, sku: product.sku, quantity: 1 }],
      });
    }
    // A second event for order 0 (a re-published order under a new event id), and a poison one.
    const second: OrderPaid = { ...events[0]!, eventId: randomUUID() };
    const poisonId = randomUUID();
    const poison = {
      ...events[1]!,
      eventId: poisonId,
      orderId: 'ord-batch-poison',
      lines: [{ quantity: 1 }],
    };
    const messages = [...events.slice(0, 20), poison, second, ...events.slice(20)].map((body) => ({
      messageId: body.eventId,
      subject: 'OrderPaid',
      body,
    }));
    const delivery = startBusDelivery(
      bus,
      [receiptsConsumerFunction, inventoryConsumerFunction, fulfilmentConsumerFunction],
      createLogger('silent'),
      { idlePollMs: 20 },
    );
    const orderIds = events.map((e) => e.orderId);
    const effects = async () => ({
      pickRequests: (
        await db
          .selectFrom('fulfilment_requests')
          .select('order_id')
          .where('order_id', 'in', orderIds)
          .execute()
      ).length,
      receiptsSent: (
        await db
          .selectFrom('orders')
          .select('id')
          .where('id', 'in', orderIds)
          .where('receipt_sent_at', 'is not', null)
          .execute()
      ).length,
      receiptFiles: (await listOutbox(shop.services.emailOutboxDir!)).filter((f) =>
        f.name.includes('ord-batch-'),
      ).length,
      inboxRows: Object.fromEntries(
        (
          await db
            .selectFrom('inbox')
            .select(['consumer', (eb) => eb.fn.countAll<string>().as('n')])
            .where(
              'message_id',
              'in',
              [...events, second, poison].map((e) => e.eventId),
            )
            .groupBy('consumer')
            .execute()
        ).map((r) => [r.consumer, Number(r.n)]),
      ),
    });
    const done = {
      pickRequests: count,
      receiptsSent: count,
      receiptFiles: count,
      // The second event is claimed too (it is another message), and changes nothing.
      inboxRows: { fulfilment: count + 1, inventory: count + 1, receipts: count + 1 },
    };
    try {
      await bus.publish('orders', messages);
      await expect.poll(effects, { timeout: 30_000, interval: 100 }).toEqual(done);
      // The poison message is dead-lettered on each subscription; none of its batch-mates is.
      await expect
        .poll(
          async () =>
            (await bus.deadLetters())
              .filter((d) => messages.some((m) => m.messageId === d.messageId))
              .map((d) => [d.messageId, d.subscription])
              .sort(),
          { timeout: 30_000, interval: 50 },
        )
        .toEqual([
          [poisonId, 'fulfilment'],
          [poisonId, 'inventory'],
          [poisonId, 'receipts'],
        ]);
      // Displayed availability follows SQL for every product sold in the batch.
      for (const product of shop.products) {
        const level = await db
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', product.sku)
          .executeTakeFirstOrThrow();
        const stored = (await shop.services.products.get(product.id)) as {
          displayedAvailability?: { available: number };
        };
        expect(stored.displayedAvailability?.available, product.id).toBe(level.on_hand - level.held);
      }
      // The whole batch delivered again (a crash before completing it): nothing new happens.
      await bus.publish(
        'orders',
        messages.filter((m) => m.messageId !== poisonId),
      );
      await expect
        .poll(async () => Object.values(await bus.depth()).reduce((a, b) => a + b, 0), {
          timeout: 30_000,
          interval: 50,
        })
        .toBe(0);
      expect(await effects()).toEqual(done);
    } finally {
      await delivery.stop();
    }
  });

  it('dead-letters a malformed event on every subscription, with the reason, and does nothing for it', async () => {
    const bus = shop.services.localBus!;
    const delivery = startBusDelivery(
      bus,
      [receiptsConsumerFunction, inventoryConsumerFunction, fulfilmentConsumerFunction],
      createLogger('silent'),
      { idlePollMs: 20 },
    );
    try {
      const eventId = randomUUID();
      await bus.publish('orders', [
        {
          messageId: eventId,
          subject: 'OrderPaid',
          body: {
            eventId,
            type: 'OrderPaid',
            orderId: 'ord-malformed',
            userId: 'someone',
            totalMinor: 100,
            currency: 'GBP',
            paidAt: new Date().toISOString(),
            lines: [{ productId: shop.products[1]!.id, quantity: 1 }], // no sku
          },
        },
      ]);
      await expect
        .poll(
          async () =>
            (await shop.services.deadLetters.list())
              .filter((d) => d.messageId === eventId)
              .map((d) => [d.subscription, d.reason] as const)
              .sort(),
          { timeout: 30_000, interval: 50 },
        )
        .toEqual(
          ['fulfilment', 'inventory', 'receipts'].map((subscription) => [
            subscription,
            expect.stringMatching(new RegExp(`^Malformed OrderPaid event ${eventId}: lines\\.0\\.sku: `)),
          ]),
        );
      const db = shop.services.sql.db;
      expect(
        await db.selectFrom('inbox').select('consumer').where('message_id', '=', eventId).execute(),
      ).toEqual([]);
    } finally {
      await delivery.stop();
    }
  });
});
