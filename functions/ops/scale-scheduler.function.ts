import { parseConfig } from '../../shared/platform/config';
import { timerFunction } from '../../shared/platform/function-definition';
import { runScheduledScaling } from '../../shared/scaling/scale-scheduler';

/**
 * Every 5 minutes: make the deployed capacity match the sales calendar's plan, changing only
 * what differs (a tick inside a window makes no site update and no Cosmos or SQL call). Each
 * resource is raised its own lead time before a sale (policy.leadTimes: Functions and Cosmos
 * 30 min, SQL 60 min, Cosmos 12 h when it needs a partition split), so it is asked for at most
 * 5 minutes after that. Locally (no SCALE_* settings) it logs the plan and "no Azure target
 * configured".
 */
export const scaleSchedulerFunction = timerFunction({
  name: 'scale-scheduler',
  schedule: '0 */5 * * * *',
  // No runOnStartup: every new instance of a scaled-out app would run it too.
  handler: async (_timer, context) => {
    // The settings alone: scaling needs none of the services (no database, no cache).
    await runScheduledScaling(new Date(), context, parseConfig().scaling);
  },
});
