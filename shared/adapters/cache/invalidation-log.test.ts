import { sql } from 'kysely';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { startTcpProxy } from '../../../test/support/tcp-proxy';
import { tempDir, uniqueName } from '../../../test/support/test-shop';
import { openRelationalStore, type RelationalStore } from '../sql/database';
import { CacheAside } from './cache-aside';
import { SqlInvalidationLog } from './invalidation-log';
import { RedisCache } from './redis-cache';

const redisUrl = process.env.TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitUntil = async (what: string, ok: () => Promise<boolean> | boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

// One PGlite for the file (migrated by openRelationalStore, as the local host does).
let store: RelationalStore;
beforeAll(async () => {
  store = await openRelationalStore({ kind: 'pglite', dataDir: await tempDir('invalidation-log-') });
}, 60_000);
afterAll(async () => {
  await store?.close();
});

describe('the durable invalidation log (SQL table cache_invalidations, on PGlite)', () => {
  it('keeps a key recorded twice as one entry, and deletes only the version it delivered', async () => {
    const log = new SqlInvalidationLog(store.db);
    await log.record(['k1', 'k2']);
    await log.record(['k1', 'k1']);
    expect(await log.count()).toBe(2);
    const read = await log.read(10);
    expect(read).toEqual(
      expect.arrayContaining([
        { key: 'k1', version: 2 },
        { key: 'k2', version: 1 },
      ]),
    );
    expect(read).toHaveLength(2);

    // Another instance records k1 again after the read (its change came after the DEL that
    // this delivery sends): deleting what was read must not lose it.
    await log.record(['k1']);
    await log.remove(read);
    expect(await log.read(10)).toEqual([{ key: 'k1', version: 3 }]);
    await log.remove([{ key: 'k1', version: 3 }]);
    expect(await log.count()).toBe(0);
  });

  it('reads at most the batch size, oldest first', async () => {
    const log = new SqlInvalidationLog(store.db);
    for (const key of ['a', 'b', 'c']) {
      await log.record([key]);
      await sleep(5); // distinct recorded_at
    }
    expect((await log.read(2)).map((entry) => entry.key)).toEqual(['a', 'b']);
    await log.remove(await log.read(10));
    expect(await log.count()).toBe(0);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  `the invalidation log under real concurrency (PostgreSQL; ${postgresSkipReason})`,
  () => {
    it('records one key from 20 writers at once as one entry with 20 versions', async () => {
      const database = (await createTestDatabase())!;
      const pg = await openRelationalStore({ kind: 'postgres', url: database.url, readUrl: '' });
      try {
        const logs = Array.from({ length: 20 }, () => new SqlInvalidationLog(pg.db));
        await Promise.all(logs.map((log) => log.record(['hot'])));
        expect(await logs[0]!.read(10)).toEqual([{ key: 'hot', version: 20 }]);
      } finally {
        await pg.close();
        await database.drop();
      }
    });
  },
);

/**
 * Issue #15 point 3 across instances: two CacheAsides (two "instances") on one database and one
 * real Redis, each through a loopback TCP proxy that is cut to make Redis unreachable for both.
 * Redis itself keeps its data (as after a network fault or a restart with persistence).
 */
describe.skipIf(!redisUrl)(
  'an invalidation made during a Redis outage by an instance that then stops (needs TEST_REDIS_URL: skipped without it)',
  () => {
    let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
    let direct: ReturnType<typeof createClient>;
    const prefix = `${uniqueName('invlog')}:`;
    const opened: RedisCache[] = [];
    const instance = async (options: { failureThreshold?: number } = {}) => {
      const redis = await RedisCache.connect(`redis://127.0.0.1:${proxy.port}`, { prefix });
      opened.push(redis);
      await waitUntil('the instance to reach Redis', async () =>
        redis.ping().then(
          () => true,
          () => false,
        ),
      );
      const warnings: string[] = [];
      const aside = new CacheAside(redis, 60, {
        openMs: 100,
        log: new SqlInvalidationLog(store.db),
        logger: (_level, message) => warnings.push(message),
        ...options,
      });
      return { redis, aside, warnings };
    };

    beforeAll(async () => {
      const target = new URL(redisUrl!);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      direct = createClient({ url: redisUrl });
      await direct.connect();
    });
    afterAll(async () => {
      for (const redis of opened) await redis.close();
      await proxy?.close();
      if (direct?.isOpen) {
        const keys = await direct.keys(`${prefix}*`);
        if (keys.length > 0) await direct.del(keys);
        await direct.close();
      }
    });

    /** Instance A changes the value while Redis is unreachable, logs the invalidation, and is discarded. */
    const changeOnInstanceThatDies = async (key: string) => {
      const a = await instance();
      await proxy.cut();
      await a.aside.invalidate([key]);
      expect(a.aside.breaker).toMatchObject({ state: 'open', pendingInvalidations: 1 });
      expect(a.warnings).toEqual([]); // the log took it
      await a.aside.stop();
      await a.redis.close(); // never sees Redis again: its own probe can never deliver
      return new SqlInvalidationLog(store.db);
    };

    it('is delivered by another instance’s sweep once Redis answers, so no instance serves the old value after it', async () => {
      const key = 'product:sweep';
      let value = 'old';
      const load = async () => value;
      const b = await instance();
      expect(await b.aside.getOrLoad(key, load)).toBe('old');
      expect(await direct.get(prefix + key)).toBe('old');

      value = 'new';
      const log = await changeOnInstanceThatDies(key);
      expect(await log.count()).toBe(1);
      await proxy.restore();
      await waitUntil('B to reach Redis again', async () =>
        b.redis.ping().then(
          () => true,
          () => false,
        ),
      );
      // The window the log bounds: B's breaker never opened, so before any delivery it still
      // reads the entry Redis kept.
      expect(await b.aside.getOrLoad(key, load)).toBe('old');

      b.aside.startSweep(100);
      try {
        await waitUntil('the sweep to deliver the log', async () => (await log.count()) === 0);
        expect(await direct.get(prefix + key)).toBeNull();
        expect(await b.aside.getOrLoad(key, load)).toBe('new');
        // Any other reader of the same Redis (a third instance) sees the new value too.
        const reader = new CacheAside(b.redis, 60);
        expect(await reader.getOrLoad(key, async () => 'store')).toBe('new');
        expect(b.aside.breaker).toEqual({ state: 'closed', pendingInvalidations: 0 });
      } finally {
        await b.aside.stop();
      }
    });

    it('is delivered by another instance’s probe before its breaker lets it read the cache again', async () => {
      const key = 'availability:probe';
      let value = 'old';
      const load = async () => value;
      const b = await instance({ failureThreshold: 1 });
      expect(await b.aside.getOrLoad(key, load)).toBe('old');

      value = 'new';
      const log = await changeOnInstanceThatDies(key);
      // B reads during the outage: served from the store, and its breaker opens.
      expect(await b.aside.getOrLoad(key, load)).toBe('new');
      expect(b.aside.breaker.state).toBe('open');
      expect(b.aside.breaker.pendingInvalidations).toBe(0); // B itself changed nothing

      await proxy.restore();
      // Every read until (and after) B uses the cache again answers the new value: the probe
      // deletes the logged key before it closes the breaker.
      await waitUntil('B to close its breaker', async () => {
        expect(await b.aside.getOrLoad(key, load)).toBe('new');
        return b.aside.breaker.state === 'closed';
      });
      expect(await log.count()).toBe(0);
      expect(await b.aside.getOrLoad(key, load)).toBe('new');
      expect(await direct.get(prefix + key)).toBe('new'); // cached again, the new value
      await b.aside.stop();
    });

    it('keeps an invalidation in memory, with a warning, when the log cannot take it (a missing table), and sweeps without failing', async () => {
      const b = await instance();
      await sql`drop table cache_invalidations`.execute(store.db);
      await proxy.cut();
      try {
        await b.aside.invalidate(['product:nolog']);
        expect(b.aside.breaker).toMatchObject({ state: 'open', pendingInvalidations: 1 });
        expect(b.warnings).toEqual([
          'Cache invalidation kept in memory only: the invalidation log refused it',
        ]);
        expect(await b.aside.loggedInvalidations()).toBeUndefined();
      } finally {
        await proxy.restore();
      }
      // The probe still delivers the in-memory key and closes; the log read fails with a warning.
      await waitUntil('B to close its breaker', () => b.aside.breaker.state === 'closed');
      expect(b.aside.breaker.pendingInvalidations).toBe(0);
      await b.aside.sweep();
      expect(b.aside.breaker.state).toBe('closed');
      expect(b.warnings.filter((w) => w.startsWith('Could not read'))).not.toHaveLength(0);
      await b.aside.stop();
    });
  },
);
