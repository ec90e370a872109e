import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogueSnapshot } from '../../shared/catalogue/demo-seed';
import { analyze, fuzzyEditsFor } from '../../shared/search/text-tokens';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;
let admin: string;
let shopper: string;
const api = (path: string, init: RequestInit = {}) => fetch(`${shop.url}/api/${path}`, init);
const put = (id: string, body: unknown, token = admin) =>
  api(`admin/products/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const lamp = {
  sku: 'SKU-LAMP-1',
  category: 'home',
  name: 'Quasar Reading Lamp',
  brand: 'Lumen',
  description: 'A warm brass reading lamp.',
  priceMinor: 4999,
  currency: 'USD',
  attributes: { material: 'brass', colour: 'gold', widthCm: 22 },
};

beforeAll(async () => {
  shop = await startTestShop({ products: 90 });
  admin = await shop.token('root', ['admin']);
  shopper = await shop.token('sam');
});
afterAll(async () => {
  await shop?.close();
});

async function searchIds(query: string): Promise<string[]> {
  const response = await api(`search?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
}

describe('search over HTTP', () => {
  it('finds a product from a misspelled word in the top 3', async () => {
    // A word typo tolerance applies to: its stem has five letters or more (docs/api.md, Search).
    const typoable = (w: string) => fuzzyEditsFor(analyze(w)[0] ?? '') === 1;
    const book = shop.products.find((p) => p.category === 'books' && p.name.split(' ').some(typoable))!;
    const word = book.name.split(' ').find(typoable)!;
    const typo = word.slice(0, 2) + word[3] + word[2] + word.slice(4); // swap two letters
    const ids = await searchIds(`q=${encodeURIComponent(typo)}&category=books&pageSize=50`);
    const sameName = shop.products.filter((p) => p.name === book.name).map((p) => p.id);
    expect(ids.slice(0, Math.max(3, sameName.length)).some((id) => sameName.includes(id))).toBe(true);
  });

  it('caches with an ETag and answers 304', async () => {
    const first = await api('search?q=lamp');
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toContain('max-age');
    expect((await api('search?q=lamp', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('rejects bad parameters with field errors', async () => {
    const response = await api('search?sort=cheapest&page=0&bogus=1');
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors)).toEqual(expect.arrayContaining(['sort', 'page', 'bogus']));
  });

  it('treats a filter value with OData syntax as a literal', async () => {
    expect(await searchIds(`brand=${encodeURIComponent("x' or 1 eq 1")}`)).toEqual([]);
  });
});

describe('admin catalogue changes reach store, search and caches', () => {
  it('needs the admin role', async () => {
    expect((await put('p-new-1', lamp, '')).status).toBe(401);
    expect((await put('p-new-1', lamp, shopper)).status).toBe(403);
  });

  it('rejects bad products with field errors and leaves no trace', async () => {
    const bad = { ...lamp, name: '', priceMinor: -5, currency: 'dollars', attributes: { nested: { a: 1 } } };
    const response = await put('p-bad-1', bad);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors)).toEqual(
      expect.arrayContaining(['name', 'priceMinor', 'currency', 'attributes.nested']),
    );
    expect((await api('products/p-bad-1')).status).toBe(404);
    const inventory = await shop.services.sql.db
      .selectFrom('inventory')
      .selectAll()
      .where('product_id', '=', 'p-bad-1')
      .execute();
    expect(inventory).toEqual([]);
    expect((await put('p-bad-2', '{"oops"')).status).toBe(400);
  });

  it('creates a product that is visible in product reads, lists and search within 1 s', async () => {
    // Prime the caches so the test proves invalidation, not a cold read.
    expect(await searchIds('q=quasar')).toEqual([]);
    expect((await api('products/p-new-1')).status).toBe(404);
    const started = Date.now();
    const created = await put('p-new-1', lamp);
    expect(created.status).toBe(201);
    let visible = false;
    while (!visible && Date.now() - started < 1_000) {
      const [read, ids] = await Promise.all([api('products/p-new-1'), searchIds('q=quasar')]);
      visible = read.status === 200 && ids.includes('p-new-1');
    }
    expect(visible).toBe(true);
    const product = (await (await api('products/p-new-1')).json()) as Record<string, unknown>;
    expect(product).toMatchObject({ name: 'Quasar Reading Lamp', available: 0, attributes: lamp.attributes });
  });

  it('replaces a product: the new name is searchable and the old one is gone', async () => {
    const before = await api('products/p-new-1');
    const oldEtag = before.headers.get('etag')!;
    expect((await put('p-new-1', { ...lamp, name: 'Nebula Desk Lamp', priceMinor: 3999 })).status).toBe(200);
    const after = await api('products/p-new-1', { headers: { 'if-none-match': oldEtag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { name: string }).name).toBe('Nebula Desk Lamp');
    expect(await searchIds('q=nebula')).toContain('p-new-1');
    expect(await searchIds('q=quasar')).not.toContain('p-new-1');
    expect((await put('p-new-1', { ...lamp, sku: 'SKU-OTHER' })).status).toBe(409);
  });

  it('deletes a product everywhere', async () => {
    const listed = async () => {
      const page = (await (await api('products?category=home&limit=100')).json()) as {
        items: Array<{ id: string }>;
      };
      return page.items.map((item) => item.id);
    };
    expect(await listed()).toContain('p-new-1');
    const response = await api('admin/products/p-new-1', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(204);
    expect((await api('products/p-new-1')).status).toBe(404);
    expect(await searchIds('q=nebula')).not.toContain('p-new-1');
    expect(await listed()).not.toContain('p-new-1');
    expect(
      (
        await api('admin/products/p-new-1', {
          method: 'DELETE',
          headers: { authorization: `Bearer ${admin}` },
        })
      ).status,
    ).toBe(404);
  });

  it('keeps the local snapshot in step, so changes survive a restart of the memory-only store', async () => {
    expect((await put('p-new-2', { ...lamp, sku: 'SKU-LAMP-2', name: 'Pulsar Lamp' })).status).toBe(201);
    const snapshot = (await readCatalogueSnapshot(shop.dataDir)) ?? [];
    expect(snapshot.find((p) => p.id === 'p-new-2')?.name).toBe('Pulsar Lamp');
    expect(snapshot.find((p) => p.id === 'p-new-1')).toBeUndefined();
  });
});
