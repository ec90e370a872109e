import type { Timer } from '@azure/functions';
import { Cron } from 'croner';
import type { TimerFunction } from '../function-definition';
import { invocationContext, type Logger } from '../logging';

/**
 * Runs timer functions on their NCRONTAB schedules (six fields, seconds first, UTC), never
 * overlapping a run of the same function, as the Functions host does with its singleton lock.
 */
export function startTimers(functions: TimerFunction[], logger: Logger): { stop(): void } {
  const jobs = functions.map((fn) => {
    let lastRun = Date.now();
    const run = async () => {
      const now = Date.now();
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: new Date(lastRun).toISOString(),
          next: '',
          lastUpdated: new Date(now).toISOString(),
        },
      };
      lastRun = now;
      const context = invocationContext(fn.name, logger);
      try {
        await fn.handler(timer, context);
      } catch (error) {
        context.error(`Timer ${fn.name} failed`, error);
      }
    };
    const job = new Cron(fn.schedule, { timezone: 'UTC', protect: true }, run);
    if (fn.runOnStartup) void run();
    return job;
  });
  return {
    stop() {
      for (const job of jobs) job.stop();
    },
  };
}
