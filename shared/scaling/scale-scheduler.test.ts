import { describe, expect, it } from 'vitest';
import { type Capacity, parseCalendar } from './sales-calendar';
import { sale, testPolicy } from './sales-calendar.fixture';
import { type CapacityTarget, runScaleScheduler, runScheduledScaling } from './scale-scheduler';

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: (...args: unknown[]) => lines.push(args.join(' ')),
    warn: (...args: unknown[]) => lines.push(`WARN ${args.join(' ')}`),
  };
}

function fakeTarget(initial: Capacity) {
  const applied: Capacity[] = [];
  let current = { ...initial };
  const target: CapacityTarget = {
    description: 'fake',
    read: async () => ({ ...current }),
    apply: async (capacity) => {
      applied.push(capacity);
      current = { ...capacity };
    },
  };
  return { target, applied };
}

const calendar = parseCalendar({ policy: testPolicy, windows: [sale()] });
const baseline = testPolicy.baseline;
const duringSale = new Date('2026-11-27T12:00:00Z');

describe('runScaleScheduler', () => {
  it('raises capacity during a window and is idempotent on the next tick', async () => {
    const { target, applied } = fakeTarget(baseline);
    const log = recordingLog();
    const first = await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(first.kind).toBe('applied');
    expect(applied).toEqual([
      { alwaysReadyInstances: 16, maximumInstanceCount: 48, cosmosMaxThroughput: 4000 },
    ]);
    expect(log.lines[0]).toMatch(/changed from always-ready 1.*to always-ready 16.*for Black Friday/);
    const second = await runScaleScheduler({ calendar, now: duringSale, target, paused: false, log });
    expect(second.kind).toBe('unchanged');
    expect(applied).toHaveLength(1);
  });

  it('lowers always-ready and RU/s after the cool-down but never lowers the instance ceiling', async () => {
    const { target, applied } = fakeTarget({
      alwaysReadyInstances: 16,
      maximumInstanceCount: 48,
      cosmosMaxThroughput: 4000,
    });
    const outcome = await runScaleScheduler({
      calendar,
      now: new Date('2026-11-28T06:00:00Z'),
      target,
      paused: false,
      log: recordingLog(),
    });
    expect(outcome.kind).toBe('applied');
    expect(applied).toEqual([
      { alwaysReadyInstances: 1, maximumInstanceCount: 48, cosmosMaxThroughput: 1000 },
    ]);
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
    const outcome = await runScheduledScaling(duringSale, log, {});
    expect(outcome.kind).toBe('no-target');
    expect(log.lines).toEqual([expect.stringContaining('no Azure target configured')]);
    // The bundled bicep/sales-calendar.json is used when SALES_CALENDAR is blank.
    expect(outcome.plan.active.map((window) => window.name)).toEqual(['Black Friday 2026']);
  });

  it('reads the calendar from SALES_CALENDAR when set and refuses an invalid one', async () => {
    const json = JSON.stringify({ policy: testPolicy, windows: [sale({ name: 'From setting' })] });
    const outcome = await runScheduledScaling(duringSale, recordingLog(), { SALES_CALENDAR: json });
    expect(outcome.plan.active[0]?.name).toBe('From setting');
    const bad = JSON.stringify({ policy: testPolicy, windows: [sale({ timeZone: 'Nope/Nope' })] });
    await expect(runScheduledScaling(duringSale, recordingLog(), { SALES_CALENDAR: bad })).rejects.toThrow(
      /unknown time zone/,
    );
  });
});
