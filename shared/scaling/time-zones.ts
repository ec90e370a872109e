/**
 * Wall-clock time in an IANA time zone <-> UTC instants, with nothing but `Intl`.
 * Marketing books sales in local time ("midnight in New York"); the plan works in UTC.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

// IANA names look like `Europe/Berlin` or `UTC`; this rejects offsets such as `+01:00`,
// which newer ICU versions would otherwise accept but which do not follow DST.
const IANA_NAME = /^(?:UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let result = formatters.get(timeZone);
  if (!result) {
    result = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, result);
  }
  return result;
}

export function isIanaTimeZone(timeZone: string): boolean {
  if (!IANA_NAME.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in milliseconds (New York in winter: -5 h). */
export function offsetAt(timeZone: string, instantMs: number): number {
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(wholeSeconds))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - wholeSeconds;
}

export type LocalTimeResult =
  | { kind: 'ok'; instantMs: number }
  | { kind: 'invalid'; reason: string }
  | { kind: 'skipped' }
  | { kind: 'ambiguous'; earlierMs: number; laterMs: number };

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * Resolves `YYYY-MM-DDTHH:mm` in `timeZone` to an instant. A time the clocks skip (spring
 * forward) or pass twice (fall back) is reported rather than guessed: a sale that opens an
 * hour early or late is a business problem, so the marketer must pick.
 */
export function localTimeToInstant(local: string, timeZone: string): LocalTimeResult {
  const match = LOCAL_TIME.exec(local);
  if (!match) return { kind: 'invalid', reason: 'must be local time written as YYYY-MM-DDTHH:mm' };
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wallMs);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59
  ) {
    return { kind: 'invalid', reason: `'${local}' is not a real date and time` };
  }
  // Any offset in force within two days either side is a candidate; real zones change
  // offset at most once in that span.
  const day2 = 48 * 3600_000;
  const offsets = new Set([
    offsetAt(timeZone, wallMs - day2),
    offsetAt(timeZone, wallMs),
    offsetAt(timeZone, wallMs + day2),
  ]);
  const instants = [...offsets]
    .map((offset) => wallMs - offset)
    .filter((instant) => offsetAt(timeZone, instant) === wallMs - instant)
    .sort((a, b) => a - b);
  if (instants.length === 0) return { kind: 'skipped' };
  if (instants.length > 1)
    return { kind: 'ambiguous', earlierMs: instants[0]!, laterMs: instants[instants.length - 1]! };
  return { kind: 'ok', instantMs: instants[0]! };
}

/** `2026-11-27 00:00 America/New_York (05:00 UTC)`-style text for messages and the CLI. */
export function describeInstant(instantMs: number, timeZone: string): string {
  const local = new Date(instantMs + offsetAt(timeZone, instantMs))
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ');
  const utc = new Date(instantMs).toISOString().slice(0, 16).replace('T', ' ');
  return `${local} ${timeZone} (${utc} UTC)`;
}
