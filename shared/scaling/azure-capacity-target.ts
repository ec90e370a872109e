import type { FunctionAppConfig } from '@azure/arm-appservice';
import type { ThroughputSettingsUpdateParameters } from '@azure/arm-cosmosdb';
import type { TokenCredential } from '@azure/identity';
import { resourceLabels, type ScaledResource } from './capacity-plan';
import type { Capacity } from './sales-calendar';
import type { ApplyReport, CapacityTarget } from './scale-scheduler';
import type { AzureScaleTarget } from './scaling-settings';

/**
 * The scheduler's Azure side, with the function app's managed identity:
 *
 * - Functions: always-ready instances and the instance ceiling live in the site's
 *   `functionAppConfig`; changing them is a site update. Under the default `Recreate` strategy
 *   a site update restarts every instance and terminates running executions; under
 *   `RollingUpdate` (set in bicep/modules/function-app.bicep) instances are drained in batches
 *   and in-flight executions finish. The PATCH sends back the config it read, strategy included,
 *   and only when a value differs.
 *   https://learn.microsoft.com/azure/azure-functions/flex-consumption-site-updates
 * - Cosmos DB: the products container's autoscale max RU/s. Up to `instantMaximumThroughput`
 *   (physical partitions x 10,000) the change is instant; above it Cosmos splits partitions,
 *   typically 4-6 hours, and the old max serves meanwhile. The request is sent, not awaited.
 *   https://learn.microsoft.com/azure/cosmos-db/scaling-provisioned-throughput-best-practices
 * - Azure SQL: the database's vCores (`sku.capacity`; max vCores when serverless) with the ARM
 *   PATCH Databases - Update. The database stays online while the new compute is prepared;
 *   the switch-over drops open connections, "generally for less than 30 seconds and often for
 *   only a few seconds" (Hyperscale typically < 2 minutes in all, General Purpose < 5).
 *   https://learn.microsoft.com/azure/azure-sql/database/single-database-scale
 *   https://learn.microsoft.com/rest/api/sql/databases/update
 *
 * Roles (bicep/modules/role-assignments.bicep): Website Contributor on the app, Cosmos DB
 * Operator on the account, SQL DB Contributor on the database.
 */

/**
 * Every ARM operation this target performs, as Azure RBAC names it, on the resource type the
 * role is assigned at (same shape as the adapters' AzureOperation lists); scaling tests check
 * them against the roles bicep/modules/role-assignments.bicep grants.
 */
export const scaleOperations: {
  resourceType: string;
  operation: string;
  when: 'runtime';
  why: string;
}[] = [
  {
    resourceType: 'Microsoft.Web/sites',
    operation: 'Microsoft.Web/sites/read',
    when: 'runtime',
    why: 'read functionAppConfig',
  },
  {
    resourceType: 'Microsoft.Web/sites',
    operation: 'Microsoft.Web/sites/write',
    when: 'runtime',
    why: 'PATCH functionAppConfig (always-ready, maximum instances)',
  },
  {
    resourceType: 'Microsoft.DocumentDB/databaseAccounts',
    operation: 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/throughputSettings/read',
    when: 'runtime',
    why: 'read the products container autoscale max and instant maximum',
  },
  {
    resourceType: 'Microsoft.DocumentDB/databaseAccounts',
    operation: 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/throughputSettings/write',
    when: 'runtime',
    why: 'set the products container autoscale max',
  },
  {
    resourceType: 'Microsoft.Sql/servers/databases',
    operation: 'Microsoft.Sql/servers/databases/read',
    when: 'runtime',
    why: 'read the database sku and service objectives',
  },
  {
    resourceType: 'Microsoft.Sql/servers/databases',
    operation: 'Microsoft.Sql/servers/databases/write',
    when: 'runtime',
    why: 'PATCH the database sku (vCores)',
  },
];

/** Flex Consumption groups all HTTP functions as `http`; shoppers only hit HTTP. */
export const ALWAYS_READY_GROUP = 'http';

/**
 * Microsoft.Web API version for the site GET and PATCH: the version @azure/arm-appservice 19
 * speaks, whose FunctionAppConfig defines `siteUpdateStrategy`, so the config read is written
 * back with every property intact. (The docs accept the strategy from 2023-12-01 on.)
 */
export const SITES_API_VERSION = '2025-05-01';
/** Microsoft.Sql stable API version of Databases - Get / Update. */
export const SQL_API_VERSION = '2023-08-01';
export const ARM_ENDPOINT = 'https://management.azure.com';

/** The management calls per resource we need, so tests can pass fakes. */
export interface FunctionAppApi {
  get(resourceGroup: string, name: string): Promise<{ functionAppConfig?: FunctionAppConfig }>;
  patchFunctionAppConfig(resourceGroup: string, name: string, config: FunctionAppConfig): Promise<void>;
}

export interface CosmosThroughputResource {
  throughput?: number;
  autoscaleSettings?: { maxThroughput?: number; targetMaxThroughput?: number };
  /** Read-only; "true" while an asynchronous (split) scale-up is in progress. */
  offerReplacePending?: string;
  /** Read-only; the highest max reachable without splits (partitions x 10,000). */
  instantMaximumThroughput?: string;
}

export interface CosmosThroughputApi {
  getSqlContainerThroughput(
    resourceGroup: string,
    account: string,
    database: string,
    container: string,
  ): Promise<{ resource?: CosmosThroughputResource }>;
  /** Sends the update; a split-backed scale-up completes hours later, so it is not awaited. */
  beginUpdateSqlContainerThroughput(
    resourceGroup: string,
    account: string,
    database: string,
    container: string,
    parameters: ThroughputSettingsUpdateParameters,
  ): Promise<unknown>;
}

export interface SqlSku {
  name: string;
  tier?: string;
  family?: string;
  capacity?: number;
}

export interface SqlDatabaseState {
  sku?: SqlSku;
  properties?: {
    status?: string;
    currentServiceObjectiveName?: string;
    requestedServiceObjectiveName?: string;
  };
}

export interface SqlDatabaseApi {
  get(resourceGroup: string, server: string, database: string): Promise<SqlDatabaseState>;
  /** PATCH of `sku` only; the scale runs on (202 Accepted) and is not awaited. */
  updateSku(resourceGroup: string, server: string, database: string, sku: SqlSku): Promise<void>;
}

export interface ManagementApis {
  functionApps: FunctionAppApi;
  cosmos: CosmosThroughputApi;
  sql: SqlDatabaseApi;
}

export interface ArmRestOptions {
  credential: TokenCredential;
  /** ARM base URL; tests point it at a loopback server. */
  endpoint?: string;
}

/**
 * The ARM REST calls made directly (same token as the SDK): the site GET/PATCH at
 * SITES_API_VERSION (arm-appservice 19's SitePatchResource has no functionAppConfig, its
 * serializer drops it) and SQL's Databases - Get / Update (no SQL management SDK is bundled).
 */
export function createArmRest(
  subscriptionId: string,
  options: ArmRestOptions,
): { functionApps: FunctionAppApi; sql: SqlDatabaseApi } {
  const endpoint = (options.endpoint ?? ARM_ENDPOINT).replace(/\/$/, '');
  const scope = `${ARM_ENDPOINT}/.default`;
  const group = (resourceGroup: string) =>
    `/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}`;

  async function call(method: 'GET' | 'PATCH', path: string, apiVersion: string, body?: unknown) {
    const token = await options.credential.getToken(scope);
    if (!token) throw new Error('No management token for the scale-scheduler identity.');
    const response = await fetch(`${endpoint}${path}?api-version=${apiVersion}`, {
      method,
      headers: {
        authorization: `Bearer ${token.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} failed: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  const sitePath = (resourceGroup: string, name: string) =>
    `${group(resourceGroup)}/providers/Microsoft.Web/sites/${encodeURIComponent(name)}`;
  const databasePath = (resourceGroup: string, server: string, database: string) =>
    `${group(resourceGroup)}/providers/Microsoft.Sql/servers/${encodeURIComponent(server)}` +
    `/databases/${encodeURIComponent(database)}`;

  return {
    functionApps: {
      async get(resourceGroup, name) {
        const site = (await call('GET', sitePath(resourceGroup, name), SITES_API_VERSION)) as
          | { properties?: { functionAppConfig?: FunctionAppConfig } }
          | undefined;
        return site?.properties?.functionAppConfig
          ? { functionAppConfig: site.properties.functionAppConfig }
          : {};
      },
      async patchFunctionAppConfig(resourceGroup, name, config) {
        await call('PATCH', sitePath(resourceGroup, name), SITES_API_VERSION, {
          properties: { functionAppConfig: config },
        });
      },
    },
    sql: {
      async get(resourceGroup, server, database) {
        return ((await call('GET', databasePath(resourceGroup, server, database), SQL_API_VERSION)) ??
          {}) as SqlDatabaseState;
      },
      async updateSku(resourceGroup, server, database, sku) {
        await call('PATCH', databasePath(resourceGroup, server, database), SQL_API_VERSION, { sku });
      },
    },
  };
}

/** Real clients, authenticated as the function app's managed identity. */
export async function createManagementApis(
  subscriptionId: string,
  credential?: TokenCredential,
): Promise<ManagementApis> {
  const [{ CosmosDBManagementClient }, { DefaultAzureCredential }] = await Promise.all([
    import('@azure/arm-cosmosdb'),
    import('@azure/identity'),
  ]);
  const identity = credential ?? new DefaultAzureCredential();
  const rest = createArmRest(subscriptionId, { credential: identity });
  return {
    ...rest,
    cosmos: new CosmosDBManagementClient(identity, subscriptionId).sqlResources,
  };
}

/** vCores from an objective or SKU name such as `HS_Gen5_8` or `GP_S_Gen5_2`. */
function vCoresFromName(name: string | undefined): number | undefined {
  const match = name ? /_(\d+)$/.exec(name) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * The vCores the database has or is being scaled to: while a scale runs, the requested
 * objective differs from the current one and is what counts (so a tick does not ask again).
 */
export function sqlVCoresOf(state: SqlDatabaseState): number {
  const { currentServiceObjectiveName: current, requestedServiceObjectiveName: requested } =
    state.properties ?? {};
  const pending = requested && requested !== current ? vCoresFromName(requested) : undefined;
  const vCores = pending ?? state.sku?.capacity ?? vCoresFromName(state.sku?.name) ?? vCoresFromName(current);
  if (vCores === undefined) throw new Error('The SQL database reports no vCores (is it on a vCore SKU?).');
  return vCores;
}

/** The max RU/s Cosmos has or is splitting towards. */
function cosmosMaxOf(resource: CosmosThroughputResource, container: string): number {
  const { maxThroughput, targetMaxThroughput } = resource.autoscaleSettings ?? {};
  if (maxThroughput === undefined) {
    throw new Error(
      `Cosmos container ${container} is not on autoscale throughput; see bicep/modules/cosmos.bicep.`,
    );
  }
  const pending = String(resource.offerReplacePending).toLowerCase() === 'true';
  return pending && targetMaxThroughput !== undefined ? targetMaxThroughput : maxThroughput;
}

/** The Azure target; `apply` always reports (notes may be empty). */
export interface AzureCapacityTarget extends CapacityTarget {
  apply(capacity: Capacity): Promise<ApplyReport>;
}

interface Deployed {
  capacity: Capacity;
  config: FunctionAppConfig;
  cosmosInstantMax: number | undefined;
  sql: SqlDatabaseState | undefined;
}

/**
 * Flex Consumption always-ready/maximum instances on the function app, autoscale max RU/s on
 * the products container and, when configured, the SQL database's vCores.
 */
export function createAzureCapacityTarget(
  target: AzureScaleTarget,
  apis?: ManagementApis,
): AzureCapacityTarget {
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
  const sqlTarget = target.sql;
  const resources: ScaledResource[] = sqlTarget ? ['functions', 'cosmos', 'sql'] : ['functions', 'cosmos'];

  async function readAll(): Promise<Deployed> {
    const { functionApps, cosmos, sql } = await clients();
    const [site, throughput, database] = await Promise.all([
      functionApps.get(target.resourceGroup, target.functionAppName),
      cosmos.getSqlContainerThroughput(...cosmosArgs),
      sqlTarget ? sql.get(target.resourceGroup, sqlTarget.serverName, sqlTarget.databaseName) : undefined,
    ]);
    const config = site.functionAppConfig ?? {};
    const scale = config.scaleAndConcurrency ?? {};
    const resource = throughput.resource ?? {};
    const instant = Number(resource.instantMaximumThroughput);
    return {
      config,
      cosmosInstantMax: Number.isFinite(instant) && instant > 0 ? instant : undefined,
      sql: database,
      capacity: {
        alwaysReadyInstances:
          scale.alwaysReady?.find((entry) => entry.name === ALWAYS_READY_GROUP)?.instanceCount ?? 0,
        maximumInstanceCount: scale.maximumInstanceCount ?? 0,
        cosmosMaxThroughput: cosmosMaxOf(resource, target.cosmosContainer),
        // Not managed without SCALE_SQL_*: 0, and the scheduler leaves it alone.
        sqlVCores: database ? sqlVCoresOf(database) : 0,
      },
    };
  }

  async function applyFunctions(capacity: Capacity, deployed: Deployed, notes: string[]): Promise<void> {
    const { functionApps } = await clients();
    const { config } = deployed;
    const scale = config.scaleAndConcurrency ?? {};
    // Send the whole functionAppConfig back: deployment, runtime, other groups and the site
    // update strategy stay as they are.
    const alwaysReady = (scale.alwaysReady ?? []).filter((entry) => entry.name !== ALWAYS_READY_GROUP);
    if (capacity.alwaysReadyInstances > 0) {
      alwaysReady.push({ name: ALWAYS_READY_GROUP, instanceCount: capacity.alwaysReadyInstances });
    }
    await functionApps.patchFunctionAppConfig(target.resourceGroup, target.functionAppName, {
      ...config,
      scaleAndConcurrency: { ...scale, alwaysReady, maximumInstanceCount: capacity.maximumInstanceCount },
    });
    const strategy = config.siteUpdateStrategy?.type ?? 'Recreate (default)';
    if (strategy !== 'RollingUpdate') {
      notes.push(
        `the Functions change was a site update under the ${strategy} strategy: every instance restarted and ` +
          'running executions were terminated. Deploy bicep/ so functionAppConfig.siteUpdateStrategy is RollingUpdate.',
      );
    }
  }

  async function applyCosmos(capacity: Capacity, deployed: Deployed, notes: string[]): Promise<void> {
    const { cosmos } = await clients();
    await cosmos.beginUpdateSqlContainerThroughput(...cosmosArgs, {
      resource: { autoscaleSettings: { maxThroughput: capacity.cosmosMaxThroughput } },
    });
    const instant = deployed.cosmosInstantMax;
    if (
      capacity.cosmosMaxThroughput > deployed.capacity.cosmosMaxThroughput &&
      instant !== undefined &&
      capacity.cosmosMaxThroughput > instant
    ) {
      notes.push(
        `Cosmos max ${capacity.cosmosMaxThroughput} RU/s is above the ${instant} RU/s the container reaches ` +
          'instantly: Cosmos splits partitions first (typically 4-6 hours) and keeps the old max until then. ' +
          'Raise policy.cosmosPhysicalPartitions in the calendar once it is done.',
      );
    }
  }

  async function applySql(capacity: Capacity, deployed: Deployed, notes: string[]): Promise<void> {
    if (!sqlTarget || !deployed.sql) return;
    const { sql } = await clients();
    const name = (deployed.sql.sku?.name ?? '').replace(/_\d+$/, '');
    if (!name) throw new Error('The SQL database reports no SKU name.');
    await sql.updateSku(target.resourceGroup, sqlTarget.serverName, sqlTarget.databaseName, {
      name,
      capacity: capacity.sqlVCores,
    });
    notes.push(
      `SQL ${sqlTarget.databaseName} is scaling from ${deployed.capacity.sqlVCores} to ${capacity.sqlVCores} vCores: ` +
        'it stays online, and the switch-over at the end drops open connections (usually a few seconds).',
    );
  }

  const appliers: Record<
    ScaledResource,
    (capacity: Capacity, deployed: Deployed, notes: string[]) => Promise<void>
  > = {
    functions: applyFunctions,
    cosmos: applyCosmos,
    sql: applySql,
  };

  function differs(resource: ScaledResource, a: Capacity, b: Capacity): boolean {
    switch (resource) {
      case 'functions':
        return (
          a.alwaysReadyInstances !== b.alwaysReadyInstances ||
          a.maximumInstanceCount !== b.maximumInstanceCount
        );
      case 'cosmos':
        return a.cosmosMaxThroughput !== b.cosmosMaxThroughput;
      case 'sql':
        return a.sqlVCores !== b.sqlVCores;
    }
  }

  return {
    description:
      `${target.functionAppName} + ${target.cosmosAccountName}/${target.cosmosDatabase}/${target.cosmosContainer}` +
      (sqlTarget ? ` + ${sqlTarget.serverName}/${sqlTarget.databaseName}` : ''),
    resources,
    read: async () => (await readAll()).capacity,
    async apply(capacity): Promise<ApplyReport> {
      const deployed = await readAll();
      const notes: string[] = [];
      const failures: string[] = [];
      // Each resource on its own: a failed Cosmos call must not keep SQL from being raised.
      for (const resource of resources) {
        if (!differs(resource, deployed.capacity, capacity)) continue;
        try {
          await appliers[resource](capacity, deployed, notes);
        } catch (error) {
          failures.push(
            `${resourceLabels[resource]}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      if (failures.length > 0) {
        throw new Error(
          `scale-scheduler could not change ${failures.join('; ')}${notes.length ? ` (also: ${notes.join(' ')})` : ''}`,
        );
      }
      return { notes };
    },
  };
}
