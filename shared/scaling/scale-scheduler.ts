import bundledCalendar from '../../bicep/sales-calendar.json';
import { type CapacityPlan, planCapacity, sameCapacity } from './capacity-plan';
import { type Capacity, parseCalendar, type SalesCalendar } from './sales-calendar';
import { parseScalingSettings } from './scaling-settings';

/** Where capacity lives. The Azure adapter is azure-capacity-target.ts; tests use a fake. */
export interface CapacityTarget {
  description: string;
  read(): Promise<Capacity>;
  apply(capacity: Capacity): Promise<void>;
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
  | { kind: 'applied'; plan: CapacityPlan; from: Capacity; to: Capacity };

export function describeCapacity(capacity: Capacity): string {
  return (
    `always-ready ${capacity.alwaysReadyInstances}, max instances ${capacity.maximumInstanceCount}, ` +
    `Cosmos max ${capacity.cosmosMaxThroughput} RU/s`
  );
}

function describePlan(plan: CapacityPlan): string {
  const why = plan.active.length
    ? plan.active.map((window) => `${window.name} (${window.phase})`).join(', ')
    : 'baseline';
  return `${describeCapacity(plan.capacity)} for ${why}`;
}

export interface SchedulerInput {
  calendar: SalesCalendar;
  now: Date;
  target: CapacityTarget | undefined;
  paused: boolean;
  log: SchedulerLog;
}

/**
 * One tick: compare the plan with what is deployed and change only what differs. Running it
 * every 5 minutes makes it self-healing (a redeploy or a manual change is corrected within a
 * tick). The instance ceiling is only raised here, never lowered: a high ceiling costs
 * nothing while unused and lowering it mid-burst would throttle shoppers.
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
  const current = await input.target.read();
  const desired: Capacity = {
    ...plan.capacity,
    maximumInstanceCount: Math.max(current.maximumInstanceCount, plan.capacity.maximumInstanceCount),
  };
  if (sameCapacity(current, desired)) {
    input.log.log(`scale-scheduler: ${input.target.description} already at ${describePlan(plan)}`);
    return { kind: 'unchanged', plan, current };
  }
  await input.target.apply(desired);
  input.log.log(
    `scale-scheduler: ${input.target.description} changed from ${describeCapacity(current)} ` +
      `to ${describeCapacity(desired)} for ${plan.active.map((window) => window.name).join(', ') || 'baseline'}`,
  );
  return { kind: 'applied', plan, from: current, to: desired };
}

/**
 * What the timer trigger calls: settings and calendar from the environment, the Azure
 * adapter only when a target is configured (imported lazily so local runs and cold starts
 * never load the management SDKs).
 */
export async function runScheduledScaling(
  now: Date,
  log: SchedulerLog,
  env: Record<string, string | undefined> = process.env,
): Promise<SchedulerOutcome> {
  const settings = parseScalingSettings(env);
  const calendar = parseCalendar(settings.calendarJson ? JSON.parse(settings.calendarJson) : bundledCalendar);
  let target: CapacityTarget | undefined;
  if (settings.target && !settings.paused) {
    const { createAzureCapacityTarget } = await import('./azure-capacity-target');
    target = createAzureCapacityTarget(settings.target);
  }
  return runScaleScheduler({ calendar, now, target, paused: settings.paused, log });
}
