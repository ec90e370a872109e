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

  it('serves 50 concurrent reads of one hot product (50 Pay Nows) with a few point reads, not 50', async () => {
    requests.length = 0;
    const hot = products[0]!;
    const answers = await Promise.all(Array.from({ length: 50 }, () => store.getMany([hot.id])));
    expect(answers).toEqual(Array.from({ length: 50 }, () => [hot]));
    // The first calls go out alone while the batcher has room; the rest queue and share one read.
    expect(requests.length).toBeLessThan(25);
    expect(requests.every((r) => r === `GET /dbs/shop/colls/products/docs/${hot.id}`)).toBe(true);
  });

  it('reads each distinct id once, by point reads (no query: the local server scans for one)', async () => {
    requests.length = 0;
    const ids = products.slice(0, 20).map((p) => p.id);
    const answers = await Promise.all(ids.map((id) => store.getMany([id, id, 'p-none'])));
    expect(answers).toEqual(products.slice(0, 20).map((p) => [p, p, undefined]));
    expect(requests.every((r) => r.startsWith('GET /dbs/shop/colls/products/docs/'))).toBe(true);
    expect(requests.filter((r) => !r.endsWith('/p-none')).sort()).toEqual(
      ids.map((id) => `GET /dbs/shop/colls/products/docs/${id}`).sort(),
    );
  });
});
