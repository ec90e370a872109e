import { createHash } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import type { ServiceBusMessage } from '@azure/service-bus';
import { replayProperties } from '../../messaging/dead-letters.port';
import { redeliveryDelayMs, type Topology } from '../../messaging/event-bus.port';
import type { TopicFunction, TopicHandler } from '../../platform/function-definition';

/**
 * Backoff between deliveries with the Functions Service Bus trigger.
 *
 * Service Bus redelivers an abandoned message at once, and the Functions runtime's retry
 * policies do not cover the Service Bus trigger (its retries are the extension's own, i.e.
 * the broker's max delivery count; "Azure Functions error handling and retries",
 * learn.microsoft.com/azure/azure-functions/functions-bindings-error-pages). So the consumer
 * backs off itself: when the handler throws and the subscription's schedule
 * (`redeliveryScheduleMs` in the topology) has a step left, it sends a copy of the message to
 * the topic with `scheduledEnqueueTimeUtc` = now + that step and returns normally, so the
 * trigger completes the original (host.json `autoCompleteMessages: true`). Once the schedule
 * is used up the handler's error is rethrown: the runtime abandons, the broker redelivers at
 * once and dead-letters after `maxDeliveryCount`, as before. If sending the copy fails, the
 * error is rethrown too (the broker's redelivery then stands in for the backoff).
 *
 * The copy is addressed to the failing subscription only (`replayFor`, the same filter rule
 * dead-letter replays use, bicep/modules/service-bus.bicep), carries the event id in
 * `originalMessageId` (consumers key their inbox on it: shared/messaging/inbox-key.ts) and
 * the tries so far in `redeliveryAttempt`. Its message id is new, since the topic's duplicate
 * detection (PT1H) drops a repeated one, but derived from the failing message's id: a copy
 * sent twice for the same failing message (the send succeeded, completing the original did
 * not, so it came back) is dropped as the duplicate it is, while a later round (after a
 * dead-letter replay, which has its own message id) gets ids of its own.
 *
 * The local host does the same with the local bus (shared/platform/local-host/bus-delivery.ts):
 * one schedule, read from the same topology, on both hosts.
 */

/** Application properties of a backoff copy (camelCase: see `replayProperties`). */
export const redeliveryProperties = { attempt: 'redeliveryAttempt' } as const;

/** Sends one message to a topic (the Service Bus event bus in Azure; tests pass a fake's sender). */
export type SendMessage = (topic: string, message: ServiceBusMessage) => Promise<void>;

type TriggerMetadata = NonNullable<InvocationContext['triggerMetadata']>;

/** Backoff redeliveries the message has had (0 for a first try, and for an unreadable value). */
export function redeliveriesOf(applicationProperties: unknown): number {
  if (typeof applicationProperties !== 'object' || applicationProperties === null) return 0;
  const value = Number((applicationProperties as Record<string, unknown>)[redeliveryProperties.attempt]);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * The scheduled copy to send after a failed try, or undefined when the subscription's schedule
 * is used up. `metadata` is the trigger's (`context.triggerMetadata`), `body` the handler's input.
 */
export function redeliveryCopy(
  topology: Topology,
  topic: string,
  subscription: string,
  body: unknown,
  metadata: TriggerMetadata,
  now: Date,
): ServiceBusMessage | undefined {
  const properties =
    typeof metadata.applicationProperties === 'object' && metadata.applicationProperties !== null
      ? (metadata.applicationProperties as Record<string, unknown>)
      : {};
  const redeliveries = redeliveriesOf(properties);
  const delayMs = redeliveryDelayMs(topology, topic, subscription, redeliveries);
  if (delayMs === undefined) return undefined;
  const messageId = String(metadata.messageId ?? '');
  const earlier = properties[replayProperties.originalMessageId];
  const originalMessageId = typeof earlier === 'string' && earlier !== '' ? earlier : messageId;
  const next = redeliveries + 1;
  // 36 (event id) + ~30: well within Service Bus's 128 characters.
  const from = createHash('sha256').update(messageId).digest('hex').slice(0, 12);
  const copy: ServiceBusMessage = {
    messageId: `${originalMessageId}.retry.${subscription}.${next}.${from}`,
    body,
    contentType: typeof metadata.contentType === 'string' ? metadata.contentType : 'application/json',
    scheduledEnqueueTimeUtc: new Date(now.getTime() + delayMs),
    applicationProperties: {
      ...carriedProperties(properties),
      [replayProperties.replayFor]: subscription,
      [replayProperties.originalMessageId]: originalMessageId,
      [redeliveryProperties.attempt]: next,
    },
  };
  if (typeof metadata.subject === 'string') copy.subject = metadata.subject;
  else if (typeof metadata.label === 'string') copy.subject = metadata.label;
  if (typeof metadata.correlationId === 'string') copy.correlationId = metadata.correlationId;
  return copy;
}

/** The properties a copy keeps: the values Service Bus accepts (anything else would fail the send). */
function carriedProperties(
  properties: Record<string, unknown>,
): Record<string, string | number | boolean | Date | null> {
  return Object.fromEntries(
    Object.entries(properties).filter(
      ([, value]) =>
        value === null || value instanceof Date || ['string', 'number', 'boolean'].includes(typeof value),
    ),
  ) as Record<string, string | number | boolean | Date | null>;
}

/** The topic function's handler for the Functions Service Bus trigger, with the backoff above. */
export function withRedeliveryBackoff(
  fn: TopicFunction,
  topology: Topology,
  send: SendMessage,
  now: () => Date = () => new Date(),
): TopicHandler {
  return async (message, context) => {
    try {
      await fn.handler(message, context);
    } catch (error) {
      const metadata = context.triggerMetadata ?? {};
      const copy = redeliveryCopy(topology, fn.topic, fn.subscription, message, metadata, now());
      if (!copy) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      try {
        await send(fn.topic, copy);
      } catch (sendError) {
        context.warn(
          `Could not schedule the next try of ${String(metadata.messageId)} (${String(sendError)}); abandoning it instead`,
        );
        throw error;
      }
      const tries = Number(copy.applicationProperties?.[redeliveryProperties.attempt]);
      context.warn(
        `Try ${tries} of ${String(metadata.messageId)} failed: ${reason}; next try at ${copy.scheduledEnqueueTimeUtc?.toISOString()} as ${String(copy.messageId)}`,
      );
    }
  };
}
