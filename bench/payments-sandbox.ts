/**
 * Sandbox payment gateway throughput: charges/s with every charge fsync'ed to its journal
 * before it answers, as checkout load tests use it. Three shapes:
 *   - concurrent: many checkouts in flight (group commit shares fsyncs between them);
 *   - sequential: one charge at a time (one fsync each: the worst case);
 *   - reopen: how long a restart takes to load the journal it left behind.
 *
 *   npx tsx bench/payments-sandbox.ts
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxPaymentGateway } from '../shared/adapters/payments/sandbox/sandbox-payment-gateway';
import type { ChargeInput } from '../shared/payments/payment-gateway.port';

export interface SandboxBenchShape {
  shape: 'concurrent' | 'sequential';
  charges: number;
  concurrency: number;
  seconds: number;
  chargesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  fsyncs: number;
}

export interface SandboxBenchResult {
  kind: 'payments-sandbox';
  node: string;
  shapes: SandboxBenchShape[];
  reopen: { records: number; ms: number };
}

const METHODS = [
  'pm_card_visa',
  'pm_card_mastercard',
  'pm_card_chargeDeclined',
  'pm_card_authenticationRequired',
];

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return Math.round((sorted[index] ?? 0) * 100) / 100;
}

async function runShape(
  sandbox: SandboxPaymentGateway,
  shape: SandboxBenchShape['shape'],
  charges: number,
  concurrency: number,
): Promise<SandboxBenchShape> {
  const latencies: number[] = [];
  const syncsBefore = sandbox.syncCount;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < charges) {
      const i = next++;
      const input: ChargeInput = {
        orderId: `${shape}-${i}-${started}`,
        amountMinor: 1000 + (i % 500),
        currency: 'EUR',
        method: { provider: 'stripe', paymentMethodId: METHODS[i % METHODS.length]! },
      };
      const t0 = performance.now();
      await sandbox.charge(input);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    shape,
    charges,
    concurrency,
    seconds: Math.round(seconds * 1000) / 1000,
    chargesPerSecond: Math.round(charges / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    fsyncs: sandbox.syncCount - syncsBefore,
  };
}

export async function runSandboxBench(
  options: { concurrentCharges?: number; concurrency?: number; sequentialCharges?: number } = {},
): Promise<SandboxBenchResult> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-payments-'));
  try {
    const sandbox = await SandboxPaymentGateway.open({ dataDir });
    // Warm up the JIT and the file before measuring.
    await runShape(sandbox, 'concurrent', 500, 50);
    const concurrent = await runShape(
      sandbox,
      'concurrent',
      options.concurrentCharges ?? 20_000,
      options.concurrency ?? 64,
    );
    const sequential = await runShape(sandbox, 'sequential', options.sequentialCharges ?? 2_000, 1);
    await sandbox.close();
    const t0 = performance.now();
    const reopened = await SandboxPaymentGateway.open({ dataDir });
    const reopenMs = Math.round(performance.now() - t0);
    await reopened.close();
    const records = 500 + concurrent.charges + sequential.charges;
    return {
      kind: 'payments-sandbox',
      node: process.version,
      shapes: [concurrent, sequential],
      reopen: { records, ms: reopenMs },
    };
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

function printResult(result: SandboxBenchResult): void {
  console.log(`payments sandbox (fsync per answered charge, ${result.node})`);
  for (const s of result.shapes) {
    console.log(
      `  ${s.shape.padEnd(10)} ${s.charges} charges x${s.concurrency}: ${s.chargesPerSecond} charges/s, ` +
        `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${s.fsyncs} fsyncs`,
    );
  }
  console.log(`  reopen: ${result.reopen.records} journal records loaded in ${result.reopen.ms} ms`);
}

if (require.main === module) {
  runSandboxBench()
    .then((result) => {
      printResult(result);
      console.log(JSON.stringify(result));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
