import fs from 'node:fs/promises';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop, tempDir } from '../../test/support/test-shop';
import { recordAsAzureSql, recordedStatements, tsqlProblems } from '../../test/support/tsql-recorder';
import { openRelationalStore, type RelationalStore } from '../adapters/sql/database';
import type { Db } from '../adapters/sql/schema';
import { timerFunction } from '../platform/function-definition';
import { useServices } from '../platform/services';
import { listHeartbeats, recordHeartbeat } from './heartbeats.repository';
import { operationsOverview } from './operations.service';

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

      it('the overview marks a timer late after two missed runs and a minute, and one that never ran', async () => {
        const now = new Date('2026-01-01T12:00:00.000Z');
        await recordHeartbeat(db, 'every-minute-on-time', new Date(now.getTime() - 179_000));
        await recordHeartbeat(db, 'every-minute-late', new Date(now.getTime() - 181_000));
        await recordHeartbeat(db, 'every-5-min', new Date(now.getTime() - 600_000));
        const overview = await operationsOverview({
          db,
          deadLetters: { list: async () => [], replay: async () => false, purge: async () => false },
          checkHealth: async () => ({ status: 'healthy', checkedAt: now.toISOString(), dependencies: {} }),
          timers: [
            { name: 'every-minute-on-time', schedule: '0 * * * * *' },
            { name: 'every-minute-late', schedule: '0 * * * * *' },
            { name: 'every-5-min', schedule: '15 */5 * * * *' },
            { name: 'never-ran', schedule: '30 * * * * *' },
          ],
          now,
        });
        const byName = Object.fromEntries(overview.heartbeats.map((h) => [h.component, h]));
        expect(byName['every-minute-on-time']).toMatchObject({ everySeconds: 60, late: false });
        expect(byName['every-minute-late']).toMatchObject({ everySeconds: 60, late: true });
        expect(byName['every-5-min']).toMatchObject({ everySeconds: 300, late: false });
        expect(byName['never-ran']).toMatchObject({ everySeconds: 60, late: true, lastBeatAt: null });
        // Rows no timer declares (from the earlier tests) are listed, never late.
        expect(byName.zeta).toMatchObject({ everySeconds: null, late: false });
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

describe('heartbeats and the overview on the Azure SQL path (compiled to T-SQL, run on PGlite)', () => {
  let store: RelationalStore;
  let dir: string;
  beforeAll(async () => {
    // In the hook (longer timeout): a fresh PGlite takes a while on a loaded machine.
    dir = await tempDir('ops-tsql-');
    store = recordAsAzureSql(await openRelationalStore({ kind: 'pglite', dataDir: dir }));
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('issue only valid T-SQL: heartbeat insert and update, the listing, outbox and consumer lag', async () => {
    const now = new Date();
    await recordHeartbeat(store.db, 'tsql-timer', new Date(now.getTime() - 1000));
    await recordHeartbeat(store.db, 'tsql-timer', now);
    const overview = await operationsOverview({
      db: store.db,
      deadLetters: { list: async () => [], replay: async () => false, purge: async () => false },
      checkHealth: async () => ({ status: 'healthy', checkedAt: now.toISOString(), dependencies: {} }),
      timers: [{ name: 'tsql-timer', schedule: '0 * * * * *' }],
      now,
    });
    expect(overview.heartbeats).toEqual([expect.objectContaining({ component: 'tsql-timer', late: false })]);
    expect(overview.outbox).toEqual({ unpublished: 0, oldestUnpublishedAt: null, lagSeconds: 0 });
    const texts = recordedStatements().map((r) => r.sql);
    expect(texts).toContainEqual(expect.stringMatching(/^insert into "component_heartbeats"/));
    expect(texts).toContainEqual(expect.stringMatching(/^update "component_heartbeats" set/));
    expect(texts).toContainEqual(expect.stringMatching(/not exists \(select 1 as "one" from "inbox"/));
    expect(tsqlProblems().map((p) => `${p.problem}: ${p.sql}`)).toEqual([]);
  });
});
