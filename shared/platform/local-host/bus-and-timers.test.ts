import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../../../test/support/manual-clock';
import { startTestShop, type TestShop } from '../../../test/support/test-shop';
import { timerFunction, topicFunction } from '../function-definition';

// Test-only definitions: they prove the host's trigger semantics, not shop behaviour.
const received: Array<{ id: string; deliveryCount: number; body: unknown }> = [];
let failuresLeft = new Map<string, number>();
let timerRuns: number[] = [];

const definitions = [
  topicFunction({
    name: 'test-consumer',
    topic: 'test-events',
    subscription: 'worker',
    handler: async (body, context) => {
      const id = String(context.triggerMetadata?.messageId);
      received.push({
        id,
        deliveryCount: Number(context.triggerMetadata?.deliveryCount),
        body,
      });
      const left = failuresLeft.get(id) ?? 0;
      if (left > 0) {
        failuresLeft.set(id, left - 1);
        throw new Error(`induced failure for ${id}`);
      }
    },
  }),
  topicFunction({
    name: 'test-auditor',
    topic: 'test-events',
    subscription: 'audit',
    handler: async () => {},
  }),
  timerFunction({
    name: 'test-every-second',
    schedule: '*/1 * * * * *',
    handler: async () => {
      timerRuns.push(Date.now());
    },
  }),
];

let shop: TestShop;
// The bus's time stands still unless a test moves it (scheduled messages, lock expiry); the
// host's receivers still poll in real time (every 50 ms in a test shop).
const clock = manualClock();
const waitFor = (condition: () => boolean, timeout = 8_000) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout, interval: 25 });
/** Long enough for the host's receivers to look several times (they poll every 50 ms). */
const quietWindow = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  shop = await startTestShop({
    products: 0,
    busClock: clock,
    definitions,
    topology: { 'test-events': { worker: { maxDeliveryCount: 3 }, audit: { maxDeliveryCount: 3 } } },
  });
});
afterAll(async () => {
  await shop?.close();
});

describe('local bus delivered by the local host (Service Bus semantics)', () => {
  it('delivers a published message once to each subscription, with its id and delivery count', async () => {
    received.length = 0;
    await shop.services.bus.publish('test-events', [{ messageId: 'm-1', subject: 'Test', body: { n: 1 } }]);
    await waitFor(() => received.some((r) => r.id === 'm-1'));
    await quietWindow(); // proves no second delivery follows
    expect(await shop.services.localBus!.depth()).toEqual({});
    expect(received.filter((r) => r.id === 'm-1')).toEqual([
      expect.objectContaining({ id: 'm-1', deliveryCount: 1, body: { n: 1 } }),
    ]);
  });

  it('redelivers after a failure with a higher delivery count, then completes', async () => {
    received.length = 0;
    failuresLeft = new Map([['m-2', 1]]);
    await shop.services.bus.publish('test-events', [{ messageId: 'm-2', subject: 'Test', body: {} }]);
    await waitFor(() => received.filter((r) => r.id === 'm-2').length === 2);
    expect(received.filter((r) => r.id === 'm-2').map((r) => r.deliveryCount)).toEqual([1, 2]);
    expect(await shop.services.localBus!.deadLetters()).toEqual([]);
  });

  it('dead-letters after maxDeliveryCount failures, lists it, and replays it', async () => {
    received.length = 0;
    failuresLeft = new Map([['m-3', 99]]);
    await shop.services.bus.publish('test-events', [{ messageId: 'm-3', subject: 'Test', body: { n: 3 } }]);
    await waitFor(() => received.filter((r) => r.id === 'm-3').length === 3);
    await expect
      .poll(() => shop.services.localBus!.deadLetters(), { timeout: 2_000, interval: 25 })
      .toHaveLength(1);
    const dead = await shop.services.localBus!.deadLetters();
    expect(dead).toEqual([
      expect.objectContaining({
        messageId: 'm-3',
        subscription: 'worker',
        deliveryCount: 3,
        reason: 'induced failure for m-3',
      }),
    ]);
    await quietWindow(); // proves there is no fourth attempt
    expect(received.filter((r) => r.id === 'm-3')).toHaveLength(3);

    failuresLeft.set('m-3', 0); // "the fault is fixed"
    expect(await shop.services.localBus!.replay(dead[0]!.seq)).toBe(true);
    await waitFor(() => received.filter((r) => r.id === 'm-3').length === 4);
    expect(received.at(-1)?.deliveryCount).toBe(1);
    expect(await shop.services.localBus!.deadLetters()).toEqual([]);
  });

  it('holds a scheduled message until its enqueue time', async () => {
    received.length = 0;
    await shop.services.bus.publish('test-events', [
      { messageId: 'm-4', subject: 'Test', body: {}, scheduledEnqueueTime: new Date(clock.now() + 60_000) },
    ]);
    clock.advance(59_999);
    await quietWindow(); // proves the receivers leave it alone a millisecond before it is due
    expect(received.filter((r) => r.id === 'm-4')).toEqual([]);
    clock.advance(1);
    await waitFor(() => received.some((r) => r.id === 'm-4'));
  });

  it('ignores a duplicate message id while the first is still held (duplicate detection)', async () => {
    received.length = 0;
    const later = new Date(clock.now() + 60_000);
    const message = { messageId: 'm-5', subject: 'Test', body: {}, scheduledEnqueueTime: later };
    await shop.services.bus.publish('test-events', [message]);
    await shop.services.bus.publish('test-events', [message]);
    clock.advance(60_000);
    await waitFor(() => received.some((r) => r.id === 'm-5'));
    await quietWindow(); // proves the duplicate is not delivered as well
    expect(received.filter((r) => r.id === 'm-5')).toHaveLength(1);
  });

  it('gives a locked message to one receiver only, and back after the lock expires', async () => {
    const bus = shop.services.localBus!;
    await shop.host!.stop(); // drive the bus by hand from here on
    await bus.publish('test-events', [{ messageId: 'm-6', subject: 'Test', body: {} }]);
    const [first, second] = await Promise.all([
      bus.receive('test-events', 'audit', 5),
      bus.receive('test-events', 'audit', 5),
    ]);
    expect(first.length + second.length).toBe(1);
    const locked = [...first, ...second][0]!;
    expect(locked.deliveryCount).toBe(1);
    expect(await bus.receive('test-events', 'audit', 5)).toEqual([]);
    // A stale lock token cannot settle the message.
    await bus.complete({ ...locked, lockToken: 'not-the-lock' });
    expect((await bus.depth())['test-events/audit']).toBe(1);
    // The lock (60 s by default) expires: another receiver gets it, and the first lock is void.
    clock.advance(59_999);
    expect(await bus.receive('test-events', 'audit', 5)).toEqual([]);
    clock.advance(1);
    const relocked = await bus.receive('test-events', 'audit', 5);
    expect(relocked).toEqual([expect.objectContaining({ messageId: 'm-6', deliveryCount: 2 })]);
    await bus.complete(locked);
    expect((await bus.depth())['test-events/audit']).toBe(1);
    await bus.complete(relocked[0]!);
    expect((await bus.depth())['test-events/audit']).toBeUndefined();
  });
});

describe('timer functions run by the local host', () => {
  it('fires on its NCRONTAB schedule (every second)', async () => {
    timerRuns = [];
    const fresh = await startTestShop({ products: 0, definitions: [definitions[2]!], topology: {} });
    try {
      await waitFor(() => timerRuns.length >= 2, 4_000);
      const gap = timerRuns[1]! - timerRuns[0]!;
      expect(gap).toBeGreaterThan(700);
      expect(gap).toBeLessThan(1_500);
    } finally {
      await fresh.close();
    }
  });
});
