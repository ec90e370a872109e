import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../platform/config';

const parseScalingSettings = (env: Record<string, string>) => parseConfig(env).scaling;

const target = {
  SCALE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
  SCALE_RESOURCE_GROUP: 'rg-shop-prod',
  SCALE_FUNCTION_APP_NAME: 'func-shop-prod',
  SCALE_COSMOS_ACCOUNT_NAME: 'cosmos-shop-prod',
};

describe('the scaling settings, in the one config parse', () => {
  it('has no target with the local defaults', () => {
    expect(parseScalingSettings({})).toEqual({ target: undefined, calendarJson: '', paused: false });
  });

  it('reads a complete target with the Cosmos database and container settings', () => {
    const settings = parseScalingSettings({ ...target, COSMOS_DATABASE: 'shop2', SCALE_PAUSED: 'true' });
    expect(settings.target).toEqual({
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-shop-prod',
      functionAppName: 'func-shop-prod',
      cosmosAccountName: 'cosmos-shop-prod',
      cosmosDatabase: 'shop2',
      cosmosContainer: 'products',
      sql: undefined,
    });
    expect(settings.paused).toBe(true);
  });

  it('rejects a half-configured target, naming what is missing', () => {
    expect(() => parseScalingSettings({ ...target, SCALE_COSMOS_ACCOUNT_NAME: ' ' })).toThrow(
      new ConfigError('Scale target is incomplete: set SCALE_COSMOS_ACCOUNT_NAME (or leave all four blank).'),
    );
  });

  it('rejects a SCALE_PAUSED that is not a boolean', () => {
    expect(() => parseScalingSettings({ SCALE_PAUSED: 'yes' })).toThrow(/SCALE_PAUSED/);
  });

  it('adds the SQL database when both SCALE_SQL_* are set', () => {
    const settings = parseScalingSettings({
      ...target,
      SCALE_SQL_SERVER_NAME: 'sql-shop-prod-abc',
      SCALE_SQL_DATABASE_NAME: 'shop',
    });
    expect(settings.target?.sql).toEqual({ serverName: 'sql-shop-prod-abc', databaseName: 'shop' });
  });

  it('rejects one SCALE_SQL_* without the other, and SQL without the rest of the target', () => {
    expect(() => parseScalingSettings({ ...target, SCALE_SQL_SERVER_NAME: 'sql-shop' })).toThrow(
      'SQL scale target is incomplete: set SCALE_SQL_DATABASE_NAME (or leave both SCALE_SQL_* blank).',
    );
    expect(() =>
      parseScalingSettings({ SCALE_SQL_SERVER_NAME: 'sql-shop', SCALE_SQL_DATABASE_NAME: 'shop' }),
    ).toThrow(/SCALE_SQL_\* are set but the scale target is not: set SCALE_SUBSCRIPTION_ID/);
  });
});
