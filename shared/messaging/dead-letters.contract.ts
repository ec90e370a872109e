import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterQueue, DeadLetterView } from './dead-letters.port';
import type { OutgoingMessage } from './event-bus.port';

/** What a test file supplies to run the contract against one adapter and its bus. */
export interface DeadLetterHarness {
  queue: DeadLetterQueue;
  topic: string;
  /** Two subscriptions of `topic`: replays must reach the first only. */
  subscriptions: [string, string];
  /** Publishes to `topic`; every subscription gets a copy. */
  publish(message: OutgoingMessage): Promise<void>;
  /** Hands a subscription's waiting messages to its consumer (and settles them): the inbox key each is handled under. */
  deliver(subscription: string): Promise<Array<{ inboxKey: string; subject: string; body: unknown }>>;
  /** The subscription's consumer keeps failing this event with `reason` until it is dead-lettered. */
  failUntilDeadLettered(subscription: string, eventId: string, reason: string): Promise<void>;
  /** Well-formed for this adapter, but naming no dead letter. */
  unknownId: string;
  close(): Promise<void>;
}

/** The dead-letter behaviour every adapter must have (the admin API relies on nothing else). */
export function deadLetterQueueContract(name: string, open: () => Promise<DeadLetterHarness>): void {
  describe(`dead-letter queue contract: ${name}`, () => {
    let h: DeadLetterHarness;
    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => {
      await h?.close();
    });

    const event = (eventId: string, n: number): OutgoingMessage => ({
      messageId: eventId,
      subject: 'OrderPaid',
      correlationId: `order-${n}`,
      body: { eventId, orderId: `order-${n}`, lines: [{ sku: 'SKU-1', quantity: n }] },
    });

    /** Publishes, lets the second subscription handle it, and dead-letters it on the first. */
    async function deadLettered(eventId: string, n: number, reason: string): Promise<DeadLetterView> {
      const [failing, healthy] = h.subscriptions;
      await h.publish(event(eventId, n));
      expect((await h.deliver(healthy)).map((m) => m.inboxKey)).toEqual([eventId]);
      await h.failUntilDeadLettered(failing, eventId, reason);
      const listed = (await h.queue.list()).filter((d) => d.messageId === eventId);
      expect(listed).toHaveLength(1);
      return listed[0]!;
    }

    it('lists nothing when nothing failed', async () => {
      expect(await h.queue.list()).toEqual([]);
    });

    it('lists a dead letter with its topic, subscription, event id, subject, reason, deliveries, time and body', async () => {
      const before = Date.now();
      const dead = await deadLettered('evt-list-1', 1, 'smtp relay refused');
      expect(dead).toMatchObject({
        topic: h.topic,
        subscription: h.subscriptions[0],
        messageId: 'evt-list-1',
        subject: 'OrderPaid',
        body: event('evt-list-1', 1).body,
      });
      expect(dead.reason).toContain('smtp relay refused');
      expect(dead.deliveryCount).toBeGreaterThanOrEqual(1);
      expect(new Date(dead.enqueuedAt).toISOString()).toBe(dead.enqueuedAt);
      expect(Date.parse(dead.enqueuedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(encodeURIComponent(dead.id)).toBe(dead.id);
      expect(await h.queue.replay(dead.id)).toBe(true);
      await h.deliver(h.subscriptions[0]);
    });

    it('replays to the one subscription that dead-lettered it, once, under the original event id', async () => {
      const dead = await deadLettered('evt-replay-1', 2, 'boom');
      expect(await h.queue.replay(dead.id)).toBe(true);
      expect(await h.queue.list()).toEqual([]);
      expect(await h.deliver(h.subscriptions[0])).toEqual([
        { inboxKey: 'evt-replay-1', subject: 'OrderPaid', body: event('evt-replay-1', 2).body },
      ]);
      expect(await h.deliver(h.subscriptions[1])).toEqual([]);
      expect(await h.queue.replay(dead.id)).toBe(false);
    });

    it('a replay that fails again is listed again under the same event id and can be replayed again', async () => {
      const first = await deadLettered('evt-again-1', 3, 'still broken');
      expect(await h.queue.replay(first.id)).toBe(true);
      await h.failUntilDeadLettered(h.subscriptions[0], 'evt-again-1', 'broken twice');
      const [second, ...others] = await h.queue.list();
      expect(others).toEqual([]);
      expect(second).toMatchObject({
        messageId: 'evt-again-1',
        subscription: h.subscriptions[0],
        body: event('evt-again-1', 3).body,
      });
      expect(second!.reason).toContain('broken twice');
      expect(await h.queue.replay(second!.id)).toBe(true);
      expect((await h.deliver(h.subscriptions[0])).map((m) => m.inboxKey)).toEqual(['evt-again-1']);
      expect(await h.deliver(h.subscriptions[1])).toEqual([]);
      expect(await h.queue.list()).toEqual([]);
    });

    it('purges one dead letter without delivering it anywhere; the others stay; a second purge or a replay is false', async () => {
      const kept = await deadLettered('evt-purge-keep', 4, 'keep me');
      const purged = await deadLettered('evt-purge-1', 5, 'not worth it');
      expect(await h.queue.purge(purged.id)).toBe(true);
      expect((await h.queue.list()).map((d) => d.id)).toEqual([kept.id]);
      expect(await h.deliver(h.subscriptions[0])).toEqual([]);
      expect(await h.deliver(h.subscriptions[1])).toEqual([]);
      expect(await h.queue.purge(purged.id)).toBe(false);
      expect(await h.queue.replay(purged.id)).toBe(false);
      expect(await h.queue.purge(kept.id)).toBe(true);
      expect(await h.queue.list()).toEqual([]);
    });

    it('refuses ids that name no dead letter (false, nothing sent)', async () => {
      for (const id of [h.unknownId, '', 'nope', '../1', '1; drop table x']) {
        expect(await h.queue.replay(id), JSON.stringify(id)).toBe(false);
        expect(await h.queue.purge(id), JSON.stringify(id)).toBe(false);
      }
      expect(await h.deliver(h.subscriptions[0])).toEqual([]);
      expect(await h.deliver(h.subscriptions[1])).toEqual([]);
    });
  });
}
