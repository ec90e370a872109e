/**
 * In-process search benchmark: the embedded engine at 10,000 and 100,000 generated
 * products, a mix of shopper queries (typo'd text, filters, facets, sorts, deep pages),
 * called through `searchProducts` exactly as `GET /api/search` does, minus HTTP and cache.
 *
 *   npx tsx bench/search-inprocess.ts            (add --expose-gc for exact heap numbers:
 *   NODE_OPTIONS=--expose-gc npx tsx bench/search-inprocess.ts)
 */
import { AzureKeyCredential } from '@azure/search-documents';
import { AzureSearchIndex } from '../shared/adapters/search/azure-search-index';
import { EmbeddedSearchIndex } from '../shared/adapters/search/embedded-search-index';
import {
  startFakeAzureSearchService,
  trustFakeCertificate,
} from '../shared/adapters/search/testing/fake-azure-search-service';
import { generateCatalogue } from '../shared/catalogue/demo-catalogue';
import { demoCatalogueSize } from '../shared/catalogue/demo-seed';
import type { Product } from '../shared/catalogue/product';
import { searchProducts } from '../shared/search/search.service';
import type { SearchIndex } from '../shared/search/search-index.port';
import { judgedQueries } from '../shared/search/testing/judged-queries';
import { type RelevanceReport, scoreJudgedQueries } from '../shared/search/testing/relevance';

export interface SearchBenchSize {
  products: number;
  buildMs: number;
  /** Heap growth from building the index (exact after gc when run with --expose-gc). */
  indexHeapMb: number;
  heapMeasuredAfterGc: boolean;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  queriesPerSecond: number;
}

export interface SearchBenchResult {
  kind: 'search-inprocess';
  node: string;
  sizes: SearchBenchSize[];
}

/** A deterministic mix of what shoppers send; built from the catalogue so typos target real words. */
export function queryMix(products: Product[]): Record<string, string>[] {
  const typo = (word: string) => {
    const at = Math.floor(word.length / 2);
    return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  };
  const mix: Record<string, string>[] = [
    { q: 'hodie' },
    { q: 'vintaeg jacket', facets: 'brand,size,colour' },
    { q: 'headphnes', minPrice: '5000', maxPrice: '20000', sort: 'price_desc' },
    { q: 'lovelace' },
    { q: 'clasic', category: 'apparel', colour: 'red,navy' },
    { category: 'apparel', size: 'M,L', sort: 'price_asc' },
    { category: 'books', format: 'paperback', sort: 'newest' },
    {},
    { sort: 'newest', page: '5' },
    { q: 'lantern', category: 'garden,home' },
    { brand: 'Penguin,Faber', facets: 'author,genre' },
    { minPrice: '1000', maxPrice: '3000', sort: 'price_asc', page: '3' },
    { q: 'organic cotton', sort: 'price_asc' },
    { category: 'electronics', colour: 'black', facets: 'brand,connectivity' },
    { q: 'speakr', page: '2' },
    { q: 'dark chocolate', category: 'grocery' },
  ];
  for (let i = 0; i < 16; i++) {
    const product = products[(i * 7919) % products.length]!;
    const words = product.name.split(/\s+/).filter((word) => word.length >= 5);
    const word = words[0] ?? product.name;
    mix.push({ q: `${typo(word)} ${product.brand}`.trim(), facets: 'category,brand' });
  }
  return mix;
}

export type RelevanceSummary = Omit<RelevanceReport, 'scores'>;

/**
 * The same judged set on the engine before issue #17 (commit bfd8b3a's embedded engine and
 * tokenizer, run by hand against this set over generateCatalogue(2400) on 2026-12-02). Kept
 * as a recorded figure: the old engine is gone from the tree.
 */
export const relevanceBeforeIssue17 = {
  engine: 'embedded, before issue #17 (bfd8b3a)',
  queries: 93,
  meanPrecisionAt10: 0.731,
  meanNdcgAt10: 0.731,
  byKindNdcgAt10: {
    exact: 1,
    plural: 0.923,
    compound: 0.273,
    synonym: 0,
    typo: 1,
    brand: 1,
    attribute: 0.857,
    category: 0.667,
    sort: 0.5,
    nonsense: 0.857,
  },
  examples: [
    '"jacket" sort=price_desc: nDCG 0 (tennis rackets first)',
    '"boots": 267 results, all books',
    '"smart watch", "tee", "watches", "dollhouse": 0 results',
  ],
};

/**
 * Precision@10 and nDCG@10 of the judged query set (shared/search/testing/judged-queries.ts)
 * on the demo catalogue: the embedded engine, and the Azure adapter's requests answered by
 * the fake service (which runs the analyzers, token filters and synonym map from the index
 * definition the adapter sent; its ranking is cruder than Azure's BM25).
 */
export async function runSearchRelevance(): Promise<{
  catalogueProducts: number;
  embedded: RelevanceSummary;
  azureThroughFake: RelevanceSummary;
  before: typeof relevanceBeforeIssue17;
}> {
  const products = generateCatalogue(demoCatalogueSize);
  const summary = async (index: SearchIndex): Promise<RelevanceSummary> => {
    const { scores: _scores, ...rest } = await scoreJudgedQueries(products, judgedQueries, (params) =>
      searchProducts(index, params),
    );
    return rest;
  };
  const embedded = new EmbeddedSearchIndex();
  await embedded.upsert(products);
  const service = await startFakeAzureSearchService();
  try {
    const azure = new AzureSearchIndex({
      endpoint: service.endpoint,
      indexName: 'products',
      credential: new AzureKeyCredential('bench-fake-key'),
      clientOptions: trustFakeCertificate(service.certificate),
    });
    await azure.ensureIndex();
    await azure.upsert(products);
    return {
      catalogueProducts: products.length,
      embedded: await summary(embedded),
      azureThroughFake: await summary(azure),
      before: relevanceBeforeIssue17,
    };
  } finally {
    await service.close();
  }
}

export function printRelevance(relevance: Awaited<ReturnType<typeof runSearchRelevance>>): void {
  const line = (name: string, report: { queries: number; meanPrecisionAt10: number; meanNdcgAt10: number }) =>
    console.log(
      `relevance, ${name}: ${report.queries} judged queries, precision@10 ${report.meanPrecisionAt10}, nDCG@10 ${report.meanNdcgAt10}`,
    );
  line(relevance.before.engine, relevance.before);
  line('embedded', relevance.embedded);
  line('Azure query shape through the fake service', relevance.azureThroughFake);
  for (const worst of relevance.embedded.worst.filter((score) => score.ndcgAt10 < 1)) {
    console.log(
      `  worst (embedded): ${worst.query} nDCG@10 ${worst.ndcgAt10}, ${worst.relevantInTop10} relevant in top 10 of ${worst.returned}`,
    );
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function benchSize(count: number, rounds: number): Promise<SearchBenchSize> {
  const products = generateCatalogue(count);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const index = new EmbeddedSearchIndex();
  await index.upsert(products);
  const buildMs = performance.now() - started;
  gc?.();
  const indexHeapMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;

  const mix = queryMix(products);
  // Warm-up: JIT and the lazily built sort orders, as a running host would have.
  for (let i = 0; i < 3; i++) for (const raw of mix) await searchProducts(index, raw);

  const timings: number[] = [];
  const loopStarted = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const raw of mix) {
      const t = performance.now();
      await searchProducts(index, raw);
      timings.push(performance.now() - t);
    }
  }
  const loopMs = performance.now() - loopStarted;
  timings.sort((a, b) => a - b);
  return {
    products: count,
    buildMs: round(buildMs, 0),
    indexHeapMb: round(indexHeapMb, 1),
    heapMeasuredAfterGc: gc !== undefined,
    queries: timings.length,
    p50Ms: round(percentile(timings, 0.5), 3),
    p95Ms: round(percentile(timings, 0.95), 3),
    maxMs: round(timings.at(-1) ?? 0, 3),
    queriesPerSecond: round((timings.length / loopMs) * 1000, 0),
  };
}

export async function runSearchInProcessBench(
  sizes: number[] = [10_000, 100_000],
  rounds = 30,
): Promise<SearchBenchResult> {
  const results: SearchBenchSize[] = [];
  for (const size of sizes) results.push(await benchSize(size, rounds));
  return { kind: 'search-inprocess', node: process.version, sizes: results };
}

function printResult(result: SearchBenchResult): void {
  console.log(`search in-process (embedded engine, ${result.node})`);
  for (const size of result.sizes) {
    console.log(
      `  ${String(size.products).padStart(7)} products: build ${size.buildMs} ms, index heap ` +
        `${size.indexHeapMb} MB${size.heapMeasuredAfterGc ? '' : ' (rough: no --expose-gc)'}; ` +
        `${size.queries} queries p50 ${size.p50Ms} ms, p95 ${size.p95Ms} ms, max ${size.maxMs} ms, ` +
        `${size.queriesPerSecond} q/s`,
    );
  }
}

if (require.main === module) {
  runSearchInProcessBench()
    .then(async (result) => {
      printResult(result);
      const relevance = await runSearchRelevance();
      printRelevance(relevance);
      console.log(JSON.stringify({ ...result, relevance }));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
