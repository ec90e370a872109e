import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkoutFunction } from '../../functions/checkout/checkout';
import {
  fulfilmentConsumerFunction,
  inventoryConsumerFunction,
} from '../../functions/consumers/order-consumers';
import { receiptsConsumerFunction } from '../../functions/consumers/receipts';
import { address, visa } from '../../test/support/pay-now';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { httpRequest, invocation, startTestShop, type TestShop } from '../../test/support/test-shop';
import { listOutbox } from '../adapters/email/outbox-folder-email-sender';
import type { Db } from '../adapters/sql/schema';
import { startBusDelivery } from '../platform/local-host/bus-delivery';
import type { Logger } from '../platform/logging';
import type { EventBus } from './event-bus.port';
import { relayOutbox, republishOutbox } from './outbox';

/*
 * A region failover of Service Bus (geo-disaster recovery) brings the namespace's entities to the
 * secondary, not its messages: what the relay had published and marked sent, but no consumer had
 * handled yet, is gone. The outbox still holds every event, so the operator publishes again what
 * was sent since a time T before the outage (`npm run outbox -- republish --since T`), and the
 * consumers' inbox turns what they had already handled into a no-op.
 *
 * Here: two orders are paid and fully handled; then the bus "fails over" to one that acknowledged
 * four more orders' events and lost them (the primary's messages, gone with its region); then
 * everything sent since before the first order is published again to the surviving bus (the local
 * bus, empty, standing in for the secondary namespace: Service Bus cannot run here). Every paid
 * order's receipt, inventory and fulfilment effects then happen exactly once.
 */
const handledBefore = 2;
const lostInOutage = 4;
const orders = handledBefore + lostInOutage;

function until(probe: () => Promise<boolean>, timeout = 60_000): Promise<void> {
  return vi.waitFor(async () => expect(await probe()).toBe(true), { timeout, interval: 50 });
}

/** A bus that acknowledges every publish and keeps nothing: the primary namespace after its region went. */
function busThatLosesEverything(): EventBus & { acknowledged: string[] } {
  const acknowledged: string[] = [];
  return {
    acknowledged,
    async publish(_topic, messages) {
      acknowledged.push(...messages.map((m) => m.messageId));
    },
    async close() {},
  };
}

async function unsentEvents(db: Db): Promise<number> {
  const rows = await db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
  return rows.length;
}

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `outbox re-publish after a lost bus (local bus standing in for the failed-over Service Bus namespace): ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop | undefined;
      let delivery: { stop(): Promise<void> } | undefined;
      afterAll(async () => {
        await delivery?.stop();
        await shop?.close();
      });

      it('every paid order gets one receipt, one low-stock flag and one pick request, though half its events were handled before the replay', async () => {
        shop = await startTestShop({ products: orders, host: false, env: await env() });
        const db = shop.services.sql.db;
        const localBus = shop.services.localBus!;
        // Low stock on every product: each sale flags its SKU, an inventory effect to count.
        await db.updateTable('inventory').set({ on_hand: 3, held: 0 }).execute();
        const warnings: string[] = [];
        const logger: Logger = (level, message) => {
          if (String(level).startsWith('warn')) warnings.push(message);
        };
        delivery = startBusDelivery(
          localBus,
          [receiptsConsumerFunction, inventoryConsumerFunction, fulfilmentConsumerFunction],
          logger,
          { idlePollMs: 20 },
        );
        // Every email the receipts consumer sends (the outbox folder keeps one file per email id,
        // so it would hide a second send of the same receipt).
        const real = shop.services.email;
        const sent: string[] = [];
        shop.services.email = {
          kind: real.kind,
          close: async () => {},
          async send(message) {
            sent.push(message.id);
            await real.send(message);
          },
        };
        const since = new Date(Date.now() - 1_000);

        // Pay Now through its trigger (POST /api/checkout), as a shopper would.
        const pay = async (i: number) => {
          const product = shop!.products[i]!;
          const userId = `failover-${i}`;
          await signUpShopper(db, userId);
          await putLapsedLine(db, userId, product);
          const response = await checkoutFunction.handler(
            httpRequest('POST', 'checkout', {
              headers: {
                authorization: `Bearer ${await shop!.token(userId)}`,
                'idempotency-key': `failover-key-${i}`,
              },
              body: { shippingAddress: address, payment: visa },
            }),
            invocation('checkout'),
          );
          expect(response.status, JSON.stringify(response.jsonBody)).toBe(201);
        };
        const receiptsSent = async () =>
          (await db.selectFrom('orders').select('id').where('receipt_sent_at', 'is not', null).execute())
            .length;

        // Before the outage: two orders, handled by every consumer.
        for (let i = 0; i < handledBefore; i++) await pay(i);
        await relayOutbox(db, shop.services.bus);
        await until(async () => {
          const requests = await db.selectFrom('fulfilment_requests').select('order_id').execute();
          const inventory = await db
            .selectFrom('inbox')
            .select('message_id')
            .where('consumer', '=', 'inventory')
            .execute();
          return (
            (await receiptsSent()) === handledBefore &&
            requests.length === handledBefore &&
            inventory.length === handledBefore
          );
        });

        // The outage: four more orders; the relay publishes their events to a namespace that
        // acknowledges them, marks them sent, and then loses them with its region.
        const lost = busThatLosesEverything();
        shop.services.bus = lost;
        for (let i = handledBefore; i < orders; i++) await pay(i);
        await relayOutbox(db, lost);
        await until(async () => (await unsentEvents(db)) === 0);
        expect(new Set(lost.acknowledged).size).toBe(lostInOutage);
        // Give the consumers time to (not) see them: nothing of those four orders happens.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await receiptsSent()).toBe(handledBefore);

        // The failover: the surviving bus, and the outbox published again since before the first order.
        shop.services.bus = localBus;
        const republished = await republishOutbox(db, localBus, { since }, 3);
        expect(republished).toBe(orders);

        await until(async () => {
          const requests = await db.selectFrom('fulfilment_requests').select('order_id').execute();
          const inventory = await db
            .selectFrom('inbox')
            .select('message_id')
            .where('consumer', '=', 'inventory')
            .execute();
          return (
            (await receiptsSent()) === orders && requests.length === orders && inventory.length === orders
          );
        });
        await until(async () => Object.keys(await localBus.depth()).length === 0, 20_000);
        // A quiet window in which nothing more may happen.
        await new Promise((resolve) => setTimeout(resolve, 300));

        const paid = await db.selectFrom('orders').select('id').where('status', '=', 'paid').execute();
        expect(paid).toHaveLength(orders);
        const paidIds = paid.map((o) => o.id).sort();
        // Receipts: one email sent per order, and one in the outbox folder.
        expect(sent.sort()).toEqual(paidIds.map((id) => `receipt-${id}`).sort());
        const emails = await listOutbox(shop.services.emailOutboxDir!);
        expect(emails).toHaveLength(orders);
        // Fulfilment: one pick request per order.
        const requests = await db.selectFrom('fulfilment_requests').select('order_id').execute();
        expect(requests.map((r) => r.order_id).sort()).toEqual(paidIds);
        // Inventory: one low-stock flag raised per sale (each order sold a different SKU).
        const flags = warnings.filter((w) => w.startsWith('LOW STOCK '));
        expect(flags.sort()).toEqual(shop.products.map((p) => `LOW STOCK ${p.sku}: 2 left`).sort());
        // And the stock was sold once: 3 on hand, one sold, nothing held.
        const stock = await db.selectFrom('inventory').select(['on_hand', 'held']).execute();
        expect(stock).toEqual(shop.products.map(() => ({ on_hand: 2, held: 0 })));
        expect(await shop.services.deadLetters.list()).toEqual([]);
      }, 150_000);
    },
  );
}
