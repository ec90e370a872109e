import type { Capacity, SalesCalendar, SaleWindow } from './sales-calendar';

/**
 * The capacity that should be in place at an instant: a pure function of the calendar and
 * the time. A window holds its capacity from `start - preWarm` (inclusive) until
 * `end + coolDown` (exclusive); outside every window the baseline applies; where windows'
 * raised periods touch, each dimension takes the larger value.
 */

export type WindowPhase = 'pre-warm' | 'sale' | 'cool-down';

export interface ActiveWindow {
  name: string;
  phase: WindowPhase;
}

export interface CapacityPlan {
  at: Date;
  capacity: Capacity;
  /** Empty when the baseline applies. */
  active: ActiveWindow[];
}

export interface CapacityChange {
  at: Date;
  capacity: Capacity;
  active: ActiveWindow[];
}

const MINUTE = 60_000;

function raisedFrom(calendar: SalesCalendar, window: SaleWindow): number {
  return window.startMs - calendar.policy.preWarmMinutes * MINUTE;
}

function raisedUntil(calendar: SalesCalendar, window: SaleWindow): number {
  return window.endMs + calendar.policy.coolDownMinutes * MINUTE;
}

function phaseAt(calendar: SalesCalendar, window: SaleWindow, ms: number): WindowPhase | undefined {
  if (ms < raisedFrom(calendar, window) || ms >= raisedUntil(calendar, window)) return undefined;
  if (ms < window.startMs) return 'pre-warm';
  if (ms < window.endMs) return 'sale';
  return 'cool-down';
}

export function planCapacity(calendar: SalesCalendar, now: Date): CapacityPlan {
  const ms = now.getTime();
  const capacity: Capacity = { ...calendar.policy.baseline };
  const active: ActiveWindow[] = [];
  for (const window of calendar.windows) {
    const phase = phaseAt(calendar, window, ms);
    if (!phase) continue;
    active.push({ name: window.name, phase });
    capacity.alwaysReadyInstances = Math.max(
      capacity.alwaysReadyInstances,
      window.capacity.alwaysReadyInstances,
    );
    capacity.maximumInstanceCount = Math.max(
      capacity.maximumInstanceCount,
      window.capacity.maximumInstanceCount,
    );
    capacity.cosmosMaxThroughput = Math.max(
      capacity.cosmosMaxThroughput,
      window.capacity.cosmosMaxThroughput,
    );
  }
  return { at: new Date(ms), capacity, active };
}

export function sameCapacity(a: Capacity, b: Capacity): boolean {
  return (
    a.alwaysReadyInstances === b.alwaysReadyInstances &&
    a.maximumInstanceCount === b.maximumInstanceCount &&
    a.cosmosMaxThroughput === b.cosmosMaxThroughput
  );
}

/** The instants after `now` at which the planned capacity changes, soonest first. */
export function upcomingChanges(calendar: SalesCalendar, now: Date, limit = 20): CapacityChange[] {
  const ms = now.getTime();
  const edges = new Set<number>();
  for (const window of calendar.windows) {
    for (const edge of [raisedFrom(calendar, window), raisedUntil(calendar, window)]) {
      if (edge > ms) edges.add(edge);
    }
  }
  const changes: CapacityChange[] = [];
  let previous = planCapacity(calendar, now).capacity;
  for (const edge of [...edges].sort((a, b) => a - b)) {
    const plan = planCapacity(calendar, new Date(edge));
    if (sameCapacity(plan.capacity, previous)) continue;
    changes.push({ at: plan.at, capacity: plan.capacity, active: plan.active });
    previous = plan.capacity;
    if (changes.length >= limit) break;
  }
  return changes;
}
