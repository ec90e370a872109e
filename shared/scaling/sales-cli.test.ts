import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sale, splitPolicy, testPolicy } from './sales-calendar.fixture';
import { runSalesCli } from './sales-cli';

let dir: string;
let calendarPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sales-cli-'));
  calendarPath = path.join(dir, 'sales-calendar.json');
  await writeFile(calendarPath, JSON.stringify({ policy: testPolicy, windows: [sale()] }, null, 2));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], now = new Date('2026-11-22T12:00:00Z')) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSalesCli(args, {
    calendarPath,
    now,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `npm run sales -- add` for one window. */
function addArgs(name: string, start: string, end: string, timeZone: string, peak: number): string[] {
  return ['add', '--name', name, '--start', start, '--end', end, '--tz', timeZone, '--peak', String(peak)];
}

describe('npm run sales', () => {
  it('validate passes a good calendar, and one whose windows have ended, noting those as history', async () => {
    expect(await run(['validate'])).toMatchObject({ code: 0, out: 'OK: 1 sale window(s), no problems.' });
    const late = await run(['validate'], new Date('2026-12-01T00:00:00Z'));
    expect(late).toMatchObject({ code: 0, err: '' });
    expect(late.out).toContain(
      "Note: 'Black Friday' ended 2026-11-28 00:00 America/New_York (2026-11-28 05:00 UTC); it no longer changes capacity",
    );
  });

  it('add writes a valid window to the file', async () => {
    const result = await run(
      addArgs('Cyber Monday', '2026-11-30T00:00', '2026-12-01T00:00', 'America/New_York', 600),
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('always-ready 12, max instances 40, Cosmos max 3000 RU/s, SQL 6 vCores');
    expect(result.out).toContain(
      'raise SQL       2026-11-29 23:00 America/New_York (2026-11-30 04:00 UTC)  (60 min ahead)',
    );
    expect(result.out).toContain('lower all       2026-12-01 01:00 America/New_York (2026-12-01 06:00 UTC)');
    const saved = JSON.parse(await readFile(calendarPath, 'utf8'));
    expect(saved.policy).toEqual(testPolicy);
    expect(saved.windows[1]).toEqual({
      name: 'Cyber Monday',
      start: '2026-11-30T00:00',
      end: '2026-12-01T00:00',
      timeZone: 'America/New_York',
      expectedPeakRps: 600,
      bookedAt: '2026-11-22T12:00:00.000Z',
    });
  });

  const bad: [string, string[], RegExp][] = [
    [
      'an overlap',
      [
        '--start',
        '2026-11-27T12:00',
        '--end',
        '2026-11-27T18:00',
        '--tz',
        'America/New_York',
        '--peak',
        '10',
      ],
      /overlaps 'Black Friday'/,
    ],
    [
      'end before start',
      ['--start', '2026-12-05T12:00', '--end', '2026-12-05T10:00', '--tz', 'UTC', '--peak', '10'],
      /before it starts/,
    ],
    [
      'a past window',
      ['--start', '2026-11-01T12:00', '--end', '2026-11-02T10:00', '--tz', 'UTC', '--peak', '10'],
      /is in the past/,
    ],
    [
      'an unknown time zone',
      ['--start', '2026-12-05T12:00', '--end', '2026-12-06T10:00', '--tz', 'Europe/Atlantis', '--peak', '10'],
      /unknown time zone 'Europe\/Atlantis'/,
    ],
    [
      'capacity out of bounds',
      ['--start', '2026-12-05T12:00', '--end', '2026-12-06T10:00', '--tz', 'UTC', '--peak', '100000'],
      /capacity out of bounds/,
    ],
    [
      'a peak that is not a number',
      ['--start', '2026-12-05T12:00', '--end', '2026-12-06T10:00', '--tz', 'UTC', '--peak', 'lots'],
      /expectedPeakRps/,
    ],
  ];

  it.each(bad)('add refuses %s and writes nothing', async (_label, flags, message) => {
    const before = await readFile(calendarPath, 'utf8');
    const result = await run(['add', '--name', 'New', ...flags]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('Nothing was written.');
    expect(await readFile(calendarPath, 'utf8')).toBe(before);
  });

  it('add lists missing flags', async () => {
    const result = await run(['add', '--name', 'X']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/add needs --start, --end, --tz, --peak/);
  });

  it('plan prints the capacity at --at, when each resource is raised and lowered, and the upcoming changes', async () => {
    const result = await run(['plan', '--at', '2026-11-27T04:30Z']);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'At 2026-11-27T04:30:00.000Z: always-ready 16, max instances 48, Cosmos max 4000 RU/s, SQL 8 vCores',
    );
    expect(result.out).toContain('because: Black Friday (pre-warm)');
    expect(result.out.split('\n').slice(2, 7)).toEqual([
      'Black Friday: always-ready 16, max instances 48, Cosmos max 4000 RU/s, SQL 8 vCores',
      '  raise SQL       2026-11-26 23:00 America/New_York (2026-11-27 04:00 UTC)  (60 min ahead)',
      '  raise Functions 2026-11-26 23:30 America/New_York (2026-11-27 04:30 UTC)  (30 min ahead)',
      '  raise Cosmos    2026-11-26 23:30 America/New_York (2026-11-27 04:30 UTC)  (30 min ahead)',
      '  lower all       2026-11-28 01:00 America/New_York (2026-11-28 06:00 UTC)  (60 min after the end)',
    ]);
    expect(result.out).toContain(
      '2026-11-28T06:00:00.000Z  always-ready 1, max instances 40, Cosmos max 1000 RU/s, SQL 2 vCores  <- back to baseline [Functions, Cosmos, SQL]',
    );
    const sqlOnly = await run(['plan', '--at', '2026-11-27T04:29:59.999Z']);
    expect(sqlOnly.out).toContain('because: Black Friday (pre-warm: SQL)');
    expect(sqlOnly.out).toContain(
      '2026-11-27T04:30:00.000Z  always-ready 16, max instances 48, Cosmos max 4000 RU/s, SQL 8 vCores  <- Black Friday (pre-warm) [Functions, Cosmos]',
    );
    const before = await run(['plan', '--at', '2026-11-27T03:59:59.999Z']);
    expect(before.out).toContain('because: baseline (no sale window)');
    expect(before.out).toContain(
      '2026-11-27T04:00:00.000Z  always-ready 1, max instances 40, Cosmos max 1000 RU/s, SQL 8 vCores',
    );
  });

  it('plan shows a Cosmos split lead hours ahead; add refuses a window booked too late for it', async () => {
    await writeFile(
      calendarPath,
      JSON.stringify({
        policy: splitPolicy,
        windows: [sale({ expectedPeakRps: 3000, bookedAt: '2026-11-20T00:00:00Z' })],
      }),
    );
    const plan = await run(['plan', '--at', '2026-11-26T00:00Z']);
    expect(plan.out).toContain(
      '  raise Cosmos    2026-11-26 12:00 America/New_York (2026-11-26 17:00 UTC)  (12 h ahead, partition split)',
    );
    const before = await readFile(calendarPath, 'utf8');
    const late = await run(
      addArgs('Flash', '2026-12-05T12:00', '2026-12-05T18:00', 'UTC', 3000),
      new Date('2026-12-05T06:00:00Z'),
    );
    expect(late.code).toBe(1);
    expect(late.err).toMatch(
      /'Flash' expectedPeakRps: needs 15000 Cosmos max RU\/s.*booked by 2026-12-05 00:00 UTC/,
    );
    expect(await readFile(calendarPath, 'utf8')).toBe(before);
    const early = await run(
      addArgs('Flash', '2026-12-05T12:00', '2026-12-05T18:00', 'UTC', 3000),
      new Date('2026-12-04T23:00:00Z'),
    );
    expect(early.code).toBe(0);
  });

  it('add notes a resource whose lead has already passed', async () => {
    const result = await run(
      addArgs('Soon', '2026-12-05T12:00', '2026-12-05T18:00', 'UTC', 100),
      new Date('2026-12-05T11:20:00Z'),
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'note: SQL should have been raised already (60 min ahead); it is raised at the first scheduler tick after you deploy.',
    );
    expect(result.out).not.toContain('note: Functions');
  });

  it('plan accepts local time with --tz, defaults to now, and rejects an instant without a zone', async () => {
    expect((await run(['plan', '--at', '2026-11-27T00:00', '--tz', 'America/New_York'])).out).toContain(
      'At 2026-11-27T05:00:00.000Z',
    );
    expect((await run(['plan'])).out).toContain('At 2026-11-22T12:00:00.000Z');
    const bad = await run(['plan', '--at', '2026-11-27T05:00']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/ISO instant with Z or an offset/);
  });

  it('list shows local and UTC times, status, raise times and the lead times', async () => {
    const result = await run(['list']);
    expect(result.out).toContain('Black Friday [upcoming]');
    expect(result.out).toContain('from  2026-11-27 00:00 America/New_York (2026-11-27 05:00 UTC)');
    expect(result.out).toContain(
      '  raise SQL       2026-11-26 23:00 America/New_York (2026-11-27 04:00 UTC)  (60 min ahead)',
    );
    expect(result.out).toContain(
      'Lead times: Functions 30 min, Cosmos 30 min (720 min above 10000 RU/s, where Cosmos splits partitions), SQL 60 min; everything is lowered 60 min after a window.',
    );
  });

  it('unknown commands and missing files are clear errors', async () => {
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^Unknown command 'frobnicate'/),
    });
    await expect(run(['list', '--file', path.join(dir, 'missing.json')])).rejects.toThrow(
      /Cannot read the sales calendar.*ENOENT/,
    );
  });
});
