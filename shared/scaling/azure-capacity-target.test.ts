import type { FunctionAppConfig } from '@azure/arm-appservice';
import type { ThroughputSettingsUpdateParameters } from '@azure/arm-cosmosdb';
import { describe, expect, it } from 'vitest';
import {
  type CosmosThroughputApi,
  createAzureCapacityTarget,
  type FunctionAppApi,
} from './azure-capacity-target';

const target = {
  subscriptionId: 'sub',
  resourceGroup: 'rg',
  functionAppName: 'func',
  cosmosAccountName: 'cosmos',
  cosmosDatabase: 'shop',
  cosmosContainer: 'products',
};

function fakes(config: FunctionAppConfig, maxThroughput: number | undefined) {
  const siteUpdates: FunctionAppConfig[] = [];
  const throughputUpdates: { args: string[]; parameters: ThroughputSettingsUpdateParameters }[] = [];
  const functionApps: FunctionAppApi = {
    get: async (resourceGroup, name) => {
      expect([resourceGroup, name]).toEqual(['rg', 'func']);
      return { functionAppConfig: config };
    },
    patchFunctionAppConfig: async (_resourceGroup, _name, config) => {
      siteUpdates.push(config);
    },
  };
  const cosmos: CosmosThroughputApi = {
    getSqlContainerThroughput: async () => ({
      resource: maxThroughput === undefined ? { throughput: 400 } : { autoscaleSettings: { maxThroughput } },
    }),
    beginUpdateSqlContainerThroughputAndWait: async (
      resourceGroup,
      account,
      database,
      container,
      parameters,
    ) => {
      throughputUpdates.push({ args: [resourceGroup, account, database, container], parameters });
      return {};
    },
  };
  return { apis: { functionApps, cosmos }, siteUpdates, throughputUpdates };
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
};

describe('Azure capacity target (Flex Consumption + Cosmos autoscale)', () => {
  it('reads always-ready for the http group, the ceiling and the autoscale max', async () => {
    const { apis } = fakes(flexConfig, 1000);
    expect(await createAzureCapacityTarget(target, apis).read()).toEqual({
      alwaysReadyInstances: 1,
      maximumInstanceCount: 40,
      cosmosMaxThroughput: 1000,
    });
  });

  it('patches the whole functionAppConfig, keeping runtime, deployment and other groups', async () => {
    const { apis, siteUpdates, throughputUpdates } = fakes(flexConfig, 1000);
    await createAzureCapacityTarget(target, apis).apply({
      alwaysReadyInstances: 16,
      maximumInstanceCount: 48,
      cosmosMaxThroughput: 4000,
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
      },
    ]);
    expect(throughputUpdates).toEqual([
      {
        args: ['rg', 'cosmos', 'shop', 'products'],
        parameters: { resource: { autoscaleSettings: { maxThroughput: 4000 } } },
      },
    ]);
  });

  it('only calls what differs', async () => {
    const { apis, siteUpdates, throughputUpdates } = fakes(flexConfig, 1000);
    await createAzureCapacityTarget(target, apis).apply({
      alwaysReadyInstances: 1,
      maximumInstanceCount: 40,
      cosmosMaxThroughput: 3000,
    });
    expect(siteUpdates).toEqual([]);
    expect(throughputUpdates).toHaveLength(1);
  });

  it('refuses a container on manual throughput rather than guessing', async () => {
    const { apis } = fakes(flexConfig, undefined);
    await expect(createAzureCapacityTarget(target, apis).read()).rejects.toThrow(/not on autoscale/);
  });
});
