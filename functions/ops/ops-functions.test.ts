import { InvocationContext, type Timer } from '@azure/functions';
import { type Attributes, type MeterProvider, metrics as otelMetrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Services, useServices } from '../../shared/platform/services';
import { forgetLastReadWindows } from '../../shared/scaling/scale-scheduler';
import { heartbeatFunction } from './heartbeat.function';
import { scaleSchedulerFunction } from './scale-scheduler.function';

function context(name: string, lines: string[]) {
  return new InvocationContext({
    invocationId: 'test',
    functionName: name,
    logHandler: (level, ...args) => lines.push(`${level}: ${args.join(' ')}`),
  });
}

const timer = (isPastDue = false): Timer => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: undefined as never,
});

afterEach(() => {
  useServices(undefined);
  forgetLastReadWindows();
  vi.unstubAllEnvs();
  otelMetrics.disable();
});

describe('ops timer functions', () => {
  it('are declared as timers on the intended NCRONTAB schedules', () => {
    expect(scaleSchedulerFunction).toMatchObject({
      kind: 'timer',
      name: 'scale-scheduler',
      schedule: '0 */5 * * * *',
    });
    expect(scaleSchedulerFunction.runOnStartup).toBeUndefined();
    expect(heartbeatFunction).toMatchObject({ kind: 'timer', name: 'heartbeat', schedule: '0 * * * * *' });
  });

  it('scale-scheduler does nothing but say so when no Azure target is configured', async () => {
    for (const name of [
      'SCALE_SUBSCRIPTION_ID',
      'SCALE_RESOURCE_GROUP',
      'SCALE_FUNCTION_APP_NAME',
      'SCALE_COSMOS_ACCOUNT_NAME',
    ]) {
      vi.stubEnv(name, '');
    }
    vi.stubEnv('SALES_CALENDAR', '');
    // The windows are read from the database; here it is away, so the tick says so and plans
    // with the calendar file's windows.
    useServices({
      get sql(): never {
        throw new Error('database unavailable');
      },
    } as unknown as Services);
    const lines: string[] = [];
    await scaleSchedulerFunction.handler(timer(), context('scale-scheduler', lines));
    // (The timers' own heartbeat, also in the database, says it could not be recorded: not ours.)
    expect(lines.filter((line) => !line.includes('heartbeat not recorded'))).toEqual([
      expect.stringMatching(
        /^warning: scale-scheduler: could not read the sale windows from the database \(database unavailable\); planning with the calendar file's 4 window\(s\)/,
      ),
      expect.stringMatching(/^information: scale-scheduler: no Azure target configured; plan is/),
    ]);
  });

  it('scale-scheduler fails loudly on a half-configured target', async () => {
    vi.stubEnv('SCALE_SUBSCRIPTION_ID', 'sub');
    await expect(scaleSchedulerFunction.handler(timer(), context('scale-scheduler', []))).rejects.toThrow(
      /Scale target is incomplete/,
    );
  });

  it('heartbeat logs and records the heartbeat metric', async () => {
    const adds: { name: string; attributes: Attributes | undefined }[] = [];
    const provider: MeterProvider = {
      getMeter: () =>
        ({
          createCounter: (name: string) => ({
            add: (_v: number, attributes?: Attributes) => adds.push({ name, attributes }),
          }),
        }) as unknown as ReturnType<MeterProvider['getMeter']>,
    };
    otelMetrics.setGlobalMeterProvider(provider);
    const lines: string[] = [];
    await heartbeatFunction.handler(timer(), context('heartbeat', lines));
    await heartbeatFunction.handler(timer(true), context('heartbeat', lines));
    expect(adds).toEqual([
      { name: 'shop.heartbeats', attributes: { pastDue: false } },
      { name: 'shop.heartbeats', attributes: { pastDue: true } },
    ]);
    expect(lines[0]).toMatch(/^information: heartbeat \d{4}-/);
    expect(lines[1]).toMatch(/^warning: heartbeat .*past due/);
  });
});
