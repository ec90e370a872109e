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

  it('list-products maps bad input to 400 problem+json, never 500', async () => {
    const response = await listProductsFunction.handler(
      httpRequest('GET', 'products?limit=-1'),
      invocation(),
    );
    expect(response.status).toBe(400);
    expect((response.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
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
