import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from './cache.port';

/** The cache port's contract, run against every adapter that can run here. */
export function cacheContract(name: string, open: () => Promise<Cache>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `cache contract: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let cache: Cache;
      const key = (k: string) => `contract:${process.pid}:${k}`;
      beforeAll(async () => {
        cache = await open();
        // Redis connects in the background; wait until it answers.
        for (let i = 0; i < 50; i++) {
          try {
            await cache.ping();
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      });
      afterAll(async () => {
        await cache?.delete([key('a'), key('b'), key('ttl')]);
        await cache?.close();
      });

      it('stores, reads and deletes strings', async () => {
        expect(await cache.get(key('a'))).toBeUndefined();
        await cache.set(key('a'), '{"x":1}', 60);
        await cache.set(key('b'), 'two', 60);
        expect(await cache.get(key('a'))).toBe('{"x":1}');
        await cache.delete([key('a'), key('b')]);
        expect(await cache.get(key('a'))).toBeUndefined();
        expect(await cache.get(key('b'))).toBeUndefined();
      });

      it('expires entries after their TTL', async () => {
        await cache.set(key('ttl'), 'soon gone', 1);
        expect(await cache.get(key('ttl'))).toBe('soon gone');
        await new Promise((resolve) => setTimeout(resolve, 1_300));
        expect(await cache.get(key('ttl'))).toBeUndefined();
      });

      it('answers ping while healthy', async () => {
        await expect(cache.ping()).resolves.toBeUndefined();
      });
    },
  );
}
