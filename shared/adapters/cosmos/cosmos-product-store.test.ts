import { productStoreContract } from '../../catalogue/product-store.contract';
import { parseConfig } from '../../platform/config';
import { openProductStore } from './open-product-store';

// The real @azure/cosmos client against the in-process Cosmos-compatible server.
productStoreContract('Cosmos DB client against the embedded Cosmos-compatible server', async () => {
  const { store } = await openProductStore(parseConfig({ COSMOS_ENDPOINT: '' }));
  return store;
});
