import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../test/support/manual-clock';
import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { tempDir } from '../../../test/support/test-shop';
import { openRelationalStore, type RelationalStore } from '../sql/database';
import { LocalBus } from './local-bus';
import { toServiceBusMessage } from './service-bus-event-bus';

const topology = {
  t: { a: { maxDeliveryCount: 2 }, b: { maxDeliveryCount: 2 } },
  // A consumer with a backoff schedule (the shop's is 5 s, 30 s, 2 min; scaled down here).
  r: { w: { maxDeliveryCount: 2, redeliveryScheduleMs: [300, 600] } },
};

function localBusContract(name: string, open: () => Promise<RelationalStore>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `local bus on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let store: RelationalStore;
      let bus: LocalBus;
      // Time on the bus moves only when a test advances it: lock expiry, schedules and backoff
      // are proved to the millisecond, without sleeping.
      const clock = manualClock();
      beforeAll(async () => {
        store = await open();
        bus = await LocalBus.open(store.db, topology, { lockDurationMs: 300, clock });
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
        clock.advance(299);
        expect(await bus.receive('t', 'a', 1)).toEqual([]); // still locked
        clock.advance(1);
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
        clock.advance(300);
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
          { messageId: 'x4', subject: 'S', body: {}, scheduledEnqueueTime: new Date(clock.now() + 400) },
        ]);
        expect(await bus.receive('t', 'a', 1)).toEqual([]);
        clock.advance(399);
        expect(await bus.receive('t', 'a', 1)).toEqual([]);
        clock.advance(1);
        const due = await bus.receive('t', 'a', 1);
        expect(due[0]?.messageId).toBe('x4');
        await bus.complete(due[0]!);
        for (const m of await bus.receive('t', 'b', 10)) await bus.complete(m);
      });

      it('backs off along the schedule (same message id, fresh delivery count), then abandons to the dead letters', async () => {
        await bus.publish('r', [{ messageId: 'r1', subject: 'S', body: { n: 1 } }]);
        const first = (await bus.receive('r', 'w', 1))[0]!;
        expect([first.deliveryCount, first.redeliveries]).toEqual([1, 0]);
        expect(bus.redeliveryDelayMs('r', 'w', first.redeliveries)).toBe(300);
        expect(await bus.redeliverLater('r', first, 300)).toBe(true);
        expect(await bus.redeliverLater('r', first, 300)).toBe(false); // its lock is gone
        expect(await bus.receive('r', 'w', 1)).toEqual([]); // held for the backoff
        // A re-publish of the same event id meanwhile is still recognised as a duplicate.
        await bus.publish('r', [{ messageId: 'r1', subject: 'S', body: { n: 1 } }]);
        expect((await bus.depth())['r/w']).toBe(1);

        clock.advance(299);
        expect(await bus.receive('r', 'w', 1)).toEqual([]); // not a millisecond early
        clock.advance(1);
        const second = (await bus.receive('r', 'w', 1))[0]!;
        expect(second).toMatchObject({ messageId: 'r1', deliveryCount: 1, redeliveries: 1, body: { n: 1 } });
        expect(bus.redeliveryDelayMs('r', 'w', second.redeliveries)).toBe(600);
        await bus.redeliverLater('r', second, 600);
        clock.advance(599);
        expect(await bus.receive('r', 'w', 1)).toEqual([]);
        clock.advance(1);
        const third = (await bus.receive('r', 'w', 1))[0]!;
        expect(third).toMatchObject({ messageId: 'r1', deliveryCount: 1, redeliveries: 2 });
        // The schedule is used up: the broker's own immediate redelivery and dead-lettering.
        expect(bus.redeliveryDelayMs('r', 'w', third.redeliveries)).toBeUndefined();
        expect(await bus.abandon('r', third, 'still down')).toBe('retry');
        const fourth = (await bus.receive('r', 'w', 1))[0]!;
        expect(fourth).toMatchObject({ messageId: 'r1', deliveryCount: 2, redeliveries: 2 });
        expect(await bus.abandon('r', fourth, 'still down')).toBe('dead-lettered');
        const dead = (await bus.deadLetters()).filter((d) => d.topic === 'r');
        expect(dead).toEqual([
          expect.objectContaining({ messageId: 'r1', deliveryCount: 2, reason: 'still down' }),
        ]);

        // A replay starts the schedule afresh.
        expect(await bus.replay(dead[0]!.seq)).toBe(true);
        const replayed = (await bus.receive('r', 'w', 1))[0]!;
        expect(replayed).toMatchObject({ messageId: 'r1', deliveryCount: 1, redeliveries: 0 });
        await bus.complete(replayed);
        expect((await bus.depth())['r/w']).toBeUndefined();
      });

      it('has no backoff for a subscription without a schedule', () => {
        expect(bus.redeliveryDelayMs('t', 'a', 0)).toBeUndefined();
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

describe('local bus on a data folder made before backoff (PGlite)', () => {
  it('adds the redeliveries column to an existing table, keeping its messages', async () => {
    const store = await openRelationalStore({ kind: 'pglite', dataDir: await tempDir('bus-old-') });
    try {
      // The table as the previous release created it.
      await sql`create table local_bus_messages (seq serial primary key, message_id varchar(200) not null,
        topic varchar(100) not null, subscription varchar(100) not null, subject varchar(200) not null,
        correlation_id varchar(200) not null, body text not null, enqueued_at timestamptz not null,
        visible_at timestamptz not null, delivery_count integer not null, lock_token varchar(64),
        state varchar(10) not null, dead_letter_reason text)`.execute(store.db);
      await sql`insert into local_bus_messages (message_id, topic, subscription, subject, correlation_id, body,
        enqueued_at, visible_at, delivery_count, state) values ('old-1', 'r', 'w', 'S', '', '{}', now(), now(), 0, 'active')`.execute(
        store.db,
      );
      const bus = await LocalBus.open(store.db, topology);
      expect(await bus.receive('r', 'w', 1)).toEqual([
        expect.objectContaining({ messageId: 'old-1', deliveryCount: 1, redeliveries: 0 }),
      ]);
    } finally {
      await store.close();
    }
  });
});

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
