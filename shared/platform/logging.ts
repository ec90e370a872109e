import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import { InvocationContext as Context } from '@azure/functions';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<string, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  info: 2,
  warning: 3,
  warn: 3,
  error: 4,
  critical: 5,
  silent: 9,
};

export type Logger = (level: string, message: string, fields?: Record<string, unknown>) => void;

/** JSON lines for machines (Azure, pipes, log shippers); readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'text';

/** Where log lines go: stdout by default; tests pass a recorder. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * `LOG_FORMAT=json` or `text` decides; without it, text on a terminal and JSON otherwise, so a
 * piped or captured run (CI, Azure, the bench) always gets one JSON object per line.
 */
export function chooseLogFormat(
  env: Record<string, string | undefined> = process.env,
  isTTY: boolean = process.stdout.isTTY === true,
): LogFormat {
  const chosen = env.LOG_FORMAT?.trim().toLowerCase();
  if (chosen === 'json' || chosen === 'text') return chosen;
  if (chosen) throw new Error(`LOG_FORMAT must be json or text, not "${env.LOG_FORMAT}"`);
  return isTTY ? 'text' : 'json';
}

export interface LoggerOptions {
  format?: LogFormat;
  out?: LogOutput;
  now?: () => Date;
}

/** A logger to stdout: JSON lines, or readable lines on a terminal (see chooseLogFormat). */
export function createLogger(minimum: LogLevel, options: LoggerOptions = {}): Logger {
  const floor = rank[minimum] ?? 2;
  const out = options.out ?? process.stdout;
  const format = options.format ?? chooseLogFormat();
  const now = options.now ?? (() => new Date());
  return (level, message, fields = {}) => {
    if ((rank[level] ?? 2) < floor) return;
    out.write(
      format === 'json'
        ? `${JSON.stringify({ time: now().toISOString(), level, message, ...fields })}\n`
        : textLine(now(), level, message, fields),
    );
  };
}

function textLine(time: Date, level: string, message: string, fields: Record<string, unknown>): string {
  const clock = time.toISOString().slice(11, 19);
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${clock} ${level.padEnd(5)} ${message}${extra ? `  ${extra}` : ''}\n`;
}

export interface Progress {
  /** `done` of `total` finished so far; `note` says what is under way. */
  update(done: number, note?: string): void;
  /** Ends the display with one summary line. */
  finish(summary?: string): void;
}

/**
 * Progress of a long step. On a terminal (text format): one bar redrawn in place. Otherwise:
 * JSON (or text) lines at each quarter and at each new note, so a log shows the step moving
 * without flooding.
 */
export function createProgress(
  label: string,
  total: number,
  options: LoggerOptions & { minimum?: LogLevel } = {},
): Progress {
  const out = options.out ?? process.stdout;
  const format = options.format ?? chooseLogFormat();
  const log = createLogger(options.minimum ?? 'info', { ...options, out, format });
  const live = format === 'text' && out.isTTY === true && (rank[options.minimum ?? 'info'] ?? 2) <= 2;
  const started = Date.now();
  let shown = -1;
  let shownNote: string | undefined;
  let finished = false;
  return {
    update(done, note) {
      if (finished) return;
      const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      if (live) {
        if (percent === shown && note === shownNote) return;
        shown = percent;
        shownNote = note;
        // A pseudo-terminal without a size reports 0 columns.
        const columns = out.columns || 80;
        const width = Math.max(10, Math.min(30, columns - label.length - 24));
        const filled = Math.round((percent / 100) * width);
        const line = `  ${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${note ? ` ${note}` : ''}`;
        // Cut to the terminal's width: a wrapped line could not be redrawn in place.
        out.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
        return;
      }
      if (note !== undefined && note !== shownNote) {
        shownNote = note;
        log('info', label, { done, total, step: note });
        return;
      }
      const quarter = Math.floor(percent / 25);
      if (quarter === shown || quarter === 0) return;
      shown = quarter;
      if (quarter < 4) log('info', label, { done, total });
    },
    finish(summary) {
      if (finished) return;
      finished = true;
      if (live && shown >= 0) out.write('\r\x1b[K');
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      log('info', summary ?? label, { done: total, total, seconds });
    },
  };
}

function describe(args: unknown[]): string {
  return args
    .map((arg) => (typeof arg === 'string' ? arg : arg instanceof Error ? arg.stack : JSON.stringify(arg)))
    .join(' ');
}

/**
 * An InvocationContext as the Functions runtime would build it, whose logs carry the
 * invocation id and function name (in Azure, the runtime does the same for App Insights).
 */
export function invocationContext(
  functionName: string,
  logger: Logger,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext {
  const invocationId = randomUUID();
  return new Context({
    invocationId,
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => logger(level, describe(args), { invocationId, functionName }),
  });
}
