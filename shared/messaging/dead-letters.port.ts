/** A dead-lettered message, as the admin API lists it. */
export interface DeadLetterView {
  /** Opaque and URL-safe: what `replay` takes. It names the subscription as well as the message. */
  id: string;
  /** The event id (for a replay that failed again, the id of the event it replays). */
  messageId: string;
  topic: string;
  subscription: string;
  subject: string;
  deliveryCount: number;
  reason: string;
  /** ISO 8601. */
  enqueuedAt: string;
  body: unknown;
}

/**
 * The dead-letter queues of every subscription: the local bus locally, the subscriptions'
 * `$DeadLetterQueue` in Service Bus.
 */
export interface DeadLetterQueue {
  /** Every dead letter, oldest first within each subscription. */
  list(): Promise<DeadLetterView[]>;
  /**
   * Delivers the message again to the one subscription that dead-lettered it (never to the
   * topic's other subscriptions) and removes it from the dead letters. False when there is no
   * such dead letter (unknown or already replayed). A failure leaves it dead-lettered.
   */
  replay(id: string): Promise<boolean>;
  /**
   * Removes the dead letter without delivering it anywhere (an operator decided it is not
   * worth handling). False when there is no such dead letter (unknown, replayed or purged).
   */
  purge(id: string): Promise<boolean>;
}

/**
 * Application properties of a Service Bus replay. It is re-sent to the topic with a new
 * message id (the topic's duplicate detection would drop the original id), so it says which
 * subscription it is for (each subscription's filter rule in bicep/ admits only its own
 * replays) and which message it replays (consumers key their inbox on that).
 * camelCase on purpose: the Functions Node model lower-cases the first letter of every key in
 * `triggerMetadata`, nested ones included, so these names reach handlers unchanged.
 */
export const replayProperties = {
  replayFor: 'replayFor',
  originalMessageId: 'originalMessageId',
} as const;
