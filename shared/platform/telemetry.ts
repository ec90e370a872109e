import type { TokenCredential } from '@azure/identity';
import {
  type Attributes,
  type Counter,
  type MeterProvider,
  metrics as otelMetrics,
} from '@opentelemetry/api';
import type { AzureOperation } from './azure-operations';

/** App Insights has local auth off: telemetry is sent with the identity, from module load. */
export const telemetryOperations: AzureOperation[] = [
  {
    resourceType: 'Microsoft.Insights/components',
    operation: 'Microsoft.Insights/Telemetry/Write',
    when: 'startup',
    why: 'export traces and metrics',
  },
];

/**
 * OpenTelemetry -> Application Insights when a connection string is set; nothing otherwise.
 * `@azure/monitor-opentelemetry` takes ~1 s to load, so it is imported only when telemetry
 * is on: local runs and tests never pay for it. Call `startTelemetry` first thing in the
 * Azure entry so the http/Azure SDK/redis/pg instrumentations see modules loaded after it.
 * The Functions host reports requests itself; this adds dependencies and custom metrics.
 */

export interface TelemetryOptions {
  /** Entra auth for ingestion when the App Insights resource disables local auth (bicep does). */
  credential?: TokenCredential;
  /** Fraction of traces kept (metrics are never sampled). Default 1. */
  samplingRatio?: number;
}

export interface TelemetryState {
  enabled: boolean;
}

let started: TelemetryState = { enabled: false };

export async function startTelemetry(
  connectionString: string,
  options: TelemetryOptions = {},
): Promise<TelemetryState> {
  if (started.enabled) return started;
  if (connectionString.trim() === '') return started;
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString,
      ...(options.credential ? { credential: options.credential } : {}),
    },
    samplingRatio: options.samplingRatio ?? 1,
    enableLiveMetrics: true,
  });
  started = { enabled: true };
  return started;
}

/**
 * The Azure entry calls this as it loads, before any function runs: on Flex Consumption,
 * timers and Service Bus triggers scale on instances of their own that may never serve HTTP,
 * so telemetry that started with the services (on first use) would miss them, and the
 * heartbeat alert would fire forever. Never throws: the shop serves without telemetry.
 */
export async function startTelemetryForAzure(connectionString: string): Promise<TelemetryState> {
  if (connectionString.trim() === '') return started;
  try {
    const { DefaultAzureCredential } = await import('@azure/identity');
    return await startTelemetry(connectionString, { credential: new DefaultAzureCredential() });
  } catch (error) {
    console.error('Telemetry could not start; the app serves without it:', error);
    return started;
  }
}

/** Flushes and stops exporting (tests, graceful shutdown). */
export async function stopTelemetry(): Promise<void> {
  if (!started.enabled) return;
  const { shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  await shutdownAzureMonitor();
  started = { enabled: false };
}

export function telemetryEnabled(): boolean {
  return started.enabled;
}

export interface ShopCounter {
  add(value?: number, attributes?: Attributes): void;
}

/**
 * A counter bound to whichever meter provider is global when it is used. The OpenTelemetry
 * API hands out no-op counters before a provider is registered and never upgrades them, so
 * a counter created at import time would stay silent forever; this re-resolves only when
 * the global provider changes (one identity check per call).
 */
function shopCounter(name: string, description: string): ShopCounter {
  let provider: MeterProvider | undefined;
  let counter: Counter | undefined;
  return {
    add(value = 1, attributes) {
      const current = otelMetrics.getMeterProvider();
      if (current !== provider || !counter) {
        provider = current;
        counter = current.getMeter('storefront').createCounter(name, { description });
      }
      counter.add(value, attributes);
    },
  };
}

/** Business signals on-call watches; names appear as-is in App Insights `customMetrics`. */
export const metrics = {
  ordersPaid: shopCounter('shop.orders_paid', 'Orders whose payment succeeded'),
  outOfStockRejections: shopCounter(
    'shop.out_of_stock_rejections',
    'Cart or checkout requests refused for stock',
  ),
  deadLetters: shopCounter('shop.dead_letters', 'Messages a consumer gave up on (dead-lettered)'),
  heartbeats: shopCounter('shop.heartbeats', 'Heartbeat timer ticks; an alert fires when they stop'),
  settlementRefused: shopCounter(
    'shop.settlement_refused',
    "Payment settlements refused: provider, reference, amount or currency did not match the order's",
  ),
} as const;

export interface HeartbeatLog {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/**
 * One heartbeat: a metric for the "heartbeat missing" alert and a log line for humans. A
 * past-due tick means the host was busy or asleep past the schedule: worth a warning.
 */
export function recordHeartbeat(now: Date, pastDue: boolean, log: HeartbeatLog): void {
  metrics.heartbeats.add(1, { pastDue });
  if (pastDue) log.warn(`heartbeat ${now.toISOString()} (past due)`);
  else log.log(`heartbeat ${now.toISOString()}`);
}
