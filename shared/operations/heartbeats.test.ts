import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import type { Db } from '../adapters/sql/schema';
import { timerFunction } from '../platform/function-definition';
import { useServices } from '../platform/services';
import { listHeartbeats, recordHeartbeat } from './heartbeats.repository';

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: undefined as never,
};

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: 'test',
    functionName: 'test-timer',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.join(' ')}`),
  });
}

describe('timer heartbeats without services', () => {
  it('a timer run with no services started records nothing, logs nothing and starts nothing', async () => {
    useServices(undefined);
    const lines: string[] = [];
    let ran = 0;
    const fn = timerFunction({ name: 'lonely', schedule: '0 * * * * *', handler: async () => void ran++ });
    await fn.handler(timer, context(lines));
    expect(ran).toBe(1);
    expect(lines).toEqual([]);
  });
});

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `component heartbeats: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      let db: Db;
      beforeAll(async () => {
        shop = await startTestShop({ products: 0, host: false, env: await env() });
        db = shop.services.sql.db;
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      it('records one row per component, moves forward only, and lists them by name', async () => {
        const t0 = new Date('2026-01-01T10:00:00.000Z');
        const t1 = new Date('2026-01-01T10:01:00.000Z');
        await recordHeartbeat(db, 'zeta', t0);
        await recordHeartbeat(db, 'alpha', t0, 'first');
        await recordHeartbeat(db, 'alpha', t1, 'second');
        await recordHeartbeat(db, 'alpha', t0, 'late finisher'); // an older run finishing last
        await Promise.all([recordHeartbeat(db, 'race', t0), recordHeartbeat(db, 'race', t1)]);
        expect(await listHeartbeats(db)).toEqual([
          { component: 'alpha', lastBeatAt: t1, detail: 'second' },
          { component: 'race', lastBeatAt: t1, detail: null },
          { component: 'zeta', lastBeatAt: t0, detail: null },
        ]);
      });

      it('a timer records its heartbeat after a successful run, not after a failed one', async () => {
        const ok = timerFunction({ name: 'beats-ok', schedule: '0 * * * * *', handler: async () => {} });
        const failing = timerFunction({
          name: 'beats-failing',
          schedule: '0 * * * * *',
          handler: async () => {
            throw new Error('boom');
          },
        });
        const before = Date.now();
        await ok.handler(timer, context([]));
        await expect(failing.handler(timer, context([]))).rejects.toThrow('boom');
        const beats = (await listHeartbeats(db)).filter((b) => b.component.startsWith('beats-'));
        expect(beats).toEqual([
          {
            component: 'beats-ok',
            lastBeatAt: expect.any(Date),
            detail: expect.stringMatching(/^ran in \d+ ms$/),
          },
        ]);
        expect(beats[0]!.lastBeatAt.getTime()).toBeGreaterThanOrEqual(before - 5);
      });

      it('a heartbeat that cannot be written is logged, and the run still succeeds', async () => {
        const lines: string[] = [];
        // 65 characters: longer than the component column (varchar(64)), so the insert fails.
        const fn = timerFunction({ name: 'x'.repeat(65), schedule: '0 * * * * *', handler: async () => {} });
        await fn.handler(timer, context(lines));
        expect(lines).toEqual([expect.stringMatching(/^warning: x{65}: heartbeat not recorded: /)]);
      });
    },
  );
}
