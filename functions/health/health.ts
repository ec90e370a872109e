import { httpFunction } from '../../shared/platform/function-definition';
import { checkHealth } from '../../shared/platform/health';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

export const healthFunction = httpFunction({
  name: 'health',
  route: 'health',
  methods: ['GET'],
  handler: async () => {
    const report = await checkHealth(await services());
    return json(report.status === 'unhealthy' ? 503 : 200, report, { 'cache-control': 'no-store' });
  },
});
