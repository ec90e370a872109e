import { z } from 'zod';
import { describeInstant, isIanaTimeZone, localTimeToInstant } from './time-zones';

/**
 * Marketing's sales calendar (bicep/sales-calendar.json): named sale windows in local time
 * with an expected peak, plus the engineers' sizing policy that turns a peak into capacity.
 * Bicep reads the same file (loadJsonContent) and the scale-scheduler applies the plan.
 */

/** Capacity the scheduler controls. Flex Consumption + Cosmos DB autoscale. */
export interface Capacity {
  /** Always-ready instances for the `http` function group (billed while idle). */
  alwaysReadyInstances: number;
  /** Flex Consumption ceiling (40..1000); the scheduler only ever raises it. */
  maximumInstanceCount: number;
  /** Cosmos DB autoscale max RU/s of the products container (multiple of 1000). */
  cosmosMaxThroughput: number;
}

export interface SizingPolicy {
  /** Capacity is raised this long before a window opens (instances warm, RU/s in place). */
  preWarmMinutes: number;
  /** ...and kept this long after it closes, while carts and payments drain. */
  coolDownMinutes: number;
  /** Requests per second one instance serves comfortably (from bench/ results). */
  requestsPerSecondPerInstance: number;
  /** Cosmos RU charged per request on average (cache misses x ~1 RU point reads + queries). */
  cosmosRuPerRequest: number;
  /** Maximum instances = always-ready x this, so the platform can burst past the forecast. */
  burstFactor: number;
  baseline: Capacity;
  limits: Capacity;
}

export interface SaleWindowInput {
  name: string;
  /** Local wall-clock time, `YYYY-MM-DDTHH:mm`, in `timeZone`. */
  start: string;
  end: string;
  timeZone: string;
  /** Expected peak requests per second at the API, marketing's forecast. */
  expectedPeakRps: number;
}

export interface SalesCalendarFile {
  policy: SizingPolicy;
  windows: SaleWindowInput[];
}

export interface SaleWindow extends SaleWindowInput {
  startMs: number;
  endMs: number;
  capacity: Capacity;
}

export interface SalesCalendar {
  policy: SizingPolicy;
  /** Sorted by start. */
  windows: SaleWindow[];
}

export interface CalendarIssue {
  /** The window's name, or its index when unnamed; absent for file-level issues. */
  window?: string;
  field?: string;
  message: string;
}

export type CalendarResult = { ok: true; calendar: SalesCalendar } | { ok: false; issues: CalendarIssue[] };

// Platform limits: Flex Consumption allows 40..1000 maximum instances; Cosmos autoscale
// max RU/s starts at 1000 and moves in steps of 1000.
export const FLEX_MAX_INSTANCES = { min: 40, max: 1000 } as const;
export const COSMOS_AUTOSCALE = { min: 1000, step: 1000 } as const;

const capacitySchema = z.strictObject({
  alwaysReadyInstances: z.number().int().min(0).max(FLEX_MAX_INSTANCES.max),
  maximumInstanceCount: z.number().int().min(FLEX_MAX_INSTANCES.min).max(FLEX_MAX_INSTANCES.max),
  cosmosMaxThroughput: z
    .number()
    .int()
    .min(COSMOS_AUTOSCALE.min)
    .refine((value) => value % COSMOS_AUTOSCALE.step === 0, 'must be a multiple of 1000'),
});

const policySchema = z.strictObject({
  preWarmMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  coolDownMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  requestsPerSecondPerInstance: z.number().int().min(1),
  cosmosRuPerRequest: z.number().int().min(1),
  burstFactor: z.number().int().min(1).max(10),
  baseline: capacitySchema,
  limits: capacitySchema,
});

export const windowSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(80),
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  expectedPeakRps: z.number().int('must be a whole number').positive('must be more than 0'),
});

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  policy: policySchema,
  windows: z.array(z.unknown()),
});

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * What one window needs. Integer arithmetic on purpose: bicep/main.bicep computes the
 * instance ceiling from the same file with the same formula.
 */
export function capacityForPeak(policy: SizingPolicy, expectedPeakRps: number): Capacity {
  const alwaysReadyInstances = Math.max(
    policy.baseline.alwaysReadyInstances,
    ceilDiv(expectedPeakRps, policy.requestsPerSecondPerInstance),
  );
  return {
    alwaysReadyInstances,
    maximumInstanceCount: Math.max(
      policy.baseline.maximumInstanceCount,
      alwaysReadyInstances * policy.burstFactor,
    ),
    cosmosMaxThroughput: Math.max(
      policy.baseline.cosmosMaxThroughput,
      ceilDiv(expectedPeakRps * policy.cosmosRuPerRequest, COSMOS_AUTOSCALE.step) * COSMOS_AUTOSCALE.step,
    ),
  };
}

function zodIssues(error: z.ZodError, window?: string, prefix: string[] = []): CalendarIssue[] {
  return error.issues.map((issue) => {
    const field = [...prefix, ...issue.path.map(String)].join('.') || undefined;
    return {
      ...(window === undefined ? {} : { window }),
      ...(field ? { field } : {}),
      message: issue.message,
    };
  });
}

const capacityLabels: Record<keyof Capacity, string> = {
  alwaysReadyInstances: 'always-ready instances',
  maximumInstanceCount: 'maximum instances',
  cosmosMaxThroughput: 'Cosmos max RU/s',
};

function resolveTime(
  label: 'start' | 'end',
  value: string,
  timeZone: string,
  windowName: string,
  issues: CalendarIssue[],
): number | undefined {
  const result = localTimeToInstant(value, timeZone);
  switch (result.kind) {
    case 'ok':
      return result.instantMs;
    case 'invalid':
      issues.push({
        window: windowName,
        field: label,
        message: `${label} ${result.reason}, e.g. 2026-11-27T09:00`,
      });
      return undefined;
    case 'skipped':
      issues.push({
        window: windowName,
        field: label,
        message: `${label} ${value} does not exist in ${timeZone}: the clocks skip it (daylight saving starts). Pick another time.`,
      });
      return undefined;
    case 'ambiguous':
      issues.push({
        window: windowName,
        field: label,
        message:
          `${label} ${value} happens twice in ${timeZone} (daylight saving ends): ` +
          `${new Date(result.earlierMs).toISOString()} or ${new Date(result.laterMs).toISOString()}. Pick another time.`,
      });
      return undefined;
  }
}

export interface ReadOptions {
  /** When given, windows that have already ended are errors (booking and `validate`). */
  now?: Date;
}

/**
 * Parses and checks the calendar. All issues are collected so marketing sees every problem
 * at once. The scheduler reads without `now` (an ended window is harmless to a plan).
 */
export function readCalendar(input: unknown, options: ReadOptions = {}): CalendarResult {
  const file = fileSchema.safeParse(input);
  if (!file.success) return { ok: false, issues: zodIssues(file.error) };
  const { policy, windows: rawWindows } = file.data;
  const issues: CalendarIssue[] = [];
  if (policy.baseline.alwaysReadyInstances > policy.limits.alwaysReadyInstances) {
    issues.push({ field: 'policy.baseline', message: 'baseline always-ready instances exceed the limit' });
  }
  const windows: SaleWindow[] = [];
  const names = new Set<string>();
  rawWindows.forEach((raw, index) => {
    const parsed = windowSchema.safeParse(raw);
    const fallbackName =
      typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name
        : `#${index + 1}`;
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, fallbackName));
      return;
    }
    const input = parsed.data;
    if (names.has(input.name.toLowerCase())) {
      issues.push({
        window: input.name,
        field: 'name',
        message: `another window is already called '${input.name}'`,
      });
    }
    names.add(input.name.toLowerCase());
    if (!isIanaTimeZone(input.timeZone)) {
      issues.push({
        window: input.name,
        field: 'timeZone',
        message: `unknown time zone '${input.timeZone}': use an IANA name such as Europe/London or America/New_York`,
      });
      return;
    }
    const startMs = resolveTime('start', input.start, input.timeZone, input.name, issues);
    const endMs = resolveTime('end', input.end, input.timeZone, input.name, issues);
    if (startMs === undefined || endMs === undefined) return;
    if (endMs <= startMs) {
      issues.push({
        window: input.name,
        field: 'end',
        message: `ends (${input.end}) before it starts (${input.start}); end must be after start`,
      });
      return;
    }
    if (options.now && endMs <= options.now.getTime()) {
      issues.push({
        window: input.name,
        field: 'end',
        message: `is in the past: it ended ${describeInstant(endMs, input.timeZone)}; remove it from the calendar`,
      });
    }
    const capacity = capacityForPeak(policy, input.expectedPeakRps);
    for (const key of Object.keys(capacityLabels) as (keyof Capacity)[]) {
      if (capacity[key] > policy.limits[key]) {
        issues.push({
          window: input.name,
          field: 'expectedPeakRps',
          message:
            `capacity out of bounds: a peak of ${input.expectedPeakRps} req/s needs ${capacity[key]} ` +
            `${capacityLabels[key]}, the limit is ${policy.limits[key]}`,
        });
      }
    }
    windows.push({ ...input, startMs, endMs, capacity });
  });
  windows.sort((a, b) => a.startMs - b.startMs);
  for (let i = 1; i < windows.length; i++) {
    const previous = windows[i - 1]!;
    const current = windows[i]!;
    if (current.startMs < previous.endMs) {
      issues.push({
        window: current.name,
        field: 'start',
        message:
          `overlaps '${previous.name}' (${describeInstant(previous.startMs, previous.timeZone)} to ` +
          `${describeInstant(previous.endMs, previous.timeZone)}); merge them or move one`,
      });
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, calendar: { policy, windows } };
}

export function formatIssue(issue: CalendarIssue): string {
  const where = [issue.window ? `'${issue.window}'` : '', issue.field ?? ''].filter(Boolean).join(' ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

export class CalendarError extends Error {
  override name = 'CalendarError';
  readonly issues: CalendarIssue[];
  constructor(issues: CalendarIssue[]) {
    super(`The sales calendar is invalid:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`);
    this.issues = issues;
  }
}

/** Like `readCalendar`, but throws a CalendarError listing every issue. */
export function parseCalendar(input: unknown, options: ReadOptions = {}): SalesCalendar {
  const result = readCalendar(input, options);
  if (!result.ok) throw new CalendarError(result.issues);
  return result.calendar;
}
