import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Db } from '../adapters/sql/schema';
import { AppError, type FieldErrors, notFound } from '../platform/errors';
import { zodFieldErrors } from '../platform/http';
import { type ActiveWindow, planCapacity, upcomingChanges } from './capacity-plan';
import {
  type CalendarIssue,
  type Capacity,
  parseCalendar,
  readCalendar,
  type SalesCalendar,
  type SalesCalendarFile,
  type SaleWindow,
  type SaleWindowInput,
  type SizingPolicy,
  windowSchema,
} from './sales-calendar';
import {
  deleteSaleWindow,
  ensureSeeded,
  insertSaleWindow,
  listSaleWindowChanges,
  listSaleWindows,
  type SaleWindowChange,
  type SaleWindowRow,
  type StoredSaleWindow,
  updateSaleWindow,
} from './sales-windows.repository';
import { describeInstant, isIanaTimeZone, localTimeToInstant } from './time-zones';

/**
 * Marketing's sale windows on the database: validation, the views the API and the page show,
 * and the capacity plan over time. The sizing policy stays in bicep/sales-calendar.json (the
 * engineers' file); its windows seed the store on first use.
 */

/** Who seeded the store, as the change log says. */
export const SEED_AUTHOR = 'seed: bicep/sales-calendar.json';

/** The calendar file's windows as rows (windows whose times do not resolve are left out). */
export function seedRows(file: SalesCalendarFile): SaleWindowRow[] {
  const rows: SaleWindowRow[] = [];
  for (const window of file.windows) {
    if (!isIanaTimeZone(window.timeZone)) continue;
    const start = localTimeToInstant(window.start, window.timeZone);
    const end = localTimeToInstant(window.end, window.timeZone);
    if (start.kind !== 'ok' || end.kind !== 'ok') continue;
    rows.push({
      name: window.name,
      start: window.start,
      end: window.end,
      timeZone: window.timeZone,
      startsAt: new Date(start.instantMs),
      endsAt: new Date(end.instantMs),
      expectedPeakRps: window.expectedPeakRps,
      ...(window.sqlVCores === undefined ? {} : { sqlVCores: window.sqlVCores }),
      ...(window.bookedAt === undefined ? {} : { bookedAt: new Date(window.bookedAt) }),
    });
  }
  return rows;
}

/** The stored windows (seeding the store from the file on first use). */
export async function loadSaleWindows(
  db: Db,
  file: SalesCalendarFile,
  now: Date,
  endingAfter?: Date,
): Promise<StoredSaleWindow[]> {
  await ensureSeeded(db, seedRows(file), SEED_AUTHOR, now);
  return listSaleWindows(db, endingAfter);
}

export function toInput(window: StoredSaleWindow): SaleWindowInput {
  return {
    name: window.name,
    start: window.start,
    end: window.end,
    timeZone: window.timeZone,
    expectedPeakRps: window.expectedPeakRps,
    ...(window.sqlVCores === undefined ? {} : { sqlVCores: window.sqlVCores }),
    ...(window.bookedAt === undefined ? {} : { bookedAt: window.bookedAt.toISOString() }),
  };
}

/**
 * A calendar of the policy and whatever windows are valid under it, for planning: a window that
 * no longer fits (the policy changed since it was booked) is left out and reported, and
 * overlaps are harmless to a plan (each dimension takes the larger value).
 */
export function planningCalendar(
  policy: SizingPolicy,
  windows: SaleWindowInput[],
): { calendar: SalesCalendar; skipped: CalendarIssue[] } {
  const base = parseCalendar({ policy, windows: [] });
  const valid: SaleWindow[] = [];
  const skipped: CalendarIssue[] = [];
  for (const window of windows) {
    const result = readCalendar({ policy, windows: [window] });
    if (result.ok) valid.push(...result.calendar.windows);
    else skipped.push(...result.issues);
  }
  valid.sort((a, b) => a.startMs - b.startMs);
  return { calendar: { policy: base.policy, windows: valid }, skipped };
}

export type WindowStatus = 'upcoming' | 'on-now' | 'past';

/** What the API answers for a window. */
export interface SalesWindowView extends SaleWindowInput {
  id: string;
  version: number;
  /** UTC instants of start and end. */
  startsAt: string;
  endsAt: string;
  status: WindowStatus;
  /** The capacity the policy gives it (absent when it no longer fits the policy). */
  capacity?: Capacity;
  cosmosSplit?: boolean;
  changedBy: string;
  changedAt: string;
}

export interface SalesWindowChangeView extends Omit<SaleWindowChange, 'changedAt'> {
  changedAt: string;
}

export function statusAt(window: { startsAt: Date; endsAt: Date }, now: Date): WindowStatus {
  if (window.endsAt.getTime() <= now.getTime()) return 'past';
  if (window.startsAt.getTime() <= now.getTime()) return 'on-now';
  return 'upcoming';
}

export function windowView(policy: SizingPolicy, window: StoredSaleWindow, now: Date): SalesWindowView {
  const sized = readCalendar({ policy, windows: [toInput(window)] });
  const planned = sized.ok ? sized.calendar.windows[0] : undefined;
  return {
    id: window.id,
    version: window.version,
    ...toInput(window),
    startsAt: window.startsAt.toISOString(),
    endsAt: window.endsAt.toISOString(),
    status: statusAt(window, now),
    ...(planned ? { capacity: planned.capacity, cosmosSplit: planned.cosmosSplit } : {}),
    changedBy: window.changedBy,
    changedAt: window.changedAt.toISOString(),
  };
}

export function changeView(change: SaleWindowChange): SalesWindowChangeView {
  return { ...change, changedAt: change.changedAt.toISOString() };
}

/** The body of POST and PUT: a window in local time; PUT may name the version it changes. */
export const saleWindowRequestSchema = windowSchema.omit({ bookedAt: true }).extend({
  version: z.number().int().min(1).optional(),
});

export type SaleWindowRequest = z.infer<typeof saleWindowRequestSchema>;

function addError(errors: FieldErrors, field: string, message: string): void {
  errors[field] ??= [];
  errors[field].push(message);
}

/** 422 with per-field errors: the window cannot be booked as it is. */
export function invalidWindow(errors: FieldErrors): AppError {
  return new AppError(422, 'invalid_sales_window', 'The sale window has errors; nothing was changed.', {
    errors,
  });
}

export interface ValidateOptions {
  now: Date;
  /** The window being changed (PUT): its own times may already have started. */
  existing?: StoredSaleWindow;
}

/**
 * Checks a window against the policy and the other windows. Errors for: missing or impossible
 * values (end before start, unknown zone, a time the clocks skip or repeat, capacity beyond the
 * policy's limits, a Cosmos raise that cannot be ready in time), a start or end in the past, a
 * name already used, and overlaps. Windows that have ended are history: never an error here.
 */
export function validateSaleWindow(
  policy: SizingPolicy,
  body: unknown,
  others: StoredSaleWindow[],
  options: ValidateOptions,
): { ok: true; row: SaleWindowRow; version?: number } | { ok: false; errors: FieldErrors } {
  const parsed = saleWindowRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, errors: zodFieldErrors(parsed.error) };
  const { version, ...input } = parsed.data;
  const nowMs = options.now.getTime();
  const errors: FieldErrors = {};
  const candidate: SaleWindowInput = {
    ...input,
    name: input.name.trim(),
    bookedAt: (options.existing?.bookedAt ?? options.now).toISOString(),
  };
  const checked = readCalendar({ policy, windows: [candidate] }, { now: options.now });
  if (!checked.ok) {
    for (const issue of checked.issues) addError(errors, issue.field ?? 'window', issue.message);
  }
  if (!isIanaTimeZone(candidate.timeZone)) return { ok: false, errors };
  const startMs = localTimeToInstant(candidate.start, candidate.timeZone);
  const endMs = localTimeToInstant(candidate.end, candidate.timeZone);
  if (startMs.kind === 'ok' && endMs.kind === 'ok') {
    const existing = options.existing;
    const startUnchanged = existing !== undefined && existing.startsAt.getTime() === startMs.instantMs;
    if (startMs.instantMs <= nowMs && !startUnchanged) {
      addError(
        errors,
        'start',
        `is in the past (${describeInstant(startMs.instantMs, candidate.timeZone)}); book a future time`,
      );
    }
    if (endMs.instantMs <= nowMs && startMs.instantMs < endMs.instantMs) {
      addError(errors, 'end', `is in the past (${describeInstant(endMs.instantMs, candidate.timeZone)})`);
    }
    for (const other of others) {
      if (other.id === existing?.id) continue;
      if (other.name.toLowerCase() === candidate.name.toLowerCase()) {
        addError(errors, 'name', `another window is already called '${other.name}'`);
      }
      if (startMs.instantMs < other.endsAt.getTime() && other.startsAt.getTime() < endMs.instantMs) {
        addError(
          errors,
          'start',
          `overlaps '${other.name}' (${describeInstant(other.startsAt.getTime(), other.timeZone)} to ` +
            `${describeInstant(other.endsAt.getTime(), other.timeZone)}); move one or merge them`,
        );
      }
    }
  }
  if (Object.keys(errors).length > 0 || startMs.kind !== 'ok' || endMs.kind !== 'ok') {
    return { ok: false, errors };
  }
  return {
    ok: true,
    version,
    row: {
      name: candidate.name,
      start: candidate.start,
      end: candidate.end,
      timeZone: candidate.timeZone,
      startsAt: new Date(startMs.instantMs),
      endsAt: new Date(endMs.instantMs),
      expectedPeakRps: candidate.expectedPeakRps,
      ...(candidate.sqlVCores === undefined ? {} : { sqlVCores: candidate.sqlVCores }),
      bookedAt: new Date(candidate.bookedAt!),
    },
  };
}

export interface SalesWindowsContext {
  db: Db;
  file: SalesCalendarFile;
  now: Date;
  /** Who is changing it, for the audit (an e-mail, a user id, `cli:<user>`). */
  by: string;
}

export async function createSalesWindow(
  context: SalesWindowsContext,
  body: unknown,
): Promise<SalesWindowView> {
  const { db, file, now, by } = context;
  const others = await loadSaleWindows(db, file, now);
  const result = validateSaleWindow(file.policy, body, others, { now });
  if (!result.ok) throw invalidWindow(result.errors);
  const stored = await insertSaleWindow(db, randomUUID(), result.row, by, now);
  return windowView(file.policy, stored, now);
}

export async function updateSalesWindow(
  context: SalesWindowsContext,
  id: string,
  body: unknown,
): Promise<SalesWindowView> {
  const { db, file, now, by } = context;
  const all = await loadSaleWindows(db, file, now);
  const existing = all.find((window) => window.id === id);
  if (!existing) throw notFound('Sale window', id);
  if (existing.endsAt.getTime() <= now.getTime()) {
    throw new AppError(
      409,
      'sales_window_ended',
      `'${existing.name}' has ended: past windows are history and are not changed. Book a new window instead.`,
    );
  }
  const result = validateSaleWindow(file.policy, body, all, { now, existing });
  if (!result.ok) throw invalidWindow(result.errors);
  const version = result.version ?? existing.version;
  const updated = await updateSaleWindow(db, id, version, result.row, by, now);
  if (updated === 'missing') throw notFound('Sale window', id);
  if (updated === 'conflict') {
    throw new AppError(
      409,
      'version_conflict',
      `'${existing.name}' was changed by someone else meanwhile (now version ${existing.version}); reload and try again.`,
    );
  }
  return windowView(file.policy, updated, now);
}

export async function deleteSalesWindow(context: SalesWindowsContext, id: string): Promise<void> {
  const { db, file, now, by } = context;
  await ensureSeeded(db, seedRows(file), SEED_AUTHOR, now);
  if (!(await deleteSaleWindow(db, id, by, now))) throw notFound('Sale window', id);
}

export interface SalesWindowsListing {
  now: string;
  /** Upcoming and running windows first by start, then the past ones (history), latest first. */
  windows: SalesWindowView[];
  /** The change log, newest first (the last 50 changes). */
  changes: SalesWindowChangeView[];
  baseline: Capacity;
  limits: Capacity;
}

export async function listSalesWindows(
  db: Db,
  file: SalesCalendarFile,
  now: Date,
): Promise<SalesWindowsListing> {
  const stored = await loadSaleWindows(db, file, now);
  const views = stored.map((window) => windowView(file.policy, window, now));
  const current = views.filter((view) => view.status !== 'past');
  const past = views.filter((view) => view.status === 'past').reverse();
  const changes = await listSaleWindowChanges(db, { count: 50 });
  return {
    now: now.toISOString(),
    windows: [...current, ...past],
    changes: changes.map(changeView),
    baseline: file.policy.baseline,
    limits: file.policy.limits,
  };
}

/** One step of the plan: the capacity from `at` until the next step. */
export interface PlanStep {
  at: string;
  capacity: Capacity;
  active: ActiveWindow[];
}

export interface DeployedCapacity {
  /** What was asked: the Azure target, the capacity target's fake, or the policy's baseline. */
  source: string;
  capacity: Capacity | null;
  /** Why `capacity` is null (the target could not be read). */
  error?: string;
}

export interface CapacityPlanView {
  from: string;
  to: string;
  steps: PlanStep[];
  deployed: DeployedCapacity;
  baseline: Capacity;
  limits: Capacity;
  windows: Array<Pick<SalesWindowView, 'id' | 'name' | 'startsAt' | 'endsAt' | 'status'>>;
  /** Stored windows the plan leaves out because they no longer fit the policy. */
  skipped: CalendarIssue[];
}

const MAX_STEPS = 500;

/** The planned capacity over [from, to): the plan at `from`, then each change before `to`. */
export async function capacityPlanBetween(
  db: Db,
  file: SalesCalendarFile,
  range: { from: Date; to: Date; now: Date },
  deployed: DeployedCapacity,
): Promise<CapacityPlanView> {
  const stored = await loadSaleWindows(db, file, range.now);
  const { calendar, skipped } = planningCalendar(file.policy, stored.map(toInput));
  const first = planCapacity(calendar, range.from);
  const steps: PlanStep[] = [{ at: first.at.toISOString(), capacity: first.capacity, active: first.active }];
  for (const change of upcomingChanges(calendar, range.from, MAX_STEPS)) {
    if (change.at.getTime() >= range.to.getTime()) break;
    steps.push({ at: change.at.toISOString(), capacity: change.capacity, active: change.active });
  }
  const inRange = stored.filter(
    (window) =>
      window.endsAt.getTime() > range.from.getTime() && window.startsAt.getTime() < range.to.getTime(),
  );
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    steps,
    deployed,
    baseline: file.policy.baseline,
    limits: file.policy.limits,
    windows: inRange.map((window) => ({
      id: window.id,
      name: window.name,
      startsAt: window.startsAt.toISOString(),
      endsAt: window.endsAt.toISOString(),
      status: statusAt(window, range.now),
    })),
    skipped,
  };
}

/**
 * The scale-scheduler's read: the stored windows that can still change capacity (those ended
 * before `now - coolDown` cannot), seeding the store from the file on first use.
 */
export function storedWindowsReader(database: () => Promise<Db>) {
  return async (file: SalesCalendarFile, now: Date): Promise<SaleWindowInput[]> => {
    const stillRelevant = new Date(now.getTime() - file.policy.coolDownMinutes * 60_000);
    const stored = await loadSaleWindows(await database(), file, now, stillRelevant);
    return stored.map(toInput);
  };
}
