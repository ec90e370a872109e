import type { FunctionAppConfig } from '@azure/arm-appservice';
import type { ThroughputSettingsUpdateParameters } from '@azure/arm-cosmosdb';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordedRequest, startRecordingServer } from '../../test/support/recording-http-server';
import {
  type CosmosThroughputApi,
  type CosmosThroughputResource,
  createArmRest,
  createAzureCapacityTarget,
  type FunctionAppApi,
  SITES_API_VERSION,
  SQL_API_VERSION,
  type SqlDatabaseApi,
  type SqlDatabaseState,
  type SqlSku,
  sqlVCoresOf,
} from './azure-capacity-target';
import type { Capacity } from './sales-calendar';
import type { AzureScaleTarget } from './scaling-settings';

const target: AzureScaleTarget = {
  subscriptionId: 'sub',
  resourceGroup: 'rg',
  functionAppName: 'func',
  cosmosAccountName: 'cosmos',
  cosmosDatabase: 'shop',
  cosmosContainer: 'products',
  sql: { serverName: 'sql-shop', databaseName: 'shop' },
};

const hyperscale2: SqlDatabaseState = {
  sku: { name: 'HS_Gen5', tier: 'Hyperscale', family: 'Gen5', capacity: 2 },
  properties: {
    status: 'Online',
    currentServiceObjectiveName: 'HS_Gen5_2',
    requestedServiceObjectiveName: 'HS_Gen5_2',
  },
};

function fakes(
  config: FunctionAppConfig,
  throughput: CosmosThroughputResource | number | undefined,
  database: SqlDatabaseState = hyperscale2,
  failing: Partial<Record<'functions' | 'cosmos' | 'sql', string>> = {},
) {
  const siteUpdates: FunctionAppConfig[] = [];
  const throughputUpdates: { args: string[]; parameters: ThroughputSettingsUpdateParameters }[] = [];
  const skuUpdates: { args: string[]; sku: SqlSku }[] = [];
  const functionApps: FunctionAppApi = {
    get: async (resourceGroup, name) => {
      expect([resourceGroup, name]).toEqual(['rg', 'func']);
      return { functionAppConfig: config };
    },
    patchFunctionAppConfig: async (_resourceGroup, _name, update) => {
      if (failing.functions) throw new Error(failing.functions);
      siteUpdates.push(update);
    },
  };
  const resource: CosmosThroughputResource =
    typeof throughput === 'number'
      ? { autoscaleSettings: { maxThroughput: throughput }, instantMaximumThroughput: '10000' }
      : (throughput ?? { throughput: 400 });
  const cosmos: CosmosThroughputApi = {
    getSqlContainerThroughput: async () => ({ resource }),
    beginUpdateSqlContainerThroughput: async (resourceGroup, account, db, container, parameters) => {
      if (failing.cosmos) throw new Error(failing.cosmos);
      throughputUpdates.push({ args: [resourceGroup, account, db, container], parameters });
      return {};
    },
  };
  const sql: SqlDatabaseApi = {
    get: async (resourceGroup, server, db) => {
      expect([resourceGroup, server, db]).toEqual(['rg', 'sql-shop', 'shop']);
      return database;
    },
    updateSku: async (resourceGroup, server, db, sku) => {
      if (failing.sql) throw new Error(failing.sql);
      skuUpdates.push({ args: [resourceGroup, server, db], sku });
    },
  };
  return { apis: { functionApps, cosmos, sql }, siteUpdates, throughputUpdates, skuUpdates };
}

const flexConfig: FunctionAppConfig = {
  deployment: { storage: { type: 'blobContainer', value: 'https://st/deployments' } },
  runtime: { name: 'node', version: '22' },
  scaleAndConcurrency: {
    alwaysReady: [
      { name: 'http', instanceCount: 1 },
      { name: 'function:heartbeat', instanceCount: 0 },
    ],
    maximumInstanceCount: 40,
    instanceMemoryMB: 2048,
  },
  siteUpdateStrategy: { type: 'RollingUpdate' },
};

const deployedBaseline: Capacity = {
  alwaysReadyInstances: 1,
  maximumInstanceCount: 40,
  cosmosMaxThroughput: 1000,
  sqlVCores: 2,
};

describe('Azure capacity target (Flex Consumption + Cosmos autoscale + Azure SQL vCores)', () => {
  it('reads always-ready for the http group, the ceiling, the autoscale max and the vCores', async () => {
    const { apis } = fakes(flexConfig, 1000);
    const azure = createAzureCapacityTarget(target, apis);
    expect(azure.resources).toEqual(['functions', 'cosmos', 'sql']);
    expect(await azure.read()).toEqual(deployedBaseline);
  });

  it('patches the whole functionAppConfig, keeping runtime, deployment, other groups and the update strategy', async () => {
    const { apis, siteUpdates, throughputUpdates, skuUpdates } = fakes(flexConfig, 1000);
    const report = await createAzureCapacityTarget(target, apis).apply({
      alwaysReadyInstances: 16,
      maximumInstanceCount: 48,
      cosmosMaxThroughput: 4000,
      sqlVCores: 8,
    });
    expect(siteUpdates).toEqual([
      {
        deployment: flexConfig.deployment,
        runtime: { name: 'node', version: '22' },
        scaleAndConcurrency: {
          alwaysReady: [
            { name: 'function:heartbeat', instanceCount: 0 },
            { name: 'http', instanceCount: 16 },
          ],
          maximumInstanceCount: 48,
          instanceMemoryMB: 2048,
        },
        siteUpdateStrategy: { type: 'RollingUpdate' },
      },
    ]);
    expect(throughputUpdates).toEqual([
      {
        args: ['rg', 'cosmos', 'shop', 'products'],
        parameters: { resource: { autoscaleSettings: { maxThroughput: 4000 } } },
      },
    ]);
    // The SKU family from the database, the new vCores as capacity (Databases - Update).
    expect(skuUpdates).toEqual([{ args: ['rg', 'sql-shop', 'shop'], sku: { name: 'HS_Gen5', capacity: 8 } }]);
    expect(report.notes).toEqual([
      'SQL shop is scaling from 2 to 8 vCores: it stays online, and the switch-over at the end drops open connections (usually a few seconds).',
    ]);
  });

  it('only calls what differs', async () => {
    const { apis, siteUpdates, throughputUpdates, skuUpdates } = fakes(flexConfig, 1000);
    await createAzureCapacityTarget(target, apis).apply({ ...deployedBaseline, cosmosMaxThroughput: 3000 });
    expect(siteUpdates).toEqual([]);
    expect(throughputUpdates).toHaveLength(1);
    expect(skuUpdates).toEqual([]);
    const same = fakes(flexConfig, 1000);
    await createAzureCapacityTarget(target, same.apis).apply(deployedBaseline);
    expect([same.siteUpdates, same.throughputUpdates, same.skuUpdates]).toEqual([[], [], []]);
  });

  it('says so when the site update is not rolling (Recreate terminates running executions)', async () => {
    const { siteUpdateStrategy: _rolling, ...recreate } = flexConfig;
    const configs: FunctionAppConfig[] = [
      recreate,
      { ...flexConfig, siteUpdateStrategy: { type: 'Recreate' } },
    ];
    for (const config of configs) {
      const { apis, siteUpdates } = fakes(config, 1000);
      const report = await createAzureCapacityTarget(target, apis).apply({
        ...deployedBaseline,
        alwaysReadyInstances: 4,
      });
      expect(siteUpdates).toHaveLength(1);
      expect(siteUpdates[0]!.siteUpdateStrategy).toEqual(config.siteUpdateStrategy);
      expect(report.notes).toEqual([
        expect.stringMatching(/site update under the Recreate.*running executions were terminated/),
      ]);
    }
  });

  it('treats a split in progress as the target max, and warns when a raise needs a split', async () => {
    const pending: CosmosThroughputResource = {
      autoscaleSettings: { maxThroughput: 10000, targetMaxThroughput: 20000 },
      offerReplacePending: 'true',
      instantMaximumThroughput: '10000',
    };
    const inProgress = fakes(flexConfig, pending);
    const azure = createAzureCapacityTarget(target, inProgress.apis);
    expect((await azure.read()).cosmosMaxThroughput).toBe(20000);
    await azure.apply({ ...deployedBaseline, cosmosMaxThroughput: 20000 });
    expect(inProgress.throughputUpdates).toEqual([]);

    const split = fakes(flexConfig, 1000);
    const report = await createAzureCapacityTarget(target, split.apis).apply({
      ...deployedBaseline,
      cosmosMaxThroughput: 20000,
    });
    expect(split.throughputUpdates).toHaveLength(1);
    expect(report.notes).toEqual([
      expect.stringMatching(/above the 10000 RU\/s .* splits partitions first \(typically 4-6 hours\)/),
    ]);
  });

  it('reads the vCores a running SQL scale is heading for, so it is not asked twice', () => {
    expect(sqlVCoresOf(hyperscale2)).toBe(2);
    expect(
      sqlVCoresOf({
        sku: { name: 'HS_Gen5', capacity: 2 },
        properties: { currentServiceObjectiveName: 'HS_Gen5_2', requestedServiceObjectiveName: 'HS_Gen5_8' },
      }),
    ).toBe(8);
    expect(sqlVCoresOf({ sku: { name: 'GP_S_Gen5_1' } })).toBe(1);
    expect(() => sqlVCoresOf({ sku: { name: 'Standard' } })).toThrow(/no vCores/);
  });

  it('without SQL settings manages Functions and Cosmos only', async () => {
    const { apis, skuUpdates } = fakes(flexConfig, 1000);
    const azure = createAzureCapacityTarget({ ...target, sql: undefined }, apis);
    expect(azure.resources).toEqual(['functions', 'cosmos']);
    expect(azure.description).toBe('func + cosmos/shop/products');
    expect((await azure.read()).sqlVCores).toBe(0);
    await azure.apply({ ...deployedBaseline, sqlVCores: 8 });
    expect(skuUpdates).toEqual([]);
  });

  it('still changes the others when one resource fails, then reports the failure', async () => {
    const { apis, siteUpdates, skuUpdates } = fakes(flexConfig, 1000, hyperscale2, { cosmos: 'Forbidden' });
    await expect(
      createAzureCapacityTarget(target, apis).apply({
        alwaysReadyInstances: 16,
        maximumInstanceCount: 48,
        cosmosMaxThroughput: 4000,
        sqlVCores: 8,
      }),
    ).rejects.toThrow(/could not change Cosmos: Forbidden \(also: SQL shop is scaling from 2 to 8 vCores/);
    expect(siteUpdates).toHaveLength(1);
    expect(skuUpdates).toHaveLength(1);
  });

  it('refuses a container on manual throughput rather than guessing', async () => {
    const { apis } = fakes(flexConfig, undefined);
    await expect(createAzureCapacityTarget(target, apis).read()).rejects.toThrow(/not on autoscale/);
  });
});

// ARM cannot be reached here: the REST calls go to a loopback server that records them and
// answers like ARM (bodies from the REST reference's examples).
describe('ARM REST calls (loopback ARM)', () => {
  let requests: RecordedRequest[] = [];
  const responses = new Map<string, { status: number; body: unknown }>();
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  let endpoint: string;
  const credential: TokenCredential = {
    getToken: async (scopes) => {
      expect(scopes).toBe('https://management.azure.com/.default');
      return { token: 'mi-token', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };

  beforeAll(async () => {
    server = await startRecordingServer(
      (request) =>
        responses.get(`${request.method} ${new URL(request.url, 'http://x').pathname}`) ?? {
          status: 404,
          body: { error: { code: 'ResourceNotFound' } },
        },
    );
    requests = server.requests;
    endpoint = server.url;
  });
  afterAll(() => server.close());

  const site = '/subscriptions/sub-1/resourceGroups/rg-shop-prod/providers/Microsoft.Web/sites/func-shop';
  const database =
    '/subscriptions/sub-1/resourceGroups/rg-shop-prod/providers/Microsoft.Sql/servers/sql-shop/databases/shop';

  it('reads and patches the site functionAppConfig with the managed identity token', async () => {
    responses.set(`GET ${site}`, {
      status: 200,
      body: { name: 'func-shop', properties: { functionAppConfig: flexConfig } },
    });
    responses.set(`PATCH ${site}`, { status: 200, body: { name: 'func-shop' } });
    const rest = createArmRest('sub-1', { credential, endpoint });
    expect(await rest.functionApps.get('rg-shop-prod', 'func-shop')).toEqual({
      functionAppConfig: flexConfig,
    });
    await rest.functionApps.patchFunctionAppConfig('rg-shop-prod', 'func-shop', flexConfig);
    const [get, patch] = requests.slice(-2);
    expect(get).toMatchObject({
      method: 'GET',
      url: `${site}?api-version=${SITES_API_VERSION}`,
      auth: 'Bearer mi-token',
    });
    expect(patch).toMatchObject({
      method: 'PATCH',
      url: `${site}?api-version=2025-05-01`,
      auth: 'Bearer mi-token',
      contentType: 'application/json',
    });
    expect(JSON.parse(patch!.body)).toEqual({ properties: { functionAppConfig: flexConfig } });
    expect(JSON.parse(patch!.body).properties.functionAppConfig.siteUpdateStrategy).toEqual({
      type: 'RollingUpdate',
    });
  });

  it('reads the database and patches its sku (202 Accepted: the scale runs on)', async () => {
    responses.set(`GET ${database}`, { status: 200, body: hyperscale2 });
    responses.set(`PATCH ${database}`, { status: 202, body: undefined });
    const rest = createArmRest('sub-1', { credential, endpoint: `${endpoint}/` });
    expect(await rest.sql.get('rg-shop-prod', 'sql-shop', 'shop')).toEqual(hyperscale2);
    await rest.sql.updateSku('rg-shop-prod', 'sql-shop', 'shop', { name: 'HS_Gen5', capacity: 8 });
    const [get, patch] = requests.slice(-2);
    expect(get).toMatchObject({ method: 'GET', url: `${database}?api-version=${SQL_API_VERSION}` });
    expect(patch).toMatchObject({
      method: 'PATCH',
      url: `${database}?api-version=2023-08-01`,
      auth: 'Bearer mi-token',
    });
    expect(JSON.parse(patch!.body)).toEqual({ sku: { name: 'HS_Gen5', capacity: 8 } });
  });

  it('drives a whole tick through the loopback ARM: only the SQL sku changes', async () => {
    responses.set(`GET ${site}`, { status: 200, body: { properties: { functionAppConfig: flexConfig } } });
    responses.set(`GET ${database}`, { status: 200, body: hyperscale2 });
    responses.set(`PATCH ${database}`, { status: 202, body: undefined });
    const rest = createArmRest('sub-1', { credential, endpoint });
    const { apis } = fakes(flexConfig, 1000);
    const azure = createAzureCapacityTarget(
      {
        ...target,
        subscriptionId: 'sub-1',
        resourceGroup: 'rg-shop-prod',
        functionAppName: 'func-shop',
        sql: { serverName: 'sql-shop', databaseName: 'shop' },
      },
      { ...rest, cosmos: apis.cosmos },
    );
    const before = requests.length;
    await azure.apply({ ...deployedBaseline, sqlVCores: 8 });
    const made = requests.slice(before).map((request) => `${request.method} ${request.url.split('?')[0]}`);
    expect(made.sort()).toEqual([`GET ${database}`, `GET ${site}`, `PATCH ${database}`].sort());
  });

  it('turns an ARM error into an error naming the call, status and body', async () => {
    responses.set(`PATCH ${database}`, {
      status: 409,
      body: { error: { code: 'ConflictingDatabaseOperation', message: 'An operation is in progress.' } },
    });
    const rest = createArmRest('sub-1', { credential, endpoint });
    await expect(
      rest.sql.updateSku('rg-shop-prod', 'sql-shop', 'shop', { name: 'HS_Gen5', capacity: 8 }),
    ).rejects.toThrow(/PATCH .*\/databases\/shop failed: 409 .*ConflictingDatabaseOperation/);
  });

  it('refuses to call without a token', async () => {
    const rest = createArmRest('sub-1', { credential: { getToken: async () => null }, endpoint });
    await expect(rest.sql.get('rg-shop-prod', 'sql-shop', 'shop')).rejects.toThrow(/No management token/);
  });
});
