import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/test-shop';
import { recordAsAzureSql, recordedStatements, tsqlProblems } from '../../test/support/tsql-recorder';
import { openRelationalStore, type RelationalStore } from '../adapters/sql/database';
import { parseConfig } from '../platform/config';
import { sale, testPolicy } from './sales-calendar.fixture';
import { runSalesCli } from './sales-cli';
import { SEED_AUTHOR, storedWindowsReader, updateSalesWindow } from './sales-windows.service';
import { forgetLastReadWindows, runScheduledScaling } from './scale-scheduler';

/**
 * `npm run sales` on the database (the store the page, the API and the scheduler share), seeded
 * from the file. The store runs as Azure SQL on PGlite (test/support/tsql-recorder.ts): every
 * statement the sales windows issue is compiled to T-SQL and must parse, as in the
 * azure-sql-path project.
 */

let dir: string;
let calendarPath: string;
let store: RelationalStore;
const now = new Date('2026-11-22T12:00:00Z');

beforeAll(async () => {
  dir = await tempDir('sales-store-');
  calendarPath = path.join(dir, 'sales-calendar.json');
  await fs.writeFile(calendarPath, JSON.stringify({ policy: testPolicy, windows: [sale()] }, null, 2));
  store = recordAsAzureSql(await openRelationalStore({ kind: 'pglite', dataDir: path.join(dir, 'db') }));
});

afterAll(async () => {
  await store?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(args: string[], at = now) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSalesCli(args, {
    calendarPath,
    now: at,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    openStore: async () => ({ db: store.db, by: 'cli:mia', close: async () => {} }),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function addArgs(name: string, start: string, end: string, timeZone: string, peak: number): string[] {
  return ['add', '--name', name, '--start', start, '--end', end, '--tz', timeZone, '--peak', String(peak)];
}

describe('npm run sales on the database', () => {
  it('lists the windows seeded from the file on first use', async () => {
    const listed = await run(['list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('Black Friday [upcoming]');
    const changes = await store.db.selectFrom('sales_window_changes').selectAll().execute();
    expect(changes).toEqual([expect.objectContaining({ action: 'seeded', changed_by: SEED_AUTHOR })]);
  });

  it('adds to the database, not the file, with the same checks as the API; the scheduler plans it', async () => {
    const added = await run(
      addArgs('Cyber Monday', '2026-11-30T00:00', '2026-12-01T00:00', 'America/New_York', 600),
    );
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toContain('always-ready 12, max instances 40, Cosmos max 3000 RU/s, SQL 6 vCores');
    expect(added.out).toContain('the scale-scheduler plans it at its next tick');
    const file = JSON.parse(await fs.readFile(calendarPath, 'utf8'));
    expect(file.windows.map((w: { name: string }) => w.name)).toEqual(['Black Friday']);
    const row = await store.db
      .selectFrom('sales_windows')
      .selectAll()
      .where('name', '=', 'Cyber Monday')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ changed_by: 'cli:mia', expected_peak_rps: 600 });

    const overlap = await run(
      addArgs('Clash', '2026-11-30T12:00', '2026-11-30T18:00', 'America/New_York', 100),
    );
    expect(overlap.code).toBe(1);
    expect(overlap.err).toMatch(/'Clash' start: overlaps 'Cyber Monday'/);
    expect(overlap.err).toContain('Nothing was written.');

    forgetLastReadWindows();
    const outcome = await runScheduledScaling(
      new Date('2026-11-30T12:00:00Z'),
      { log: () => {}, warn: () => {} },
      parseConfig({ SALES_CALENDAR: await fs.readFile(calendarPath, 'utf8') }).scaling,
      { readWindows: storedWindowsReader(async () => store.db) },
    );
    expect(outcome.plan.active.map((window) => window.name)).toEqual(['Cyber Monday']);
  });

  it('validates and plans the stored windows; remove deletes one and keeps its history', async () => {
    expect(await run(['validate'])).toMatchObject({ code: 0, out: 'OK: 2 sale window(s), no problems.' });
    expect((await run(['plan', '--at', '2026-11-30T12:00Z'])).out).toContain('because: Cyber Monday (sale)');
    const removed = await run(['remove', '--name', 'cyber monday']);
    expect(removed).toMatchObject({ code: 0 });
    expect((await run(['list'])).out).not.toContain('Cyber Monday');
    expect(await run(['remove', '--name', 'Nope'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/No sale window is called 'Nope'/),
    });
    const history = await store.db
      .selectFrom('sales_window_changes')
      .select(['action', 'name', 'changed_by'])
      .orderBy('seq')
      .execute();
    expect(history).toEqual([
      { action: 'seeded', name: 'Black Friday', changed_by: SEED_AUTHOR },
      { action: 'created', name: 'Cyber Monday', changed_by: 'cli:mia' },
      { action: 'deleted', name: 'Cyber Monday', changed_by: 'cli:mia' },
    ]);
  });

  it('--file-only works on the file alone, as before the database', async () => {
    const result = await run(['list', '--file-only']);
    expect(result.out).toContain('Black Friday');
    const added = await run([
      ...addArgs('Boxing Day', '2026-12-26T08:00', '2026-12-27T20:00', 'Europe/London', 300),
      '--file-only',
    ]);
    expect(added.code).toBe(0);
    const file = JSON.parse(await fs.readFile(calendarPath, 'utf8'));
    expect(file.windows.map((w: { name: string }) => w.name)).toEqual(['Black Friday', 'Boxing Day']);
    expect((await run(['remove', '--name', 'Boxing Day', '--file-only'])).code).toBe(0);
    expect(JSON.parse(await fs.readFile(calendarPath, 'utf8')).windows).toHaveLength(1);
    // The database was not reseeded from the file's new contents: it is in use.
    expect((await run(['list'])).out).not.toContain('Boxing Day');
  });

  it('updates through the service with a version check (the path PUT takes)', async () => {
    const [window] = await store.db.selectFrom('sales_windows').selectAll().execute();
    const file = { policy: testPolicy, windows: [] };
    const updated = await updateSalesWindow({ db: store.db, file, now, by: 'cli:mia' }, window!.id, {
      ...sale({ expectedPeakRps: 700 }),
      version: 1,
    });
    expect(updated).toMatchObject({ version: 2, expectedPeakRps: 700 });
  });

  it('issued only valid T-SQL on the way (compiled for Azure SQL, run on PGlite)', () => {
    const texts = recordedStatements().map((s) => s.sql);
    expect(texts).toContainEqual(expect.stringMatching(/^insert into "sales_window_changes"/));
    expect(texts).toContainEqual(expect.stringMatching(/^update "sales_windows" set/));
    expect(texts).toContainEqual(
      expect.stringMatching(/^select top\(50\) \* from "sales_window_changes"|^delete from "sales_windows"/),
    );
    expect(tsqlProblems().map((s) => `${s.problem}: ${s.sql}`)).toEqual([]);
  });
});
