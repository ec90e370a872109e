import { timerFunction } from '../../shared/platform/function-definition';
import { runScheduledScaling } from '../../shared/scaling/scale-scheduler';

/**
 * Every 5 minutes: make the deployed capacity match the sales calendar's plan. With a
 * 30-minute pre-warm lead, capacity is in place at least 25 minutes before a sale opens.
 * Locally (no SCALE_* settings) it logs the plan and "no Azure target configured".
 */
export const scaleSchedulerFunction = timerFunction({
  name: 'scale-scheduler',
  schedule: '0 */5 * * * *',
  // No runOnStartup: every new instance of a scaled-out app would run it too.
  handler: async (_timer, context) => {
    await runScheduledScaling(new Date(), context);
  },
});
