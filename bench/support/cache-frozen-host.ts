import http from 'node:http';
import { allFunctions } from '../../functions/definitions';
import type { Cache } from '../../shared/adapters/cache/cache.port';
import { CacheAside } from '../../shared/adapters/cache/cache-aside';
import { RedisCache } from '../../shared/adapters/cache/redis-cache';
import { startLocalHost } from '../../shared/platform/local-host/local-host';
import { createLogger } from '../../shared/platform/logging';
import { startTcpProxy } from '../../test/support/tcp-proxy';
import { startTestShop, uniqueName } from '../../test/support/test-shop';

/** Always misses, stores nothing: every read goes to the stores (the store-only path). */
class NoCache implements Cache {
  readonly kind = 'memory';
  async get(): Promise<string | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async delete(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

// A local shop (PGlite, embedded Cosmos server) whose cache is a real Redis behind a loopback
// proxy that can freeze (accept, keep connections, answer nothing). A control server switches
// the shop between `redis` (proxy forwarding), `frozen` (proxy frozen) and `nocache` (a cache
// that never hits). Prints READY <shop url> <control url>.
async function main() {
  const target = new URL(
    process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  );
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const shop = await startTestShop({ products: 200, host: false });
  // Our own host, logging errors (a 500 in the bench must say why).
  const host = await startLocalHost({
    definitions: allFunctions,
    services: shop.services,
    port: 0,
    logger: createLogger('error'),
    busIdlePollMs: 50,
  });
  const prefix = `${uniqueName('bench_frozen')}:`;
  const redis = await RedisCache.connect(`redis://127.0.0.1:${proxy.port}`, { prefix });
  const ttl = shop.services.config.cacheTtlSeconds;
  const withRedis = new CacheAside(redis, ttl);
  const storeOnly = new CacheAside(new NoCache(), ttl);
  shop.services.cache = withRedis;
  for (let i = 0; i < 50; i++) {
    try {
      await redis.ping();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => shop.token(`bench-shopper-${i}`)));
  const control = http.createServer((req, res) => {
    const mode = req.url?.slice(1);
    if (mode === 'tokens') return res.end(JSON.stringify(tokens));
    if (mode === 'products') return res.end(JSON.stringify(shop.products.map((p) => p.id)));
    if (mode === 'redis') {
      proxy.thaw();
      shop.services.cache = withRedis;
    } else if (mode === 'frozen') {
      proxy.freeze();
      shop.services.cache = withRedis;
    } else if (mode === 'nocache') {
      shop.services.cache = storeOnly;
    } else if (mode === 'breaker') {
      return res.end(JSON.stringify(withRedis.breaker));
    } else {
      res.statusCode = 404;
      return res.end();
    }
    res.end(JSON.stringify({ mode, breaker: withRedis.breaker }));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlPort = (control.address() as { port: number }).port;
  console.log(`READY ${host.url} http://127.0.0.1:${controlPort}`);
  const stop = async () => {
    proxy.thaw();
    const raw = (await import('redis')).createClient({ url: target.toString() });
    await raw
      .connect()
      .then(async () => {
        const keys = await raw.keys(`${prefix}*`);
        if (keys.length > 0) await raw.del(keys);
        await raw.close();
      })
      .catch(() => {});
    await host.stop().catch(() => {});
    await shop.close().catch(() => {});
    await redis.close().catch(() => {});
    await proxy.close();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
