import { CosmosClient } from '@azure/cosmos';
import type { ProductStore } from '../../catalogue/product-store.port';
import type { AppConfig } from '../../platform/config';
import { CosmosProductStore } from './cosmos-product-store';
import { startLocalCosmosServer } from './local-cosmos-server';

/**
 * Cosmos DB in Azure (managed identity), or — when the endpoint is blank — the real Cosmos
 * client against the in-process Cosmos-compatible server, which keeps nothing on disk.
 */
export async function openProductStore(
  config: AppConfig,
): Promise<{ store: ProductStore; embedded: boolean }> {
  if (config.cosmos.endpoint) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const client = new CosmosClient({
      endpoint: config.cosmos.endpoint,
      aadCredentials: new DefaultAzureCredential(),
    });
    const store = await CosmosProductStore.open(
      client,
      config.cosmos.database,
      config.cosmos.productsContainer,
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
  );
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await server.close();
  };
  return { store, embedded: true };
}
