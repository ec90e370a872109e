import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sale, testPolicy } from './sales-calendar.fixture';
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

describe('npm run sales', () => {
  it('validate passes a good calendar and fails a past one with a clear message', async () => {
    expect(await run(['validate'])).toMatchObject({ code: 0, out: 'OK: 1 sale window(s), no problems.' });
    const late = await run(['validate'], new Date('2026-12-01T00:00:00Z'));
    expect(late.code).toBe(1);
    expect(late.err).toContain(
      "'Black Friday' end: is in the past: it ended 2026-11-28 00:00 America/New_York",
    );
  });

  it('add writes a valid window to the file', async () => {
    const result = await run([
      'add',
      '--name',
      'Cyber Monday',
      '--start',
      '2026-11-30T00:00',
      '--end',
      '2026-12-01T00:00',
      '--tz',
      'America/New_York',
      '--peak',
      '600',
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('always-ready 12, max instances 40, Cosmos max 3000 RU/s');
    const saved = JSON.parse(await readFile(calendarPath, 'utf8'));
    expect(saved.policy).toEqual(testPolicy);
    expect(saved.windows[1]).toEqual({
      name: 'Cyber Monday',
      start: '2026-11-30T00:00',
      end: '2026-12-01T00:00',
      timeZone: 'America/New_York',
      expectedPeakRps: 600,
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

  it('plan prints the capacity at --at and the upcoming changes', async () => {
    const result = await run(['plan', '--at', '2026-11-27T04:30Z']);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'At 2026-11-27T04:30:00.000Z: always-ready 16, max instances 48, Cosmos max 4000 RU/s',
    );
    expect(result.out).toContain('because: Black Friday (pre-warm)');
    expect(result.out).toContain(
      '2026-11-28T06:00:00.000Z  always-ready 1, max instances 40, Cosmos max 1000 RU/s  <- back to baseline',
    );
    const before = await run(['plan', '--at', '2026-11-27T04:29:59.999Z']);
    expect(before.out).toContain('because: baseline (no sale window)');
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

  it('list shows local and UTC times and status', async () => {
    const result = await run(['list']);
    expect(result.out).toContain('Black Friday [upcoming]');
    expect(result.out).toContain('from  2026-11-27 00:00 America/New_York (2026-11-27 05:00 UTC)');
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
