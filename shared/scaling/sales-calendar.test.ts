import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CalendarError,
  type CalendarIssue,
  capacityForPeak,
  cosmosInstantCeiling,
  cosmosLowestMaxAfter,
  parseCalendar,
  readCalendar,
  type SizingPolicy,
} from './sales-calendar';
import { sale, splitPolicy, testPolicy } from './sales-calendar.fixture';
import { isIanaTimeZone, localTimeToInstant } from './time-zones';

function issuesOf(windows: unknown[], now?: Date, policy: SizingPolicy = testPolicy): CalendarIssue[] {
  const result = readCalendar({ policy, windows }, now ? { now } : {});
  return result.ok ? [] : result.issues;
}

describe('time zones', () => {
  it('accepts IANA names and rejects unknown names and raw offsets', () => {
    expect(isIanaTimeZone('Europe/Berlin')).toBe(true);
    expect(isIanaTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isIanaTimeZone('UTC')).toBe(true);
    expect(isIanaTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isIanaTimeZone('+01:00')).toBe(false);
    expect(isIanaTimeZone('EST5EDT x')).toBe(false);
  });

  it('resolves local time on both sides of a DST change', () => {
    expect(localTimeToInstant('2027-03-27T18:00', 'Europe/Berlin')).toEqual({
      kind: 'ok',
      instantMs: Date.parse('2027-03-27T17:00:00Z'),
    });
    expect(localTimeToInstant('2027-03-28T18:00', 'Europe/Berlin')).toEqual({
      kind: 'ok',
      instantMs: Date.parse('2027-03-28T16:00:00Z'),
    });
    expect(localTimeToInstant('2026-10-05T09:00', 'Australia/Sydney')).toEqual({
      kind: 'ok',
      instantMs: Date.parse('2026-10-04T22:00:00Z'),
    });
  });

  it('reports skipped and repeated local times instead of guessing', () => {
    expect(localTimeToInstant('2027-03-14T02:30', 'America/New_York')).toEqual({ kind: 'skipped' });
    expect(localTimeToInstant('2026-11-01T01:30', 'America/New_York')).toEqual({
      kind: 'ambiguous',
      earlierMs: Date.parse('2026-11-01T05:30:00Z'),
      laterMs: Date.parse('2026-11-01T06:30:00Z'),
    });
    expect(localTimeToInstant('2026-02-30T10:00', 'UTC').kind).toBe('invalid');
    expect(localTimeToInstant('2026-11-27T00:00Z', 'UTC').kind).toBe('invalid');
  });
});

describe('sales calendar validation', () => {
  it('accepts a valid window and computes its capacity', () => {
    const calendar = parseCalendar({ policy: testPolicy, windows: [sale()] });
    expect(calendar.windows[0]).toMatchObject({
      startMs: Date.parse('2026-11-27T05:00:00Z'),
      endMs: Date.parse('2026-11-28T05:00:00Z'),
      capacity: {
        alwaysReadyInstances: 16,
        maximumInstanceCount: 48,
        cosmosMaxThroughput: 4000,
        sqlVCores: 8,
      },
      bookedMs: undefined,
      cosmosSplit: false,
    });
  });

  it('sizes from the policy with rounding up, never below the baseline', () => {
    expect(capacityForPeak(testPolicy, 1)).toEqual(testPolicy.baseline);
    expect(capacityForPeak(testPolicy, 51)).toEqual({
      alwaysReadyInstances: 2,
      maximumInstanceCount: 40,
      cosmosMaxThroughput: 1000,
      sqlVCores: 2,
    });
    // 201 req/s at 100 per vCore needs 3 vCores; the smallest size offered that fits is 4.
    expect(capacityForPeak(testPolicy, 201)).toEqual({
      alwaysReadyInstances: 5,
      maximumInstanceCount: 40,
      cosmosMaxThroughput: 2000,
      sqlVCores: 4,
    });
    expect(capacityForPeak(testPolicy, 201, 12).sqlVCores).toBe(12);
  });

  it('takes sqlVCores from the window when set, which must be a size the tier offers', () => {
    const calendar = parseCalendar({ policy: testPolicy, windows: [sale({ sqlVCores: 12 })] });
    expect(calendar.windows[0]!.capacity.sqlVCores).toBe(12);
    expect(issuesOf([sale({ sqlVCores: 5 })])).toEqual([
      expect.objectContaining({
        field: 'sqlVCores',
        message: expect.stringMatching(/5 is not a size.*2, 4, 6/),
      }),
    ]);
    expect(issuesOf([sale({ sqlVCores: 24 })])).toEqual([
      expect.objectContaining({
        field: 'sqlVCores',
        message: 'capacity out of bounds: a peak of 800 req/s needs 24 SQL vCores, the limit is 16',
      }),
    ]);
  });

  it('rejects a policy whose SQL baseline or limit is not an offered size', () => {
    const policy = { ...testPolicy, baseline: { ...testPolicy.baseline, sqlVCores: 3 } };
    const result = readCalendar({ policy, windows: [] });
    expect(result.ok ? [] : result.issues).toEqual([
      expect.objectContaining({ field: 'policy.baseline.sqlVCores' }),
    ]);
  });

  it('rejects a window that ends before it starts', () => {
    const issues = issuesOf([sale({ start: '2026-11-28T00:00', end: '2026-11-27T00:00' })]);
    expect(issues).toEqual([
      expect.objectContaining({
        window: 'Black Friday',
        field: 'end',
        message: expect.stringMatching(/before it starts/),
      }),
    ]);
    expect(issuesOf([sale({ end: '2026-11-27T00:00' })])[0]?.message).toMatch(/before it starts/);
  });

  it('rejects overlapping windows, naming both', () => {
    const issues = issuesOf([
      sale(),
      sale({ name: 'Late Deals', start: '2026-11-27T23:00', end: '2026-11-28T12:00' }),
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      window: 'Late Deals',
      message: expect.stringMatching(/overlaps 'Black Friday'/),
    });
  });

  it('allows back-to-back windows and detects overlaps across time zones', () => {
    expect(
      issuesOf([sale(), sale({ name: 'Next', start: '2026-11-28T00:00', end: '2026-11-29T00:00' })]),
    ).toEqual([]);
    // 06:00 in London is 01:00 in New York: inside Black Friday.
    const issues = issuesOf([
      sale(),
      sale({
        name: 'UK early',
        timeZone: 'Europe/London',
        start: '2026-11-27T06:00',
        end: '2026-11-27T09:00',
      }),
    ]);
    expect(issues[0]?.message).toMatch(/overlaps 'Black Friday'/);
  });

  it('accepts windows that have ended: they are history, not errors (a fresh clone after a sale validates)', () => {
    expect(issuesOf([sale()], new Date('2026-11-28T05:00:00Z'))).toEqual([]);
    expect(issuesOf([sale()], new Date('2027-06-01T00:00:00Z'))).toEqual([]);
    expect(issuesOf([sale()])).toEqual([]);
  });

  it('rejects unknown time zones', () => {
    const issues = issuesOf([sale({ timeZone: 'America/Gotham' })]);
    expect(issues).toEqual([
      {
        window: 'Black Friday',
        field: 'timeZone',
        message: expect.stringMatching(/unknown time zone 'America\/Gotham'/),
      },
    ]);
  });

  it('rejects capacity out of bounds with the limit in the message', () => {
    const issues = issuesOf([sale({ expectedPeakRps: 5000 })]);
    expect(issues.map((issue) => issue.message)).toEqual([
      'capacity out of bounds: a peak of 5000 req/s needs 100 always-ready instances, the limit is 40',
      'capacity out of bounds: a peak of 5000 req/s needs 25000 Cosmos max RU/s, the limit is 10000',
      'capacity out of bounds: a peak of 5000 req/s needs 80 SQL vCores, the limit is 16',
      expect.stringMatching(
        /^needs 25000 Cosmos max RU\/s, but after it Cosmos would not go back below 3000 RU\/s/,
      ),
    ]);
    expect(issuesOf([sale({ expectedPeakRps: 0 })])[0]).toMatchObject({ field: 'expectedPeakRps' });
    expect(issuesOf([sale({ expectedPeakRps: 12.5 })])[0]).toMatchObject({ field: 'expectedPeakRps' });
  });

  it('rejects nonexistent and repeated local times, bad formats and duplicate names', () => {
    expect(issuesOf([sale({ start: '2027-03-14T02:30', end: '2027-03-14T10:00' })])[0]?.message).toMatch(
      /does not exist in America\/New_York/,
    );
    expect(issuesOf([sale({ start: '2026-11-01T01:30', end: '2026-11-01T10:00' })])[0]?.message).toMatch(
      /happens twice/,
    );
    expect(issuesOf([sale({ start: '27/11/2026 09:00' })])[0]).toMatchObject({ field: 'start' });
    const dupes = issuesOf([
      sale(),
      sale({ name: 'black friday', start: '2026-12-01T00:00', end: '2026-12-02T00:00' }),
    ]);
    expect(dupes[0]?.message).toMatch(/already called/);
  });

  it('collects every issue at once and throws them from parseCalendar', () => {
    const input = {
      policy: testPolicy,
      windows: [sale({ timeZone: 'Nowhere/Land' }), sale({ name: 'B', expectedPeakRps: -1 }), { name: 'C' }],
    };
    const result = readCalendar(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.length).toBeGreaterThanOrEqual(4);
    expect(() => parseCalendar(input)).toThrow(CalendarError);
    expect(() => parseCalendar({ windows: [] })).toThrow(/policy/);
  });

  it('rejects a policy outside platform limits', () => {
    const policy = { ...testPolicy, baseline: { ...testPolicy.baseline, cosmosMaxThroughput: 1500 } };
    const result = readCalendar({ policy, windows: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ field: 'policy.baseline.cosmosMaxThroughput' });
  });

  it('refuses a window Cosmos could not be lowered back from (a tenth of the highest max ever set)', () => {
    expect(cosmosLowestMaxAfter(4000)).toBe(1000);
    expect(cosmosLowestMaxAfter(15000)).toBe(2000);
    expect(cosmosLowestMaxAfter(20000)).toBe(2000);
    const policy = { ...splitPolicy, baseline: { ...splitPolicy.baseline, cosmosMaxThroughput: 1000 } };
    // 2,400 req/s x 5 RU = 12,000 RU/s: afterwards Cosmos stops at 2,000, not the 1,000 baseline.
    expect(issuesOf([sale({ expectedPeakRps: 2400 })], undefined, policy)).toEqual([
      expect.objectContaining({
        field: 'expectedPeakRps',
        message: expect.stringMatching(
          /needs 12000 Cosmos max RU\/s, but after it Cosmos would not go back below 2000 RU\/s .* raise policy.baseline.cosmosMaxThroughput to 2000/,
        ),
      }),
    ]);
    expect(issuesOf([sale({ expectedPeakRps: 2400 })], undefined, splitPolicy)).toEqual([]);
  });

  it('the committed bicep/sales-calendar.json is valid (as of the day it was written)', () => {
    const file = JSON.parse(readFileSync(path.join(__dirname, '../../bicep/sales-calendar.json'), 'utf8'));
    const calendar = parseCalendar(file, { now: new Date('2026-11-22T00:00:00Z') });
    expect(calendar.windows.map((window) => window.name)).toContain('Black Friday 2026');
  });
});

describe('Cosmos increases that need a partition split (above physical partitions x 10,000 RU/s)', () => {
  // 3,000 req/s x 5 RU = 15,000 RU/s > 10,000 (one partition): Cosmos splits first, 4-6 h typically.
  // Starts 2026-11-27 05:00Z; the split lead (720 min) puts its Cosmos raise at 2026-11-26 17:00Z.
  const big = (overrides = {}) => sale({ expectedPeakRps: 3000, ...overrides });

  it('marks the window and knows the ceiling', () => {
    expect(cosmosInstantCeiling(splitPolicy)).toBe(10000);
    expect(cosmosInstantCeiling({ ...splitPolicy, cosmosPhysicalPartitions: 2 })).toBe(20000);
    const calendar = parseCalendar({
      policy: splitPolicy,
      windows: [big(), sale({ name: 'Small', start: '2026-12-01T00:00', end: '2026-12-02T00:00' })],
    });
    expect(calendar.windows.map((window) => window.cosmosSplit)).toEqual([true, false]);
    const twoPartitions = parseCalendar({
      policy: { ...splitPolicy, cosmosPhysicalPartitions: 2 },
      windows: [big()],
    });
    expect(twoPartitions.windows[0]!.cosmosSplit).toBe(false);
  });

  it('accepts it when booked at least the split lead ahead', () => {
    const bookedAt = '2026-11-26T16:59:00Z';
    expect(issuesOf([big({ bookedAt })], new Date('2026-11-27T04:00:00Z'), splitPolicy)).toEqual([]);
    expect(
      issuesOf([big({ bookedAt: '2026-11-26T17:00:00Z' })], new Date('2026-11-27T04:00:00Z'), splitPolicy),
    ).toEqual([]);
  });

  it('refuses it when booked later, naming the deadline and the way out', () => {
    const issues = issuesOf(
      [big({ bookedAt: '2026-11-26T18:00:00Z' })],
      new Date('2026-11-26T18:00:00Z'),
      splitPolicy,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ window: 'Black Friday', field: 'expectedPeakRps' });
    expect(issues[0]!.message).toContain(
      'needs 15000 Cosmos max RU/s, more than the 10000 RU/s that 1 physical partition(s) reach instantly',
    );
    expect(issues[0]!.message).toContain('typically 4-6 hours; the policy allows 12 h');
    expect(issues[0]!.message).toContain(
      'booked by 2026-11-26 12:00 America/New_York (2026-11-26 17:00 UTC)',
    );
    expect(issues[0]!.message).toContain('lower the peak to at most 2000 req/s');
  });

  it('without bookedAt checks against now, and only when asked with a clock', () => {
    expect(issuesOf([big()], new Date('2026-11-26T16:00:00Z'), splitPolicy)).toEqual([]);
    expect(issuesOf([big()], new Date('2026-11-26T18:00:00Z'), splitPolicy)[0]?.message).toMatch(
      /\(no bookedAt\)/,
    );
    // The scheduler reads without a clock: a late window is still planned, as early as it can be.
    expect(issuesOf([big()], undefined, splitPolicy)).toEqual([]);
  });

  it('rejects a bookedAt that is not an instant', () => {
    expect(issuesOf([sale({ bookedAt: '2026-11-01 09:00' })])).toEqual([
      expect.objectContaining({ field: 'bookedAt', message: expect.stringMatching(/ISO instant/) }),
    ]);
  });
});
