import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../shared/adapters/sql/schema';
import { recordCatalogueChange } from '../../shared/catalogue/catalogue-admin.service';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

// Real local host, on PGlite and on the machine's PostgreSQL (when TEST_DATABASE_URL is set).
let shop: TestShop;
let admin: string;
let shopper: string;
const call = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${shop.url}/api/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

interface Change {
  id: number;
  changedAt: string;
  changedBy: { userId: string; name: string };
  action: string;
  productId: string;
  sku: string | null;
  summary: string;
}
const changesOf = async (productId: string, query = '') => {
  const response = await call(`admin/changes?productId=${productId}${query}`, admin);
  expect(response.status).toBe(200);
  return (await response.json()) as { items: Change[]; continuationToken: string | null };
};

const product = {
  sku: 'SKU-AUD-1',
  category: 'home',
  name: 'Audit Lamp',
  brand: 'Lumen',
  priceMinor: 1999,
  currency: 'USD',
};

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `GET /admin/changes (the audit trail of who changed what and when) on ${name}`,
    () => {
      beforeAll(async () => {
        shop = await startTestShop({ products: 4, env: await env() });
        admin = await shop.token('root', ['admin']);
        shopper = await shop.token('sam', ['shopper']);
        expect(
          (await call('admin/products/p-aud-1', admin, { method: 'PUT', body: JSON.stringify(product) }))
            .status,
        ).toBe(201);
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      it('records a price change, a stock level and a delete with the admin, newest first, with summaries', async () => {
        const start = Date.now();
        const put = (body: object) =>
          call('admin/products/p-aud-1', admin, { method: 'PUT', body: JSON.stringify(body) });
        expect((await put({ ...product, priceMinor: 2499 })).status).toBe(200);
        const stock = (onHand: number) =>
          call('admin/inventory/SKU-AUD-1', admin, { method: 'PUT', body: JSON.stringify({ onHand }) });
        expect((await stock(5)).status).toBe(200);
        expect((await call('admin/products/p-aud-1', admin, { method: 'DELETE' })).status).toBe(204);

        const { items } = await changesOf('p-aud-1', '&limit=3');
        const me = (await (await call('me', admin)).json()) as { userId: string; name: string };
        expect(me.name).toBe('root'); // the local issuer names the token's subject
        const by = { userId: me.userId, name: 'root' };
        expect(
          items.map(({ action, sku, summary, changedBy }) => ({ action, sku, summary, changedBy })),
        ).toEqual([
          { action: 'product_deleted', sku: 'SKU-AUD-1', summary: 'deleted "Audit Lamp"', changedBy: by },
          { action: 'stock_set', sku: 'SKU-AUD-1', summary: 'on hand 0 → 5', changedBy: by },
          {
            action: 'product_updated',
            sku: 'SKU-AUD-1',
            summary: 'price 19.99 USD → 24.99 USD',
            changedBy: by,
          },
        ]);
        for (const item of items) {
          expect(item.productId).toBe('p-aud-1');
          expect(new Date(item.changedAt).getTime()).toBeGreaterThanOrEqual(start - 1000);
        }
        expect(items[0]!.id).toBeGreaterThan(items[1]!.id);

        // Keyset paging: two, then the rest (the creation in beforeAll), then no token.
        const first = await changesOf('p-aud-1', '&limit=2');
        expect(first.items.map((c) => c.action)).toEqual(['product_deleted', 'stock_set']);
        const second = await changesOf('p-aud-1', `&limit=2&continuationToken=${first.continuationToken}`);
        expect(second.items.map((c) => c.action)).toEqual(['product_updated', 'product_created']);
        expect(second.continuationToken).toBeNull();
      });

      it('refuses a shopper (403) and writes nothing; no token is 401; a foreign token is 400', async () => {
        const before = (await changesOf('p-aud-2')).items.length;
        const put = await call('admin/products/p-aud-2', shopper, {
          method: 'PUT',
          body: JSON.stringify({ ...product, sku: 'SKU-AUD-2' }),
        });
        expect(put.status).toBe(403);
        expect(
          (await call('admin/inventory/SKU-AUD-1', shopper, { method: 'PUT', body: '{"onHand":1}' })).status,
        ).toBe(403);
        const read = await call('admin/changes?productId=p-aud-1', shopper);
        expect(read.status).toBe(403);
        expect(read.headers.get('content-type')).toContain('application/problem+json');
        expect((await fetch(`${shop.url}/api/admin/changes`)).status).toBe(401);
        expect((await changesOf('p-aud-2')).items.length).toBe(before);
        expect((await changesOf('p-aud-1')).items.every((c) => c.changedBy.name !== 'sam')).toBe(true);
        const bad = await call('admin/changes?continuationToken=nope', admin);
        expect(bad.status).toBe(400);
      });
    },
  );
}

describe('recordCatalogueChange when the audit write fails (SQL down after the change succeeded)', () => {
  it('warns with the action, product and author and does not throw', async () => {
    const warnings: string[] = [];
    const brokenDb = {
      insertInto: () => {
        throw new Error('connection refused');
      },
    } as unknown as Db;
    await expect(
      recordCatalogueChange(
        brokenDb,
        { by: { userId: 'u-1', name: 'Ada' }, warn: (m) => warnings.push(m) },
        { action: 'stock_set', productId: 'p-1', sku: 'SKU-1', summary: 'on hand 5 → 0' },
      ),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/stock_set of p-1 by u-1: .*connection refused/)]);
  });
});
