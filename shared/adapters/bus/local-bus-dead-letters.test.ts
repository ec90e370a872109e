import { tempDir } from '../../../test/support/test-shop';
import { deadLetterQueueContract } from '../../messaging/dead-letters.contract';
import { inboxKey } from '../../messaging/inbox-key';
import { openRelationalStore } from '../sql/database';
import { LocalBus } from './local-bus';
import { LocalBusDeadLetterQueue } from './local-bus-dead-letters';

const topic = 'orders';
const topology = { [topic]: { receipts: { maxDeliveryCount: 3 }, fulfilment: { maxDeliveryCount: 3 } } };

deadLetterQueueContract('local bus (PGlite)', async () => {
  const store = await openRelationalStore({ kind: 'pglite', dataDir: await tempDir('dead-letters-') });
  const bus = await LocalBus.open(store.db, topology);
  return {
    queue: new LocalBusDeadLetterQueue(bus),
    topic,
    subscriptions: ['receipts', 'fulfilment'],
    publish: (message) => bus.publish(topic, [message]),
    async deliver(subscription) {
      const messages = await bus.receive(topic, subscription, 100);
      for (const message of messages) await bus.complete(message);
      // The trigger metadata the local host gives handlers (bus-delivery.ts).
      return messages.map((m) => ({
        inboxKey: inboxKey({ triggerMetadata: { messageId: m.messageId } }, undefined),
        subject: m.subject,
        body: m.body,
      }));
    },
    async failUntilDeadLettered(subscription, eventId, reason) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const messages = await bus.receive(topic, subscription, 100);
        if (messages.length !== 1 || messages[0]!.messageId !== eventId)
          throw new Error(
            `expected only ${eventId} on ${subscription}, got ${messages.map((m) => m.messageId)}`,
          );
        if ((await bus.abandon(topic, messages[0]!, reason)) === 'dead-lettered') return;
      }
      throw new Error('never dead-lettered');
    },
    unknownId: '999999',
    close: () => store.close(),
  };
});
