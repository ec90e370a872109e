import http from 'node:http';
import os from 'node:os';
import { startProcess, stopProcess } from './support/processes';

/**
 * Issue #15 point 2: the five reads of a hung-Redis outage (product, list, search, availability,
 * cart add) with Redis frozen (a proxy that accepts and keeps connections but answers nothing),
 * against the same reads with no cache at all (a cache that never hits: every read from the
 * stores), in the same run and the same process, alternated twice so drift hits both. A run
 * with Redis answering is the reference.
 */
type Kind = 'product' | 'list' | 'search' | 'availability' | 'cart';
const kinds: Kind[] = ['product', 'list', 'search', 'availability', 'cart'];

interface Row {
  name: string;
  mode: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  /** `read status` → count, so a refusal is told from a failure. */
  non2xxByReadAndStatus: Record<string, number>;
  p99MsByRead: Record<Kind, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

async function run(
  name: string,
  mode: string,
  base: URL,
  ids: string[],
  tokens: string[],
  options: { connections: number; durationSeconds: number },
): Promise<Row> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  let non2xx = 0;
  const refused: Record<string, number> = {};
  let n = 0;
  const once = (kind: Kind, i: number) =>
    new Promise<number>((resolve, reject) => {
      const id = ids[i % ids.length]!;
      const cart = kind === 'cart';
      const path = {
        product: `/api/products/${id}`,
        list: `/api/products?limit=20${i % 2 ? '&category=books' : ''}`,
        search: `/api/search?q=${['usb', 'the', 'black', 'pro'][i % 4]}`,
        availability: `/api/products/${id}/availability`,
        cart: `/api/cart/items/${id}`,
      }[kind];
      const body = cart ? JSON.stringify({ quantity: 1 }) : undefined;
      const started = performance.now();
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: cart ? 'PUT' : 'GET',
          agent,
          headers: cart
            ? { authorization: `Bearer ${tokens[i % tokens.length]}`, 'content-type': 'application/json' }
            : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              non2xx++;
              const what = `${kind} ${res.statusCode}`;
              refused[what] = (refused[what] ?? 0) + 1;
            }
            resolve(performance.now() - started);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const deadline = performance.now() + options.durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = n++;
      const kind = kinds[i % kinds.length]!;
      latencies.get(kind)!.push(await once(kind, Math.floor(i / kinds.length)));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  const byRead = Object.fromEntries(
    kinds.map((k) => [
      k,
      round(
        percentile(
          latencies.get(k)!.sort((a, b) => a - b),
          99,
        ),
      ),
    ]),
  ) as Record<Kind, number>;
  return {
    name,
    mode,
    requests: all.length,
    requestsPerSecond: Math.round(all.length / seconds),
    p50Ms: round(percentile(all, 50)),
    p99Ms: round(percentile(all, 99)),
    maxMs: round(all.at(-1) ?? 0),
    non2xx,
    non2xxByReadAndStatus: refused,
    p99MsByRead: byRead,
  };
}

export async function runCacheFrozenBench(): Promise<Record<string, unknown>> {
  const host = await startProcess(
    'bench/support/cache-frozen-host.ts',
    {},
    /READY (http:\/\/\S+) (http:\/\/\S+)/,
    300_000,
  );
  // The host logs errors only: pass them on (a 500 must say why).
  host.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  host.child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  try {
    const base = new URL(host.match[1]!.replace('localhost', '127.0.0.1'));
    const control = host.match[2]!;
    const ask = async (path: string) => (await fetch(`${control}/${path}`)).json();
    const ids = (await ask('products')) as string[];
    const tokens = (await ask('tokens')) as string[];
    const options = { connections: 10, durationSeconds: 8 };
    // The machine is shared: its load says how much of a p99 is other work.
    const loadAverageAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
    await ask('redis');
    await run('warm-up', 'redis', base, ids, tokens, { connections: 10, durationSeconds: 3 });
    const rows: Row[] = [];
    rows.push(await run('Redis answering (reference)', 'redis', base, ids, tokens, options));
    for (const round of [1, 2]) {
      await ask('nocache');
      rows.push(await run(`no cache, store only (round ${round})`, 'nocache', base, ids, tokens, options));
      await ask('frozen');
      rows.push(await run(`Redis frozen (round ${round})`, 'frozen', base, ids, tokens, options));
    }
    const breakerWhileFrozen = await ask('breaker');
    await ask('redis');
    const frozen = rows.filter((r) => r.mode === 'frozen');
    const storeOnly = rows.filter((r) => r.mode === 'nocache');
    const worst = (list: Row[]) => Math.max(...list.map((r) => r.p99Ms));
    console.log('| what | req/s | p50 ms | p99 ms | max ms | non-2xx | p99 by read (ms) |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const r of rows)
      console.log(
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.non2xx} | ${JSON.stringify(r.p99MsByRead)} |`,
      );
    const ratio = Math.round((worst(frozen) / worst(storeOnly)) * 1000) / 1000;
    console.log(`worst p99 frozen / worst p99 store-only: ${ratio}`);
    return {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      reads:
        'GET /products/{id}, GET /products?limit=20, GET /search?q=, GET /products/{id}/availability, PUT /cart/items/{id}, in turn',
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      rows,
      breakerWhileFrozen,
      p99FrozenToStoreOnly: ratio,
    };
  } finally {
    await stopProcess(host.child);
  }
}
