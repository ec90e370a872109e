import { describe, expect, it } from 'vitest';
import { planCapacity, type ScaledResource, upcomingChanges, windowSchedule } from './capacity-plan';
import { type Capacity, parseCalendar } from './sales-calendar';
import { sale, splitPolicy, testPolicy } from './sales-calendar.fixture';

const baseline: Capacity = {
  alwaysReadyInstances: 1,
  maximumInstanceCount: 40,
  cosmosMaxThroughput: 1000,
  sqlVCores: 2,
};
const blackFridayPeak: Capacity = {
  alwaysReadyInstances: 16,
  maximumInstanceCount: 48,
  cosmosMaxThroughput: 4000,
  sqlVCores: 8,
};
const all: ScaledResource[] = ['functions', 'cosmos', 'sql'];

function at(iso: string, ms = 0): Date {
  return new Date(Date.parse(iso) + ms);
}

describe('planCapacity at every edge of a window, each resource on its own lead (New York, winter time)', () => {
  // Starts 2026-11-27 00:00 EST = 05:00Z; ends 2026-11-28 00:00 EST = 05:00Z next day.
  // SQL lead 60 min -> raised from 04:00Z; Functions and Cosmos 30 min -> from 04:30Z;
  // cool-down 60 min -> everything lowered at 06:00Z.
  const calendar = parseCalendar({ policy: testPolicy, windows: [sale()] });
  const sqlOnly: Capacity = { ...baseline, sqlVCores: 8 };

  const cases: [string, Date, Capacity, string[], ScaledResource[]][] = [
    ['1 ms before the SQL lead', at('2026-11-27T04:00:00Z', -1), baseline, [], []],
    ['at the SQL lead: only SQL is raised', at('2026-11-27T04:00:00Z'), sqlOnly, ['pre-warm'], ['sql']],
    ['1 ms before the Functions/Cosmos lead', at('2026-11-27T04:30:00Z', -1), sqlOnly, ['pre-warm'], ['sql']],
    ['at the Functions/Cosmos lead', at('2026-11-27T04:30:00Z'), blackFridayPeak, ['pre-warm'], all],
    ['1 ms before start', at('2026-11-27T05:00:00Z', -1), blackFridayPeak, ['pre-warm'], all],
    ['at start', at('2026-11-27T05:00:00Z'), blackFridayPeak, ['sale'], all],
    ['just before end', at('2026-11-28T05:00:00Z', -1), blackFridayPeak, ['sale'], all],
    ['at end', at('2026-11-28T05:00:00Z'), blackFridayPeak, ['cool-down'], all],
    ['1 ms before the cool-down ends', at('2026-11-28T06:00:00Z', -1), blackFridayPeak, ['cool-down'], all],
    ['when the cool-down ends', at('2026-11-28T06:00:00Z'), baseline, [], []],
    ['after the cool-down', at('2026-11-29T00:00:00Z'), baseline, [], []],
  ];

  it.each(cases)('%s', (_label, now, capacity, phases, resources) => {
    const plan = planCapacity(calendar, now);
    expect(plan.capacity).toEqual(capacity);
    expect(plan.active.map((window) => window.phase)).toEqual(phases);
    expect(plan.active[0]?.resources ?? []).toEqual(resources);
    expect(plan.at.getTime()).toBe(now.getTime());
  });

  it('reports the raise time of each resource (start - its lead) and the common lowering', () => {
    expect(
      windowSchedule(calendar, calendar.windows[0]!).map((schedule) => [
        schedule.resource,
        schedule.leadMinutes,
        schedule.raiseAt.toISOString(),
        schedule.lowerAt.toISOString(),
      ]),
    ).toEqual([
      ['sql', 60, '2026-11-27T04:00:00.000Z', '2026-11-28T06:00:00.000Z'],
      ['functions', 30, '2026-11-27T04:30:00.000Z', '2026-11-28T06:00:00.000Z'],
      ['cosmos', 30, '2026-11-27T04:30:00.000Z', '2026-11-28T06:00:00.000Z'],
    ]);
    expect(windowSchedule(calendar, calendar.windows[0]!).find((s) => s.resource === 'cosmos')?.split).toBe(
      false,
    );
  });

  it('lists the raises resource by resource', () => {
    const changes = upcomingChanges(calendar, at('2026-11-26T00:00:00Z'));
    expect(changes.map((change) => [change.at.toISOString(), change.capacity])).toEqual([
      ['2026-11-27T04:00:00.000Z', sqlOnly],
      ['2026-11-27T04:30:00.000Z', blackFridayPeak],
      ['2026-11-28T06:00:00.000Z', baseline],
    ]);
  });
});

describe('a window whose Cosmos raise needs a partition split', () => {
  // 3,000 req/s -> 15,000 RU/s, above one partition's 10,000: Cosmos is raised 720 min
  // (the split lead) before the start, 2026-11-26 17:00Z; the others keep their leads.
  const calendar = parseCalendar({ policy: splitPolicy, windows: [sale({ expectedPeakRps: 3000 })] });
  const window = calendar.windows[0]!;

  it('raises Cosmos the split lead ahead, first of all', () => {
    expect(window.cosmosSplit).toBe(true);
    const schedule = windowSchedule(calendar, window);
    expect(schedule.map((s) => [s.resource, s.raiseAt.toISOString(), s.split])).toEqual([
      ['cosmos', '2026-11-26T17:00:00.000Z', true],
      ['sql', '2026-11-27T04:00:00.000Z', undefined],
      ['functions', '2026-11-27T04:30:00.000Z', undefined],
    ]);
  });

  it('holds the raised Cosmos max through the hours before the sale', () => {
    expect(planCapacity(calendar, at('2026-11-26T17:00:00Z', -1)).capacity.cosmosMaxThroughput).toBe(2000);
    const early = planCapacity(calendar, at('2026-11-26T17:00:00Z'));
    expect(early.capacity).toEqual({ ...splitPolicy.baseline, cosmosMaxThroughput: 15000 });
    expect(early.active).toEqual([{ name: 'Black Friday', phase: 'pre-warm', resources: ['cosmos'] }]);
    expect(planCapacity(calendar, at('2026-11-27T04:30:00Z')).active[0]?.resources).toEqual(all);
  });

  it('uses the plain Cosmos lead once the partitions are there', () => {
    const split = parseCalendar({
      policy: { ...splitPolicy, cosmosPhysicalPartitions: 2 },
      windows: [sale({ expectedPeakRps: 3000 })],
    });
    const cosmos = windowSchedule(split, split.windows[0]!).find((s) => s.resource === 'cosmos')!;
    expect([cosmos.leadMinutes, cosmos.raiseAt.toISOString(), cosmos.split]).toEqual([
      30,
      '2026-11-27T04:30:00.000Z',
      false,
    ]);
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
  // 200 req/s needs 2 SQL vCores: the baseline, so only Functions changes.
  const peak: Capacity = {
    alwaysReadyInstances: 4,
    maximumInstanceCount: 40,
    cosmosMaxThroughput: 1000,
    sqlVCores: 2,
  };

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
    policy: {
      ...testPolicy,
      leadTimes: { functionsMinutes: 0, cosmosMinutes: 0, cosmosSplitMinutes: 0, sqlMinutes: 0 },
      coolDownMinutes: 0,
    },
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
  // A: 09:00-12:00 UTC (cool-down to 13:00); B: 12:30-15:00 London = UTC in winter
  // (SQL from 11:30, Functions and Cosmos from 12:00).
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
        sqlVCores: 16,
      }),
    ],
  });

  it('takes the larger value of each dimension while both are raised', () => {
    const plan = planCapacity(calendar, at('2026-12-01T12:15:00Z'));
    expect(plan.active).toEqual([
      { name: 'A', phase: 'cool-down', resources: all },
      { name: 'B', phase: 'pre-warm', resources: all },
    ]);
    expect(plan.capacity).toEqual({
      alwaysReadyInstances: 40,
      maximumInstanceCount: 120,
      cosmosMaxThroughput: 10000,
      sqlVCores: 16,
    });
  });

  it('lists upcoming changes only where the capacity actually changes', () => {
    const changes = upcomingChanges(calendar, at('2026-12-01T00:00:00Z'));
    expect(
      changes.map((change) => [
        change.at.toISOString(),
        change.capacity.alwaysReadyInstances,
        change.capacity.sqlVCores,
      ]),
    ).toEqual([
      ['2026-12-01T08:00:00.000Z', 1, 8],
      ['2026-12-01T08:30:00.000Z', 16, 8],
      ['2026-12-01T11:30:00.000Z', 16, 16],
      ['2026-12-01T12:00:00.000Z', 40, 16],
      // A's cool-down ends at 13:00 but B is larger, so nothing changes then.
      ['2026-12-01T16:00:00.000Z', 1, 2],
    ]);
  });

  it('starts the upcoming list strictly after now', () => {
    const changes = upcomingChanges(calendar, at('2026-12-01T11:30:00Z'));
    expect(changes[0]?.at.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(upcomingChanges(calendar, at('2026-12-02T00:00:00Z'))).toEqual([]);
  });
});

it('an empty calendar always plans the baseline', () => {
  const calendar = parseCalendar({ policy: testPolicy, windows: [] });
  expect(planCapacity(calendar, new Date()).capacity).toEqual(baseline);
  expect(upcomingChanges(calendar, new Date())).toEqual([]);
});
