import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalogue } from '../../catalogue/demo-catalogue';
import { productStoreContract } from '../../catalogue/product-store.contract';
import { parseConfig } from '../../platform/config';
import { CosmosProductStore } from './cosmos-product-store';
import { openProductStore } from './open-product-store';

// The real @azure/cosmos client against the in-process Cosmos-compatible server.
productStoreContract('Cosmos DB client against the embedded Cosmos-compatible server', async () => {
  const { store } = await openProductStore(parseConfig({ COSMOS_ENDPOINT: '' }));
  return store;
});

describe('Cosmos product store: reads of many', () => {
  let server: Server;
  let store: CosmosProductStore;
  const requests: string[] = [];
  const products = generateCatalogue(60);

  beforeAll(async () => {
    const { createHttpServer } = await import('@vercel/cosmosdb-server');
    server = createHttpServer({ keepAlive: true } as Parameters<typeof createHttpServer>[0]);
    server.on('request', (request) => requests.push(`${request.method} ${request.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = new CosmosClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key: Buffer.from('any key').toString('base64'),
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    store = await CosmosProductStore.open(client, 'shop', 'products', { create: true });
    await store.bulkUpsert(products);
  });
  afterAll(async () => {
    await store?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('serves 50 concurrent one-product reads (50 Pay Nows) with a few requests, not 50', async () => {
    requests.length = 0;
    const ids = products.slice(0, 50).map((p) => p.id);
    const answers = await Promise.all(ids.map((id) => store.getMany([id])));
    expect(answers).toEqual(products.slice(0, 50).map((p) => [p]));
    // The first reads go out alone (point reads) while the batcher has room; the rest queue
    // and go as one query (the client asks for its query plan first).
    expect(requests.length).toBeLessThan(12);
  });

  it('reads one id with a point read and several with one query', async () => {
    requests.length = 0;
    await store.getMany([products[0]!.id, products[0]!.id]);
    expect(requests).toEqual([`GET /dbs/shop/colls/products/docs/${products[0]!.id}`]);
    requests.length = 0;
    await store.getMany([products[0]!.id, products[1]!.id, 'p-none']);
    expect(requests.filter((r) => r.startsWith('GET /dbs/shop/colls/products/docs/'))).toEqual([]);
    expect(requests.length).toBeLessThanOrEqual(2);
  });
});
