import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from './load';

/** Helpers the scenarios share: a scratch data folder, same-run ratios, a markdown table. */
export async function tempDataDir(): Promise<string> {
  return fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-shop-'));
}

export function ratio(value: number, baseline: number): number {
  return Math.round((value / baseline) * 1000) / 1000;
}

export function table(rows: Array<LoadResult & { ratio?: number }>): string {
  const lines = [
    '| what | req/s | p50 ms | p99 ms | ratio to bare Node | non-2xx |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratio ?? ''} | ${r.non2xx} |`,
    );
  return lines.join('\n');
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
