import fs from 'node:fs';
import { load } from './support/load';
import { startProcess, stopProcess } from './support/processes';
import { ratio, table, tempDataDir } from './support/report';

/**
 * Issues 2 and 3: one product and a product page through the local host vs bare Node, then how
 * long an admin change takes to show in product reads and search.
 */
export async function runCatalogueBench(): Promise<Record<string, unknown>> {
  const bare = await startProcess('bench/support/bare-server.ts', {}, /LISTENING (\d+)/);
  const dataDir = await tempDataDir();
  const host = await startProcess(
    'scripts/start.ts',
    { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    /Shop ready in [\d.]+s: (http:\/\/[^/ ]+)\//,
  );
  try {
    const bareUrl = `http://127.0.0.1:${bare.match[1]}/`;
    const shopUrl = host.match[1]!.replace('localhost', '127.0.0.1');
    const ids = Array.from({ length: 200 }, (_, i) => `p-${String(i + 1).padStart(6, '0')}`);
    let next = 0;
    const productRequests = [
      {
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          path: `/api/products/${ids[next++ % ids.length]}`,
        }),
      },
    ];
    // Warm caches and JIT, then alternate baseline and subject so drift hits both.
    await load('warm-up', `${shopUrl}/api/products/p-000001`, {
      durationSeconds: 3,
      requests: productRequests as never,
    });
    await load('warm-up', `${shopUrl}/api/products?limit=20`, { durationSeconds: 2 });
    // The baseline gets the same client work (rotating paths) as the product run.
    const bare1 = await load('bare Node http (product JSON)', bareUrl, {
      requests: productRequests as never,
    });
    const product = await load(
      'GET /api/products/{id} (200 ids, cached)',
      `${shopUrl}/api/products/p-000001`,
      { requests: productRequests as never },
    );
    const list = await load('GET /api/products?limit=20', `${shopUrl}/api/products?limit=20`);
    const bare2 = await load('bare Node http (again)', bareUrl, { requests: productRequests as never });
    const baseline = (bare1.requestsPerSecond + bare2.requestsPerSecond) / 2;
    const rows = [bare1, product, list, bare2].map((r) => ({
      ...r,
      ratio: ratio(r.requestsPerSecond, baseline),
    }));
    console.log(table(rows));
    const { measureAdminChangeVisibility } = await import('./admin-change');
    const adminChange = await measureAdminChangeVisibility(shopUrl);
    console.log(
      `admin change -> visible in product read and search: p50 ${adminChange.p50Ms} ms, p95 ${adminChange.p95Ms} ms, max ${adminChange.maxMs} ms over ${adminChange.changes} changes`,
    );
    return {
      connections: 50,
      durationSeconds: 10,
      baselineRequestsPerSecond: Math.round(baseline),
      rows,
      adminChange,
    };
  } finally {
    await stopProcess(host.child);
    await stopProcess(bare.child);
    await fs.promises.rm(dataDir, { recursive: true, force: true });
  }
}
