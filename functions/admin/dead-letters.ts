import type { HttpRequest } from '@azure/functions';
import { signedIn } from '../../shared/identity/require-principal';
import type { DeadLetterQueue } from '../../shared/messaging/dead-letters.port';
import { notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

// Locally the dead letters live in the local bus; in Azure they are the subscriptions'
// $DeadLetterQueue in Service Bus. Both behind one port (shared/messaging/dead-letters.port.ts).

async function adminDeadLetters(request: HttpRequest): Promise<DeadLetterQueue> {
  const s = await services();
  await signedIn(request, s, 'admin');
  return s.deadLetters;
}

export const listDeadLettersFunction = httpFunction({
  name: 'admin-list-dead-letters',
  route: 'admin/dead-letters',
  methods: ['GET'],
  handler: async (request) => {
    const items = await (await adminDeadLetters(request)).list();
    return json(200, { items }, { 'cache-control': 'no-store' });
  },
});

export const replayDeadLetterFunction = httpFunction({
  name: 'admin-replay-dead-letter',
  route: 'admin/dead-letters/{id}/replay',
  methods: ['POST'],
  handler: async (request) => {
    const deadLetters = await adminDeadLetters(request);
    const id = String(request.params.id ?? '');
    if (!(await deadLetters.replay(id))) throw notFound('Dead letter', id);
    return json(202, { id, replayed: true });
  },
});
