import type { Cache } from './cache.port';

/**
 * Cache-aside with single-flight: concurrent misses for one key share one load. A cache
 * that fails (e.g. Redis down) is treated as a miss, so reads keep being served from the
 * store; `lastError` lets health report the cache as degraded.
 */
export class CacheAside {
  private readonly inFlight = new Map<string, { promise: Promise<string>; stale: boolean }>();
  lastError: { at: Date; message: string } | undefined;

  constructor(
    readonly cache: Cache,
    private readonly defaultTtlSeconds: number,
  ) {}

  async getOrLoad(
    key: string,
    load: () => Promise<string>,
    ttlSeconds = this.defaultTtlSeconds,
  ): Promise<string> {
    const hit = await this.safely(() => this.cache.get(key));
    if (hit !== undefined) return hit;
    const pending = this.inFlight.get(key);
    if (pending) return pending.promise;
    const flight = { promise: Promise.resolve(''), stale: false };
    flight.promise = (async () => {
      try {
        const value = await load();
        // An invalidation during the load means the value may be old: serve it, don't cache it.
        if (!flight.stale) await this.safely(() => this.cache.set(key, value, ttlSeconds));
        return value;
      } finally {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, flight);
    return flight.promise;
  }

  /**
   * Removes keys. A load already in flight for one of them may have read the old value, so
   * it is detached and will not write: later callers start a fresh load.
   */
  async invalidate(keys: string[]): Promise<void> {
    for (const key of keys) {
      const flight = this.inFlight.get(key);
      if (flight) flight.stale = true;
      this.inFlight.delete(key);
    }
    await this.safely(() => this.cache.delete(keys));
  }

  private async safely<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await operation();
      this.lastError = undefined;
      return result;
    } catch (error) {
      this.lastError = { at: new Date(), message: error instanceof Error ? error.message : String(error) };
      return undefined;
    }
  }
}
