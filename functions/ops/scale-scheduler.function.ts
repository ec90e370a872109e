import { parseConfig } from '../../shared/platform/config';
import { timerFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';
import { storedWindowsReader } from '../../shared/scaling/sales-windows.service';
import { runScheduledScaling } from '../../shared/scaling/scale-scheduler';

/**
 * Every 5 minutes: make the deployed capacity match the plan, changing only what differs (a
 * tick inside a window makes no site update and no Cosmos or SQL call). The sizing policy is
 * the bundled calendar file's; the sale windows are read from the database at every tick, so a
 * window marketing adds (page, API or `npm run sales`) is planned at the next tick with no
 * rebuild. If the database does not answer, the tick plans with the windows it last read (or
 * the file's) and logs a warning. Each resource is raised its own lead time before a sale
 * (policy.leadTimes: Functions and Cosmos 30 min, SQL 60 min, Cosmos 12 h when it needs a
 * partition split), so it is asked for at most 5 minutes after that. Locally (no SCALE_*
 * settings) it logs the plan and "no Azure target configured".
 */
export const scaleSchedulerFunction = timerFunction({
  name: 'scale-scheduler',
  schedule: '0 */5 * * * *',
  // No runOnStartup: every new instance of a scaled-out app would run it too.
  handler: async (_timer, context) => {
    await runScheduledScaling(new Date(), context, parseConfig().scaling, {
      readWindows: storedWindowsReader(async () => (await services()).sql.db),
    });
  },
});
