import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Db } from '../adapters/sql/schema';
import { isAppError } from '../platform/errors';
import {
  changedResources,
  planCapacity,
  type ResourceSchedule,
  resourceLabels,
  upcomingChanges,
  windowSchedule,
} from './capacity-plan';
import {
  type CalendarIssue,
  cosmosInstantCeiling,
  formatIssue,
  readCalendar,
  type SalesCalendar,
  type SalesCalendarFile,
  type SaleWindow,
  type SaleWindowInput,
} from './sales-calendar';
import {
  createSalesWindow,
  deleteSalesWindow,
  loadSaleWindows,
  planningCalendar,
  toInput,
} from './sales-windows.service';
import { describeActive, describeCapacity } from './scale-scheduler';
import { describeInstant, isIanaTimeZone, localTimeToInstant } from './time-zones';

/**
 * `npm run sales -- list|add|remove|validate|plan`: marketing's tool. It works on the database's
 * sale windows (the store the page, the API and the scale-scheduler use), seeded from
 * bicep/sales-calendar.json, whose policy it always takes; with `--file-only` (or no store) on
 * the file alone, as before the store existed.
 */

/** The sale windows' database, opened only for a command that needs it. */
export interface CliStore {
  db: Db;
  /** Who is making changes, for the audit (e.g. `cli:<os user>`). */
  by: string;
  close(): Promise<void>;
}

export interface CliIo {
  calendarPath: string;
  now: Date;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Opens the database; absent: the file is the store (tests of the file, `--file-only`). */
  openStore?: () => Promise<CliStore>;
}

export const usage = `Usage: npm run sales -- <command> [options]

  list                       show every sale window and the capacity it gets
  validate                   check the calendar (overlaps, dates, time zones, capacity bounds); notes ended windows
  add --name <text> --start <YYYY-MM-DDTHH:mm> --end <YYYY-MM-DDTHH:mm> --tz <IANA zone> --peak <req/s>
                             book a sale window (times are local to --tz)
  remove --name <text>       delete a sale window (the database keeps its history)
  plan [--at <time>] [--tz <IANA zone>]
                             capacity in force at --at (default now), when each resource (Functions,
                             Cosmos, SQL) is raised and lowered for the coming windows, and the
                             upcoming changes; --at is an ISO instant (2026-11-27T05:00Z) or local
                             time with --tz

Options: --file <path>  calendar file: the policy, and the windows that seed the database
                        (default bicep/sales-calendar.json)
         --file-only    work on the file alone (no database), e.g. to check it before a deploy

The windows live in the database the settings name (local.settings.json: PGlite under .data/
or DATABASE_URL); the scale-scheduler reads them at every tick, so no deploy is needed.`;

async function loadFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `Cannot read the sales calendar at ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function printIssues(io: CliIo, issues: CalendarIssue[]): void {
  io.err(`The sales calendar has ${issues.length} problem${issues.length === 1 ? '' : 's'}:`);
  for (const issue of issues) io.err(`  - ${formatIssue(issue)}`);
}

function statusOf(calendar: SalesCalendar, index: number, now: Date): string {
  const window = calendar.windows[index]!;
  const ms = now.getTime();
  if (window.endMs <= ms) return 'past';
  if (window.startMs <= ms) return 'ON NOW';
  return 'upcoming';
}

function describeLead(schedule: ResourceSchedule): string {
  const lead =
    schedule.leadMinutes % 60 === 0 && schedule.leadMinutes >= 120
      ? `${schedule.leadMinutes / 60} h`
      : `${schedule.leadMinutes} min`;
  return `${lead} ahead${schedule.split ? ', partition split' : ''}`;
}

/** `raise  SQL 2026-11-27 03:00 UTC (120 min ahead)` lines, earliest first, then the lowering. */
function scheduleLines(calendar: SalesCalendar, window: SaleWindow): string[] {
  const schedules = windowSchedule(calendar, window);
  const lines = schedules.map(
    (schedule) =>
      `  raise ${resourceLabels[schedule.resource].padEnd(9)} ${describeInstant(schedule.raiseAt.getTime(), window.timeZone)}` +
      `  (${describeLead(schedule)})`,
  );
  const lowerAt = schedules[0]!.lowerAt.getTime();
  lines.push(
    `  lower all       ${describeInstant(lowerAt, window.timeZone)}  (${calendar.policy.coolDownMinutes} min after the end)`,
  );
  return lines;
}

function list(io: CliIo, calendar: SalesCalendar): number {
  if (calendar.windows.length === 0) {
    io.out('No sale windows booked. Baseline capacity applies all the time.');
  }
  calendar.windows.forEach((window, index) => {
    io.out(`${window.name} [${statusOf(calendar, index, io.now)}]`);
    io.out(`  from  ${describeInstant(window.startMs, window.timeZone)}`);
    io.out(`  until ${describeInstant(window.endMs, window.timeZone)}`);
    io.out(`  peak  ${window.expectedPeakRps} req/s -> ${describeCapacity(window.capacity)}`);
    for (const line of scheduleLines(calendar, window)) io.out(line);
  });
  const { policy } = calendar;
  const { leadTimes } = policy;
  io.out(
    `Lead times: Functions ${leadTimes.functionsMinutes} min, Cosmos ${leadTimes.cosmosMinutes} min ` +
      `(${leadTimes.cosmosSplitMinutes} min above ${cosmosInstantCeiling(policy)} RU/s, where Cosmos splits partitions), ` +
      `SQL ${leadTimes.sqlMinutes} min; everything is lowered ${policy.coolDownMinutes} min after a window. ` +
      `Baseline: ${describeCapacity(policy.baseline)}.`,
  );
  return 0;
}

function validate(io: CliIo, input: unknown): number {
  const result = readCalendar(input, { now: io.now });
  if (!result.ok) {
    printIssues(io, result.issues);
    return 1;
  }
  io.out(`OK: ${result.calendar.windows.length} sale window(s), no problems.`);
  // Ended windows change no capacity any more: history to tidy away when convenient, not a failure.
  for (const window of result.calendar.windows.filter((w) => w.endMs <= io.now.getTime()))
    io.out(
      `Note: '${window.name}' ended ${describeInstant(window.endMs, window.timeZone)}; it no longer changes capacity (remove it whenever you like).`,
    );
  return 0;
}

const ADD_FLAGS = ['name', 'start', 'end', 'tz', 'peak'] as const;

async function add(io: CliIo, input: unknown, values: Record<string, string | undefined>): Promise<number> {
  const missing = ADD_FLAGS.filter((flag) => !values[flag]);
  if (missing.length > 0) {
    io.err(`add needs ${missing.map((flag) => `--${flag}`).join(', ')}.`);
    io.err(
      'Example: npm run sales -- add --name "Black Friday" --start 2026-11-27T00:00 --end 2026-11-28T00:00 --tz America/New_York --peak 800',
    );
    return 2;
  }
  const peak = Number(values.peak);
  const window: SaleWindowInput = {
    name: values.name!.trim(),
    start: values.start!,
    end: values.end!,
    timeZone: values.tz!,
    expectedPeakRps: peak,
    bookedAt: io.now.toISOString(),
  };
  const file = input as SalesCalendarFile;
  const existing = Array.isArray(file?.windows) ? file.windows : [];
  const next = { ...file, windows: [...existing, window] };
  // Check the whole calendar (overlaps with what is booked) without failing on old windows;
  // the new window itself must not start in the past, nor too late for a partition split.
  const result = readCalendar(next);
  const issues = result.ok ? [] : [...result.issues];
  if (isIanaTimeZone(window.timeZone)) {
    const start = localTimeToInstant(window.start, window.timeZone);
    if (start.kind === 'ok' && start.instantMs <= io.now.getTime()) {
      issues.push({
        window: window.name,
        field: 'start',
        message: `is in the past (${describeInstant(start.instantMs, window.timeZone)}); book a future time`,
      });
    }
  }
  if (result.ok) {
    const booked = readCalendar({ ...file, windows: [window] }, { now: io.now });
    if (!booked.ok) issues.push(...booked.issues.filter((issue) => issue.field === 'expectedPeakRps'));
  }
  if (issues.length > 0 || !result.ok) {
    printIssues(io, issues);
    io.err('Nothing was written.');
    return 1;
  }
  await writeFile(io.calendarPath, `${JSON.stringify(next, null, 2)}\n`);
  const added = result.calendar.windows.find((candidate) => candidate.name === window.name)!;
  io.out(
    `Added '${added.name}': ${describeInstant(added.startMs, added.timeZone)} to ${describeInstant(added.endMs, added.timeZone)}`,
  );
  io.out(`  capacity: ${describeCapacity(added.capacity)}`);
  for (const line of scheduleLines(result.calendar, added)) io.out(line);
  for (const schedule of windowSchedule(result.calendar, added)) {
    if (schedule.raiseAt.getTime() < io.now.getTime()) {
      io.out(
        `  note: ${resourceLabels[schedule.resource]} should have been raised already (${describeLead(schedule)}); ` +
          'it is raised at the first scheduler tick after you deploy.',
      );
    }
  }
  io.out('Deploy bicep/ (see docs/deploy.md) so the scale-scheduler picks it up.');
  return 0;
}

function parseAt(io: CliIo, at: string | undefined, tz: string | undefined): Date | string {
  if (!at) return io.now;
  if (tz) {
    if (!isIanaTimeZone(tz)) return `unknown time zone '${tz}'`;
    const local = localTimeToInstant(at, tz);
    if (local.kind === 'ok') return new Date(local.instantMs);
    if (local.kind === 'invalid') return `--at ${local.reason}`;
    return `--at ${at} is ${local.kind === 'skipped' ? 'skipped' : 'repeated'} by a DST change in ${tz}`;
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(at) || Number.isNaN(Date.parse(at))) {
    return `--at must be an ISO instant with Z or an offset (2026-11-27T05:00Z), or local time with --tz`;
  }
  return new Date(Date.parse(at));
}

function plan(io: CliIo, calendar: SalesCalendar, at: Date): number {
  const current = planCapacity(calendar, at);
  io.out(`At ${at.toISOString()}: ${describeCapacity(current.capacity)}`);
  io.out(`  because: ${describeActive(current) || 'baseline (no sale window)'}`);
  const coming = calendar.windows.filter(
    (window) => window.endMs + calendar.policy.coolDownMinutes * 60_000 > at.getTime(),
  );
  for (const window of coming) {
    io.out(`${window.name}: ${describeCapacity(window.capacity)}`);
    for (const line of scheduleLines(calendar, window)) io.out(line);
  }
  const changes = upcomingChanges(calendar, at);
  if (changes.length === 0) {
    io.out('No upcoming changes.');
    return 0;
  }
  io.out('Upcoming changes:');
  let previous = current.capacity;
  for (const change of changes) {
    const reason = describeActive(change) || 'back to baseline';
    const which = changedResources(previous, change.capacity)
      .map((resource) => resourceLabels[resource])
      .join(', ');
    io.out(`  ${change.at.toISOString()}  ${describeCapacity(change.capacity)}  <- ${reason} [${which}]`);
    previous = change.capacity;
  }
  return 0;
}

const REMOVE_HINT = 'Example: npm run sales -- remove --name "Black Friday 2026"';

/** `add` on the database: the same checks as the page and the API (shared/scaling/sales-windows.service.ts). */
async function addToStore(
  io: CliIo,
  store: CliStore,
  file: SalesCalendarFile,
  values: Record<string, string | undefined>,
): Promise<number> {
  const missing = ADD_FLAGS.filter((flag) => !values[flag]);
  if (missing.length > 0) {
    io.err(`add needs ${missing.map((flag) => `--${flag}`).join(', ')}.`);
    return 2;
  }
  const body = {
    name: values.name!.trim(),
    start: values.start!,
    end: values.end!,
    timeZone: values.tz!,
    expectedPeakRps: Number(values.peak),
  };
  try {
    await createSalesWindow({ db: store.db, file, now: io.now, by: store.by }, body);
  } catch (error) {
    if (!isAppError(error) || error.status !== 422) throw error;
    const errors = (error.extra.errors ?? {}) as Record<string, string[]>;
    const issues: CalendarIssue[] = Object.entries(errors).flatMap(([field, messages]) =>
      messages.map((message) => ({ window: body.name, field, message })),
    );
    printIssues(io, issues);
    io.err('Nothing was written.');
    return 1;
  }
  const stored = await loadSaleWindows(store.db, file, io.now);
  const { calendar } = planningCalendar(file.policy, stored.map(toInput));
  const added = calendar.windows.find((candidate) => candidate.name === body.name)!;
  io.out(
    `Added '${added.name}': ${describeInstant(added.startMs, added.timeZone)} to ${describeInstant(added.endMs, added.timeZone)}`,
  );
  io.out(`  capacity: ${describeCapacity(added.capacity)}`);
  for (const line of scheduleLines(calendar, added)) io.out(line);
  for (const schedule of windowSchedule(calendar, added)) {
    if (schedule.raiseAt.getTime() < io.now.getTime()) {
      io.out(
        `  note: ${resourceLabels[schedule.resource]} should have been raised already (${describeLead(schedule)}); ` +
          'it is raised at the next scheduler tick.',
      );
    }
  }
  io.out(
    'Saved in the database: the scale-scheduler plans it at its next tick (within 5 minutes), no deploy needed.',
  );
  return 0;
}

async function removeFromStore(
  io: CliIo,
  store: CliStore,
  file: SalesCalendarFile,
  name: string,
): Promise<number> {
  const stored = await loadSaleWindows(store.db, file, io.now);
  const window = stored.find((candidate) => candidate.name.toLowerCase() === name.trim().toLowerCase());
  if (!window) {
    io.err(
      `No sale window is called '${name}'. Windows: ${stored.map((w) => `'${w.name}'`).join(', ') || 'none'}.`,
    );
    return 1;
  }
  await deleteSalesWindow({ db: store.db, file, now: io.now, by: store.by }, window.id);
  io.out(
    `Removed '${window.name}'. The scale-scheduler stops planning for it at its next tick; its history is kept.`,
  );
  return 0;
}

async function removeFromFile(io: CliIo, input: unknown, name: string): Promise<number> {
  const file = input as SalesCalendarFile;
  const windows = Array.isArray(file?.windows) ? file.windows : [];
  const kept = windows.filter((window) => window.name.toLowerCase() !== name.trim().toLowerCase());
  if (kept.length === windows.length) {
    io.err(`No sale window is called '${name}' in ${io.calendarPath}.`);
    return 1;
  }
  await writeFile(io.calendarPath, `${JSON.stringify({ ...file, windows: kept }, null, 2)}\n`);
  io.out(`Removed '${name}' from ${io.calendarPath}.`);
  return 0;
}

export async function runSalesCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        'file-only': { type: 'boolean' },
        name: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        tz: { type: 'string' },
        peak: { type: 'string' },
        at: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err((error as Error).message);
    io.err(usage);
    return 2;
  }
  const values = parsed.values as Record<string, string | undefined>;
  const command = parsed.positionals[0];
  if (parsed.values.help || !command) {
    io.out(usage);
    return command || parsed.values.help ? 0 : 2;
  }
  if (!['validate', 'add', 'remove', 'list', 'plan'].includes(command)) {
    io.err(`Unknown command '${command}'.`);
    io.err(usage);
    return 2;
  }
  if (command === 'remove' && !values.name) {
    io.err('remove needs --name.');
    io.err(REMOVE_HINT);
    return 2;
  }
  const cli: CliIo = { ...io, calendarPath: values.file ?? io.calendarPath };
  let input = await loadFile(cli.calendarPath);
  const useStore = cli.openStore !== undefined && parsed.values['file-only'] !== true;
  if (!useStore) {
    if (command === 'add') return add(cli, input, values);
    if (command === 'remove') return removeFromFile(cli, input, values.name!);
    return readOnly(cli, command, input, values);
  }
  // The policy must be sound before the database is touched (it sizes every window).
  const policyOnly = readCalendar({ ...(input as object), windows: [] });
  if (!policyOnly.ok) {
    printIssues(cli, policyOnly.issues);
    return 1;
  }
  const file = input as SalesCalendarFile;
  const store = await cli.openStore!();
  try {
    if (command === 'add') return await addToStore(cli, store, file, values);
    if (command === 'remove') return await removeFromStore(cli, store, file, values.name!);
    const stored = await loadSaleWindows(store.db, file, cli.now);
    input = { ...file, windows: stored.map(toInput) };
    return readOnly(cli, command, input, values);
  } finally {
    await store.close();
  }
}

/** validate, list and plan: the same on the file's windows or the database's. */
function readOnly(
  cli: CliIo,
  command: string,
  input: unknown,
  values: Record<string, string | undefined>,
): number {
  if (command === 'validate') return validate(cli, input);
  // Listing and planning work on calendars with ended windows; validate flags those.
  const result = readCalendar(input);
  if (!result.ok) {
    printIssues(cli, result.issues);
    return 1;
  }
  if (command === 'list') return list(cli, result.calendar);
  const at = parseAt(cli, values.at, values.tz);
  if (typeof at === 'string') {
    cli.err(at);
    return 2;
  }
  return plan(cli, result.calendar, at);
}
