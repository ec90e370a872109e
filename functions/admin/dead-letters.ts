import type { HttpRequest } from '@azure/functions';
import { signedIn } from '../../shared/identity/require-principal';
import type { DeadLetterQueue } from '../../shared/messaging/dead-letters.port';
import { purgeAll, replayAll } from '../../shared/operations/operations.service';
import { operationsRoles } from '../../shared/operations/operations-roles';
import { notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJson, readOptionalJson } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

// Locally the dead letters live in the local bus; in Azure they are the subscriptions'
// $DeadLetterQueue in Service Bus. Both behind one port (shared/messaging/dead-letters.port.ts).
// Operations and admins may use them (the /operations page).

async function operatorsDeadLetters(request: HttpRequest): Promise<DeadLetterQueue> {
  const s = await services();
  await signedIn(request, s, operationsRoles);
  return s.deadLetters;
}

export const listDeadLettersFunction = httpFunction({
  name: 'admin-list-dead-letters',
  route: 'admin/dead-letters',
  methods: ['GET'],
  handler: async (request) => {
    const items = await (await operatorsDeadLetters(request)).list();
    return json(200, { items }, { 'cache-control': 'no-store' });
  },
});

export const replayDeadLetterFunction = httpFunction({
  name: 'admin-replay-dead-letter',
  route: 'admin/dead-letters/{id}/replay',
  methods: ['POST'],
  handler: async (request) => {
    const deadLetters = await operatorsDeadLetters(request);
    const id = String(request.params.id ?? '');
    if (!(await deadLetters.replay(id))) throw notFound('Dead letter', id);
    return json(202, { id, replayed: true });
  },
});

/** Body `{ subscription? }`: every dead letter, or one subscription's. */
export const replayAllDeadLettersFunction = httpFunction({
  name: 'admin-replay-all-dead-letters',
  route: 'admin/dead-letters/replay-all',
  methods: ['POST'],
  handler: async (request) => {
    const deadLetters = await operatorsDeadLetters(request);
    return json(200, await replayAll(deadLetters, await readOptionalJson(request)));
  },
});

export const purgeDeadLetterFunction = httpFunction({
  name: 'admin-purge-dead-letter',
  route: 'admin/dead-letters/{id}',
  methods: ['DELETE'],
  handler: async (request) => {
    const deadLetters = await operatorsDeadLetters(request);
    const id = String(request.params.id ?? '');
    if (!(await deadLetters.purge(id))) throw notFound('Dead letter', id);
    return { status: 204 };
  },
});

/** Body `{ subscription, expectedCount }`: 409 `dead_letters_changed` unless the count still matches. */
export const purgeAllDeadLettersFunction = httpFunction({
  name: 'admin-purge-dead-letters',
  route: 'admin/dead-letters/purge',
  methods: ['POST'],
  handler: async (request) => {
    const deadLetters = await operatorsDeadLetters(request);
    return json(200, await purgeAll(deadLetters, await readJson(request)));
  },
});
