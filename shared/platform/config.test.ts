import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseAzureEntryConfig,
  parseConfig,
  refuseLocalTwinsInAzure,
  runsInAzure,
  settingDefaults,
} from './config';

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

  it('selects Azure PostgreSQL with Entra sign-in with PG_HOST, and refuses it beside SQL_SERVER', () => {
    const pg = {
      PG_HOST: 'psql-shop.postgres.database.azure.com',
      PG_DATABASE: 'shop',
      PG_USER: 'func-shop-prod',
      PG_READ_HOST: 'psql-shop-read.postgres.database.azure.com',
    };
    expect(parseConfig(pg).sql).toEqual({
      kind: 'postgres-entra',
      host: 'psql-shop.postgres.database.azure.com',
      database: 'shop',
      user: 'func-shop-prod',
      readHost: 'psql-shop-read.postgres.database.azure.com',
    });
    // Blank read host: order history reads the primary.
    expect(parseConfig({ ...pg, PG_READ_HOST: '' }).sql).toMatchObject({ readHost: '' });
    // Azure's engine wins over a DATABASE_URL left in local settings, as SQL_SERVER does.
    expect(parseConfig({ ...pg, DATABASE_URL: 'postgres://h/db' }).sql.kind).toBe('postgres-entra');
    expect(() => parseConfig({ ...pg, PG_USER: '' })).toThrow(/PG_USER/);
    expect(() => parseConfig({ ...pg, PG_DATABASE: '' })).toThrow(/PG_DATABASE/);
    expect(() => parseConfig({ ...pg, SQL_SERVER: 's.database.windows.net', SQL_DATABASE: 'shop' })).toThrow(
      /SQL_SERVER and PG_HOST/,
    );
  });

  it('rejects bad values with a message naming the setting', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ CART_HOLD_MINUTES: '0' })).toThrow(/CART_HOLD_MINUTES/);
    expect(() => parseConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => parseConfig({ SQL_SERVER: 'x' })).toThrow(/SQL_DATABASE/);
  });

  it('takes payments with the sandbox only when PAYMENTS_SANDBOX says so (a blank API base alone is a ConfigError)', () => {
    expect(parseConfig({}).payments.sandbox).toBe(true); // the local default: npm start needs no setup
    expect(() => parseConfig({ PAYMENTS_SANDBOX: 'false' })).toThrow(/STRIPE_API_BASE is blank/);
    expect(() =>
      parseConfig({ PAYMENTS_SANDBOX: 'false', STRIPE_API_BASE: 'https://api.stripe.com' }),
    ).toThrow(/PAYPAL_API_BASE is blank/);
    expect(() => parseConfig({ PAYMENTS_SANDBOX: 'yes' })).toThrow(/PAYMENTS_SANDBOX/);
    const real = parseConfig({
      PAYMENTS_SANDBOX: 'false',
      STRIPE_API_BASE: 'https://api.stripe.com',
      PAYPAL_API_BASE: 'https://api-m.paypal.com',
    });
    expect(real.payments.sandbox).toBe(false);
  });

  it('the Azure entry refuses the sandbox and every other local twin when running in Azure, and only there', () => {
    const azureSettings = {
      PAYMENTS_SANDBOX: 'false',
      STRIPE_API_BASE: 'https://api.stripe.com',
      PAYPAL_API_BASE: 'https://api-m.paypal.com',
      COSMOS_ENDPOINT: 'https://c.documents.azure.com/',
      SQL_SERVER: 's.database.windows.net',
      SQL_DATABASE: 'shop',
      REDIS_URL: 'rediss://r.redis.cache.windows.net:6380',
      SERVICEBUS_NAMESPACE: 'sb.servicebus.windows.net',
      SEARCH_ENDPOINT: 'https://s.search.windows.net',
      WEBPUBSUB_ENDPOINT: 'https://w.webpubsub.azure.com',
      EMAIL_ENDPOINT: 'https://e.communication.azure.com',
      AUTH_ISSUER: 'https://t.ciamlogin.com/t/v2.0',
      AUTH_JWKS_URL: 'https://t.ciamlogin.com/t/discovery/v2.0/keys',
    };
    expect(runsInAzure({})).toBe(false);
    expect(runsInAzure({ WEBSITE_SITE_NAME: 'func-shop' })).toBe(true);
    expect(runsInAzure({ WEBSITE_INSTANCE_ID: 'abc' })).toBe(true);
    // func start marks itself: local, even where a site name is in the environment.
    expect(runsInAzure({ WEBSITE_SITE_NAME: 'x', FUNCTIONS_CORETOOLS_ENVIRONMENT: 'true' })).toBe(false);
    // Locally (npm start, func start, tests) the twins are the point.
    expect(() => parseAzureEntryConfig({})).not.toThrow();
    // In Azure, the full set of real services starts...
    const inAzure = { ...azureSettings, WEBSITE_SITE_NAME: 'func-shop' };
    expect(parseAzureEntryConfig(inAzure).payments.sandbox).toBe(false);
    // ...the sandbox, even with both API bases set, does not...
    expect(() => parseAzureEntryConfig({ ...inAzure, PAYMENTS_SANDBOX: 'true' })).toThrow(
      /PAYMENTS_SANDBOX is 'true'/,
    );
    // ...nor does any blank endpoint (its local twin), each named.
    for (const name of Object.keys(azureSettings).filter(
      (n) => n.endsWith('_ENDPOINT') || n.endsWith('_URL'),
    )) {
      expect(() => parseAzureEntryConfig({ ...inAzure, [name]: '' }), name).toThrow(
        new RegExp(`${name} is blank`),
      );
    }
    expect(() => parseAzureEntryConfig({ ...inAzure, SQL_SERVER: '' })).toThrow(/PGlite/);
    expect(() => refuseLocalTwinsInAzure(parseConfig({}), { WEBSITE_INSTANCE_ID: 'i' })).toThrow(ConfigError);
  });

  it('services() (the Azure entry) answers 503 not_ready naming PAYMENTS_SANDBOX when started in Azure with the local defaults', async () => {
    const { services, startState, useServices } = await import('./services');
    const saved = { ...process.env };
    try {
      for (const name of Object.keys(settingDefaults)) delete process.env[name];
      process.env.WEBSITE_SITE_NAME = 'func-shop-test';
      const error = await services().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status: 503, code: 'not_ready' });
      const state = startState();
      expect(state.state).toBe('failed');
      expect(state.state === 'failed' ? state.reason : '').toMatch(
        /ConfigError: .*PAYMENTS_SANDBOX is 'true'/,
      );
    } finally {
      process.env = saved;
      useServices(undefined);
    }
  });
});
