import type { BusClock } from '../../shared/adapters/bus/local-bus';

/**
 * A clock that stands still until a test moves it: lock expiry, scheduled messages and backoff
 * are then proved by advancing time rather than sleeping through it.
 */
export function manualClock(start = Date.now()): BusClock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
