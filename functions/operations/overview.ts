import { signedIn } from '../../shared/identity/require-principal';
import { operationsOverview } from '../../shared/operations/operations.service';
import { operationsRoles } from '../../shared/operations/operations-roles';
import { httpFunction, type TimerFunction } from '../../shared/platform/function-definition';
import { checkHealth } from '../../shared/platform/health';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

/** Health, outbox lag, consumer lag, dead-letter counts and heartbeats: the operations page. */
export const operationsOverviewFunction = httpFunction({
  name: 'operations-overview',
  route: 'operations/overview',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, operationsRoles);
    // The timers both hosts run; loaded here because the list of definitions includes this one.
    const { allFunctions } = await import('../definitions');
    const timers = allFunctions.filter((d): d is TimerFunction => d.kind === 'timer');
    const overview = await operationsOverview({
      db: s.sql.db,
      deadLetters: s.deadLetters,
      checkHealth: () => checkHealth(s),
      timers,
    });
    return json(200, overview, { 'cache-control': 'no-store' });
  },
});
