import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import Long from 'long';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeServiceBus } from '../../../test/support/fake-service-bus';
import { deadLetterQueueContract } from '../../messaging/dead-letters.contract';
import { shopTopology } from '../../messaging/event-bus.port';
import { inboxKey } from '../../messaging/inbox-key';
import { AppError } from '../../platform/errors';
import { ServiceBusDeadLetterQueue } from './service-bus-dead-letters';
import { toServiceBusMessage } from './service-bus-event-bus';

const topic = 'orders';

/** Trigger metadata as the v4 Node model builds it: every key's first letter lower-cased, nested ones too. */
function triggerMetadataOf(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const camel = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
      ? Object.fromEntries(
          Object.entries(value).map(([key, inner]) => [
            key.charAt(0).toLowerCase() + key.slice(1),
            camel(inner),
          ]),
        )
      : value;
  return camel({
    MessageId: message.messageId,
    DeliveryCount: message.deliveryCount,
    ApplicationProperties: message.applicationProperties ?? {},
  }) as Record<string, unknown>;
}

function originalIdOf(message: {
  messageId?: unknown;
  applicationProperties?: Record<string, unknown>;
}): string {
  return String(message.applicationProperties?.originalMessageId ?? message.messageId);
}

deadLetterQueueContract('Service Bus (fake Service Bus client: no emulator here)', async () => {
  const fake = new FakeServiceBus(shopTopology);
  return {
    queue: new ServiceBusDeadLetterQueue(fake, shopTopology, { receiveWaitMs: 0 }),
    topic,
    subscriptions: ['receipts', 'fulfilment'],
    publish: (message) => fake.createSender(topic).sendMessages(toServiceBusMessage(message)),
    async deliver(subscription) {
      return fake.drain(topic, subscription).map((m) => ({
        inboxKey: inboxKey({ triggerMetadata: triggerMetadataOf(m) }, undefined),
        subject: String(m.subject),
        body: m.body,
      }));
    },
    async failUntilDeadLettered(subscription, eventId, reason) {
      fake.drain(topic, 'inventory'); // the third subscription handles everything fine
      fake.deadLetter(
        topic,
        subscription,
        (m) => originalIdOf(m) === eventId,
        'MaxDeliveryCountExceeded',
        reason,
      );
    },
    unknownId: `${topic}~receipts~424242`,
    close: async () => {},
  };
});

describe('Service Bus dead-letter queue (fake Service Bus client: no emulator here)', () => {
  let fake: FakeServiceBus;
  let queue: ServiceBusDeadLetterQueue;
  beforeEach(() => {
    fake = new FakeServiceBus(shopTopology);
    queue = new ServiceBusDeadLetterQueue(fake, shopTopology, { receiveWaitMs: 0 });
  });

  async function publishPaid(eventId: string): Promise<void> {
    await fake.createSender(topic).sendMessages(
      toServiceBusMessage({
        messageId: eventId,
        subject: 'OrderPaid',
        correlationId: `order-of-${eventId}`,
        body: { eventId, orderId: `order-of-${eventId}` },
      }),
    );
  }

  function deadLetterOnReceipts(eventId: string): void {
    fake.deadLetter(topic, 'receipts', (m) => originalIdOf(m) === eventId);
  }

  it('maps a dead letter: 64-bit sequence number in the id, reason with description, body, time, deliveries', async () => {
    await publishPaid('evt-1');
    deadLetterOnReceipts('evt-1');
    const [dead, ...others] = await queue.list();
    expect(others).toEqual([]);
    expect(dead).toEqual({
      // 9007199254741000 > 2^53: a Number would have lost the last digits.
      id: 'orders~receipts~9007199254741000',
      messageId: 'evt-1',
      topic: 'orders',
      subscription: 'receipts',
      subject: 'OrderPaid',
      deliveryCount: 3,
      reason: 'MaxDeliveryCountExceeded: Message could not be consumed after 3 delivery attempts.',
      enqueuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      body: { eventId: 'evt-1', orderId: 'order-of-evt-1' },
    });
  });

  it('lists every subscription, past one page, and the same again on a second call (no reliance on the peek cursor)', async () => {
    for (let i = 0; i < 130; i++) await publishPaid(`evt-page-${i}`);
    for (let i = 0; i < 130; i++) deadLetterOnReceipts(`evt-page-${i}`);
    fake.deadLetter(topic, 'inventory', (m) => originalIdOf(m) === 'evt-page-7');
    const first = await queue.list();
    expect(first).toHaveLength(131);
    expect(first.filter((d) => d.subscription === 'receipts').map((d) => d.messageId)).toEqual(
      Array.from({ length: 130 }, (_, i) => `evt-page-${i}`),
    );
    expect(first.find((d) => d.subscription === 'inventory')?.messageId).toBe('evt-page-7');
    expect(await queue.list()).toEqual(first);
    expect(await new ServiceBusDeadLetterQueue(fake, shopTopology, { maxListed: 10 }).list()).toHaveLength(
      11,
    );
  });

  it('replay sends a new message id with replayFor and originalMessageId to the topic, then completes the dead letter', async () => {
    await publishPaid('evt-2');
    deadLetterOnReceipts('evt-2');
    for (const subscription of ['inventory', 'fulfilment']) fake.drain(topic, subscription);
    const [dead] = await queue.list();
    fake.log.length = 0;

    expect(await queue.replay(dead!.id)).toBe(true);

    const replay = fake.sent.at(-1)!;
    expect(replay.topic).toBe('orders');
    expect(replay.message).toEqual({
      messageId: 'evt-2.replay.receipts.9007199254741000',
      subject: 'OrderPaid',
      correlationId: 'order-of-evt-2',
      contentType: 'application/json',
      body: { eventId: 'evt-2', orderId: 'order-of-evt-2' },
      // The broker's DeadLetterReason/Description stamps are not carried over.
      applicationProperties: { replayFor: 'receipts', originalMessageId: 'evt-2' },
    });
    // Sent first, completed after: nothing is lost if the send fails.
    expect(fake.log).toEqual(['send evt-2.replay.receipts.9007199254741000', 'complete evt-2']);
    // Only receipts gets it (its filter rule); its consumer keys the inbox on the original id.
    const delivered = fake.drain(topic, 'receipts');
    expect(delivered.map((m) => inboxKey({ triggerMetadata: triggerMetadataOf(m) }, undefined))).toEqual([
      'evt-2',
    ]);
    expect(fake.drain(topic, 'inventory')).toEqual([]);
    expect(fake.drain(topic, 'fulfilment')).toEqual([]);
    expect(await queue.list()).toEqual([]);
  });

  it('a failed send leaves the message dead-lettered and unlocked; replay works once Service Bus is back', async () => {
    await publishPaid('evt-3');
    deadLetterOnReceipts('evt-3');
    const [dead] = await queue.list();
    fake.failSends = true;
    await expect(queue.replay(dead!.id)).rejects.toThrow(/ServiceUnavailable/);
    expect(fake.peekEntity(topic, 'receipts')).toEqual({ active: 0, dead: 1, locked: 0 });
    expect((await queue.list()).map((d) => d.messageId)).toEqual(['evt-3']);
    expect(fake.log).not.toContain('complete evt-3');

    fake.failSends = false;
    expect(await queue.replay(dead!.id)).toBe(true);
    expect(fake.drain(topic, 'receipts').map((m) => m.messageId)).toEqual([
      'evt-3.replay.receipts.9007199254741000',
    ]);
  });

  it('a replay whose dead letter could not be completed reaches the subscription once when replayed again (duplicate detection)', async () => {
    await publishPaid('evt-4');
    deadLetterOnReceipts('evt-4');
    const [dead] = await queue.list();
    fake.log.length = 0;
    fake.failCompletes = 1;
    await expect(queue.replay(dead!.id)).rejects.toThrow(/MessageLockLost/);
    expect((await queue.list()).map((d) => d.id)).toEqual([dead!.id]);
    fake.expireLocks(); // Service Bus gives the lock back after the lock duration
    expect(await queue.replay(dead!.id)).toBe(true);
    // The second send carried the same message id: the topic dropped it.
    expect(fake.log).toEqual(['send evt-4.replay.receipts.9007199254741000', 'complete evt-4']);
    expect(fake.drain(topic, 'receipts').map((m) => m.messageId)).toEqual([
      'evt-4.replay.receipts.9007199254741000',
    ]);
    expect(await queue.list()).toEqual([]);
  });

  it('passes over earlier dead letters to reach the one asked for, and gives them back', async () => {
    for (const id of ['evt-a', 'evt-b', 'evt-c']) {
      await publishPaid(id);
      deadLetterOnReceipts(id);
    }
    const listed = await queue.list();
    const target = listed.find((d) => d.messageId === 'evt-c')!;
    expect(await queue.replay(target.id)).toBe(true);
    expect(fake.log.filter((line) => !line.startsWith('send'))).toEqual([
      'abandon evt-a',
      'abandon evt-b',
      'complete evt-c',
    ]);
    expect(fake.peekEntity(topic, 'receipts')).toMatchObject({ dead: 2, locked: 0 });
    const left = await queue.list();
    expect(left.map((d) => [d.id, d.messageId])).toEqual(
      listed.filter((d) => d.messageId !== 'evt-c').map((d) => [d.id, d.messageId]),
    );
    // Receiving them bumped their delivery count (harmless in a dead-letter queue).
    expect(left.map((d) => d.deliveryCount)).toEqual([4, 4]);
  });

  it('answers 409 when the dead letter is locked by someone else (another replay in flight)', async () => {
    await publishPaid('evt-5');
    deadLetterOnReceipts('evt-5');
    const [dead] = await queue.list();
    const other = fake.createReceiver(topic, 'receipts', { subQueueType: 'deadLetter' });
    const [held] = await other.receiveMessages(1);
    const error = await queue.replay(dead!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(409);
    await other.abandonMessage(held!);
    expect(await queue.replay(dead!.id)).toBe(true);
  });

  it('purge locks the dead letter as replay does, then completes it and sends nothing', async () => {
    for (const id of ['evt-p1', 'evt-p2']) {
      await publishPaid(id);
      deadLetterOnReceipts(id);
    }
    const [first, second] = await queue.list();
    fake.log.length = 0;
    const sentBefore = fake.sent.length;

    expect(await queue.purge(second!.id)).toBe(true);

    // The earlier one was received to reach the target and given back; nothing was sent.
    expect(fake.log).toEqual(['abandon evt-p1', 'complete evt-p2']);
    expect(fake.sent.length).toBe(sentBefore);
    expect(fake.peekEntity(topic, 'receipts')).toEqual({ active: 0, dead: 1, locked: 0 });
    expect((await queue.list()).map((d) => d.id)).toEqual([first!.id]);
    expect(await queue.purge(second!.id)).toBe(false);
  });

  it('purge answers 409 when the dead letter is locked by someone else, and keeps it', async () => {
    await publishPaid('evt-p3');
    deadLetterOnReceipts('evt-p3');
    const [dead] = await queue.list();
    const other = fake.createReceiver(topic, 'receipts', { subQueueType: 'deadLetter' });
    const [held] = await other.receiveMessages(1);
    const error = await queue.purge(dead!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('dead_letter_busy');
    await other.abandonMessage(held!);
    expect((await queue.list()).map((d) => d.id)).toEqual([dead!.id]);
    expect(await queue.purge(dead!.id)).toBe(true);
    expect(await queue.list()).toEqual([]);
  });

  it('replaying a replay keeps the first message id as the original', async () => {
    await publishPaid('evt-6');
    deadLetterOnReceipts('evt-6');
    expect(await queue.replay((await queue.list())[0]!.id)).toBe(true);
    deadLetterOnReceipts('evt-6');
    const [again] = await queue.list();
    expect(again!.messageId).toBe('evt-6');
    expect(await queue.replay(again!.id)).toBe(true);
    expect(fake.sent.at(-1)!.message).toMatchObject({
      messageId: `evt-6.replay.receipts.${again!.id.split('~')[2]}`,
      applicationProperties: { replayFor: 'receipts', originalMessageId: 'evt-6' },
    });
  });

  it('unknown, malformed and out-of-range ids are false (404 at the API), sending nothing', async () => {
    await publishPaid('evt-7');
    deadLetterOnReceipts('evt-7');
    const sentBefore = fake.sent.length;
    const [dead] = await queue.list();
    const sequence = dead!.id.split('~')[2]!;
    for (const id of [
      `orders~receipts~${Long.fromString(sequence).add(1).toString()}`,
      `orders~inventory~${sequence}`, // the right message, the wrong subscription
      `orders~nope~${sequence}`,
      `nope~receipts~${sequence}`,
      `orders~receipts~0${sequence}`,
      'orders~receipts~99999999999999999999',
      'orders~receipts~9223372036854775808', // 2^63 wraps in a signed Long
      'orders~receipts~-1',
      'orders~receipts',
      `orders~receipts~${sequence}~x`,
      sequence,
    ]) {
      expect(await queue.replay(id), id).toBe(false);
    }
    expect(fake.sent.length).toBe(sentBefore);
    expect(await queue.replay(dead!.id)).toBe(true);
  });
});
