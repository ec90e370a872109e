import type { Services } from './services';

export interface DependencyCheck {
  status: 'up' | 'down' | 'degraded';
  critical: boolean;
  latencyMs: number;
  detail?: string;
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  checkedAt: string;
  dependencies: Record<string, DependencyCheck>;
}

async function timed(
  critical: boolean,
  timeoutMs: number,
  probe: () => Promise<string | undefined>,
): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      status: 'up',
      critical,
      latencyMs: Math.round(performance.now() - started),
      ...(detail ? { detail } : {}),
    };
  } catch (error) {
    return {
      status: 'down',
      critical,
      latencyMs: Math.round(performance.now() - started),
      detail: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every dependency at once; a critical one down makes the whole unhealthy (503). */
export async function checkHealth(services: Services, timeoutMs = 2_000): Promise<HealthReport> {
  const probes: Record<string, Promise<DependencyCheck>> = {
    sql: timed(true, timeoutMs, async () => {
      const { pingDatabase } = await import('../adapters/sql/database');
      await pingDatabase(services.sql.db);
      return services.sql.describe;
    }),
    products: timed(true, timeoutMs, async () => {
      await services.products.ping();
      return services.productsEmbedded ? 'embedded Cosmos-compatible server' : 'Azure Cosmos DB';
    }),
    cache: timed(false, timeoutMs, async () => {
      await services.cache.cache.ping();
      // Invalidations still in the durable log (not yet deleted from Redis by any instance). SQL
      // has its own check: a slow or unreachable one must not call the cache down, so wait 250 ms.
      let timer: NodeJS.Timeout | undefined;
      const logged = await Promise.race([
        services.cache.loggedInvalidations(),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), 250);
        }),
      ]).finally(() => clearTimeout(timer));
      return logged
        ? `${services.cache.cache.kind}, ${logged} invalidations waiting in the log`
        : services.cache.cache.kind;
    }),
    bus: timed(true, timeoutMs, async () => {
      if (!services.localBus) return 'Azure Service Bus';
      const depth = await services.localBus.depth();
      const waiting = Object.values(depth).reduce((sum, n) => sum + n, 0);
      return `local bus, ${waiting} waiting`;
    }),
  };
  for (const [name, probe] of Object.entries(services.extraHealthChecks ?? {})) {
    probes[name] = timed(probe.critical, timeoutMs, probe.check);
  }
  const names = Object.keys(probes);
  const results = await Promise.all(Object.values(probes));
  const dependencies = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  for (const check of Object.values(dependencies))
    if (!check.critical && check.status === 'down') check.status = 'degraded';
  const criticalDown = results.some((check) => check.critical && check.status === 'down');
  const anyDown = results.some((check) => check.status !== 'up');
  return {
    status: criticalDown ? 'unhealthy' : anyDown ? 'degraded' : 'healthy',
    checkedAt: new Date().toISOString(),
    dependencies,
  };
}
