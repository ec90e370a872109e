import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, settingDefaults } from './config';

describe('configuration', () => {
  it('local.settings.sample.json lists exactly the settings the code reads, with safe local values', () => {
    const sample = JSON.parse(fs.readFileSync('local.settings.sample.json', 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(sample.Values).toEqual(settingDefaults);
    for (const [name, value] of Object.entries(sample.Values)) {
      expect(`${name}=${value}`).not.toMatch(
        /AccountKey=|SharedAccessKey=|password=|sk_live_|sk_test_|-----BEGIN/i,
      );
    }
  });

  it('selects the embedded twins when endpoints are blank', () => {
    const config = parseConfig({ DATA_DIR: '/tmp/x' });
    expect(config.sql).toEqual({ kind: 'pglite', dataDir: '/tmp/x/pglite' });
    expect(config.cosmos.endpoint).toBe('');
    expect(config.redisUrl).toBe('');
    expect(config.port).toBe(7071);
  });

  it('selects PostgreSQL with DATABASE_URL and Azure SQL with SQL_SERVER', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://h/db' }).sql).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db',
      readUrl: '',
    });
    expect(
      parseConfig({ SQL_SERVER: 's.database.windows.net', SQL_DATABASE: 'shop', SQL_READ_SCALE_OUT: 'true' })
        .sql,
    ).toEqual({
      kind: 'mssql',
      server: 's.database.windows.net',
      database: 'shop',
      readScaleOut: true,
    });
  });

  it('rejects bad values with a message naming the setting', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ CART_HOLD_MINUTES: '0' })).toThrow(/CART_HOLD_MINUTES/);
    expect(() => parseConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => parseConfig({ SQL_SERVER: 'x' })).toThrow(/SQL_DATABASE/);
  });
});
