import { randomUUID } from 'node:crypto';
import type {
  PeekMessagesOptions,
  ServiceBusMessage,
  ServiceBusReceivedMessage,
  ServiceBusReceiverOptions,
} from '@azure/service-bus';
import Long from 'long';
import type {
  DeadLetterClient,
  DeadLetterReceiver,
  DeadLetterSender,
} from '../../shared/adapters/bus/service-bus-dead-letters';
import { replayProperties } from '../../shared/messaging/dead-letters.port';
import type { Topology } from '../../shared/messaging/event-bus.port';

interface Stored {
  sequenceNumber: Long;
  message: ServiceBusMessage;
  enqueuedTimeUtc: Date;
  deliveryCount: number;
  lockToken?: string;
  deadLetter?: { reason: string; description: string };
}

interface Entity {
  active: Stored[];
  dead: Stored[];
  /** The SDK keeps the peek cursor per entity and client, not per receiver. */
  peekCursor: Long;
}

/** Each subscription's `$Default` rule in bicep/modules/service-bus.bicep: normal messages and its own replays. */
export function replayRule(subscription: string, message: ServiceBusMessage): boolean {
  const replayFor = message.applicationProperties?.[replayProperties.replayFor];
  return replayFor === undefined || replayFor === null || replayFor === subscription;
}

/**
 * An in-memory stand-in for the little of Service Bus the dead-letter adapter relies on (no
 * emulator runs here): topics with duplicate detection on message id that copy each message
 * to every subscription whose rule admits it; per subscription an active queue and a
 * dead-letter queue; peek from a sequence number; peek-lock receive; complete and abandon by
 * lock token. Locks never expire and survive `close()`, so a lock the adapter forgets to give
 * back shows up as a message nobody can receive.
 */
export class FakeServiceBus implements DeadLetterClient {
  /** Every accepted send, in order. */
  readonly sent: { topic: string; message: ServiceBusMessage }[] = [];
  /** Sends, completes and abandons, in order (`send <id>`, `complete <id>`, `abandon <id>`). */
  readonly log: string[] = [];
  /** While true, sends throw as in an outage. */
  failSends = false;
  /** Completes that throw next (a lock lost after the send). */
  failCompletes = 0;
  private readonly entities = new Map<string, Entity>();
  private readonly seenMessageIds = new Set<string>();
  private nextSequenceNumber: Long;

  constructor(
    private readonly topology: Topology,
    /** Sequence numbers start here (beyond 2^53 by default: they are 64-bit). */
    firstSequenceNumber = Long.fromString('9007199254741000'),
  ) {
    this.nextSequenceNumber = firstSequenceNumber;
    for (const [topic, subscriptions] of Object.entries(topology))
      for (const subscription of Object.keys(subscriptions))
        this.entities.set(`${topic}/${subscription}`, { active: [], dead: [], peekCursor: Long.ZERO });
  }

  createSender(topicName: string): DeadLetterSender {
    return {
      sendMessages: async (messages) => {
        if (this.failSends) throw new Error('ServiceUnavailable: the fake Service Bus is down');
        const list = (Array.isArray(messages) ? messages : [messages]) as ServiceBusMessage[];
        for (const message of list) this.accept(topicName, message);
      },
      close: async () => {},
    };
  }

  createReceiver(
    topicName: string,
    subscriptionName: string,
    options: ServiceBusReceiverOptions,
  ): DeadLetterReceiver {
    if (options.subQueueType !== 'deadLetter')
      throw new Error('the fake only receives from dead-letter queues');
    const entity = this.entity(topicName, subscriptionName);
    let closed = false;
    const open = () => {
      if (closed) throw new Error('receiver closed');
    };
    const locked = (message: ServiceBusReceivedMessage) => {
      const stored = entity.dead.find((s) => s.lockToken !== undefined && s.lockToken === message.lockToken);
      if (!stored) throw new Error('MessageLockLost');
      return stored;
    };
    return {
      peekMessages: async (maxMessageCount: number, peek: PeekMessagesOptions = {}) => {
        open();
        const from = peek.fromSequenceNumber ?? entity.peekCursor.add(1);
        const page = sorted(entity.dead)
          .filter((s) => s.sequenceNumber.greaterThanOrEqual(from))
          .slice(0, maxMessageCount);
        const last = page.at(-1);
        if (last) entity.peekCursor = last.sequenceNumber;
        return page.map((s) => received(s));
      },
      receiveMessages: async (maxMessageCount: number) => {
        open();
        const batch = sorted(entity.dead)
          .filter((s) => s.lockToken === undefined)
          .slice(0, maxMessageCount);
        for (const s of batch) s.lockToken = randomUUID();
        return batch.map((s) => received(s));
      },
      completeMessage: async (message: ServiceBusReceivedMessage) => {
        open();
        const stored = locked(message);
        if (this.failCompletes > 0) {
          this.failCompletes--;
          throw new Error('MessageLockLost: the fake lost the lock');
        }
        entity.dead.splice(entity.dead.indexOf(stored), 1);
        this.log.push(`complete ${String(stored.message.messageId)}`);
      },
      abandonMessage: async (message: ServiceBusReceivedMessage) => {
        open();
        const stored = locked(message);
        stored.lockToken = undefined;
        stored.deliveryCount++;
        this.log.push(`abandon ${String(stored.message.messageId)}`);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  /**
   * What the Functions host does after the subscription's max delivery count of failures:
   * the broker moves the first matching active message to the dead-letter queue.
   */
  deadLetter(
    topic: string,
    subscription: string,
    matches: (message: ServiceBusMessage) => boolean,
    reason = 'MaxDeliveryCountExceeded',
    description = 'Message could not be consumed after 3 delivery attempts.',
  ): void {
    const entity = this.entity(topic, subscription);
    const stored = entity.active.find((s) => matches(s.message));
    if (!stored) throw new Error(`no active message to dead-letter on ${topic}/${subscription}`);
    entity.active.splice(entity.active.indexOf(stored), 1);
    stored.deliveryCount = this.topology[topic]?.[subscription]?.maxDeliveryCount ?? 10;
    stored.deadLetter = { reason, description };
    entity.dead.push(stored);
  }

  /** What lock expiry does in Service Bus: every locked dead letter is receivable again. */
  expireLocks(): void {
    for (const entity of this.entities.values())
      for (const stored of entity.dead)
        if (stored.lockToken !== undefined) {
          stored.lockToken = undefined;
          stored.deliveryCount++;
        }
  }

  /** Takes a subscription's active messages, as its trigger would, and settles them. */
  drain(topic: string, subscription: string): ServiceBusReceivedMessage[] {
    const entity = this.entity(topic, subscription);
    const taken = sorted(entity.active);
    entity.active = [];
    return taken.map((s) => received(s));
  }

  /** Messages waiting, active and dead-lettered, with their locks. */
  peekEntity(topic: string, subscription: string): { active: number; dead: number; locked: number } {
    const entity = this.entity(topic, subscription);
    return {
      active: entity.active.length,
      dead: entity.dead.length,
      locked: entity.dead.filter((s) => s.lockToken !== undefined).length,
    };
  }

  private accept(topic: string, message: ServiceBusMessage): void {
    const subscriptions = Object.keys(this.topology[topic] ?? {});
    if (subscriptions.length === 0) throw new Error(`MessagingEntityNotFound: topic ${topic}`);
    const messageId = String(message.messageId);
    // Duplicate detection: a repeated message id is accepted and silently dropped.
    if (this.seenMessageIds.has(messageId)) return;
    this.seenMessageIds.add(messageId);
    this.sent.push({ topic, message: structuredClone(message) });
    this.log.push(`send ${messageId}`);
    const sequenceNumber = this.nextSequenceNumber;
    this.nextSequenceNumber = sequenceNumber.add(1);
    for (const subscription of subscriptions) {
      if (!replayRule(subscription, message)) continue;
      this.entity(topic, subscription).active.push({
        sequenceNumber,
        message: structuredClone(message),
        enqueuedTimeUtc: new Date(),
        deliveryCount: 0,
      });
    }
  }

  private entity(topic: string, subscription: string): Entity {
    const entity = this.entities.get(`${topic}/${subscription}`);
    if (!entity) throw new Error(`MessagingEntityNotFound: ${topic}/${subscription}`);
    return entity;
  }
}

function sorted(list: Stored[]): Stored[] {
  return [...list].sort((a, b) => a.sequenceNumber.compare(b.sequenceNumber));
}

/** A fresh copy each time, as the SDK decodes one per call; the broker's stamps as the SDK shows them. */
function received(stored: Stored): ServiceBusReceivedMessage {
  const stamps: Record<string, string> = stored.deadLetter
    ? {
        DeadLetterReason: stored.deadLetter.reason,
        DeadLetterErrorDescription: stored.deadLetter.description,
      }
    : {};
  const applicationProperties = { ...stored.message.applicationProperties, ...stamps };
  const body = structuredClone(stored.message.body);
  return {
    ...structuredClone(stored.message),
    body,
    applicationProperties,
    deadLetterReason: stored.deadLetter?.reason,
    deadLetterErrorDescription: stored.deadLetter?.description,
    sequenceNumber: stored.sequenceNumber,
    enqueuedTimeUtc: stored.enqueuedTimeUtc,
    deliveryCount: stored.deliveryCount,
    lockToken: stored.lockToken,
    state: 'active',
    _rawAmqpMessage: { body, bodyType: 'data', applicationProperties },
  };
}
