import type { LocalBus, ReceivedMessage } from '../../adapters/bus/local-bus';
import type { TopicFunction } from '../function-definition';
import { invocationContext, type Logger } from '../logging';

export interface BusDeliveryOptions {
  /** How long an idle receiver waits before looking again (a publish wakes it sooner). */
  idlePollMs?: number;
  /**
   * Most messages taken by one receive and handled together. Large, because concurrent
   * deliveries share their statements (inbox claims, order and stock reads: batcher.ts): a
   * consumer that is behind then spends far fewer statements per message.
   */
  batchSize?: number;
}

export const defaultBatchSize = 64;

/**
 * Delivers local-bus messages to topic functions with Service Bus trigger semantics: the
 * message is peek-locked, the handler runs, success completes it. A throw first backs off
 * along the subscription's redelivery schedule (as the Azure consumers do with a scheduled
 * copy, shared/adapters/bus/redelivery.ts); once that is used up it abandons, and the bus
 * dead-letters it when its deliveries reach the subscription's max delivery count.
 */
export function startBusDelivery(
  bus: LocalBus,
  functions: TopicFunction[],
  logger: Logger,
  options: BusDeliveryOptions = {},
): { stop(): Promise<void> } {
  let stopped = false;
  const idlePollMs = options.idlePollMs ?? 250;
  const loops = functions.map(async (fn) => {
    const key = `${fn.topic}/${fn.subscription}`;
    let wake: (() => void) | undefined;
    const onReady = (ready: string) => {
      if (ready === key) wake?.();
    };
    bus.signals.on('ready', onReady);
    try {
      while (!stopped) {
        let messages: ReceivedMessage[] = [];
        try {
          messages = await bus.receive(fn.topic, fn.subscription, options.batchSize ?? defaultBatchSize);
        } catch (error) {
          if (!stopped)
            logger('error', 'local bus receive failed', { subscription: key, error: String(error) });
        }
        const outcomes = await Promise.all(messages.map((message) => deliver(bus, fn, message, logger)));
        // One statement settles the batch's processed messages (a crash before it redelivers
        // them, which idempotent consumers absorb).
        const processed = messages.filter((_, i) => outcomes[i]);
        if (processed.length > 0) {
          try {
            await bus.completeAll(processed);
          } catch (error) {
            logger('error', 'local bus complete failed', { subscription: key, error: String(error) });
          }
        }
        if (messages.length === 0 && !stopped) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, idlePollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    } finally {
      bus.signals.off('ready', onReady);
    }
  });
  return {
    async stop() {
      stopped = true;
      bus.signals.emit('stop');
      for (const fn of functions) bus.signals.emit('ready', `${fn.topic}/${fn.subscription}`);
      await Promise.all(loops);
    },
  };
}

/** Runs the handler; true when it succeeded (the caller completes it), false when abandoned. */
async function deliver(
  bus: LocalBus,
  fn: TopicFunction,
  message: ReceivedMessage,
  logger: Logger,
): Promise<boolean> {
  const context = invocationContext(fn.name, logger, {
    messageId: message.messageId,
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: message.enqueuedAt.toISOString(),
    subject: message.subject,
    correlationId: message.correlationId,
  });
  try {
    await fn.handler(message.body, context);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      const delayMs = bus.redeliveryDelayMs(fn.topic, fn.subscription, message.redeliveries);
      if (delayMs !== undefined && (await bus.redeliverLater(fn.topic, message, delayMs))) {
        context.warn(
          `Try ${message.redeliveries + 1} of ${message.messageId} failed: ${reason}; next try in ${delayMs} ms`,
        );
        return false;
      }
      const outcome = await bus.abandon(fn.topic, message, reason);
      if (outcome === 'dead-lettered') {
        // The alert on-call gets in Azure is the dead-letter metric; locally, an error log line.
        context.error(
          `ALERT dead-lettered ${message.messageId} on ${fn.topic}/${fn.subscription}: ${reason}`,
        );
      } else {
        context.warn(`Delivery ${message.deliveryCount} of ${message.messageId} failed: ${reason}`);
      }
    } catch (settleError) {
      // Settling failed (e.g. the store is closing): the lock expires and the message returns.
      context.error(`Could not abandon ${message.messageId}`, settleError);
    }
    return false;
  }
}
