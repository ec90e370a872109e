import type { FunctionAppConfig } from '@azure/arm-appservice';
import type { ThroughputSettingsUpdateParameters } from '@azure/arm-cosmosdb';
import type { TokenCredential } from '@azure/identity';
import type { Capacity } from './sales-calendar';
import type { CapacityTarget } from './scale-scheduler';
import type { AzureScaleTarget } from './scaling-settings';

/** Flex Consumption groups all HTTP functions as `http`; shoppers only hit HTTP. */
export const ALWAYS_READY_GROUP = 'http';

/** The two management calls per resource we need, so tests can pass fakes. */
export interface FunctionAppApi {
  get(resourceGroup: string, name: string): Promise<{ functionAppConfig?: FunctionAppConfig }>;
  patchFunctionAppConfig(resourceGroup: string, name: string, config: FunctionAppConfig): Promise<void>;
}

export interface CosmosThroughputApi {
  getSqlContainerThroughput(
    resourceGroup: string,
    account: string,
    database: string,
    container: string,
  ): Promise<{ resource?: { throughput?: number; autoscaleSettings?: { maxThroughput?: number } } }>;
  beginUpdateSqlContainerThroughputAndWait(
    resourceGroup: string,
    account: string,
    database: string,
    container: string,
    parameters: ThroughputSettingsUpdateParameters,
  ): Promise<unknown>;
}

export interface ManagementApis {
  functionApps: FunctionAppApi;
  cosmos: CosmosThroughputApi;
}

const ARM = 'https://management.azure.com';
const SITES_API_VERSION = '2024-04-01';

/** Real clients, authenticated as the function app's managed identity. */
export async function createManagementApis(
  subscriptionId: string,
  credential?: TokenCredential,
): Promise<ManagementApis> {
  const [{ WebSiteManagementClient }, { CosmosDBManagementClient }, { DefaultAzureCredential }] =
    await Promise.all([
      import('@azure/arm-appservice'),
      import('@azure/arm-cosmosdb'),
      import('@azure/identity'),
    ]);
  const identity = credential ?? new DefaultAzureCredential();
  const webApps = new WebSiteManagementClient(identity, subscriptionId).webApps;
  return {
    functionApps: {
      get: (resourceGroup, name) => webApps.get(resourceGroup, name),
      // arm-appservice 19's SitePatchResource has no functionAppConfig (its serializer drops
      // it), so this one PATCH goes to the documented ARM endpoint directly, same token.
      async patchFunctionAppConfig(resourceGroup, name, config) {
        const token = await identity.getToken(`${ARM}/.default`);
        if (!token) throw new Error('No management token for the scale-scheduler identity.');
        const url =
          `${ARM}/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}` +
          `/providers/Microsoft.Web/sites/${encodeURIComponent(name)}?api-version=${SITES_API_VERSION}`;
        const response = await fetch(url, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ properties: { functionAppConfig: config } }),
        });
        if (!response.ok) {
          throw new Error(
            `PATCH ${name} functionAppConfig failed: ${response.status} ${await response.text()}`,
          );
        }
      },
    },
    cosmos: new CosmosDBManagementClient(identity, subscriptionId).sqlResources,
  };
}

/**
 * Flex Consumption always-ready/maximum instances on the function app + autoscale max RU/s
 * on the products container. Needs Website Contributor on the app and Cosmos DB Operator
 * on the account (granted in bicep/modules/function-app.bicep).
 */
export function createAzureCapacityTarget(target: AzureScaleTarget, apis?: ManagementApis): CapacityTarget {
  let resolved: Promise<ManagementApis> | undefined = apis ? Promise.resolve(apis) : undefined;
  const clients = () => {
    resolved ??= createManagementApis(target.subscriptionId);
    return resolved;
  };
  const cosmosArgs = [
    target.resourceGroup,
    target.cosmosAccountName,
    target.cosmosDatabase,
    target.cosmosContainer,
  ] as const;

  async function readAll(): Promise<{ capacity: Capacity; config: FunctionAppConfig }> {
    const { functionApps, cosmos } = await clients();
    const [site, throughput] = await Promise.all([
      functionApps.get(target.resourceGroup, target.functionAppName),
      cosmos.getSqlContainerThroughput(...cosmosArgs),
    ]);
    const config = site.functionAppConfig ?? {};
    const scale = config.scaleAndConcurrency ?? {};
    const maxThroughput = throughput.resource?.autoscaleSettings?.maxThroughput;
    if (maxThroughput === undefined) {
      throw new Error(
        `Cosmos container ${target.cosmosContainer} is not on autoscale throughput; see bicep/modules/cosmos.bicep.`,
      );
    }
    return {
      config,
      capacity: {
        alwaysReadyInstances:
          scale.alwaysReady?.find((entry) => entry.name === ALWAYS_READY_GROUP)?.instanceCount ?? 0,
        maximumInstanceCount: scale.maximumInstanceCount ?? 0,
        cosmosMaxThroughput: maxThroughput,
      },
    };
  }

  return {
    description: `${target.functionAppName} + ${target.cosmosAccountName}/${target.cosmosDatabase}/${target.cosmosContainer}`,
    read: async () => (await readAll()).capacity,
    async apply(capacity) {
      const { functionApps, cosmos } = await clients();
      const { capacity: current, config } = await readAll();
      if (
        current.alwaysReadyInstances !== capacity.alwaysReadyInstances ||
        current.maximumInstanceCount !== capacity.maximumInstanceCount
      ) {
        const scale = config.scaleAndConcurrency ?? {};
        // Send the whole functionAppConfig back: keep deployment/runtime and other groups as they are.
        const alwaysReady = (scale.alwaysReady ?? []).filter((entry) => entry.name !== ALWAYS_READY_GROUP);
        if (capacity.alwaysReadyInstances > 0) {
          alwaysReady.push({ name: ALWAYS_READY_GROUP, instanceCount: capacity.alwaysReadyInstances });
        }
        await functionApps.patchFunctionAppConfig(target.resourceGroup, target.functionAppName, {
          ...config,
          scaleAndConcurrency: { ...scale, alwaysReady, maximumInstanceCount: capacity.maximumInstanceCount },
        });
      }
      if (current.cosmosMaxThroughput !== capacity.cosmosMaxThroughput) {
        await cosmos.beginUpdateSqlContainerThroughputAndWait(...cosmosArgs, {
          resource: { autoscaleSettings: { maxThroughput: capacity.cosmosMaxThroughput } },
        });
      }
    },
  };
}
