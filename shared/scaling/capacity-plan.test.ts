import { describe, expect, it } from 'vitest';
import { planCapacity, upcomingChanges } from './capacity-plan';
import { type Capacity, parseCalendar } from './sales-calendar';
import { sale, testPolicy } from './sales-calendar.fixture';

const baseline: Capacity = { alwaysReadyInstances: 1, maximumInstanceCount: 40, cosmosMaxThroughput: 1000 };
const blackFridayPeak: Capacity = {
  alwaysReadyInstances: 16,
  maximumInstanceCount: 48,
  cosmosMaxThroughput: 4000,
};

function at(iso: string, ms = 0): Date {
  return new Date(Date.parse(iso) + ms);
}

describe('planCapacity at every edge of a window (New York, winter time)', () => {
  // Starts 2026-11-27 00:00 EST = 05:00Z; ends 2026-11-28 00:00 EST = 05:00Z next day.
  // Pre-warm 30 min -> raised from 04:30Z; cool-down 60 min -> lowered at 06:00Z.
  const calendar = parseCalendar({ policy: testPolicy, windows: [sale()] });

  const cases: [string, Date, Capacity, string[]][] = [
    ['1 ms before the pre-warm lead', at('2026-11-27T04:30:00Z', -1), baseline, []],
    ['at the pre-warm lead', at('2026-11-27T04:30:00Z'), blackFridayPeak, ['pre-warm']],
    ['1 ms before start', at('2026-11-27T05:00:00Z', -1), blackFridayPeak, ['pre-warm']],
    ['at start', at('2026-11-27T05:00:00Z'), blackFridayPeak, ['sale']],
    ['just before end', at('2026-11-28T05:00:00Z', -1), blackFridayPeak, ['sale']],
    ['at end', at('2026-11-28T05:00:00Z'), blackFridayPeak, ['cool-down']],
    ['1 ms before the cool-down ends', at('2026-11-28T06:00:00Z', -1), blackFridayPeak, ['cool-down']],
    ['when the cool-down ends', at('2026-11-28T06:00:00Z'), baseline, []],
    ['after the cool-down', at('2026-11-29T00:00:00Z'), baseline, []],
  ];

  it.each(cases)('%s', (_label, now, capacity, phases) => {
    const plan = planCapacity(calendar, now);
    expect(plan.capacity).toEqual(capacity);
    expect(plan.active.map((window) => window.phase)).toEqual(phases);
    expect(plan.at.getTime()).toBe(now.getTime());
  });
});

describe('planCapacity across a DST change (Berlin, clocks go forward during the sale)', () => {
  // 2027-03-27 18:00 CET = 17:00Z; 2027-03-28 18:00 CEST = 16:00Z: a 23-hour window.
  const calendar = parseCalendar({
    policy: testPolicy,
    windows: [
      sale({
        name: 'Spring',
        start: '2027-03-27T18:00',
        end: '2027-03-28T18:00',
        timeZone: 'Europe/Berlin',
        expectedPeakRps: 200,
      }),
    ],
  });
  const peak: Capacity = { alwaysReadyInstances: 4, maximumInstanceCount: 40, cosmosMaxThroughput: 1000 };

  it.each([
    ['1 ms before the lead', at('2027-03-27T16:30:00Z', -1), baseline],
    ['at the lead', at('2027-03-27T16:30:00Z'), peak],
    ['just before end (local 17:59:59.999 CEST)', at('2027-03-28T16:00:00Z', -1), peak],
    ['1 ms before the cool-down ends', at('2027-03-28T17:00:00Z', -1), peak],
    [
      'when the cool-down ends (an hour earlier in UTC than before DST)',
      at('2027-03-28T17:00:00Z'),
      baseline,
    ],
  ])('%s', (_label, now, capacity) => {
    expect(planCapacity(calendar, now).capacity).toEqual(capacity);
  });

  it('sees the sale phase end at 16:00Z, not 17:00Z', () => {
    expect(planCapacity(calendar, at('2027-03-28T16:00:00Z', -1)).active[0]?.phase).toBe('sale');
    expect(planCapacity(calendar, at('2027-03-28T16:00:00Z')).active[0]?.phase).toBe('cool-down');
  });
});

describe('planCapacity across the US fall-back change (clocks go back during the sale)', () => {
  // 2026-10-31 12:00 EDT = 16:00Z; 2026-11-01 12:00 EST = 17:00Z: a 25-hour window.
  const calendar = parseCalendar({
    policy: { ...testPolicy, preWarmMinutes: 0, coolDownMinutes: 0 },
    windows: [
      sale({ name: 'Halloween', start: '2026-10-31T12:00', end: '2026-11-01T12:00', expectedPeakRps: 100 }),
    ],
  });

  it.each([
    ['1 ms before start', at('2026-10-31T16:00:00Z', -1), 0],
    ['at start', at('2026-10-31T16:00:00Z'), 1],
    ['just before end', at('2026-11-01T17:00:00Z', -1), 1],
    ['at end (no cool-down)', at('2026-11-01T17:00:00Z'), 0],
  ])('%s', (_label, now, activeCount) => {
    expect(planCapacity(calendar, now).active).toHaveLength(activeCount);
  });
});

describe('windows whose raised periods touch', () => {
  // A: 09:00-12:00 UTC (cool-down to 13:00); B: 12:30-15:00 London = UTC in winter (pre-warm from 12:00).
  const calendar = parseCalendar({
    policy: testPolicy,
    windows: [
      sale({
        name: 'A',
        start: '2026-12-01T09:00',
        end: '2026-12-01T12:00',
        timeZone: 'UTC',
        expectedPeakRps: 800,
      }),
      sale({
        name: 'B',
        start: '2026-12-01T12:30',
        end: '2026-12-01T15:00',
        timeZone: 'Europe/London',
        expectedPeakRps: 2000,
      }),
    ],
  });

  it('takes the larger value of each dimension while both are raised', () => {
    const plan = planCapacity(calendar, at('2026-12-01T12:15:00Z'));
    expect(plan.active).toEqual([
      { name: 'A', phase: 'cool-down' },
      { name: 'B', phase: 'pre-warm' },
    ]);
    expect(plan.capacity).toEqual({
      alwaysReadyInstances: 40,
      maximumInstanceCount: 120,
      cosmosMaxThroughput: 10000,
    });
  });

  it('lists upcoming changes only where the capacity actually changes', () => {
    const changes = upcomingChanges(calendar, at('2026-12-01T00:00:00Z'));
    expect(changes.map((change) => [change.at.toISOString(), change.capacity.alwaysReadyInstances])).toEqual([
      ['2026-12-01T08:30:00.000Z', 16],
      ['2026-12-01T12:00:00.000Z', 40],
      // A's cool-down ends at 13:00 but B is larger, so nothing changes then.
      ['2026-12-01T16:00:00.000Z', 1],
    ]);
  });

  it('starts the upcoming list strictly after now', () => {
    const changes = upcomingChanges(calendar, at('2026-12-01T08:30:00Z'));
    expect(changes[0]?.at.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(upcomingChanges(calendar, at('2026-12-02T00:00:00Z'))).toEqual([]);
  });
});

it('an empty calendar always plans the baseline', () => {
  const calendar = parseCalendar({ policy: testPolicy, windows: [] });
  expect(planCapacity(calendar, new Date()).capacity).toEqual(baseline);
  expect(upcomingChanges(calendar, new Date())).toEqual([]);
});
