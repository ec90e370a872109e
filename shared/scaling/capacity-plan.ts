import { type Capacity, cosmosLeadMinutes, type SalesCalendar, type SaleWindow } from './sales-calendar';

/**
 * The capacity that should be in place at an instant: a pure function of the calendar and
 * the time. Each resource has its own lead time (policy.leadTimes): a window holds that
 * resource's capacity from `start - lead` (inclusive) until `end + coolDown` (exclusive).
 * Outside every window the baseline applies; where windows' raised periods touch, each
 * dimension takes the larger value.
 *
 * Why the leads differ (sources in docs/deploy.md, "Sale-time scaling"):
 * - Functions: a functionAppConfig change is a site update; with the rolling strategy
 *   instances are replaced in batches, so always-ready capacity needs minutes to settle.
 * - Cosmos: instant up to physical partitions x 10,000 RU/s; above that Cosmos splits
 *   partitions first, "typically 4-6 hours", so such a window is raised
 *   `leadTimes.cosmosSplitMinutes` ahead.
 * - SQL: a vCore change takes minutes (Hyperscale typically < 2, General Purpose < 5) and
 *   ends with a switch-over that drops open connections; it is done well before shoppers
 *   arrive, and undone after the cool-down.
 */

export type ScaledResource = 'functions' | 'cosmos' | 'sql';
export const SCALED_RESOURCES: readonly ScaledResource[] = ['functions', 'cosmos', 'sql'];

export const resourceLabels: Record<ScaledResource, string> = {
  functions: 'Functions',
  cosmos: 'Cosmos',
  sql: 'SQL',
};

/** The Capacity fields each resource owns. */
export const resourceFields: Record<ScaledResource, readonly (keyof Capacity)[]> = {
  functions: ['alwaysReadyInstances', 'maximumInstanceCount'],
  cosmos: ['cosmosMaxThroughput'],
  sql: ['sqlVCores'],
};

export type WindowPhase = 'pre-warm' | 'sale' | 'cool-down';

export interface ActiveWindow {
  name: string;
  phase: WindowPhase;
  /** The resources raised for this window at that instant (fewer than all while leads differ). */
  resources: ScaledResource[];
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

/** When one resource is raised for a window, and when it comes down again. */
export interface ResourceSchedule {
  resource: ScaledResource;
  leadMinutes: number;
  raiseAt: Date;
  lowerAt: Date;
  /** Cosmos only: the raise needs partition splits (asynchronous, hours). */
  split?: boolean;
}

const MINUTE = 60_000;

export function leadMinutes(calendar: SalesCalendar, window: SaleWindow, resource: ScaledResource): number {
  const { leadTimes } = calendar.policy;
  switch (resource) {
    case 'functions':
      return leadTimes.functionsMinutes;
    case 'cosmos':
      return cosmosLeadMinutes(calendar.policy, window.cosmosSplit);
    case 'sql':
      return leadTimes.sqlMinutes;
  }
}

function raisedFrom(calendar: SalesCalendar, window: SaleWindow, resource: ScaledResource): number {
  return window.startMs - leadMinutes(calendar, window, resource) * MINUTE;
}

function raisedUntil(calendar: SalesCalendar, window: SaleWindow): number {
  return window.endMs + calendar.policy.coolDownMinutes * MINUTE;
}

/** Raise and lower times of every resource for one window, earliest raise first. */
export function windowSchedule(calendar: SalesCalendar, window: SaleWindow): ResourceSchedule[] {
  const lowerAt = new Date(raisedUntil(calendar, window));
  return SCALED_RESOURCES.map((resource): ResourceSchedule => {
    const schedule: ResourceSchedule = {
      resource,
      leadMinutes: leadMinutes(calendar, window, resource),
      raiseAt: new Date(raisedFrom(calendar, window, resource)),
      lowerAt,
    };
    return resource === 'cosmos' ? { ...schedule, split: window.cosmosSplit } : schedule;
  }).sort((a, b) => a.raiseAt.getTime() - b.raiseAt.getTime());
}

function phaseOf(window: SaleWindow, ms: number): WindowPhase {
  if (ms < window.startMs) return 'pre-warm';
  if (ms < window.endMs) return 'sale';
  return 'cool-down';
}

export function planCapacity(calendar: SalesCalendar, now: Date): CapacityPlan {
  const ms = now.getTime();
  const capacity: Capacity = { ...calendar.policy.baseline };
  const active: ActiveWindow[] = [];
  for (const window of calendar.windows) {
    if (ms >= raisedUntil(calendar, window)) continue;
    const resources = SCALED_RESOURCES.filter((resource) => ms >= raisedFrom(calendar, window, resource));
    if (resources.length === 0) continue;
    active.push({ name: window.name, phase: phaseOf(window, ms), resources });
    for (const resource of resources) {
      for (const field of resourceFields[resource]) {
        capacity[field] = Math.max(capacity[field], window.capacity[field]);
      }
    }
  }
  return { at: new Date(ms), capacity, active };
}

export function sameCapacity(a: Capacity, b: Capacity): boolean {
  return (
    a.alwaysReadyInstances === b.alwaysReadyInstances &&
    a.maximumInstanceCount === b.maximumInstanceCount &&
    a.cosmosMaxThroughput === b.cosmosMaxThroughput &&
    a.sqlVCores === b.sqlVCores
  );
}

/** The resources whose fields differ between two capacities. */
export function changedResources(from: Capacity, to: Capacity): ScaledResource[] {
  return SCALED_RESOURCES.filter((resource) =>
    resourceFields[resource].some((field) => from[field] !== to[field]),
  );
}

/** The instants after `now` at which the planned capacity changes, soonest first. */
export function upcomingChanges(calendar: SalesCalendar, now: Date, limit = 20): CapacityChange[] {
  const ms = now.getTime();
  const edges = new Set<number>();
  for (const window of calendar.windows) {
    for (const resource of SCALED_RESOURCES) {
      const edge = raisedFrom(calendar, window, resource);
      if (edge > ms) edges.add(edge);
    }
    const lowered = raisedUntil(calendar, window);
    if (lowered > ms) edges.add(lowered);
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
