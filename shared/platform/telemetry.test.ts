import { type Attributes, type MeterProvider, metrics as otelMetrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics, startTelemetry, stopTelemetry, telemetryEnabled } from './telemetry';

interface Recorded {
  meter: string;
  counter: string;
  value: number;
  attributes: Attributes | undefined;
}

/** A minimal meter provider that records counter adds. */
function recordingProvider(records: Recorded[]): MeterProvider {
  return {
    getMeter: (meter: string) =>
      ({
        createCounter: (counter: string) => ({
          add: (value: number, attributes?: Attributes) =>
            records.push({ meter, counter, value, attributes }),
        }),
      }) as unknown as ReturnType<MeterProvider['getMeter']>,
  };
}

afterEach(async () => {
  await stopTelemetry();
  otelMetrics.disable();
});

describe('telemetry', () => {
  it('stays off, and counters are safe no-ops, without a connection string', async () => {
    expect(await startTelemetry('  ')).toEqual({ enabled: false });
    expect(telemetryEnabled()).toBe(false);
    expect(() => metrics.ordersPaid.add(1)).not.toThrow();
  });

  it('counters created before a provider exists report once one is registered', () => {
    metrics.deadLetters.add(1); // no provider yet: dropped, not cached forever
    const records: Recorded[] = [];
    otelMetrics.setGlobalMeterProvider(recordingProvider(records));
    metrics.deadLetters.add(1, { subscription: 'receipts' });
    metrics.ordersPaid.add(2);
    metrics.outOfStockRejections.add();
    metrics.heartbeats.add();
    expect(records).toEqual([
      {
        meter: 'storefront',
        counter: 'shop.dead_letters',
        value: 1,
        attributes: { subscription: 'receipts' },
      },
      { meter: 'storefront', counter: 'shop.orders_paid', value: 2, attributes: undefined },
      { meter: 'storefront', counter: 'shop.out_of_stock_rejections', value: 1, attributes: undefined },
      { meter: 'storefront', counter: 'shop.heartbeats', value: 1, attributes: undefined },
    ]);
  });

  it('turns on Azure Monitor with a connection string and registers a real meter provider', async () => {
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL = 'true';
    const before = otelMetrics.getMeterProvider();
    const state = await startTelemetry(
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    );
    expect(state).toEqual({ enabled: true });
    expect(telemetryEnabled()).toBe(true);
    expect(otelMetrics.getMeterProvider()).not.toBe(before);
    expect(() => metrics.ordersPaid.add(1)).not.toThrow();
    await stopTelemetry();
    expect(telemetryEnabled()).toBe(false);
    delete process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL;
  }, 30_000);
});
