import path from 'node:path';
import {
  parseScalingSettings,
  type ScalingSettings,
  ScalingSettingsError,
} from '../scaling/scaling-settings';

/**
 * Every setting the application reads, parsed once. A blank endpoint selects the
 * embedded local twin of that service. Keys match `local.settings.sample.json` and the
 * app settings that bicep/ writes.
 */
export interface AppConfig {
  /** Where local twins keep their files (PGlite data, snapshots, mail outbox). */
  dataDir: string;
  port: number;
  maxBodyBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  cosmos: {
    endpoint: string;
    key: string;
    database: string;
    productsContainer: string;
    /** Regions the Cosmos client tries first, in order (its own region first); empty = the account's write region. */
    preferredRegions: string[];
  };
  sql: SqlConfig;
  redisUrl: string;
  /** How the app signs in to Redis: none (local), or Entra ID with its managed identity (Azure). */
  redisAuth: 'none' | 'entra';
  storageConnection: string;
  serviceBusNamespace: string;
  search: { endpoint: string; indexName: string };
  auth: {
    issuer: string;
    audience: string;
    jwksUrl: string;
    clockToleranceSeconds: number;
    /** What the SPA needs to sign in with Entra External ID (public values). */
    spa: { clientId: string; authority: string; scopes: string[] };
  };
  realtime: { webPubSubEndpoint: string; hub: string };
  email: { endpoint: string; sender: string };
  payments: {
    /**
     * PAYMENTS_SANDBOX: the local sandbox gateway (webhook secrets in the source) takes the
     * payments of every provider whose API base is blank. Only ever a local choice: blank API
     * bases without it are a ConfigError, and the Azure entry refuses it (`refuseLocalTwinsInAzure`).
     */
    sandbox: boolean;
    stripeApiBase: string;
    /** From Key Vault in Azure; blank locally (the sandbox gateway). */
    stripeSecretKey: string;
    stripeWebhookSecret: string;
    stripePublishableKey: string;
    paypalApiBase: string;
    paypalClientId: string;
    paypalClientSecret: string;
    paypalWebhookId: string;
  };
  cart: { holdMinutes: number; maxLineQuantity: number };
  /** PostgreSQL runs the portable (Azure SQL) cart and checkout writes instead of its own. */
  portableSqlWrites: boolean;
  lowStockThreshold: number;
  cacheTtlSeconds: number;
  appInsightsConnectionString: string;
  /** The scale-scheduler's target and switches (blank target locally: it only logs the plan). */
  scaling: ScalingSettings;
}

export type SqlConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string; readUrl: string }
  /** Azure Database for PostgreSQL, signed in with Microsoft Entra: user = the identity's role, password = a token. */
  | { kind: 'postgres-entra'; host: string; database: string; user: string; readHost: string }
  | { kind: 'mssql'; server: string; database: string; readScaleOut: boolean };

type Env = Record<string, string | undefined>;

/** The settings with their local defaults: the source of `local.settings.sample.json`. */
export const settingDefaults = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  DATA_DIR: '.data',
  PORT: '7071',
  MAX_BODY_BYTES: '262144',
  LOG_LEVEL: 'info',
  COSMOS_ENDPOINT: '',
  COSMOS_DATABASE: 'shop',
  COSMOS_PRODUCTS_CONTAINER: 'products',
  COSMOS_PREFERRED_REGIONS: '',
  DATABASE_URL: '',
  DATABASE_READ_URL: '',
  SQL_SERVER: '',
  SQL_DATABASE: '',
  SQL_READ_SCALE_OUT: 'false',
  // Azure Database for PostgreSQL with Entra sign-in (Bicep's relationalEngine 'postgresql'):
  // the server's host name, the database, the role the identity signs in as (the Function App's
  // name), and the read replica's host name for order history (blank = the primary).
  PG_HOST: '',
  PG_DATABASE: '',
  PG_USER: '',
  PG_READ_HOST: '',
  // 'true' runs the portable statements Azure SQL runs on PostgreSQL too, instead of the
  // one-statement cart and checkout writes (the tests run both).
  SQL_PORTABLE_WRITES: 'false',
  REDIS_URL: '',
  // 'entra': sign in as the managed identity (user = its object id, password = a token for
  // Redis, refreshed before it expires). Azure Cache for Redis has access keys disabled.
  REDIS_AUTH: 'none',
  SERVICEBUS_NAMESPACE: '',
  SEARCH_ENDPOINT: '',
  SEARCH_INDEX: 'products',
  AUTH_ISSUER: '',
  AUTH_AUDIENCE: 'storefront-api',
  AUTH_JWKS_URL: '',
  AUTH_CLOCK_TOLERANCE_SECONDS: '60',
  AUTH_SPA_CLIENT_ID: '',
  AUTH_AUTHORITY: '',
  AUTH_SPA_SCOPES: '',
  WEBPUBSUB_ENDPOINT: '',
  WEBPUBSUB_HUB: 'stock',
  EMAIL_ENDPOINT: '',
  EMAIL_SENDER: 'shop@localhost',
  // 'true' lets the sandbox gateway take payments for a provider whose API base is blank
  // (local only: Bicep writes 'false', and the Azure entry refuses 'true').
  PAYMENTS_SANDBOX: 'true',
  STRIPE_API_BASE: '',
  STRIPE_SECRET_KEY: '',
  STRIPE_WEBHOOK_SECRET: '',
  STRIPE_PUBLISHABLE_KEY: '',
  PAYPAL_API_BASE: '',
  PAYPAL_CLIENT_ID: '',
  PAYPAL_CLIENT_SECRET: '',
  PAYPAL_WEBHOOK_ID: '',
  CART_HOLD_MINUTES: '15',
  CART_MAX_LINE_QUANTITY: '10',
  LOW_STOCK_THRESHOLD: '5',
  CACHE_TTL_SECONDS: '60',
  APPLICATIONINSIGHTS_CONNECTION_STRING: '',
  // The scale-scheduler's (shared/scaling/scaling-settings.ts, AppConfig.scaling); blank targets = do nothing.
  SCALE_SUBSCRIPTION_ID: '',
  SCALE_RESOURCE_GROUP: '',
  SCALE_FUNCTION_APP_NAME: '',
  SCALE_COSMOS_ACCOUNT_NAME: '',
  SCALE_SQL_SERVER_NAME: '',
  SCALE_SQL_DATABASE_NAME: '',
  SCALE_PAUSED: 'false',
  SALES_CALENDAR: '',
} as const;

export type SettingName = keyof typeof settingDefaults;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function scalingSettings(env: Env): ScalingSettings {
  try {
    return parseScalingSettings((name) => setting(env, name));
  } catch (error) {
    if (error instanceof ScalingSettingsError) throw new ConfigError(error.message);
    throw error;
  }
}

function setting(env: Env, name: SettingName): string {
  const value = env[name];
  return value === undefined ? settingDefaults[name] : value.trim();
}

function integer(env: Env, name: SettingName, min: number, max: number): number {
  const raw = setting(env, name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'.`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: SettingName, allowed: readonly T[]): T {
  const value = setting(env, name);
  if (!allowed.includes(value as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

export function parseConfig(env: Env = process.env): AppConfig {
  const dataDir = path.resolve(setting(env, 'DATA_DIR'));
  const sqlServer = setting(env, 'SQL_SERVER');
  const databaseUrl = setting(env, 'DATABASE_URL');
  const pgHost = setting(env, 'PG_HOST');
  // Azure's two engines exclude each other (Bicep blanks the one not deployed); either one
  // takes precedence over a local DATABASE_URL, as SQL_SERVER always has.
  if (sqlServer && pgHost) {
    throw new ConfigError(
      'SQL_SERVER and PG_HOST are both set: set the one engine deployed (Azure SQL or PostgreSQL).',
    );
  }
  let sql: SqlConfig;
  if (pgHost) {
    const database = setting(env, 'PG_DATABASE');
    const user = setting(env, 'PG_USER');
    if (!database || !user) {
      throw new ConfigError(
        "PG_DATABASE and PG_USER are required when PG_HOST is set (PG_USER: the Entra role, the Function App's name in Azure).",
      );
    }
    sql = { kind: 'postgres-entra', host: pgHost, database, user, readHost: setting(env, 'PG_READ_HOST') };
  } else if (sqlServer) {
    const database = setting(env, 'SQL_DATABASE');
    if (!database) throw new ConfigError('SQL_DATABASE is required when SQL_SERVER is set.');
    sql = {
      kind: 'mssql',
      server: sqlServer,
      database,
      readScaleOut: setting(env, 'SQL_READ_SCALE_OUT') === 'true',
    };
  } else if (databaseUrl) {
    sql = { kind: 'postgres', url: databaseUrl, readUrl: setting(env, 'DATABASE_READ_URL') };
  } else {
    sql = { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
  }
  const paymentsSandbox = oneOf(env, 'PAYMENTS_SANDBOX', ['true', 'false'] as const) === 'true';
  if (!paymentsSandbox) {
    for (const name of ['STRIPE_API_BASE', 'PAYPAL_API_BASE'] as const) {
      if (!setting(env, name)) {
        throw new ConfigError(
          `${name} is blank and PAYMENTS_SANDBOX is not 'true': set ${name} to the provider's API, or PAYMENTS_SANDBOX=true to take payments with the local sandbox (never in Azure).`,
        );
      }
    }
  }
  return {
    dataDir,
    scaling: scalingSettings(env),
    port: integer(env, 'PORT', 0, 65535),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024, 50 * 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const),
    cosmos: {
      endpoint: setting(env, 'COSMOS_ENDPOINT'),
      // Only the embedded server uses a key; in Azure the client uses managed identity.
      key: '',
      database: setting(env, 'COSMOS_DATABASE'),
      productsContainer: setting(env, 'COSMOS_PRODUCTS_CONTAINER'),
      preferredRegions: setting(env, 'COSMOS_PREFERRED_REGIONS')
        .split(',')
        .map((region) => region.trim())
        .filter((region) => region !== ''),
    },
    sql,
    redisUrl: setting(env, 'REDIS_URL'),
    redisAuth: oneOf(env, 'REDIS_AUTH', ['none', 'entra'] as const),
    storageConnection: setting(env, 'AzureWebJobsStorage'),
    serviceBusNamespace: setting(env, 'SERVICEBUS_NAMESPACE'),
    search: { endpoint: setting(env, 'SEARCH_ENDPOINT'), indexName: setting(env, 'SEARCH_INDEX') },
    auth: {
      issuer: setting(env, 'AUTH_ISSUER'),
      audience: setting(env, 'AUTH_AUDIENCE'),
      jwksUrl: setting(env, 'AUTH_JWKS_URL'),
      clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 0, 600),
      spa: {
        clientId: setting(env, 'AUTH_SPA_CLIENT_ID'),
        authority: setting(env, 'AUTH_AUTHORITY'),
        scopes: setting(env, 'AUTH_SPA_SCOPES')
          .split(/[\s,]+/)
          .filter(Boolean),
      },
    },
    realtime: { webPubSubEndpoint: setting(env, 'WEBPUBSUB_ENDPOINT'), hub: setting(env, 'WEBPUBSUB_HUB') },
    email: { endpoint: setting(env, 'EMAIL_ENDPOINT'), sender: setting(env, 'EMAIL_SENDER') },
    payments: {
      sandbox: paymentsSandbox,
      stripeApiBase: setting(env, 'STRIPE_API_BASE'),
      stripeSecretKey: setting(env, 'STRIPE_SECRET_KEY'),
      stripeWebhookSecret: setting(env, 'STRIPE_WEBHOOK_SECRET'),
      stripePublishableKey: setting(env, 'STRIPE_PUBLISHABLE_KEY'),
      paypalApiBase: setting(env, 'PAYPAL_API_BASE'),
      paypalClientId: setting(env, 'PAYPAL_CLIENT_ID'),
      paypalClientSecret: setting(env, 'PAYPAL_CLIENT_SECRET'),
      paypalWebhookId: setting(env, 'PAYPAL_WEBHOOK_ID'),
    },
    cart: {
      holdMinutes: integer(env, 'CART_HOLD_MINUTES', 1, 24 * 60),
      maxLineQuantity: integer(env, 'CART_MAX_LINE_QUANTITY', 1, 1000),
    },
    portableSqlWrites: oneOf(env, 'SQL_PORTABLE_WRITES', ['true', 'false'] as const) === 'true',
    lowStockThreshold: integer(env, 'LOW_STOCK_THRESHOLD', 0, 1_000_000),
    cacheTtlSeconds: integer(env, 'CACHE_TTL_SECONDS', 1, 86_400),
    appInsightsConnectionString: setting(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
  };
}

/** True when this process serves the local issuer (no Entra issuer configured). */
export function usesLocalIssuer(config: AppConfig): boolean {
  return config.auth.issuer === '';
}

/**
 * True on an Azure Functions instance: the platform sets WEBSITE_INSTANCE_ID (App Service
 * plans) or WEBSITE_SITE_NAME (every plan, Flex Consumption included) on every instance;
 * the local host and the tests set neither. Core Tools (`func start`) marks itself with
 * FUNCTIONS_CORETOOLS_ENVIRONMENT=true, which always means local, whatever else is set.
 */
export function runsInAzure(env: Env = process.env): boolean {
  if (env.FUNCTIONS_CORETOOLS_ENVIRONMENT?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.WEBSITE_INSTANCE_ID?.trim() || env.WEBSITE_SITE_NAME?.trim());
}

/**
 * The Azure entry's guard: in Azure, no local twin may stand in for a real service. A blank
 * endpoint there (a setting lost in a deployment) would otherwise start the embedded twin
 * (orders in a temporary PGlite, free orders through the sandbox gateway) instead of failing.
 * Throws a ConfigError naming every offending setting; does nothing outside Azure.
 */
export function refuseLocalTwinsInAzure(config: AppConfig, env: Env = process.env): void {
  if (!runsInAzure(env)) return;
  const offending: string[] = [];
  if (config.payments.sandbox) offending.push("PAYMENTS_SANDBOX is 'true' (the sandbox gateway)");
  const blank: Array<[SettingName, string]> = [
    ['COSMOS_ENDPOINT', config.cosmos.endpoint],
    ['REDIS_URL', config.redisUrl],
    ['SERVICEBUS_NAMESPACE', config.serviceBusNamespace],
    ['SEARCH_ENDPOINT', config.search.endpoint],
    ['WEBPUBSUB_ENDPOINT', config.realtime.webPubSubEndpoint],
    ['EMAIL_ENDPOINT', config.email.endpoint],
    ['AUTH_ISSUER', config.auth.issuer],
    ['AUTH_JWKS_URL', config.auth.jwksUrl],
    ['STRIPE_API_BASE', config.payments.stripeApiBase],
    ['PAYPAL_API_BASE', config.payments.paypalApiBase],
  ];
  for (const [name, value] of blank) if (!value) offending.push(`${name} is blank (the local twin)`);
  if (config.sql.kind === 'pglite') {
    offending.push('SQL_SERVER and PG_HOST are blank (the embedded PGlite)');
  }
  if (offending.length > 0) {
    throw new ConfigError(
      `Running in Azure with local stand-ins, refusing to start: ${offending.join('; ')}.`,
    );
  }
}

/** The Azure entry's configuration (`services()`): parsed, then refused if it starts local twins in Azure. */
export function parseAzureEntryConfig(env: Env = process.env): AppConfig {
  const config = parseConfig(env);
  refuseLocalTwinsInAzure(config, env);
  return config;
}
