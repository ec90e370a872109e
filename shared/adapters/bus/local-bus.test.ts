import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { tempDir } from '../../../test/support/test-shop';
import { openRelationalStore, type RelationalStore } from '../sql/database';
import { LocalBus } from './local-bus';
import { toServiceBusMessage } from './service-bus-event-bus';

const topology = { t: { a: { maxDeliveryCount: 2 }, b: { maxDeliveryCount: 2 } } };

function localBusContract(name: string, open: () => Promise<RelationalStore>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `local bus on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let store: RelationalStore;
      let bus: LocalBus;
      beforeAll(async () => {
        store = await open();
        bus = await LocalBus.open(store.db, topology, { lockDurationMs: 300 });
      });
      afterAll(async () => {
        await store?.close();
      });

      it('fans a message out to every subscription of the topic', async () => {
        await bus.publish('t', [{ messageId: 'x1', subject: 'S', correlationId: 'o-1', body: { v: 1 } }]);
        const a = await bus.receive('t', 'a', 10);
        const b = await bus.receive('t', 'b', 10);
        expect(a.map((m) => [m.messageId, m.correlationId, m.body])).toEqual([['x1', 'o-1', { v: 1 }]]);
        expect(b).toHaveLength(1);
        await bus.complete(a[0]!);
        await bus.complete(b[0]!);
        expect(await bus.depth()).toEqual({});
      });

      it('redelivers after the lock expires, counting deliveries', async () => {
        await bus.publish('t', [{ messageId: 'x2', subject: 'S', body: {} }]);
        const first = await bus.receive('t', 'a', 1);
        expect(await bus.receive('t', 'a', 1)).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 350));
        const second = await bus.receive('t', 'a', 1);
        expect(second[0]?.deliveryCount).toBe(2);
        await bus.complete(first[0]!); // the expired lock no longer settles it
        expect((await bus.depth())['t/a']).toBe(1);
        await bus.complete(second[0]!);
        expect((await bus.depth())['t/a']).toBeUndefined();
      });

      it('settles a batch in one call, and never a message whose lock passed to another receive', async () => {
        await bus.publish('t', [
          { messageId: 'y1', subject: 'S', body: {} },
          { messageId: 'y2', subject: 'S', body: {} },
          { messageId: 'y3', subject: 'S', body: {} },
        ]);
        const batch = await bus.receive('t', 'a', 3);
        await new Promise((resolve) => setTimeout(resolve, 350));
        const relocked = await bus.receive('t', 'a', 1); // y1's lock expired and was taken again
        expect(relocked.map((m) => m.messageId)).toEqual(['y1']);
        await bus.completeAll(batch);
        expect((await bus.depth())['t/a']).toBe(1); // y2 and y3 settled; y1 belongs to the new lock
        await bus.completeAll(relocked);
        expect((await bus.depth())['t/a']).toBeUndefined();
        for (const m of await bus.receive('t', 'b', 10)) await bus.complete(m);
      });

      it('dead-letters at maxDeliveryCount and replays on request', async () => {
        await bus.publish('t', [{ messageId: 'x3', subject: 'S', body: { n: 3 } }]);
        const first = (await bus.receive('t', 'a', 1))[0]!;
        expect(await bus.abandon('t', first, 'boom 1')).toBe('retry');
        const second = (await bus.receive('t', 'a', 1))[0]!;
        expect(await bus.abandon('t', second, 'boom 2')).toBe('dead-lettered');
        expect(await bus.receive('t', 'a', 1)).toEqual([]);
        const dead = await bus.deadLetters();
        expect(dead).toEqual([
          expect.objectContaining({ messageId: 'x3', subscription: 'a', reason: 'boom 2', deliveryCount: 2 }),
        ]);
        expect(await bus.replay(dead[0]!.seq)).toBe(true);
        expect(await bus.replay(dead[0]!.seq)).toBe(false);
        const again = (await bus.receive('t', 'a', 1))[0]!;
        expect(again.deliveryCount).toBe(1);
        await bus.complete(again);
        for (const m of await bus.receive('t', 'b', 10)) await bus.complete(m);
      });

      it('keeps scheduled messages invisible until due', async () => {
        await bus.publish('t', [
          { messageId: 'x4', subject: 'S', body: {}, scheduledEnqueueTime: new Date(Date.now() + 400) },
        ]);
        expect(await bus.receive('t', 'a', 1)).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 450));
        expect((await bus.receive('t', 'a', 1))[0]?.messageId).toBe('x4');
      });

      it('refuses a topic with no subscriptions', async () => {
        await expect(bus.publish('unknown', [{ messageId: 'z', subject: 'S', body: {} }])).rejects.toThrow(
          /no subscriptions/,
        );
      });
    },
  );
}

localBusContract('PGlite', async () =>
  openRelationalStore({ kind: 'pglite', dataDir: await tempDir('bus-') }),
);
localBusContract(
  'PostgreSQL (real server)',
  async () => {
    const database = (await createTestDatabase())!;
    const store = await openRelationalStore({ kind: 'postgres', url: database.url, readUrl: '' });
    const close = store.close;
    store.close = async () => {
      await close();
      await database.drop();
    };
    return store;
  },
  process.env.TEST_DATABASE_URL ? undefined : postgresSkipReason,
);

describe('Service Bus adapter (SDK message mapping; no Service Bus runs here)', () => {
  it('maps an event to a Service Bus message: id = event id, subject = type, correlation = order', () => {
    const when = new Date('2026-12-01T10:00:00Z');
    expect(
      toServiceBusMessage({
        messageId: 'evt-1',
        subject: 'OrderPaid',
        correlationId: 'order-9',
        body: { orderId: 'order-9' },
        scheduledEnqueueTime: when,
      }),
    ).toEqual({
      messageId: 'evt-1',
      subject: 'OrderPaid',
      correlationId: 'order-9',
      contentType: 'application/json',
      body: { orderId: 'order-9' },
      scheduledEnqueueTimeUtc: when,
    });
  });
});
