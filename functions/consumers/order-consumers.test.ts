import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { type Attributes, type MeterProvider, metrics as otelMetrics } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkoutDeps } from '../../shared/checkout/checkout-deps';
import { startBusDelivery } from '../../shared/platform/local-host/bus-delivery';
import { createLogger } from '../../shared/platform/logging';
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
