import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher';

interface Job {
  id: number;
  keys: string[];
  fail?: 'batch' | 'one';
}

/** A batcher over in-memory work that records every statement it would have run. */
function recordingBatcher(options: { maxInFlight: number; maxBatch: number }) {
  const statements: number[][] = [];
  let running = 0;
  let mostRunning = 0;
  // A statement's running time (not a wait for something): long enough for callers to queue behind it.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  const batched = createBatcher<Job, string>({
    ...options,
    keysOf: (job) => job.keys,
    async runOne(job) {
      running++;
      mostRunning = Math.max(mostRunning, running);
      statements.push([job.id]);
      await settle();
      running--;
      if (job.fail === 'one') throw new Error(`job ${job.id} failed`);
      return `done ${job.id}`;
    },
    async runBatch(jobs) {
      running++;
      mostRunning = Math.max(mostRunning, running);
      statements.push(jobs.map((j) => j.id));
      await settle();
      running--;
      if (jobs.some((j) => j.fail)) throw new Error('rolled back');
      return jobs.map((j) => `done ${j.id}`);
    },
  });
  return { batched, statements, mostRunning: () => mostRunning };
}

describe('createBatcher', () => {
  it('sends a lone request at once, on its own', async () => {
    const { batched, statements } = recordingBatcher({ maxInFlight: 2, maxBatch: 8 });
    expect(await batched({ id: 1, keys: ['a'] })).toBe('done 1');
    expect(statements).toEqual([[1]]);
  });

  it('queues behind the running statements and sends what queued together, each caller getting its own result', async () => {
    const { batched, statements, mostRunning } = recordingBatcher({ maxInFlight: 2, maxBatch: 8 });
    const jobs = Array.from({ length: 12 }, (_, id) => ({ id, keys: [`user${id}`, `sku${id}`] }));
    const results = await Promise.all(jobs.map((job) => batched(job)));
    expect(results).toEqual(jobs.map((j) => `done ${j.id}`));
    // Two go out alone at once; the other ten wait and share statements of at most 8.
    expect(statements).toEqual([[0], [1], [2, 3, 4, 5, 6, 7, 8, 9], [10, 11]]);
    expect(mostRunning()).toBe(2);
  });

  it('never puts two requests with a shared key in one statement, and keeps the later one for the next', async () => {
    const { batched, statements } = recordingBatcher({ maxInFlight: 1, maxBatch: 8 });
    const jobs = [
      { id: 0, keys: ['u0', 's0'] },
      { id: 1, keys: ['u1', 'hot'] },
      { id: 2, keys: ['u2', 'hot'] },
      { id: 3, keys: ['u1', 's3'] },
      { id: 4, keys: ['u4', 's4'] },
      { id: 5, keys: ['u5', 'hot'] },
    ];
    await Promise.all(jobs.map((job) => batched(job)));
    expect(statements).toEqual([[0], [1, 4], [2, 3], [5]]);
    for (const statement of statements) {
      const keys = statement.flatMap((id) => jobs[id]!.keys);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('when a batch fails, runs each of its requests alone, and only the failing one sees an error', async () => {
    const { batched, statements } = recordingBatcher({ maxInFlight: 1, maxBatch: 8 });
    const outcomes = await Promise.allSettled([
      batched({ id: 0, keys: ['a'] }),
      batched({ id: 1, keys: ['b'] }),
      batched({ id: 2, keys: ['c'], fail: 'one' }),
      batched({ id: 3, keys: ['d'] }),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'done 0',
      'done 1',
      'job 2 failed',
      'done 3',
    ]);
    expect(statements).toEqual([[0], [1, 2, 3], [1], [2], [3]]);
  });
});
