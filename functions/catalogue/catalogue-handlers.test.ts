import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpRequest,
  invocation,
  responseJson,
  startTestShop,
  type TestShop,
} from '../../test/support/test-shop';
import { healthFunction } from '../health/health';
import { getAvailabilityFunction } from './get-availability';
import { getProductFunction } from './get-product';
import { listProductsFunction } from './list-products';

// Handlers called directly, with requests and contexts built as the Functions runtime builds them.
let shop: TestShop;
beforeAll(async () => {
  shop = await startTestShop({ products: 20, host: false });
});
afterAll(async () => {
  await shop?.close();
});

describe('catalogue handlers', () => {
  it('get-product returns the product with its available count', async () => {
    const product = shop.products[2]!;
    const response = await getProductFunction.handler(
      httpRequest('GET', `products/${product.id}`, { params: { id: product.id } }),
      invocation(),
    );
    expect(response.status).toBe(200);
    expect(await responseJson(response)).toMatchObject({
      id: product.id,
      name: product.name,
      available: expect.any(Number),
    });
  });

  it('get-product refreshes the available count after the cache is invalidated', async () => {
    const product = shop.products[4]!;
    const read = async () =>
      (await responseJson(
        await getAvailabilityFunction.handler(
          httpRequest('GET', `products/${product.id}/availability`, { params: { id: product.id } }),
          invocation(),
        ),
      )) as { available: number };
    const before = (await read()).available;
    await shop.services.sql.db
      .updateTable('inventory')
      .set({ on_hand: before + 7 })
      .where('sku', '=', product.sku)
      .execute();
    expect((await read()).available).toBe(before); // cached
    const { invalidateAvailability } = await import('../../shared/catalogue/catalogue.service');
    await invalidateAvailability({ cache: shop.services.cache }, product.id);
    expect((await read()).available).toBe(before + 7);
  });

  it('list-products maps bad input to 400 problem+json, never 500 (and again for the same query)', async () => {
    for (const query of ['limit=-1', 'limit=-1', 'continuationToken=bogus', 'continuationToken=bogus']) {
      const response = await listProductsFunction.handler(
        httpRequest('GET', `products?${query}`),
        invocation(),
      );
      expect(response.status, query).toBe(400);
      expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    }
  });

  it('get-product: a new count after invalidation changes body and ETag; the old ETag is 200, the new 304', async () => {
    const product = shop.products[6]!;
    const read = (headers: Record<string, string> = {}) =>
      getProductFunction.handler(
        httpRequest('GET', `products/${product.id}`, { params: { id: product.id }, headers }),
        invocation(),
      );
    const first = await read();
    const etag = (first.headers as Record<string, string>).etag!;
    const before = ((await responseJson(first)) as { available: number }).available;
    expect((await read({ 'if-none-match': etag })).status).toBe(304);
    await shop.services.sql.db
      .updateTable('inventory')
      .set({ on_hand: before + 3 })
      .where('sku', '=', product.sku)
      .execute();
    const { invalidateAvailability } = await import('../../shared/catalogue/catalogue.service');
    await invalidateAvailability({ cache: shop.services.cache }, product.id);
    const after = await read({ 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(((await responseJson(after)) as { available: number }).available).toBe(before + 3);
    const newTag = (after.headers as Record<string, string>).etag!;
    expect(newTag).not.toBe(etag);
    expect((await read({ 'if-none-match': newTag })).status).toBe(304);
  });

  it('list-products: pages follow the token, the ETag answers 304, a catalogue change shows', async () => {
    const list = async (query: string, headers: Record<string, string> = {}) =>
      listProductsFunction.handler(httpRequest('GET', `products?${query}`, { headers }), invocation());
    const first = await list('limit=5');
    const page = (await responseJson(first)) as { items: { id: string }[]; continuationToken: string };
    const ids = shop.products.map((product) => product.id).sort();
    expect(page.items.map((item) => item.id)).toEqual(ids.slice(0, 5));
    const etag = (first.headers as Record<string, string>).etag!;
    expect((await list('limit=5', { 'if-none-match': etag })).status).toBe(304);
    const second = (await responseJson(
      await list(`limit=5&continuationToken=${page.continuationToken}`),
    )) as { items: { id: string }[] };
    expect(second.items[0]!.id > page.items.at(-1)!.id).toBe(true);

    const changed = shop.products.find((product) => product.id === ids[0])!;
    await shop.services.products.upsert({ ...changed, name: 'Renamed for the list test' });
    const { invalidateProduct } = await import('../../shared/catalogue/catalogue.service');
    await invalidateProduct({ cache: shop.services.cache }, changed.id);
    const again = await list('limit=5', { 'if-none-match': etag });
    expect(again.status).toBe(200);
    const items = ((await responseJson(again)) as { items: { id: string; name: string }[] }).items;
    expect(items.find((item) => item.id === changed.id)?.name).toBe('Renamed for the list test');
  });
});

describe('health handler', () => {
  it('is 503 when a critical dependency is down', async () => {
    const extra = shop.services.extraHealthChecks;
    shop.services.extraHealthChecks = {
      broken: { critical: true, check: async () => Promise.reject(new Error('connection refused')) },
    };
    try {
      const response = await healthFunction.handler(httpRequest('GET', 'health'), invocation());
      expect(response.status).toBe(503);
      const report = (await responseJson(response)) as {
        status: string;
        dependencies: Record<string, { status: string; detail: string }>;
      };
      expect(report.status).toBe('unhealthy');
      expect(report.dependencies.broken).toMatchObject({ status: 'down', detail: 'connection refused' });
      expect(report.dependencies.sql?.status).toBe('up');
    } finally {
      shop.services.extraHealthChecks = extra;
    }
  });

  it('is 200 but degraded when only the cache is down', async () => {
    shop.services.extraHealthChecks = {
      cacheLike: { critical: false, check: async () => Promise.reject(new Error('down')) },
    };
    try {
      const response = await healthFunction.handler(httpRequest('GET', 'health'), invocation());
      expect(response.status).toBe(200);
      expect(((await responseJson(response)) as { status: string }).status).toBe('degraded');
    } finally {
      shop.services.extraHealthChecks = undefined;
    }
  });
});
