import { httpFunction } from '../../shared/platform/function-definition';
import { checkHealth } from '../../shared/platform/health';
import { json } from '../../shared/platform/http';
import { services, startState } from '../../shared/platform/services';

/** Every dependency checked now: for operators and the deep check; 503 when a critical one is down. */
export const healthFunction = httpFunction({
  name: 'health',
  route: 'health',
  methods: ['GET'],
  handler: async () => {
    const report = await checkHealth(await services());
    return json(report.status === 'unhealthy' ? 503 : 200, report, { 'cache-control': 'no-store' });
  },
});

/**
 * What Front Door probes from every edge: is this instance up and started? It calls no
 * dependency, so probes neither cost database work nor keep serverless SQL awake. A failed
 * start is 503 with its reason; the probe also starts the services on a fresh instance.
 */
export const liveFunction = httpFunction({
  name: 'health-live',
  route: 'health/live',
  methods: ['GET', 'HEAD'],
  handler: async () => {
    await services().catch(() => {});
    const state = startState();
    const ready = state.state === 'ready';
    return json(ready ? 200 : 503, state, { 'cache-control': 'no-store' });
  },
});
