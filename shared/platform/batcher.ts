/**
 * Groups concurrent requests into batches that run as one statement each. Under load most of
 * a short write's cost is per statement (round trip, executor start, commit), not per row, so
 * one statement for ten requests costs far less than ten statements.
 *
 * Nothing waits for a batch to fill: a request goes out at once while fewer than
 * `maxInFlight` batches are running, alone if it is alone. Only when that many are running do
 * requests queue, and the next batch takes what queued, up to `maxBatch`. Two requests that
 * share a key (`keysOf`) never go in one batch: the later one waits for the next.
 *
 * A batch either commits for all its requests or for none (one statement is one transaction).
 * If it fails, each of its requests runs again on its own with `runOne`, whose errors are the
 * caller's to see, so a batch never turns one request's failure into another's.
 */
export interface BatcherOptions<Request, Result> {
  /** Batches running at once; 4 by default, well under the pool's 10 connections it shares. */
  maxInFlight?: number;
  maxBatch: number;
  /** Keys two requests of one batch must not share (a row both would write, say); none by default. */
  keysOf?(request: Request): readonly string[];
  /** A request alone; by default a batch of one. */
  runOne?(request: Request): Promise<Result>;
  /** Results in the order of `requests`. */
  runBatch(requests: readonly Request[]): Promise<Result[]>;
}

interface Pending<Request, Result> {
  request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export type Batched<Request, Result> = (request: Request) => Promise<Result>;

export function createBatcher<Request, Result>(
  options: BatcherOptions<Request, Result>,
): Batched<Request, Result> {
  const queue: Array<Pending<Request, Result>> = [];
  let inFlight = 0;
  const maxInFlight = options.maxInFlight ?? 4;
  const keysOf = options.keysOf ?? (() => []);
  const runOne = options.runOne ?? (async (request: Request) => (await options.runBatch([request]))[0]!);

  const takeBatch = (): Array<Pending<Request, Result>> => {
    const batch: Array<Pending<Request, Result>> = [];
    const taken = new Set<string>();
    for (let i = 0; i < queue.length && batch.length < options.maxBatch; ) {
      const keys = keysOf(queue[i]!.request);
      if (keys.some((key) => taken.has(key))) {
        i++;
        continue;
      }
      for (const key of keys) taken.add(key);
      batch.push(queue.splice(i, 1)[0]!);
    }
    return batch;
  };

  const run = async (batch: Array<Pending<Request, Result>>): Promise<void> => {
    if (batch.length === 1) {
      const [only] = batch;
      await runOne(only!.request).then(only!.resolve, only!.reject);
      return;
    }
    let results: Result[] | undefined;
    try {
      results = await options.runBatch(batch.map((p) => p.request));
    } catch {
      // Rolled back as a whole: each request tries again alone.
    }
    if (results && results.length === batch.length) {
      for (const [i, pending] of batch.entries()) pending.resolve(results[i]!);
      return;
    }
    await Promise.all(batch.map((p) => runOne(p.request).then(p.resolve, p.reject)));
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (request) =>
    new Promise<Result>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      pump();
    });
}

// One batcher per owner (a database handle) and name, made on first use.
const batchers = new WeakMap<object, Map<string, Batched<never, unknown>>>();

/** The batcher called `name` for `owner` (a database handle), made by `options` on first use. */
export function batcherFor<Request, Result>(
  owner: object,
  name: string,
  options: () => BatcherOptions<Request, Result>,
): Batched<Request, Result> {
  let named = batchers.get(owner);
  if (!named) {
    named = new Map();
    batchers.set(owner, named);
  }
  let batcher = named.get(name) as Batched<Request, Result> | undefined;
  if (!batcher) {
    batcher = createBatcher(options());
    named.set(name, batcher as Batched<never, unknown>);
  }
  return batcher;
}
