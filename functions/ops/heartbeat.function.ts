import { timerFunction } from '../../shared/platform/function-definition';
import { recordHeartbeat } from '../../shared/platform/telemetry';

/** Every minute: proof of life. The "heartbeat missing" alert fires when these stop. */
export const heartbeatFunction = timerFunction({
  name: 'heartbeat',
  schedule: '0 * * * * *',
  handler: async (timer, context) => {
    recordHeartbeat(new Date(), timer.isPastDue, context);
  },
});
