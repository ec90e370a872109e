import type { TokenCredential } from '@azure/core-auth';
import { CosmosClient } from '@azure/cosmos';
import type { ProductStore } from '../../catalogue/product-store.port';
import type { AzureOperation } from '../../platform/azure-operations';
import type { AppConfig } from '../../platform/config';
import { CosmosProductStore } from './cosmos-product-store';
import { startLocalCosmosServer } from './local-cosmos-server';

const cosmos = 'Microsoft.DocumentDB/databaseAccounts';
const items = `${cosmos}/sqlDatabases/containers/items`;
/** Cosmos DB data-plane operations (reference-data-plane-security); creating nothing. */
export const cosmosOperations: AzureOperation[] = [
  {
    resourceType: cosmos,
    operation: `${cosmos}/readMetadata`,
    when: 'startup',
    why: 'account and container metadata at open',
  },
  { resourceType: cosmos, operation: `${items}/read`, when: 'runtime', why: 'product page (point read)' },
  {
    resourceType: cosmos,
    operation: `${cosmos}/sqlDatabases/containers/executeQuery`,
    when: 'runtime',
    why: 'product lists',
  },
  {
    resourceType: cosmos,
    operation: `${items}/upsert`,
    when: 'runtime',
    why: 'admin product changes, shown stock levels',
  },
  {
    resourceType: cosmos,
    operation: `${items}/replace`,
    when: 'runtime',
    why: 'conditional product updates (ETag)',
  },
  { resourceType: cosmos, operation: `${items}/delete`, when: 'runtime', why: 'admin product removal' },
];

/**
 * Cosmos DB in Azure (managed identity), or — when the endpoint is blank — the real Cosmos
 * client against the in-process Cosmos-compatible server, which keeps nothing on disk.
 */
export async function openProductStore(
  config: AppConfig,
  credential: () => Promise<TokenCredential> = defaultCredential,
): Promise<{ store: ProductStore; embedded: boolean }> {
  if (config.cosmos.endpoint) {
    const client = new CosmosClient({
      endpoint: config.cosmos.endpoint,
      aadCredentials: await credential(),
      // The Function App's own region first (COSMOS_PREFERRED_REGIONS, set by bicep/main.bicep);
      // the SDK matches names without spaces or case, so 'westeurope' is 'West Europe'.
      ...(config.cosmos.preferredRegions.length > 0
        ? { connectionPolicy: { preferredLocations: config.cosmos.preferredRegions } }
        : {}),
    });
    const store = await CosmosProductStore.open(
      client,
      config.cosmos.database,
      config.cosmos.productsContainer,
      { create: false },
    );
    return { store, embedded: false };
  }
  const server = await startLocalCosmosServer();
  const client = new CosmosClient({
    endpoint: server.endpoint,
    key: server.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const store = await CosmosProductStore.open(
    client,
    config.cosmos.database,
    config.cosmos.productsContainer,
    { create: true },
  );
  // Whole catalogues (every local start, `npm run seed`) go straight into the server's memory:
  // the same upsert its route does, without an HTTP request per product.
  store.bulkUpsert = async (products, onProgress) => {
    server.load(config.cosmos.database, config.cosmos.productsContainer, products);
    onProgress?.(products.length);
  };
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await server.close();
  };
  return { store, embedded: true };
}

async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}
