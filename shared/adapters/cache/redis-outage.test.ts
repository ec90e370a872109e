import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../test/support/tcp-proxy';
import { startTestShop, type TestShop } from '../../../test/support/test-shop';

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('a real Redis outage (TEST_REDIS_URL; skipped without it)', () => {
  let shop: TestShop;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  const api = (path: string) => fetch(`${shop.url}/api/${path}`);
  const health = async () =>
    (await (await api('health')).json()) as { status: string; dependencies: { cache: { status: string } } };

  beforeAll(async () => {
    const target = new URL(redisUrl!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    shop = await startTestShop({ products: 20, env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await shop?.close();
    await proxy?.close();
  });

  it('serves from Redis, survives its outage from the stores (health degraded), and recovers', async () => {
    for (let i = 0; i < 40 && (await health()).status !== 'healthy'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await health()).status).toBe('healthy');
    const id = shop.products[0]!.id;
    expect((await api(`products/${id}`)).status).toBe(200);

    await proxy.cut();
    const started = Date.now();
    for (const product of shop.products.slice(0, 10)) {
      const response = await api(`products/${product.id}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { id: string }).id).toBe(product.id);
    }
    expect((await api('search?q=the')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    const degraded = await health();
    expect(degraded.status).toBe('degraded');
    expect(degraded.dependencies.cache.status).toBe('degraded');
    // A change during the outage is also logged in SQL (the durable log, which health counts).
    await shop.services.cache.invalidate([`product:${id}`]);
    expect(await shop.services.cache.loggedInvalidations()).toBe(1);

    await proxy.restore();
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      await new Promise((r) => setTimeout(r, 100));
      recovered = (await health()).status === 'healthy';
    }
    expect(recovered).toBe(true);
    // The probe (its timer: no traffic needed) delivers the logged invalidation.
    for (let i = 0; i < 100 && (await shop.services.cache.loggedInvalidations()) !== 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await shop.services.cache.loggedInvalidations()).toBe(0);
    expect((await api(`products/${id}`)).status).toBe(200);
  });
});
