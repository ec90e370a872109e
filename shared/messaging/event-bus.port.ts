/** A message for a topic. `messageId` is the event id: publishing it twice is harmless. */
export interface OutgoingMessage {
  messageId: string;
  subject: string;
  correlationId?: string;
  body: unknown;
  /** Delivered no earlier than this (Service Bus scheduled enqueue). */
  scheduledEnqueueTime?: Date;
}

/** Publishes to a topic: Service Bus in Azure, the durable local bus locally. */
export interface EventBus {
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A subscription's settings. `maxDeliveryCount` is the broker's (mirrored in bicep/): how many
 * immediate deliveries one message gets before it is dead-lettered. `redeliveryScheduleMs` is
 * the consumer's backoff on top of it (shared/adapters/bus/redelivery.ts): after the n-th
 * failed try the message comes back `redeliveryScheduleMs[n-1]` later with a fresh delivery
 * count; once the schedule is used up, a failure falls back to the broker's immediate
 * redelivery and dead-lettering. Absent or empty: no backoff.
 */
export interface SubscriptionSettings {
  maxDeliveryCount: number;
  redeliveryScheduleMs?: readonly number[];
}

/** Subscriptions of each topic, with their settings. */
export type Topology = Record<string, Record<string, SubscriptionSettings>>;

/**
 * How long a message that failed after `redeliveries` backoff redeliveries waits before its next
 * try; undefined when the subscription's schedule is used up. One rule for both hosts.
 */
export function redeliveryDelayMs(
  topology: Topology,
  topic: string,
  subscription: string,
  redeliveries: number,
): number | undefined {
  return topology[topic]?.[subscription]?.redeliveryScheduleMs?.[redeliveries];
}

/**
 * Tries at 0 s, 5 s, 35 s and 155 s (then the last try's immediate redeliveries): an email
 * or store outage shorter than about two and a half minutes heals without a dead letter.
 */
export const shopRedeliveryScheduleMs: readonly number[] = [5_000, 30_000, 120_000];

export const shopTopology: Topology = {
  orders: {
    receipts: { maxDeliveryCount: 3, redeliveryScheduleMs: shopRedeliveryScheduleMs },
    inventory: { maxDeliveryCount: 3, redeliveryScheduleMs: shopRedeliveryScheduleMs },
    fulfilment: { maxDeliveryCount: 3, redeliveryScheduleMs: shopRedeliveryScheduleMs },
  },
};
