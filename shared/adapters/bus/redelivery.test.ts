import { InvocationContext } from '@azure/functions';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeServiceBus } from '../../../test/support/fake-service-bus';
import { shopRedeliveryScheduleMs, shopTopology } from '../../messaging/event-bus.port';
import { inboxKey } from '../../messaging/inbox-key';
import { topicFunction } from '../../platform/function-definition';
import { redeliveriesOf, redeliveryProperties, withRedeliveryBackoff } from './redelivery';
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
    Subject: message.subject,
    CorrelationId: message.correlationId,
    ContentType: message.contentType,
    ApplicationProperties: message.applicationProperties ?? {},
  }) as Record<string, unknown>;
}

function contextFor(message: ServiceBusReceivedMessage, log: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: `inv-${String(message.messageId)}`,
    functionName: 'receipt-email',
    triggerMetadata: triggerMetadataOf(message),
    logHandler: (level, ...args) => log.push(`${level} ${args.map(String).join(' ')}`),
  });
}

describe('backoff with the Service Bus trigger: a scheduled copy per failed try (fake Service Bus client: no emulator here)', () => {
  let fake: FakeServiceBus;
  let failures: number;
  let handled: Array<{ inboxKey: string; body: unknown }>;
  let log: string[];
  let now: Date;
  let handler: (message: unknown, context: InvocationContext) => Promise<void>;
  const send = (t: string, message: ServiceBusMessage) => fake.createSender(t).sendMessages(message);

  beforeEach(async () => {
    fake = new FakeServiceBus(shopTopology);
    failures = 0;
    handled = [];
    log = [];
    now = new Date('2026-12-02T08:00:00Z');
    const receipts = topicFunction({
      name: 'receipt-email',
      topic,
      subscription: 'receipts',
      handler: async (message, context) => {
        if (failures > 0) {
          failures--;
          throw new Error('email service unavailable');
        }
        handled.push({
          inboxKey: inboxKey(context, (message as { eventId?: string }).eventId),
          body: message,
        });
      },
    });
    handler = withRedeliveryBackoff(receipts, shopTopology, send, () => now);
    await fake.createSender(topic).sendMessages(
      toServiceBusMessage({
        messageId: 'evt-1',
        subject: 'OrderPaid',
        correlationId: 'order-1',
        body: { eventId: 'evt-1', type: 'OrderPaid', orderId: 'order-1' },
      }),
    );
    fake.drain(topic, 'inventory');
    fake.drain(topic, 'fulfilment');
  });

  /** The trigger: take the subscription's one waiting message, run the handler; a throw comes back out. */
  async function deliverOne(): Promise<ServiceBusReceivedMessage> {
    const [message, ...rest] = fake.drain(topic, 'receipts');
    expect(message).toBeDefined();
    expect(rest).toEqual([]);
    await handler(message!.body, contextFor(message!, log));
    return message!;
  }

  it('schedules copies 5 s, 30 s and 2 min later for the failing subscription only, keeping the event id for the inbox', async () => {
    failures = 3;
    for (const delayMs of shopRedeliveryScheduleMs) {
      const before = fake.sent.length;
      await deliverOne(); // fails, schedules the next try and returns: the trigger completes it
      const copy = fake.sent.at(-1)!.message;
      expect(fake.sent).toHaveLength(before + 1);
      expect(copy.scheduledEnqueueTimeUtc).toEqual(new Date(now.getTime() + delayMs));
      expect(copy).toMatchObject({
        subject: 'OrderPaid',
        correlationId: 'order-1',
        contentType: 'application/json',
        body: { eventId: 'evt-1', type: 'OrderPaid', orderId: 'order-1' },
        applicationProperties: {
          replayFor: 'receipts',
          originalMessageId: 'evt-1',
          [redeliveryProperties.attempt]: before, // 1, 2, 3 (the first send was the event)
        },
      });
      // A new message id (the topic's duplicate detection would drop 'evt-1'), within 128 chars.
      expect(copy.messageId).toMatch(/^evt-1\.retry\.receipts\.\d\.[0-9a-f]{12}$/);
      expect(new Set(fake.sent.map((s) => s.message.messageId)).size).toBe(fake.sent.length);
      // Only the subscription that failed gets the copy (its $Default rule admits its own replays).
      expect(fake.peekEntity(topic, 'inventory').active).toBe(0);
      expect(fake.peekEntity(topic, 'fulfilment').active).toBe(0);
      expect(fake.peekEntity(topic, 'receipts').active).toBe(1);
      now = new Date(now.getTime() + delayMs);
    }
    expect(log.filter((l) => l.startsWith('warning Try'))).toHaveLength(3);
    await deliverOne(); // the fourth try succeeds
    expect(handled).toEqual([{ inboxKey: 'evt-1', body: expect.objectContaining({ orderId: 'order-1' }) }]);
    expect(fake.peekEntity(topic, 'receipts')).toEqual({ active: 0, dead: 0, locked: 0 });
  });

  it('rethrows once the schedule is used up, so the broker redelivers and dead-letters as before', async () => {
    failures = 99;
    for (let i = 0; i < shopRedeliveryScheduleMs.length; i++) await deliverOne();
    const [last] = fake.drain(topic, 'receipts');
    expect(redeliveriesOf(last!.applicationProperties)).toBe(3);
    await expect(handler(last!.body, contextFor(last!, log))).rejects.toThrow('email service unavailable');
    expect(fake.sent).toHaveLength(1 + shopRedeliveryScheduleMs.length); // no fourth copy
  });

  it('rethrows when the copy cannot be sent (the broker redelivers at once instead of losing it)', async () => {
    failures = 1;
    const [message] = fake.drain(topic, 'receipts');
    fake.failSends = true;
    await expect(handler(message!.body, contextFor(message!, log))).rejects.toThrow(
      'email service unavailable',
    );
    expect(log.some((l) => l.includes('Could not schedule'))).toBe(true);
  });

  it('sends one copy when the same failing message comes back (its completion was lost): duplicate detection drops the second', async () => {
    failures = 2;
    const [message] = fake.drain(topic, 'receipts');
    await handler(message!.body, contextFor(message!, log));
    await handler(message!.body, contextFor(message!, log)); // redelivered: the lock was lost after the send
    expect(fake.sent).toHaveLength(2);
    expect(fake.peekEntity(topic, 'receipts').active).toBe(1);
  });

  it('a dead-letter replay starts the schedule afresh, with copies the first round did not use', async () => {
    failures = 99;
    for (let i = 0; i < shopRedeliveryScheduleMs.length; i++) await deliverOne();
    const firstRound = fake.sent.map((s) => String(s.message.messageId));
    // The last try failed through the broker's deliveries: it is dead-lettered.
    fake.deadLetter(topic, 'receipts', () => true);
    const queue = new ServiceBusDeadLetterQueue(fake, shopTopology, { receiveWaitMs: 0 });
    const [dead] = await queue.list();
    expect(dead).toMatchObject({ messageId: 'evt-1', subscription: 'receipts' });
    expect(await queue.replay(dead!.id)).toBe(true);
    const replay = fake.sent.at(-1)!.message;
    expect(replay.applicationProperties?.[redeliveryProperties.attempt]).toBeUndefined();
    await deliverOne(); // the replay fails too: backs off again from the first step
    const copy = fake.sent.at(-1)!.message;
    expect(copy.applicationProperties?.[redeliveryProperties.attempt]).toBe(1);
    expect(copy.scheduledEnqueueTimeUtc).toEqual(new Date(now.getTime() + shopRedeliveryScheduleMs[0]!));
    expect(firstRound).not.toContain(copy.messageId);
    failures = 0;
    await deliverOne();
    expect(handled.map((h) => h.inboxKey)).toEqual(['evt-1']);
  });

  it("carries the message's own properties Service Bus accepts, and drops any it would refuse", async () => {
    failures = 1;
    const [message] = fake.drain(topic, 'receipts');
    const context = contextFor(message!, log);
    (context.triggerMetadata!.applicationProperties as Record<string, unknown>).tenant = 'eu';
    (context.triggerMetadata!.applicationProperties as Record<string, unknown>).nested = { a: 1 };
    await handler(message!.body, context);
    const copy = fake.sent.at(-1)!.message;
    expect(copy.applicationProperties).toEqual({
      tenant: 'eu',
      replayFor: 'receipts',
      originalMessageId: 'evt-1',
      redeliveryAttempt: 1,
    });
  });

  it('a one-minute outage heals within the schedule: the last try comes more than a minute after the first', () => {
    const lastTryAfterMs = shopRedeliveryScheduleMs.reduce((sum, ms) => sum + ms, 0);
    expect(lastTryAfterMs).toBeGreaterThan(60_000);
  });
});
