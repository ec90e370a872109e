import type { Cache } from './cache.port';

export interface CacheAsideOptions {
  /** Consecutive cache failures (errors or timeouts) that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long the breaker stays open before a probe asks the cache again (ms). Default 1000. */
  openMs?: number;
}

export interface BreakerState {
  state: 'closed' | 'open';
  /** Keys whose invalidation has not reached the cache yet (dropped before it is used again). */
  pendingInvalidations: number;
  openedAt?: Date;
}

/**
 * Cache-aside with single-flight: concurrent misses for one key share one load. A cache
 * that fails (e.g. Redis down) is treated as a miss, so reads keep being served from the
 * store; `lastError` lets health report the cache as degraded.
 *
 * A circuit breaker stops asking a failing cache: after `failureThreshold` consecutive failures
 * (or any failed invalidation) every read goes straight to the store, writes are skipped, and
 * invalidations are kept in `pendingInvalidations`. A probe (PING, then deleting every pending
 * key) runs after `openMs`; only when it succeeds does the cache serve reads again, so a value
 * that changed during the outage is never read back from the cache afterwards.
 *
 * Limit: pending invalidations live in the process that made the change. Other instances that
 * read the same Redis once it answers can see the old entry until that process's probe deletes
 * it (within `openMs` of Redis answering, with or without traffic); if that process stops first,
 * until the entry's TTL. So the cache must never be the source of a charged price (issue #15 point 4).
 */
export class CacheAside {
  private readonly inFlight = new Map<string, { promise: Promise<string>; stale: boolean }>();
  private readonly pending = new Set<string>();
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private failures = 0;
  private openedAt: Date | undefined;
  private probeAt = 0;
  private probing: Promise<void> | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  lastError: { at: Date; message: string } | undefined;

  constructor(
    readonly cache: Cache,
    private readonly defaultTtlSeconds: number,
    options: CacheAsideOptions = {},
  ) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 1_000;
  }

  get breaker(): BreakerState {
    return {
      state: this.openedAt ? 'open' : 'closed',
      pendingInvalidations: this.pending.size,
      ...(this.openedAt ? { openedAt: this.openedAt } : {}),
    };
  }

  async getOrLoad(
    key: string,
    load: () => Promise<string>,
    ttlSeconds = this.defaultTtlSeconds,
  ): Promise<string> {
    const hit = this.usable() ? await this.safely(() => this.cache.get(key)) : undefined;
    if (hit !== undefined) return hit;
    const pending = this.inFlight.get(key);
    if (pending) return pending.promise;
    const flight = { promise: Promise.resolve(''), stale: false };
    flight.promise = (async () => {
      try {
        const value = await load();
        // An invalidation during the load means the value may be old: serve it, don't cache it.
        if (!flight.stale && this.usable()) await this.safely(() => this.cache.set(key, value, ttlSeconds));
        return value;
      } finally {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, flight);
    return flight.promise;
  }

  /** Stores a value now (through the breaker: skipped while the cache is failing). */
  async put(key: string, value: string, ttlSeconds = this.defaultTtlSeconds): Promise<void> {
    if (this.usable()) await this.safely(() => this.cache.set(key, value, ttlSeconds));
  }

  /**
   * Removes keys. A load already in flight for one of them may have read the old value, so
   * it is detached and will not write: later callers start a fresh load. An invalidation the
   * cache cannot take now is kept and delivered before the cache serves any read again.
   */
  async invalidate(keys: string[]): Promise<void> {
    for (const key of keys) {
      const flight = this.inFlight.get(key);
      if (flight) flight.stale = true;
      this.inFlight.delete(key);
    }
    if (keys.length === 0) return;
    if (!this.usable()) {
      for (const key of keys) this.pending.add(key);
      this.scheduleProbe();
      return;
    }
    try {
      await this.cache.delete(keys);
      this.succeeded();
    } catch (error) {
      // A DEL that failed or timed out may not have run: keep the keys and stop reading the
      // cache until they are gone from it.
      for (const key of keys) this.pending.add(key);
      this.failed(error, true);
    }
  }

  /** Whether the cache may be asked now (breaker closed); an open breaker due a probe starts one. */
  private usable(): boolean {
    if (!this.openedAt) return true;
    if (Date.now() >= this.probeAt) void this.probe();
    return false;
  }

  private async safely<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await operation();
      this.succeeded();
      return result;
    } catch (error) {
      this.failed(error, false);
      return undefined;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    if (!this.openedAt) this.lastError = undefined;
  }

  private failed(error: unknown, openNow: boolean): void {
    this.lastError = { at: new Date(), message: error instanceof Error ? error.message : String(error) };
    this.failures++;
    if (!this.openedAt && (openNow || this.failures >= this.failureThreshold)) this.open();
  }

  private open(): void {
    this.openedAt ??= new Date();
    this.probeAt = Date.now() + this.openMs;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.scheduleProbe();
  }

  /** Without traffic, still deliver pending invalidations once the cache answers again. */
  private scheduleProbe(): void {
    if (this.pending.size === 0 || this.probeTimer || this.probing) return;
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = undefined;
        void this.probe();
      },
      Math.max(0, this.probeAt - Date.now()),
    );
    this.probeTimer.unref();
  }

  /** Asks the cache once (PING), drops every pending key, then closes the breaker. */
  private probe(): Promise<void> {
    this.probing ??= (async () => {
      clearTimeout(this.probeTimer);
      this.probeTimer = undefined;
      try {
        await this.cache.ping();
        while (this.pending.size > 0) {
          const batch = [...this.pending].slice(0, 500);
          await this.cache.delete(batch);
          for (const key of batch) this.pending.delete(key);
        }
        this.failures = 0;
        this.openedAt = undefined;
        this.lastError = undefined;
      } catch (error) {
        this.lastError = {
          at: new Date(),
          message: error instanceof Error ? error.message : String(error),
        };
        this.open();
      } finally {
        this.probing = undefined;
        if (this.openedAt) this.scheduleProbe(); // failed: try again after openMs
      }
    })();
    return this.probing;
  }
}
