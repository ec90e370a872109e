import * as z from 'zod';
import { describeInstant, isIanaTimeZone, localTimeToInstant } from './time-zones';

/**
 * Marketing's sales calendar (bicep/sales-calendar.json): named sale windows in local time
 * with an expected peak, plus the engineers' sizing policy that turns a peak into capacity
 * and says how long ahead each resource must be raised. Bicep reads the same file
 * (loadJsonContent) and the scale-scheduler applies the plan (capacity-plan.ts).
 */

/** Capacity the scheduler controls: Flex Consumption, Cosmos DB autoscale, Azure SQL. */
export interface Capacity {
  /** Always-ready instances for the `http` function group (billed while idle). */
  alwaysReadyInstances: number;
  /** Flex Consumption ceiling (40..1000); the scheduler only ever raises it. */
  maximumInstanceCount: number;
  /** Cosmos DB autoscale max RU/s of the products container (multiple of 1000). */
  cosmosMaxThroughput: number;
  /** vCores of the Azure SQL database (max vCores when serverless). */
  sqlVCores: number;
}

/**
 * How long before a window opens each resource is raised. Every resource is lowered
 * `coolDownMinutes` after the window closes.
 */
export interface LeadTimes {
  /** Always-ready instances and the instance ceiling (one functionAppConfig site update). */
  functionsMinutes: number;
  /** Cosmos max RU/s when the increase is instant (within the instant ceiling). */
  cosmosMinutes: number;
  /**
   * Cosmos max RU/s when the increase needs partition splits (above the instant ceiling).
   * Microsoft documents such a scale-up as asynchronous, "typically 4-6 hours":
   * https://learn.microsoft.com/azure/cosmos-db/scaling-provisioned-throughput-best-practices
   */
  cosmosSplitMinutes: number;
  /** SQL vCores: a scale operation plus the brief connection drop at its switch-over. */
  sqlMinutes: number;
}

export interface SizingPolicy {
  leadTimes: LeadTimes;
  /** ...and every resource keeps its window's capacity this long after it closes. */
  coolDownMinutes: number;
  /** Requests per second one instance serves comfortably (from bench/ results). */
  requestsPerSecondPerInstance: number;
  /** Cosmos RU charged per request on average (cache misses x ~1 RU point reads + queries). */
  cosmosRuPerRequest: number;
  /** Maximum instances = always-ready x this, so the platform can burst past the forecast. */
  burstFactor: number;
  /**
   * Physical partitions of the products container today. Each serves at most 10,000 RU/s, so
   * raising the autoscale max up to partitions x 10,000 is instant; above it Cosmos splits
   * partitions first. Update it after a split (Cosmos → Scale & settings, or the throughput
   * GET's `instantMaximumThroughput` / 10,000).
   */
  cosmosPhysicalPartitions: number;
  /** API requests per second one SQL vCore carries at a sale's write mix (an estimate). */
  sqlRequestsPerSecondPerVCore: number;
  /** vCore sizes the database's tier offers, ascending; a window gets the smallest that fits. */
  sqlVCoreSizes: number[];
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
  /** Optional: SQL vCores for this window instead of the policy's sizing. */
  sqlVCores?: number;
  /** When the window was booked (ISO instant; `npm run sales -- add` writes it). */
  bookedAt?: string;
}

export interface SalesCalendarFile {
  policy: SizingPolicy;
  windows: SaleWindowInput[];
}

export interface SaleWindow extends SaleWindowInput {
  startMs: number;
  endMs: number;
  /** Undefined when the file does not say when it was booked. */
  bookedMs: number | undefined;
  capacity: Capacity;
  /** The window's Cosmos max is above the instant ceiling: the raise waits for splits. */
  cosmosSplit: boolean;
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
/**
 * Cosmos DB: one physical partition serves up to 10,000 RU/s; the highest max RU/s reachable
 * without a split is `physical partitions x 10,000` (scaling-provisioned-throughput-best-practices).
 * Lowering an autoscale max stops at `MAX(1,000, highest max ever provisioned / 10, storage GB
 * x 10)` (https://learn.microsoft.com/azure/cosmos-db/autoscale-faq, "How do I lower the
 * maximum RU/s?"), so a window may not need more than 10 x the baseline it returns to.
 */
export const COSMOS_RU_PER_PHYSICAL_PARTITION = 10_000;
export const COSMOS_LOWEST_MAX_DIVISOR = 10;

const capacitySchema = z.strictObject({
  alwaysReadyInstances: z.number().int().min(0).max(FLEX_MAX_INSTANCES.max),
  maximumInstanceCount: z.number().int().min(FLEX_MAX_INSTANCES.min).max(FLEX_MAX_INSTANCES.max),
  cosmosMaxThroughput: z
    .number()
    .int()
    .min(COSMOS_AUTOSCALE.min)
    .refine((value) => value % COSMOS_AUTOSCALE.step === 0, 'must be a multiple of 1000'),
  sqlVCores: z.number().int().min(1).max(128),
});

const minutes = (max: number) => z.number().int().min(0).max(max);

const policySchema = z.strictObject({
  leadTimes: z.strictObject({
    functionsMinutes: minutes(24 * 60),
    cosmosMinutes: minutes(24 * 60),
    cosmosSplitMinutes: minutes(7 * 24 * 60),
    sqlMinutes: minutes(24 * 60),
  }),
  coolDownMinutes: minutes(24 * 60),
  requestsPerSecondPerInstance: z.number().int().min(1),
  cosmosRuPerRequest: z.number().int().min(1),
  burstFactor: z.number().int().min(1).max(10),
  cosmosPhysicalPartitions: z.number().int().min(1),
  sqlRequestsPerSecondPerVCore: z.number().int().min(1),
  sqlVCoreSizes: z
    .array(z.number().int().min(1).max(128))
    .min(1)
    .refine((sizes) => sizes.every((size, i) => i === 0 || size > sizes[i - 1]!), 'must be ascending'),
  baseline: capacitySchema,
  limits: capacitySchema,
});

export const windowSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(80),
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  expectedPeakRps: z.number().int('must be a whole number').positive('must be more than 0'),
  sqlVCores: z.number().int('must be a whole number').positive('must be more than 0').optional(),
  bookedAt: z
    .string()
    .refine(
      (value) => /(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)),
      'must be an ISO instant with Z or an offset, e.g. 2026-11-01T09:00:00Z',
    )
    .optional(),
});

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  policy: policySchema,
  windows: z.array(z.unknown()),
});

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

const MINUTE = 60_000;

/** The highest Cosmos max RU/s the container reaches without splitting partitions. */
export function cosmosInstantCeiling(policy: SizingPolicy): number {
  return policy.cosmosPhysicalPartitions * COSMOS_RU_PER_PHYSICAL_PARTITION;
}

/** The lowest autoscale max Cosmos accepts after a max of `maxThroughput` was set (ignoring storage). */
export function cosmosLowestMaxAfter(maxThroughput: number): number {
  const tenth = ceilDiv(maxThroughput, COSMOS_LOWEST_MAX_DIVISOR);
  return Math.max(COSMOS_AUTOSCALE.min, ceilDiv(tenth, COSMOS_AUTOSCALE.step) * COSMOS_AUTOSCALE.step);
}

/** The smallest offered size at or above `needed`; `needed` itself when none is big enough. */
function sqlSizeFor(policy: SizingPolicy, needed: number): number {
  return policy.sqlVCoreSizes.find((size) => size >= needed) ?? needed;
}

/**
 * What one window needs. Integer arithmetic on purpose: bicep/main.bicep computes the
 * instance ceiling from the same file with the same formula. `sqlVCores`, when the window
 * sets it, replaces the policy's SQL sizing.
 */
export function capacityForPeak(policy: SizingPolicy, expectedPeakRps: number, sqlVCores?: number): Capacity {
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
    sqlVCores:
      sqlVCores ??
      sqlSizeFor(
        policy,
        Math.max(policy.baseline.sqlVCores, ceilDiv(expectedPeakRps, policy.sqlRequestsPerSecondPerVCore)),
      ),
  };
}

/** Minutes before a window's start that Cosmos is raised for it (split lead when it needs one). */
export function cosmosLeadMinutes(policy: SizingPolicy, cosmosSplit: boolean): number {
  const { cosmosMinutes, cosmosSplitMinutes } = policy.leadTimes;
  return cosmosSplit ? Math.max(cosmosMinutes, cosmosSplitMinutes) : cosmosMinutes;
}

function hours(minutesValue: number): string {
  const value = minutesValue / 60;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} h`;
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
  sqlVCores: 'SQL vCores',
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

function policyIssues(policy: SizingPolicy): CalendarIssue[] {
  const issues: CalendarIssue[] = [];
  if (policy.baseline.alwaysReadyInstances > policy.limits.alwaysReadyInstances) {
    issues.push({ field: 'policy.baseline', message: 'baseline always-ready instances exceed the limit' });
  }
  for (const where of ['baseline', 'limits'] as const) {
    if (!policy.sqlVCoreSizes.includes(policy[where].sqlVCores)) {
      issues.push({
        field: `policy.${where}.sqlVCores`,
        message: `${policy[where].sqlVCores} is not one of policy.sqlVCoreSizes (${policy.sqlVCoreSizes.join(', ')})`,
      });
    }
  }
  return issues;
}

/** Windows above the instant ceiling must be booked before the split lead; says why not. */
function splitLeadIssue(policy: SizingPolicy, window: SaleWindow, now: Date): CalendarIssue | undefined {
  if (!window.cosmosSplit || window.endMs <= now.getTime()) return undefined;
  const lead = cosmosLeadMinutes(policy, true);
  const raiseBy = window.startMs - lead * MINUTE;
  const booked = window.bookedMs ?? now.getTime();
  if (booked <= raiseBy) return undefined;
  const ceiling = cosmosInstantCeiling(policy);
  const instantPeak = Math.floor(ceiling / policy.cosmosRuPerRequest);
  return {
    window: window.name,
    field: 'expectedPeakRps',
    message:
      `needs ${window.capacity.cosmosMaxThroughput} Cosmos max RU/s, more than the ${ceiling} RU/s that ` +
      `${policy.cosmosPhysicalPartitions} physical partition(s) reach instantly: Cosmos must split partitions first ` +
      `(typically 4-6 hours; the policy allows ${hours(lead)}). It had to be booked by ` +
      `${describeInstant(raiseBy, window.timeZone)} and was ${window.bookedMs === undefined ? 'checked' : 'booked'} ` +
      `${describeInstant(booked, window.timeZone)}${window.bookedMs === undefined ? ' (no bookedAt)' : ''}. ` +
      `Move the window later, lower the peak to at most ${instantPeak} req/s, or have the container split ahead ` +
      `of time and raise policy.cosmosPhysicalPartitions (docs/runbook.md, sale day).`,
  };
}

export interface ReadOptions {
  /**
   * When given (booking and `validate`), a window whose Cosmos raise needs a partition split
   * must have been booked (`bookedAt`, or now when it has none) at least the split lead time
   * before it starts. Windows that have ended are history, never errors (`validate` notes them).
   */
  now?: Date;
}

/**
 * Parses and checks the calendar. All issues are collected so marketing sees every problem
 * at once. The scheduler reads without `now` (an ended or late window is harmless to a plan:
 * it applies what it can as soon as it can).
 */
export function readCalendar(input: unknown, options: ReadOptions = {}): CalendarResult {
  const file = fileSchema.safeParse(input);
  if (!file.success) return { ok: false, issues: zodIssues(file.error) };
  const { policy, windows: rawWindows } = file.data;
  const issues: CalendarIssue[] = policyIssues(policy);
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
    if (input.sqlVCores !== undefined && !policy.sqlVCoreSizes.includes(input.sqlVCores)) {
      issues.push({
        window: input.name,
        field: 'sqlVCores',
        message: `${input.sqlVCores} is not a size the database offers: use one of ${policy.sqlVCoreSizes.join(', ')}`,
      });
    }
    const capacity = capacityForPeak(policy, input.expectedPeakRps, input.sqlVCores);
    for (const key of Object.keys(capacityLabels) as (keyof Capacity)[]) {
      if (capacity[key] > policy.limits[key]) {
        issues.push({
          window: input.name,
          field: key === 'sqlVCores' && input.sqlVCores !== undefined ? 'sqlVCores' : 'expectedPeakRps',
          message:
            `capacity out of bounds: a peak of ${input.expectedPeakRps} req/s needs ${capacity[key]} ` +
            `${capacityLabels[key]}, the limit is ${policy.limits[key]}`,
        });
      }
    }
    const floor = cosmosLowestMaxAfter(capacity.cosmosMaxThroughput);
    if (floor > policy.baseline.cosmosMaxThroughput) {
      issues.push({
        window: input.name,
        field: 'expectedPeakRps',
        message:
          `needs ${capacity.cosmosMaxThroughput} Cosmos max RU/s, but after it Cosmos would not go back below ` +
          `${floor} RU/s (a tenth of the highest max ever set) while the baseline is ` +
          `${policy.baseline.cosmosMaxThroughput}: raise policy.baseline.cosmosMaxThroughput to ${floor} or lower the peak`,
      });
    }
    const bookedMs = input.bookedAt === undefined ? undefined : Date.parse(input.bookedAt);
    windows.push({
      ...input,
      startMs,
      endMs,
      bookedMs,
      capacity,
      cosmosSplit: capacity.cosmosMaxThroughput > cosmosInstantCeiling(policy),
    });
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
  if (options.now) {
    for (const window of windows) {
      const issue = splitLeadIssue(policy, window, options.now);
      if (issue) issues.push(issue);
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
