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
import {
  type Capacity,
  formatIssue,
  parseCalendar,
  type SalesCalendar,
  type SalesCalendarFile,
  type SaleWindowInput,
} from './sales-calendar';
import { planningCalendar } from './sales-windows.service';
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

/** The calendar file: SALES_CALENDAR when set (Bicep ships bicep/sales-calendar.json there), else the bundled copy. */
export function calendarFile(settings: Pick<ScalingSettings, 'calendarJson'>): SalesCalendarFile {
  const input: unknown = settings.calendarJson ? JSON.parse(settings.calendarJson) : bundledCalendar;
  // Checked whole, policy and seed windows, as before the windows moved to the database.
  parseCalendar(input);
  return input as SalesCalendarFile;
}

let installedTarget: CapacityTarget | undefined;

/**
 * Installs a capacity target in place of the configured one (tests and the local host: the
 * capacity target's fake). `undefined` goes back to the configuration.
 */
export function useCapacityTarget(target: CapacityTarget | undefined): void {
  installedTarget = target;
}

/**
 * The installed target, else the Azure adapter when SCALE_* name one (imported lazily so local
 * runs and cold starts never load the management SDKs), else none.
 */
export async function configuredCapacityTarget(
  settings: ScalingSettings,
): Promise<CapacityTarget | undefined> {
  if (installedTarget) return installedTarget;
  if (!settings.target) return undefined;
  const { createAzureCapacityTarget } = await import('./azure-capacity-target');
  return createAzureCapacityTarget(settings.target);
}

export interface ScheduledScalingOptions {
  /**
   * The sale windows as stored (the database, seeded from the file on first use). Absent: the
   * file's own windows, as before the store existed.
   */
  readWindows?: (file: SalesCalendarFile, now: Date) => Promise<SaleWindowInput[]>;
  /** How long a read may take before the tick plans without it (default 15 s). */
  readTimeoutMs?: number;
}

/** The windows the last successful read returned, for ticks while the database is away. */
let lastRead: { windows: SaleWindowInput[]; at: Date } | undefined;

/** Forgets the last windows read (tests). */
export function forgetLastReadWindows(): void {
  lastRead = undefined;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The windows for this tick. A database that is briefly away must not stop scaling: the tick
 * plans with the windows it last read (this process), else with the file's, and says so.
 */
async function windowsForTick(
  file: SalesCalendarFile,
  now: Date,
  log: SchedulerLog,
  options: ScheduledScalingOptions,
): Promise<SaleWindowInput[]> {
  if (!options.readWindows) return file.windows;
  try {
    const windows = await withTimeout(options.readWindows(file, now), options.readTimeoutMs ?? 15_000);
    lastRead = { windows, at: now };
    return windows;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (lastRead) {
      log.warn(
        `scale-scheduler: could not read the sale windows from the database (${reason}); ` +
          `planning with the ${lastRead.windows.length} window(s) last read at ${lastRead.at.toISOString()}`,
      );
      return lastRead.windows;
    }
    log.warn(
      `scale-scheduler: could not read the sale windows from the database (${reason}); ` +
        `planning with the calendar file's ${file.windows.length} window(s) until it answers`,
    );
    return file.windows;
  }
}

/**
 * What the timer trigger calls: the policy from the calendar file, the windows from the store
 * (options.readWindows) or the file, the target when one is configured or installed.
 */
export async function runScheduledScaling(
  now: Date,
  log: SchedulerLog,
  settings: ScalingSettings,
  options: ScheduledScalingOptions = {},
): Promise<SchedulerOutcome> {
  const file = calendarFile(settings);
  const windows = await windowsForTick(file, now, log, options);
  const { calendar, skipped } = planningCalendar(file.policy, windows);
  for (const issue of skipped) {
    log.warn(`scale-scheduler: window left out of the plan: ${formatIssue(issue)}`);
  }
  const target = settings.paused ? undefined : await configuredCapacityTarget(settings);
  return runScaleScheduler({ calendar, now, target, paused: settings.paused, log });
}
