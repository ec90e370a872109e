import { createLogger, type Logger } from '../../platform/logging';
import type { Cache } from './cache.port';
import type { InvalidationLog, LoggedInvalidation } from './invalidation-log';

export interface CacheAsideOptions {
  /** Consecutive cache failures (errors or timeouts) that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long the breaker stays open before a probe asks the cache again (ms). Default 1000. */
  openMs?: number;
  /**
   * Where invalidations that cannot reach the cache are also recorded, for every instance to
   * deliver (the SQL `cache_invalidations` table). Without it they live in this process only.
   */
  log?: InvalidationLog;
  /** Log entries delivered per round trip (default 200). */
  logBatch?: number;
  /** Where a failed log write or read is reported (warnings to stdout by default). */
  logger?: Logger;
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
 * Durable log (`options.log`): an invalidation that cannot reach the cache is also recorded in
 * SQL before `invalidate` returns. Every instance delivers that log (DEL in the cache, then
 * delete exactly the rows it delivered; a key recorded again meanwhile stays) when its breaker
 * closes after a probe and on a periodic sweep (`startSweep`, every 30 s in services.ts). So an
 * invalidation survives the instance that made it: if that process stops (scale-in, crash)
 * before Redis answers, the next sweep of any live instance that reaches Redis deletes the old
 * entry, and a later instance delivers it at its first sweep if none is left running.
 *
 * What it does not guarantee: (1) other instances whose breaker stayed closed may serve the old
 * entry from the moment Redis answers until the first delivery (the recording process's probe
 * within `openMs`, else the next sweep of any instance: up to the sweep interval); (2) if SQL
 * refuses the record too, the key is kept in memory only (a warning is logged) and the old limit
 * applies: lost with the process, the entry lives until its TTL; (3) a load that another instance
 * started before the change may write the old value after the delivery (single-flight detaches
 * such loads only in the process that invalidates). So the cache must never be the source of a
 * charged price (issue #15 point 4).
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
  /** A sweep read log entries it could not deliver: probe even without pending keys. */
  private logOwed = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly log: InvalidationLog | undefined;
  private readonly logBatch: number;
  private readonly logger: Logger;
  lastError: { at: Date; message: string } | undefined;

  constructor(
    readonly cache: Cache,
    private readonly defaultTtlSeconds: number,
    options: CacheAsideOptions = {},
  ) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 1_000;
    this.log = options.log;
    this.logBatch = options.logBatch ?? 200;
    this.logger = options.logger ?? createLogger('warn');
  }

  /** Entries waiting in the durable log (undefined without a log, or when SQL cannot say). */
  async loggedInvalidations(): Promise<number | undefined> {
    return this.log?.count().catch(() => undefined);
  }

  /** Delivers the durable log every `intervalMs` (unref'd: never keeps the process alive). */
  startSweep(intervalMs: number): void {
    if (!this.log || this.sweepTimer) return;
    this.sweepTimer = setInterval(() => void this.sweep(), intervalMs);
    this.sweepTimer.unref();
  }

  /** Stops the sweep and the probe timer, after a sweep under way has finished. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    await this.sweeping;
    await this.probing;
  }

  /**
   * Delivers what any instance recorded in the durable log. With the breaker open, the probe
   * (due or not) delivers it instead; a cache failure here opens the breaker, so this instance
   * stops reading the cache until the probe has delivered the entries it saw.
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        if (this.openedAt || this.probing) {
          if (Date.now() >= this.probeAt) await this.probe();
          return;
        }
        try {
          await this.drainLog();
          this.succeeded();
        } catch (error) {
          this.logOwed = true;
          this.failed(error, true);
        }
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
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
    if (this.usable()) {
      // As `safely`, written out: this is every cached read's path, and the extra async frame showed.
      try {
        const hit = await this.cache.get(key);
        this.succeeded();
        if (hit !== undefined) return hit;
      } catch (error) {
        this.failed(error, false);
      }
    }
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
      await this.record(keys);
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
      await this.record(keys);
    }
  }

  /** Writes keys to the durable log; if SQL refuses, they stay in memory only (and a warning says so). */
  private async record(keys: string[]): Promise<void> {
    if (!this.log) return;
    try {
      await this.log.record(keys);
    } catch (error) {
      this.logger('warn', 'Cache invalidation kept in memory only: the invalidation log refused it', {
        keys: keys.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * Delivers the durable log in batches: DEL the keys, then delete exactly the entries read. A
   * cache failure throws (the entries stay logged); a log failure is logged and ends the round
   * (the next sweep tries again), as SQL down must not keep the cache closed.
   */
  private async drainLog(): Promise<void> {
    if (!this.log) return;
    for (;;) {
      let batch: LoggedInvalidation[];
      try {
        batch = await this.log.read(this.logBatch);
      } catch (error) {
        this.logFailed('read', error);
        return;
      }
      if (batch.length > 0) await this.cache.delete(batch.map((entry) => entry.key));
      this.logOwed = false;
      if (batch.length === 0) return;
      try {
        await this.log.remove(batch);
      } catch (error) {
        this.logFailed('clear', error);
        return;
      }
      if (batch.length < this.logBatch) return;
    }
  }

  private logFailed(what: 'read' | 'clear', error: unknown): void {
    this.logger('warn', `Could not ${what} the cache invalidation log; the next sweep tries again`, {
      error: error instanceof Error ? error.message : String(error),
    });
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
    if ((this.pending.size === 0 && !this.logOwed) || this.probeTimer || this.probing) return;
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = undefined;
        void this.probe();
      },
      Math.max(0, this.probeAt - Date.now()),
    );
    this.probeTimer.unref();
  }

  /** Asks the cache once (PING), drops every pending and logged key, then closes the breaker. */
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
        await this.drainLog();
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
