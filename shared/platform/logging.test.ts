import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, createProgress, type LogOutput } from './logging';

function recorder(isTTY: boolean): LogOutput & { text: () => string; lines: () => string[] } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 80,
    write: (text: string) => chunks.push(text),
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean),
  };
}

const noon = () => new Date('2026-12-02T12:00:05.000Z');

describe('log format choice', () => {
  it('is text on a terminal and JSON when output is piped or captured', () => {
    expect(chooseLogFormat({}, true)).toBe('text');
    expect(chooseLogFormat({}, false)).toBe('json');
  });

  it('follows LOG_FORMAT over the terminal check', () => {
    expect(chooseLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat({ LOG_FORMAT: 'TEXT' }, false)).toBe('text');
  });

  it('refuses a LOG_FORMAT it does not know, naming it', () => {
    expect(() => chooseLogFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow(/LOG_FORMAT.*yaml/);
  });
});

describe('logger', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const out = recorder(false);
    const log = createLogger('info', { format: 'json', out, now: noon });
    log('info', 'ready', { port: 7071 });
    expect(out.lines().map((line) => JSON.parse(line))).toEqual([
      { time: '2026-12-02T12:00:05.000Z', level: 'info', message: 'ready', port: 7071 },
    ]);
  });

  it('writes a readable line in text format, and drops levels below the minimum', () => {
    const out = recorder(true);
    const log = createLogger('info', { format: 'text', out, now: noon });
    log('debug', 'not shown');
    log('warn', 'port busy', { port: 10000, host: 'localhost' });
    expect(out.text()).toBe('12:00:05 warn  port busy  port=10000 host=localhost\n');
  });
});

describe('progress', () => {
  it('draws one bar redrawn in place on a terminal, then a summary line', () => {
    const out = recorder(true);
    const progress = createProgress('loading catalogue', 2400, { format: 'text', out, now: noon });
    for (let done = 0; done <= 2400; done += 100) progress.update(done);
    progress.finish('catalogue loaded');
    const text = out.text();
    // Redrawn with carriage returns, not one line per update.
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain('\r  loading catalogue [');
    expect(text).toContain('1200/2400');
    expect(text).toMatch(/\[#{15}\.{15}\] 1200\/2400/);
    const last = text.slice(text.lastIndexOf('\r'));
    expect(last.startsWith('\r\x1b[K')).toBe(true); // the bar is wiped before the summary
    expect(last.slice(4)).toMatch(
      /^12:00:05 info {2}catalogue loaded {2}done=2400 total=2400 seconds=[\d.]+\n$/,
    );
  });

  it('writes JSON lines at each quarter and at the end when output is not a terminal', () => {
    const out = recorder(false);
    const progress = createProgress('loading catalogue', 2400, { format: 'json', out, now: noon });
    for (let done = 0; done <= 2400; done += 100) progress.update(done);
    progress.finish('catalogue loaded');
    const lines = out.lines().map((line) => JSON.parse(line));
    expect(out.text()).not.toContain('\r');
    expect(lines.map((l) => [l.message, l.done])).toEqual([
      ['loading catalogue', 600],
      ['loading catalogue', 1200],
      ['loading catalogue', 1800],
      ['catalogue loaded', 2400],
    ]);
  });

  it('names the step under way, in the bar on a terminal and as a field in JSON', () => {
    const tty = recorder(true);
    const bar = createProgress('first start', 7, { format: 'text', out: tty, now: noon });
    bar.update(1, 'creating the local database');
    expect(tty.text()).toBe(
      '\r  first start [####..........................] 1/7 creating the local database\x1b[K',
    );
    const piped = recorder(false);
    const lines = createProgress('first start', 7, { format: 'json', out: piped, now: noon });
    lines.update(1, 'creating the local database');
    lines.update(1, 'creating the local database');
    expect(piped.lines().map((line) => JSON.parse(line))).toEqual([
      {
        time: '2026-12-02T12:00:05.000Z',
        level: 'info',
        message: 'first start',
        done: 1,
        total: 7,
        step: 'creating the local database',
      },
    ]);
  });

  it('takes 80 columns when the terminal reports none (a pseudo-terminal without a size)', () => {
    const out = { ...recorder(true), columns: 0 };
    createProgress('first start', 7, { format: 'text', out }).update(7, 'opening the HTTP port');
    expect(out.text()).toContain('7/7 opening the HTTP port\x1b[K');
  });

  it('draws no bar when text goes to a pipe (LOG_FORMAT=text, captured)', () => {
    const out = recorder(false);
    const progress = createProgress('loading catalogue', 100, { format: 'text', out, now: noon });
    progress.update(50);
    progress.finish();
    expect(out.text()).not.toContain('\r');
    expect(out.lines()).toHaveLength(2);
  });

  it('stays quiet when the minimum level is above info', () => {
    const out = recorder(true);
    const progress = createProgress('loading catalogue', 100, { format: 'text', out, minimum: 'warn' });
    progress.update(50);
    progress.finish();
    expect(out.text()).toBe('');
  });
});
