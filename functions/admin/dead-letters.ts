import { signedIn } from '../../shared/identity/require-principal';
import { AppError, notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

// Locally the dead-letter queues live in the local bus; in Azure they are the subscriptions'
// $DeadLetterQueue, which on-call reads in the portal or Service Bus Explorer (docs/runbook.md).

export const listDeadLettersFunction = httpFunction({
  name: 'admin-list-dead-letters',
  route: 'admin/dead-letters',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, 'admin');
    if (!s.localBus)
      throw new AppError(
        501,
        'not_available',
        'Dead letters are read in Service Bus in Azure (see docs/runbook.md).',
      );
    const items = (await s.localBus.deadLetters()).map((d) => ({
      id: String(d.seq),
      messageId: d.messageId,
      topic: d.topic,
      subscription: d.subscription,
      subject: d.subject,
      deliveryCount: d.deliveryCount,
      reason: d.reason,
      enqueuedAt: d.enqueuedAt.toISOString(),
      body: d.body,
    }));
    return json(200, { items }, { 'cache-control': 'no-store' });
  },
});

export const replayDeadLetterFunction = httpFunction({
  name: 'admin-replay-dead-letter',
  route: 'admin/dead-letters/{id}/replay',
  methods: ['POST'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, 'admin');
    if (!s.localBus)
      throw new AppError(
        501,
        'not_available',
        'Replay dead letters in Service Bus in Azure (see docs/runbook.md).',
      );
    const id = Number(request.params.id);
    if (!Number.isInteger(id) || !(await s.localBus.replay(id)))
      throw notFound('Dead letter', String(request.params.id));
    return json(202, { id: String(id), replayed: true });
  },
});
