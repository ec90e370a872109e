import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAzureBundle } from '../scripts/build-azure';
import { loadWithLatencies } from './support/load';
import { startProcess, stopProcess } from './support/processes';

/**
 * `npm run bench [-- scenario ...]`: speed, reported as ratios against a baseline measured
 * in the same run (the machine is shared and noisy). Results go to bench/results/.
 */
type Scenario = () => Promise<Record<string, unknown>>;

const resultsDir = path.resolve('bench/results');

function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Issues 2 and 3: product reads vs bare Node, and how soon an admin change shows (bench/catalogue.ts). */
const catalogue: Scenario = async () => (await import('./catalogue')).runCatalogueBench();

/** Issue 19: `npm start` to healthy, first and warm, with idle RSS (bench/startup.ts). */
const startup: Scenario = async () => (await import('./startup')).runStartupBench();

/** Median and sorted timings of importing `main` in 7 fresh Node processes. */
function loadTimes(main: string): { medianMs: number; timingsMs: number[] } {
  const timings: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const t=performance.now(); import(${JSON.stringify(main)}).then(()=>console.log('MS', performance.now()-t))`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    timings.push(Number(/MS ([\d.]+)/.exec(out)?.[1]));
  }
  timings.sort((a, b) => a - b);
  return { medianMs: Math.round(timings[3]!), timingsMs: timings.map(Math.round) };
}

/**
 * Issue 2: how long the Azure bundle takes to load (cold start), median of 7 fresh processes,
 * against a baseline in the same run: a bundle of `@azure/functions` alone, which every
 * Node Functions app loads.
 */
const bundle: Scenario = async () => {
  const outdir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-bundle-'));
  await buildAzureBundle(outdir);
  const baselineDir = path.join(outdir, 'baseline');
  await fs.promises.mkdir(baselineDir);
  const { build } = await import('esbuild');
  await build({
    stdin: { contents: "import { app } from '@azure/functions'; app.setup({});", resolveDir: process.cwd() },
    outfile: path.join(baselineDir, 'main.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    external: ['@azure/functions-core'],
    logLevel: 'warning',
  });
  const baseline = loadTimes(path.join(baselineDir, 'main.mjs'));
  const shop = loadTimes(path.join(outdir, 'main.mjs'));
  const sizeKb = Math.round(
    fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith('.mjs'))
      .reduce((s, f) => s + fs.statSync(path.join(outdir, f)).size, 0) / 1024,
  );
  await fs.promises.rm(outdir, { recursive: true, force: true });
  const ratio = Number((shop.medianMs / baseline.medianMs).toFixed(2));
  console.log(
    `Azure bundle: ${sizeKb} KB of .mjs, loads in ${shop.medianMs} ms (median of 7); @azure/functions alone ${baseline.medianMs} ms; ratio ${ratio}`,
  );
  return {
    medianLoadMs: shop.medianMs,
    timingsMs: shop.timingsMs,
    sizeKb,
    baseline: { what: '@azure/functions alone, bundled the same way', ...baseline },
    ratioToBaseline: ratio,
  };
};

/**
 * Issue 3: search through the local host at 10 connections, on 10,000 and 100,000 products.
 * Every request is a different query (one of 32 shopper queries at one of 13k page and page-size
 * combinations), so results come from the engine, not the cache; a second run repeats the 32
 * queries to show the cached path. Then precision@10 and nDCG@10 of the judged query set
 * (issue #17), for the embedded engine and for the Azure adapter through the fake service.
 */
const search: Scenario = async () => {
  const { runSearchInProcessBench, runSearchRelevance, printRelevance, queryMix } = await import(
    './search-inprocess'
  );
  const { generateCatalogue } = await import('../shared/catalogue/demo-catalogue');
  const mix = queryMix(generateCatalogue(3000));
  // The machine is shared: the 1-minute load average before and after says how far to trust the timings.
  const loadAverageBefore = Math.round(os.loadavg()[0]! * 10) / 10;
  const sizes: Array<Record<string, unknown>> = [];
  for (const products of [10_000, 100_000]) {
    const host = await startProcess(
      'bench/support/search-host.ts',
      { SEARCH_PRODUCTS: String(products) },
      /READY (http:\/\/\S+) (\d+)/,
      300_000,
    );
    try {
      const base = host.match[1]!.replace('localhost', '127.0.0.1');
      // Unique by page and page size (13k combinations): a cache miss each time, same engine work.
      const uniquePath = (n: number) => {
        const query = {
          ...mix[n % mix.length]!,
          page: String(1 + (Math.floor(n / mix.length) % 10)),
          pageSize: String(10 + (Math.floor(n / (mix.length * 10)) % 41)),
        };
        return `/api/search?${new URLSearchParams(query)}`;
      };
      const repeatedPath = (n: number) => `/api/search?${new URLSearchParams(mix[n % 32]!)}`;
      await loadWithLatencies('warm-up', base, (n) => uniquePath(n + 7919), {
        connections: 10,
        durationSeconds: 3,
      });
      const uncached = await loadWithLatencies(
        `search, ${products} products, unique queries`,
        base,
        uniquePath,
        { connections: 10, durationSeconds: 10 },
      );
      const cached = await loadWithLatencies(
        `search, ${products} products, 32 repeated queries`,
        base,
        repeatedPath,
        { connections: 10, durationSeconds: 10 },
      );
      for (const r of [uncached, cached])
        console.log(
          `${r.name}: ${r.requestsPerSecond} req/s, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}`,
        );
      sizes.push({ products, indexHeapMb: Number(host.match[2]), uncached, cached });
    } finally {
      await stopProcess(host.child);
    }
  }
  const inProcess = await runSearchInProcessBench();
  // Issue #17: relevance on the judged query set (deterministic; the machine's noise does not touch it).
  const relevance = await runSearchRelevance();
  printRelevance(relevance);
  const loadAverage = {
    before: loadAverageBefore,
    after: Math.round(os.loadavg()[0]! * 10) / 10,
    cpus: os.cpus().length,
  };
  return { connections: 10, durationSeconds: 10, loadAverage, throughHost: sizes, inProcess, relevance };
};

/** Issue 5 groundwork: the sandbox payment gateway's own rate (durable, fsynced journal). */
const payments: Scenario = async () => {
  const { runSandboxBench } = await import('./payments-sandbox');
  return { sandbox: await runSandboxBench() };
};

const benchDatabaseUrl = () => process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Issue 4: add-to-cart on real PostgreSQL vs the raw conditional update, and live-update latency;
 * both write paths (PostgreSQL's one statement, and the portable writes Azure SQL runs) in one run.
 */
const cart: Scenario = async () => {
  const { runCartBench } = await import('./cart');
  const oneStatement = await runCartBench(benchDatabaseUrl(), 'one-statement');
  console.log('\n-- the portable (Azure SQL) write path on the same PostgreSQL');
  const portable = await runCartBench(benchDatabaseUrl(), 'portable');
  return { ...oneStatement, portable };
};

/** Issue 5: Pay Now on real PostgreSQL with the sandbox gateway vs the raw checkout-like transaction; both write paths. */
const checkout: Scenario = async () => {
  const { runCheckoutBench } = await import('./checkout');
  const oneStatement = await runCheckoutBench(benchDatabaseUrl(), 'one-statement');
  console.log('\n-- the portable (Azure SQL) write path on the same PostgreSQL');
  const portable = await runCheckoutBench(benchDatabaseUrl(), 'portable');
  return { ...oneStatement, portable };
};

/** Issue 6: the storefront in Chromium: bundle sizes, first contentful paint, count shown. */
const web: Scenario = async () => {
  const { runWebBench } = await import('./web');
  return (await runWebBench()) as unknown as Record<string, unknown>;
};

/** Issue #15 point 2: the five reads with Redis frozen vs no cache at all (p99), same run. */
const cacheFrozen: Scenario = async () => {
  const { runCacheFrozenBench } = await import('./cache-frozen');
  return runCacheFrozenBench();
};

const scenarios: Record<string, Scenario> = {
  catalogue,
  startup,
  bundle,
  search,
  payments,
  cart,
  checkout,
  web,
  'cache-frozen': cacheFrozen,
};

async function main() {
  const chosen = process.argv.slice(2).filter((a) => a in scenarios);
  const names = chosen.length > 0 ? chosen : Object.keys(scenarios);
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const name of names) {
    console.log(`\n== ${name}`);
    const result = await scenarios[name]!();
    const record = {
      scenario: name,
      date: new Date().toISOString(),
      machine: machine(),
      command: `npm run bench -- ${name}`,
      ...result,
    };
    fs.writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
