import type {
  ServiceBusMessage,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusReceiverOptions,
  ServiceBusSender,
} from '@azure/service-bus';
import Long from 'long';
import {
  type DeadLetterQueue,
  type DeadLetterView,
  replayProperties,
} from '../../messaging/dead-letters.port';
import type { Topology } from '../../messaging/event-bus.port';
import { AppError } from '../../platform/errors';
import { redeliveryProperties } from './redelivery';

/** The part of `ServiceBusClient` this adapter uses (tests pass a fake: there is no emulator here). */
export interface DeadLetterClient {
  createReceiver(
    topicName: string,
    subscriptionName: string,
    options: ServiceBusReceiverOptions,
  ): DeadLetterReceiver;
  createSender(topicName: string): DeadLetterSender;
}
export type DeadLetterReceiver = Pick<
  ServiceBusReceiver,
  'peekMessages' | 'receiveMessages' | 'completeMessage' | 'abandonMessage' | 'close'
>;
export type DeadLetterSender = Pick<ServiceBusSender, 'sendMessages' | 'close'>;

export interface ServiceBusDeadLetterOptions {
  /** Listed per subscription at most (a queue that long needs the portal, not this API). */
  maxListed?: number;
  /** Dead letters received (and given back) at most while looking for the one to replay. */
  maxScanned?: number;
  /** How long a receive waits for the first message of a batch. */
  receiveWaitMs?: number;
}

// Not a character Service Bus allows in entity names, and unreserved in URLs: ids need no escaping.
const separator = '~';
const pageSize = 100;

/** `<topic>~<subscription>~<sequence number>`: the dead letter's queue and its position in it. */
export function deadLetterId(topic: string, subscription: string, sequenceNumber: Long): string {
  return [topic, subscription, sequenceNumber.toString()].join(separator);
}

/**
 * The broker's dead-letter stamps, which the SDK also leaves in `applicationProperties`, and
 * the backoff count (a replay starts the subscription's redelivery schedule afresh).
 */
const deadLetterStamps = new Set([
  'DeadLetterReason',
  'DeadLetterErrorDescription',
  redeliveryProperties.attempt,
]);

/**
 * The message a replay sends to the topic: the same subject, correlation id and body, and a
 * new message id, because the topic's duplicate detection (bicep/) drops a repeated one. The
 * id is derived from the dead letter, so re-sending the same dead letter twice (the send
 * succeeded but completing it failed) is still dropped as a duplicate.
 */
export function replayMessage(message: ServiceBusReceivedMessage, subscription: string): ServiceBusMessage {
  const carried = Object.fromEntries(
    Object.entries(message.applicationProperties ?? {}).filter(([key]) => !deadLetterStamps.has(key)),
  );
  const earlier = carried[replayProperties.originalMessageId];
  const originalMessageId = typeof earlier === 'string' ? earlier : String(message.messageId);
  return {
    messageId: `${originalMessageId}.replay.${subscription}.${String(message.sequenceNumber)}`,
    subject: message.subject,
    correlationId: message.correlationId,
    contentType: message.contentType,
    body: message.body,
    applicationProperties: {
      ...carried,
      [replayProperties.replayFor]: subscription,
      [replayProperties.originalMessageId]: originalMessageId,
    },
  };
}

/**
 * The subscriptions' dead-letter queues in Service Bus. Listing peeks (locks nothing). Replay
 * re-sends the message to the topic addressed to its subscription (`replayFor`; each
 * subscription's `$Default` rule admits normal messages and its own replays only), then
 * completes the dead letter: a failed send leaves it dead-lettered. Purge completes it
 * without sending.
 */
export class ServiceBusDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: DeadLetterClient,
    private readonly topology: Topology,
    private readonly options: ServiceBusDeadLetterOptions = {},
  ) {}

  async list(): Promise<DeadLetterView[]> {
    const views: DeadLetterView[] = [];
    for (const [topic, subscriptions] of Object.entries(this.topology)) {
      for (const subscription of Object.keys(subscriptions)) {
        views.push(...(await this.listSubscription(topic, subscription)));
      }
    }
    return views;
  }

  async replay(id: string): Promise<boolean> {
    return this.withLocked(id, async (receiver, message, topic, subscription) => {
      const sender = this.client.createSender(topic);
      try {
        await sender.sendMessages(replayMessage(message, subscription));
      } catch (error) {
        // Not sent: give it back at once, still dead-lettered.
        await receiver.abandonMessage(message).catch(() => {});
        throw error;
      } finally {
        await sender.close().catch(() => {});
      }
      // Completed only after the send. If this fails the message stays dead-lettered and
      // already re-sent; replaying it again sends the same id, which the topic drops.
      await receiver.completeMessage(message);
    });
  }

  /** Locks the dead letter as replay does, then completes it without sending anything. */
  async purge(id: string): Promise<boolean> {
    return this.withLocked(id, async (receiver, message) => {
      await receiver.completeMessage(message);
    });
  }

  /**
   * Finds the dead letter `id` names and runs `settle` with its lock held: false when there is
   * no such dead letter, 409 `dead_letter_busy` when it cannot be locked now.
   */
  private async withLocked(
    id: string,
    settle: (
      receiver: DeadLetterReceiver,
      message: ServiceBusReceivedMessage,
      topic: string,
      subscription: string,
    ) => Promise<void>,
  ): Promise<boolean> {
    const target = this.parseId(id);
    if (!target) return false;
    const { topic, subscription, sequenceNumber } = target;
    const receiver = this.client.createReceiver(topic, subscription, {
      subQueueType: 'deadLetter',
      receiveMode: 'peekLock',
    });
    try {
      const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber });
      if (!peeked?.sequenceNumber?.equals(sequenceNumber)) return false;
      const message = await this.lock(receiver, sequenceNumber);
      if (!message)
        throw new AppError(
          409,
          'dead_letter_busy',
          `Dead letter '${id}' is locked (another replay or purge?) or too deep in its queue; try again shortly.`,
        );
      await settle(receiver, message, topic, subscription);
      return true;
    } finally {
      await receiver.close();
    }
  }

  private async listSubscription(topic: string, subscription: string): Promise<DeadLetterView[]> {
    const maxListed = this.options.maxListed ?? 1000;
    const receiver = this.client.createReceiver(topic, subscription, { subQueueType: 'deadLetter' });
    try {
      const views: DeadLetterView[] = [];
      // Always from an explicit sequence number: without one the SDK goes on from the last
      // message peeked on this entity by any receiver of the same client, so a second list
      // would start where the first stopped.
      let from = Long.ZERO;
      while (views.length < maxListed) {
        const page = await receiver.peekMessages(Math.min(pageSize, maxListed - views.length), {
          fromSequenceNumber: from,
        });
        const last = page.at(-1)?.sequenceNumber;
        for (const message of page) views.push(toView(topic, subscription, message));
        if (!last) break;
        from = last.add(1);
      }
      return views;
    } finally {
      await receiver.close();
    }
  }

  /**
   * Takes the lock on one dead letter. Service Bus locks a message by sequence number only if
   * it was deferred, so this receives in order until it comes up, then gives back the ones
   * passed over (their delivery count goes up by one: harmless in a dead-letter queue).
   */
  private async lock(
    receiver: DeadLetterReceiver,
    sequenceNumber: Long,
  ): Promise<ServiceBusReceivedMessage | undefined> {
    const maxScanned = this.options.maxScanned ?? 500;
    const passedOver: ServiceBusReceivedMessage[] = [];
    try {
      while (passedOver.length < maxScanned) {
        const batch = await receiver.receiveMessages(Math.min(50, maxScanned - passedOver.length), {
          maxWaitTimeInMs: this.options.receiveWaitMs ?? 5000,
        });
        if (batch.length === 0) return undefined;
        let found: ServiceBusReceivedMessage | undefined;
        for (const message of batch) {
          if (!found && message.sequenceNumber?.equals(sequenceNumber)) found = message;
          else passedOver.push(message);
        }
        if (found) return found;
      }
      return undefined;
    } finally {
      // A lock not given back here expires by itself after the lock duration (PT1M).
      for (const message of passedOver) await receiver.abandonMessage(message).catch(() => {});
    }
  }

  private parseId(id: string): { topic: string; subscription: string; sequenceNumber: Long } | undefined {
    const [topic, subscription, sequence, ...rest] = id.split(separator);
    if (!topic || !subscription || !sequence || rest.length > 0) return undefined;
    if (!Object.hasOwn(this.topology, topic) || !Object.hasOwn(this.topology[topic]!, subscription))
      return undefined;
    // Decimal, no leading zeros, within a signed 64-bit integer (fromString wraps silently).
    if (!/^(0|[1-9]\d{0,18})$/.test(sequence)) return undefined;
    const sequenceNumber = Long.fromString(sequence);
    if (sequenceNumber.toString() !== sequence) return undefined;
    return { topic, subscription, sequenceNumber };
  }
}

function toView(topic: string, subscription: string, message: ServiceBusReceivedMessage): DeadLetterView {
  const original = message.applicationProperties?.[replayProperties.originalMessageId];
  return {
    id: deadLetterId(topic, subscription, message.sequenceNumber ?? Long.ZERO),
    messageId: typeof original === 'string' ? original : String(message.messageId ?? ''),
    topic,
    subscription,
    subject: message.subject ?? '',
    deliveryCount: message.deliveryCount ?? 0,
    reason: reasonOf(message),
    enqueuedAt: (message.enqueuedTimeUtc ?? new Date(0)).toISOString(),
    body: message.body,
  };
}

/** e.g. `MaxDeliveryCountExceeded: Message could not be consumed after 3 delivery attempts.` */
function reasonOf(message: ServiceBusReceivedMessage): string {
  const reason = message.deadLetterReason ?? '';
  const description = message.deadLetterErrorDescription ?? '';
  if (!description || description === reason) return reason;
  return reason ? `${reason}: ${description}` : description;
}
