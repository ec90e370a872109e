import { describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../test/support/tcp-proxy';
import { cacheContract } from './cache.contract';
import type { Cache } from './cache.port';
import { CacheAside } from './cache-aside';
import { MemoryCache } from './memory-cache';
import { CacheTimeoutError, RedisCache } from './redis-cache';

cacheContract('in-process LRU (embedded twin)', async () => new MemoryCache());
cacheContract(
  'Redis (real server)',
  async () => RedisCache.connect(process.env.TEST_REDIS_URL!, { prefix: `test:${process.pid}:` }),
  process.env.TEST_REDIS_URL ? undefined : 'TEST_REDIS_URL is not set (CI sets it to the machine Redis)',
);

describe('in-process LRU bounds', () => {
  it('holds exactly maxEntries entries, evicting the least recently used', async () => {
    const cache = new MemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key, 60);
    await cache.get('a'); // now b is the least recently used
    await cache.set('d', 'd', 60);
    expect(await Promise.all(['a', 'b', 'c', 'd'].map((key) => cache.get(key)))).toEqual([
      'a',
      undefined,
      'c',
      'd',
    ]);
    // Emptied one entry at a time (the last delete included), it still fills to its bound.
    await cache.delete(['a', 'c', 'd']);
    expect(await cache.get('d')).toBeUndefined(); // the last one too
    for (const key of ['e', 'f', 'g', 'h']) await cache.set(key, key, 60);
    expect(await Promise.all(['e', 'f', 'g', 'h'].map((key) => cache.get(key)))).toEqual([
      undefined,
      'f',
      'g',
      'h',
    ]);
  });
});

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('cache-aside with single flight', () => {
  it('serves N concurrent misses with one store read', async () => {
    const aside = new CacheAside(new MemoryCache(), 60);
    let loads = 0;
    const gate = deferred<string>();
    const load = async () => {
      loads++;
      return gate.promise;
    };
    const readers = Array.from({ length: 50 }, () => aside.getOrLoad('k', load));
    gate.resolve('value');
    expect(new Set(await Promise.all(readers))).toEqual(new Set(['value']));
    expect(loads).toBe(1);
    expect(await aside.getOrLoad('k', load)).toBe('value');
    expect(loads).toBe(1);
  });

  it('never caches a value loaded before an invalidation (no stale read after it)', async () => {
    const aside = new CacheAside(new MemoryCache(), 60);
    let version = 'old';
    const gate = deferred<void>();
    const loading = deferred<void>();
    const slowLoad = async () => {
      const seen = version;
      loading.resolve();
      await gate.promise;
      return seen;
    };
    const inFlight = aside.getOrLoad('p', slowLoad);
    await loading.promise; // the load has read the old value
    version = 'new';
    await aside.invalidate(['p']);
    gate.resolve();
    expect(await inFlight).toBe('old'); // the caller that asked before the change
    expect(await aside.getOrLoad('p', async () => version)).toBe('new');
  });

  it('keeps serving from the store when Redis is unreachable, and reports it', async () => {
    const unreachable = await RedisCache.connect('redis://127.0.0.1:1', { prefix: 'x:' });
    const aside = new CacheAside(unreachable, 60);
    try {
      const started = Date.now();
      let loads = 0;
      for (let i = 0; i < 20; i++) {
        expect(await aside.getOrLoad('k', async () => `from-store-${++loads}`)).toMatch(/^from-store-/);
      }
      expect(Date.now() - started).toBeLessThan(1_000); // fails fast, no offline queue
      expect(loads).toBe(20);
      expect(aside.lastError?.message).toBeTruthy();
      await expect(unreachable.ping()).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
  });
});

/** A fake cache that can be switched to failing (a real Redis hang is tested in redis-hung.test.ts). */
class SwitchableFakeCache implements Cache {
  readonly kind = 'memory';
  readonly inner = new MemoryCache();
  failing = false;
  calls = 0;
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.failing) throw new Error('cache down');
    return operation();
  }
  get(key: string) {
    return this.run(() => this.inner.get(key));
  }
  set(key: string, value: string, ttlSeconds: number) {
    return this.run(() => this.inner.set(key, value, ttlSeconds));
  }
  delete(keys: string[]) {
    return this.run(() => this.inner.delete(keys));
  }
  ping() {
    return this.run(() => this.inner.ping());
  }
  close() {
    return this.inner.close();
  }
}

/** Waits (up to 3 s) for the breaker to close by itself: no reads, only its timer. */
async function closed(aside: CacheAside) {
  for (let i = 0; i < 150 && aside.breaker.state !== 'closed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cache-aside circuit breaker (with a switchable fake cache)', () => {
  it('stops asking a failing cache, and drops what changed during the outage before reading it again', async () => {
    const fake = new SwitchableFakeCache();
    const aside = new CacheAside(fake, 60, { failureThreshold: 2, openMs: 100 });
    let price = 'old';
    const load = async () => price;
    expect(await aside.getOrLoad('price', load)).toBe('old');
    expect(await fake.inner.get('price')).toBe('old'); // cached

    fake.failing = true;
    await aside.getOrLoad('other', load);
    await aside.getOrLoad('other', load);
    expect(aside.breaker.state).toBe('open');
    const callsWhenOpened = fake.calls;
    price = 'new';
    await aside.invalidate(['price']); // the cache cannot take it now
    for (let i = 0; i < 20; i++) expect(await aside.getOrLoad('price', load)).toBe('new');
    expect(fake.calls).toBe(callsWhenOpened); // open: the cache is not asked at all
    expect(aside.breaker.pendingInvalidations).toBe(1);
    expect(aside.lastError?.message).toBe('cache down');

    // The cache answers again, still holding the old value: the probe (run by a timer, no
    // traffic needed) deletes it before the breaker closes.
    fake.failing = false;
    await closed(aside);
    expect(aside.breaker).toEqual({ state: 'closed', pendingInvalidations: 0 });
    expect(await fake.inner.get('price')).toBeUndefined();
    expect(await aside.getOrLoad('price', load)).toBe('new');
    expect(await fake.inner.get('price')).toBe('new'); // used again
    expect(aside.lastError).toBeUndefined();
  });

  it('opens at once when an invalidation fails, and keeps it until the cache takes it', async () => {
    const fake = new SwitchableFakeCache();
    const aside = new CacheAside(fake, 60, { failureThreshold: 100, openMs: 50 });
    await aside.getOrLoad('k', async () => 'v1');
    fake.failing = true;
    await aside.invalidate(['k']);
    expect(aside.breaker.state).toBe('open');
    expect(await aside.getOrLoad('k', async () => 'v2')).toBe('v2');
    // Still failing at the probe: stays open, the key stays pending.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(aside.breaker).toMatchObject({ state: 'open', pendingInvalidations: 1 });
    fake.failing = false;
    await closed(aside);
    expect(aside.breaker).toEqual({ state: 'closed', pendingInvalidations: 0 });
    expect(await aside.getOrLoad('k', async () => 'v2')).toBe('v2');
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)(
  'Redis command timeouts (real Redis behind a frozen proxy; skipped without TEST_REDIS_URL)',
  () => {
    it('fails each command within tens of milliseconds when Redis accepts but never answers', async () => {
      const target = new URL(process.env.TEST_REDIS_URL!);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const cache = await RedisCache.connect(`redis://127.0.0.1:${proxy.port}`, {
        prefix: `timeout:${process.pid}:`,
        commandTimeoutMs: 50,
      });
      try {
        for (let i = 0; i < 50; i++) {
          try {
            await cache.ping();
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        await cache.set('k', 'v', 60);
        expect(await cache.get('k')).toBe('v');
        proxy.freeze();
        for (const operation of [
          () => cache.get('k'),
          () => cache.set('k', 'w', 60),
          () => cache.delete(['k']),
        ]) {
          const started = performance.now();
          await expect(operation()).rejects.toBeInstanceOf(CacheTimeoutError);
          expect(performance.now() - started).toBeLessThan(300);
        }
        await expect(cache.ping()).rejects.toBeInstanceOf(CacheTimeoutError);
        proxy.thaw();
        // What was held is delivered in order; the connection serves again.
        let value: string | undefined;
        for (let i = 0; i < 50 && value !== 'fresh'; i++) {
          await cache.set('k', 'fresh', 60).catch(() => {});
          value = await cache.get('k').catch(() => undefined);
        }
        expect(value).toBe('fresh');
        await cache.delete(['k']);
      } finally {
        await cache.close();
        await proxy.close();
      }
    });
  },
);
