import { listPickRequests, markShipped } from '../../shared/fulfilment/warehouse.service';
import { signedIn } from '../../shared/identity/require-principal';
import { nudgeRelay } from '../../shared/messaging/outbox';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, queryObject, readOptionalJson } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

/** The warehouse works the pick list; an admin may stand in. */
const staff = ['warehouse', 'admin'] as const;

export const listPickRequestsFunction = httpFunction({
  name: 'list-pick-requests',
  route: 'fulfilment/requests',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, staff);
    return json(200, await listPickRequests(s.sql.db, queryObject(request)), { 'cache-control': 'no-store' });
  },
});

export const markShippedFunction = httpFunction({
  name: 'mark-shipped',
  route: 'fulfilment/requests/{id}/shipped',
  methods: ['POST'],
  handler: async (request, context) => {
    const s = await services();
    await signedIn(request, s, staff);
    const result = await markShipped(s.sql.db, request.params.id ?? '', await readOptionalJson(request));
    void nudgeRelay(s.sql.db, s.bus, (error) => context.warn(`relay deferred: ${String(error)}`));
    return json(200, result);
  },
});
