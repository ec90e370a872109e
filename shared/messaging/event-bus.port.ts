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

/** Subscriptions of each topic, with their settings (mirrored in bicep/). */
export type Topology = Record<string, Record<string, { maxDeliveryCount: number }>>;

export const shopTopology: Topology = {
  orders: {
    receipts: { maxDeliveryCount: 3 },
    inventory: { maxDeliveryCount: 3 },
    fulfilment: { maxDeliveryCount: 3 },
  },
};
