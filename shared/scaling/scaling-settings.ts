/**
 * The scale-scheduler's settings, parsed as part of the one config parse (shared/platform/config.ts
 * reads the values, with their defaults, and puts the result in `AppConfig.scaling`). A blank
 * target means "no Azure target": locally the scheduler only logs the plan.
 */

/** The settings read here; their defaults live with every other setting in config.ts. */
export const scalingSettingNames = [
  'SCALE_SUBSCRIPTION_ID',
  'SCALE_RESOURCE_GROUP',
  'SCALE_FUNCTION_APP_NAME',
  'SCALE_COSMOS_ACCOUNT_NAME',
  /** The Azure SQL logical server's name (not its FQDN) and database; both blank: SQL is not scaled. */
  'SCALE_SQL_SERVER_NAME',
  'SCALE_SQL_DATABASE_NAME',
  /** Calendar JSON text; Bicep sets it from bicep/sales-calendar.json. Blank: the bundled file. */
  'SALES_CALENDAR',
  /** On-call switch: 'true' stops the scheduler from changing anything (it still logs the plan). */
  'SCALE_PAUSED',
  'COSMOS_DATABASE',
  'COSMOS_PRODUCTS_CONTAINER',
] as const;

export type ScalingSettingName = (typeof scalingSettingNames)[number];

export interface AzureSqlScaleTarget {
  serverName: string;
  databaseName: string;
}

export interface AzureScaleTarget {
  subscriptionId: string;
  resourceGroup: string;
  functionAppName: string;
  cosmosAccountName: string;
  cosmosDatabase: string;
  cosmosContainer: string;
  /** Undefined when SCALE_SQL_* are blank (e.g. a PostgreSQL deployment): SQL is left alone. */
  sql: AzureSqlScaleTarget | undefined;
}

export interface ScalingSettings {
  /** Undefined when no Azure target is configured (the local behaviour). */
  target: AzureScaleTarget | undefined;
  calendarJson: string;
  paused: boolean;
}

export class ScalingSettingsError extends Error {
  override name = 'ScalingSettingsError';
}

const TARGET_NAMES = [
  'SCALE_SUBSCRIPTION_ID',
  'SCALE_RESOURCE_GROUP',
  'SCALE_FUNCTION_APP_NAME',
  'SCALE_COSMOS_ACCOUNT_NAME',
] as const;

const SQL_NAMES = ['SCALE_SQL_SERVER_NAME', 'SCALE_SQL_DATABASE_NAME'] as const;

/** `setting` gives a setting's value (trimmed, its default when unset). */
export function parseScalingSettings(setting: (name: ScalingSettingName) => string): ScalingSettings {
  const paused = setting('SCALE_PAUSED');
  if (paused !== 'true' && paused !== 'false') {
    throw new ScalingSettingsError(`SCALE_PAUSED must be 'true' or 'false', got '${paused}'.`);
  }
  const missing = TARGET_NAMES.filter((name) => setting(name) === '');
  // All four or none: a half-configured target would scale one resource and not the other.
  if (missing.length > 0 && missing.length < TARGET_NAMES.length) {
    throw new ScalingSettingsError(
      `Scale target is incomplete: set ${missing.join(', ')} (or leave all four blank).`,
    );
  }
  const sqlMissing = SQL_NAMES.filter((name) => setting(name) === '');
  if (sqlMissing.length === 1) {
    throw new ScalingSettingsError(
      `SQL scale target is incomplete: set ${sqlMissing[0]} (or leave both SCALE_SQL_* blank).`,
    );
  }
  const sql =
    sqlMissing.length === 0
      ? { serverName: setting('SCALE_SQL_SERVER_NAME'), databaseName: setting('SCALE_SQL_DATABASE_NAME') }
      : undefined;
  if (sql && missing.length > 0) {
    throw new ScalingSettingsError(
      `SCALE_SQL_* are set but the scale target is not: set ${missing.join(', ')} too (the SQL database is found in that subscription and resource group).`,
    );
  }
  const target =
    missing.length === 0
      ? {
          subscriptionId: setting('SCALE_SUBSCRIPTION_ID'),
          resourceGroup: setting('SCALE_RESOURCE_GROUP'),
          functionAppName: setting('SCALE_FUNCTION_APP_NAME'),
          cosmosAccountName: setting('SCALE_COSMOS_ACCOUNT_NAME'),
          cosmosDatabase: setting('COSMOS_DATABASE'),
          cosmosContainer: setting('COSMOS_PRODUCTS_CONTAINER'),
          sql,
        }
      : undefined;
  return { target, calendarJson: setting('SALES_CALENDAR'), paused: paused === 'true' };
}
