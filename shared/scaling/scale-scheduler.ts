import bundledCalendar from '../../bicep/sales-calendar.json';
import {
  type CapacityPlan,
  changedResources,
  planCapacity,
  resourceFields,
  resourceLabels,
  SCALED_RESOURCES,
  type ScaledResource,
} from './capacity-plan';
import { type Capacity, parseCalendar, type SalesCalendar } from './sales-calendar';
import type { ScalingSettings } from './scaling-settings';

/** What a target says about the changes it made (warnings worth an operator's eye). */
export interface ApplyReport {
  notes: string[];
}

/** Where capacity lives. The Azure adapter is azure-capacity-target.ts; tests use a fake. */
export interface CapacityTarget {
  description: string;
  /** The resources it controls; the plan's other fields are left as they are. */
  resources: readonly ScaledResource[];
  read(): Promise<Capacity>;
  /** Changes only the resources whose values differ from what is deployed. */
  apply(capacity: Capacity): Promise<ApplyReport | undefined>;
}

/** The subset of InvocationContext the scheduler logs through. */
export interface SchedulerLog {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export type SchedulerOutcome =
  | { kind: 'no-target'; plan: CapacityPlan }
  | { kind: 'paused'; plan: CapacityPlan }
  | { kind: 'unchanged'; plan: CapacityPlan; current: Capacity }
  | {
      kind: 'applied';
      plan: CapacityPlan;
      from: Capacity;
      to: Capacity;
      changed: ScaledResource[];
      notes: string[];
    };

export function describeCapacity(
  capacity: Capacity,
  resources: readonly ScaledResource[] = SCALED_RESOURCES,
): string {
  const parts: string[] = [];
  if (resources.includes('functions')) {
    parts.push(
      `always-ready ${capacity.alwaysReadyInstances}`,
      `max instances ${capacity.maximumInstanceCount}`,
    );
  }
  if (resources.includes('cosmos')) parts.push(`Cosmos max ${capacity.cosmosMaxThroughput} RU/s`);
  if (resources.includes('sql')) parts.push(`SQL ${capacity.sqlVCores} vCores`);
  return parts.join(', ');
}

/** `Black Friday (pre-warm)`, or `Black Friday (pre-warm: SQL)` while only some resources are up. */
export function describeActive(plan: Pick<CapacityPlan, 'active'>): string {
  return plan.active
    .map((window) => {
      const partial = window.resources.length < SCALED_RESOURCES.length;
      const which = partial
        ? `: ${window.resources.map((resource) => resourceLabels[resource]).join(', ')}`
        : '';
      return `${window.name} (${window.phase}${which})`;
    })
    .join(', ');
}

function describePlan(plan: CapacityPlan, resources?: readonly ScaledResource[]): string {
  return `${describeCapacity(plan.capacity, resources)} for ${describeActive(plan) || 'baseline'}`;
}

export interface SchedulerInput {
  calendar: SalesCalendar;
  now: Date;
  target: CapacityTarget | undefined;
  paused: boolean;
  log: SchedulerLog;
}

/**
 * One tick: compare the plan with what is deployed and change only what differs, so ticks
 * inside a window (or outside all of them) change nothing: no site update, no Cosmos or SQL
 * operation. Running it every 5 minutes makes it self-healing (a redeploy or a manual change
 * is corrected within a tick). The instance ceiling is only raised here, never lowered: a
 * high ceiling costs nothing while unused and lowering it mid-burst would throttle shoppers.
 */
export async function runScaleScheduler(input: SchedulerInput): Promise<SchedulerOutcome> {
  const plan = planCapacity(input.calendar, input.now);
  if (!input.target) {
    input.log.log(`scale-scheduler: no Azure target configured; plan is ${describePlan(plan)}`);
    return { kind: 'no-target', plan };
  }
  if (input.paused) {
    input.log.warn(`scale-scheduler: paused (SCALE_PAUSED=true); plan would be ${describePlan(plan)}`);
    return { kind: 'paused', plan };
  }
  const { resources } = input.target;
  const current = await input.target.read();
  const desired: Capacity = { ...current };
  for (const resource of resources) {
    for (const field of resourceFields[resource]) desired[field] = plan.capacity[field];
  }
  desired.maximumInstanceCount = Math.max(current.maximumInstanceCount, desired.maximumInstanceCount);
  const changed = changedResources(current, desired);
  if (changed.length === 0) {
    input.log.log(`scale-scheduler: ${input.target.description} already at ${describePlan(plan, resources)}`);
    return { kind: 'unchanged', plan, current };
  }
  const report = await input.target.apply(desired);
  const notes = report?.notes ?? [];
  input.log.log(
    `scale-scheduler: ${input.target.description} changed ${changed.map((r) => resourceLabels[r]).join(', ')} ` +
      `from ${describeCapacity(current, changed)} to ${describeCapacity(desired, changed)} ` +
      `for ${describeActive(plan) || 'baseline'}`,
  );
  for (const note of notes) input.log.warn(`scale-scheduler: ${note}`);
  return { kind: 'applied', plan, from: current, to: desired, changed, notes };
}

/**
 * What the timer trigger calls: settings from the config, the calendar from them, the Azure
 * adapter only when a target is configured (imported lazily so local runs and cold starts
 * never load the management SDKs).
 */
export async function runScheduledScaling(
  now: Date,
  log: SchedulerLog,
  settings: ScalingSettings,
): Promise<SchedulerOutcome> {
  const calendar = parseCalendar(settings.calendarJson ? JSON.parse(settings.calendarJson) : bundledCalendar);
  let target: CapacityTarget | undefined;
  if (settings.target && !settings.paused) {
    const { createAzureCapacityTarget } = await import('./azure-capacity-target');
    target = createAzureCapacityTarget(settings.target);
  }
  return runScaleScheduler({ calendar, now, target, paused: settings.paused, log });
}
