import { describe, expect, it } from 'vitest';
import { cacheContract } from './cache.contract';
import { CacheAside } from './cache-aside';
import { MemoryCache } from './memory-cache';
import { RedisCache } from './redis-cache';

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
