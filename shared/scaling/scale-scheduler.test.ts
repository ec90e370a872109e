import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../platform/config';
import type { ScaledResource } from './capacity-plan';
import { type Capacity, parseCalendar } from './sales-calendar';
import { sale, testPolicy } from './sales-calendar.fixture';
import {
  type CapacityTarget,
  forgetLastReadWindows,
  runScaleScheduler,
  runScheduledScaling,
} from './scale-scheduler';

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: (...args: unknown[]) => lines.push(args.join(' ')),
    warn: (...args: unknown[]) => lines.push(`WARN ${args.join(' ')}`),
  };
}

function fakeTarget(
  initial: Capacity,
  resources: ScaledResource[] = ['functions', 'cosmos', 'sql'],
  notes: string[] = [],
) {
  const applied: Capacity[] = [];
  let current = { ...initial };
  const target: CapacityTarget = {
    description: 'fake',
    resources,
    read: async () => ({ ...current }),
    apply: async (capacity) => {
      applied.push(capacity);
      current = { ...capacity };
      return { notes };
    },
  };
  return { target, applied };
}

const calendar = parseCalendar({ policy: testPolicy, windows: [sale()] });
const baseline = testPolicy.baseline;
const duringSale = new Date('2026-11-27T12:00:00Z');
const peak: Capacity = {
  alwaysReadyInstances: 16,
  maximumInstanceCount: 48,
  cosmosMaxThroughput: 4000,
  sqlVCores: 8,
};

describe('runScaleScheduler', () => {
  it('raises capacity during a window and changes nothing on the next ticks', async () => {
    const { target, applied } = fakeTarget(baseline);
    const log = recordingLog();
    const first = await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(first.kind).toBe('applied');
    expect(applied).toEqual([peak]);
    expect(log.lines[0]).toMatch(
      /changed Functions, Cosmos, SQL from always-ready 1.*SQL 2 vCores to always-ready 16.*SQL 8 vCores for Black Friday \(sale\)/,
    );
    for (const minutes of [5, 10, 15]) {
      const next = await runScaleScheduler({
        calendar,
        now: new Date(duringSale.getTime() + minutes * 60_000),
        target,
        paused: false,
        log,
      });
      expect(next.kind).toBe('unchanged');
    }
    expect(applied).toHaveLength(1);
  });

  it('raises SQL alone at its own lead, then Functions and Cosmos at theirs', async () => {
    const { target, applied } = fakeTarget(baseline);
    const log = recordingLog();
    const sqlFirst = await runScaleScheduler({
      calendar,
      now: new Date('2026-11-27T04:00:00Z'),
      target,
      paused: false,
      log,
    });
    expect(sqlFirst).toMatchObject({ kind: 'applied', changed: ['sql'] });
    expect(log.lines[0]).toBe(
      'scale-scheduler: fake changed SQL from SQL 2 vCores to SQL 8 vCores for Black Friday (pre-warm: SQL)',
    );
    const rest = await runScaleScheduler({
      calendar,
      now: new Date('2026-11-27T04:30:00Z'),
      target,
      paused: false,
      log,
    });
    expect(rest).toMatchObject({ kind: 'applied', changed: ['functions', 'cosmos'] });
    expect(applied).toEqual([{ ...baseline, sqlVCores: 8 }, peak]);
  });

  it('lowers always-ready, RU/s and vCores after the cool-down but never lowers the instance ceiling', async () => {
    const { target, applied } = fakeTarget(peak);
    const outcome = await runScaleScheduler({
      calendar,
      now: new Date('2026-11-28T06:00:00Z'),
      target,
      paused: false,
      log: recordingLog(),
    });
    expect(outcome.kind).toBe('applied');
    expect(applied).toEqual([
      { alwaysReadyInstances: 1, maximumInstanceCount: 48, cosmosMaxThroughput: 1000, sqlVCores: 2 },
    ]);
  });

  it('leaves resources the target does not manage alone (no SQL configured)', async () => {
    const { target, applied } = fakeTarget({ ...baseline, sqlVCores: 0 }, ['functions', 'cosmos']);
    const log = recordingLog();
    await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(applied).toEqual([{ ...peak, sqlVCores: 0 }]);
    expect(log.lines[0]).not.toContain('SQL');
    const again = await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(again.kind).toBe('unchanged');
  });

  it('logs what the target reports as warnings', async () => {
    const { target } = fakeTarget(baseline, undefined, [
      'the Functions change was a site update under Recreate',
    ]);
    const log = recordingLog();
    const outcome = await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(outcome).toMatchObject({ notes: ['the Functions change was a site update under Recreate'] });
    expect(log.lines[1]).toBe('WARN scale-scheduler: the Functions change was a site update under Recreate');
  });

  it('changes nothing when paused, but says what it would do', async () => {
    const { target, applied } = fakeTarget(baseline);
    const log = recordingLog();
    const outcome = await runScaleScheduler({ calendar, now: duringSale, target, paused: true, log });
    expect(outcome.kind).toBe('paused');
    expect(applied).toEqual([]);
    expect(log.lines[0]).toMatch(/^WARN scale-scheduler: paused.*always-ready 16/);
  });
});

describe('runScheduledScaling (what the timer calls)', () => {
  it('with blank management settings logs "no Azure target configured" and does nothing', async () => {
    const log = recordingLog();
    const outcome = await runScheduledScaling(duringSale, log, parseConfig({}).scaling);
    expect(outcome.kind).toBe('no-target');
    expect(log.lines).toEqual([expect.stringContaining('no Azure target configured')]);
    // The bundled bicep/sales-calendar.json is used when SALES_CALENDAR is blank.
    expect(outcome.plan.active.map((window) => window.name)).toEqual(['Black Friday 2026']);
  });

  it('reads the calendar from SALES_CALENDAR when set and refuses an invalid one', async () => {
    const json = JSON.stringify({ policy: testPolicy, windows: [sale({ name: 'From setting' })] });
    const outcome = await runScheduledScaling(
      duringSale,
      recordingLog(),
      parseConfig({ SALES_CALENDAR: json }).scaling,
    );
    expect(outcome.plan.active[0]?.name).toBe('From setting');
    const bad = JSON.stringify({ policy: testPolicy, windows: [sale({ timeZone: 'Nope/Nope' })] });
    await expect(
      runScheduledScaling(duringSale, recordingLog(), parseConfig({ SALES_CALENDAR: bad }).scaling),
    ).rejects.toThrow(/unknown time zone/);
  });

  describe('with the windows from the store', () => {
    const settings = parseConfig({
      SALES_CALENDAR: JSON.stringify({ policy: testPolicy, windows: [sale({ name: 'In the file' })] }),
    }).scaling;
    afterEach(() => forgetLastReadWindows());

    it("plans the stored windows, not the file's", async () => {
      const log = recordingLog();
      const outcome = await runScheduledScaling(duringSale, log, settings, {
        readWindows: async () => [sale({ name: 'In the database' })],
      });
      expect(outcome.plan.active.map((window) => window.name)).toEqual(['In the database']);
      expect(log.lines.filter((line) => line.startsWith('WARN'))).toEqual([]);
    });

    it('plans with the windows it last read while the database is away, and says so', async () => {
      await runScheduledScaling(duringSale, recordingLog(), settings, {
        readWindows: async () => [sale({ name: 'Read before' })],
      });
      const log = recordingLog();
      const outcome = await runScheduledScaling(duringSale, log, settings, {
        readWindows: async () => {
          throw new Error('connection refused');
        },
      });
      expect(outcome.plan.active.map((window) => window.name)).toEqual(['Read before']);
      expect(log.lines[0]).toMatch(
        /^WARN scale-scheduler: could not read the sale windows from the database \(connection refused\); planning with the 1 window\(s\) last read at 2026-11-27T12:00:00.000Z/,
      );
    });

    it("falls back to the file's windows when nothing was read yet, also when the read hangs", async () => {
      const log = recordingLog();
      const outcome = await runScheduledScaling(duringSale, log, settings, {
        readWindows: () => new Promise(() => {}),
        readTimeoutMs: 50,
      });
      expect(outcome.plan.active.map((window) => window.name)).toEqual(['In the file']);
      expect(log.lines[0]).toMatch(
        /no answer within 50 ms\); planning with the calendar file's 1 window\(s\)/,
      );
    });

    it('leaves out a stored window the policy no longer allows, and says why', async () => {
      const log = recordingLog();
      const outcome = await runScheduledScaling(duringSale, log, settings, {
        readWindows: async () => [
          sale(),
          sale({
            name: 'Too big',
            start: '2026-12-05T00:00',
            end: '2026-12-06T00:00',
            expectedPeakRps: 9000,
          }),
        ],
      });
      expect(outcome.plan.active.map((window) => window.name)).toEqual(['Black Friday']);
      expect(log.lines[0]).toMatch(
        /^WARN scale-scheduler: window left out of the plan: 'Too big' expectedPeakRps: capacity out of bounds/,
      );
    });
  });
});
