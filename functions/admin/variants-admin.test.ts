import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

let shop: TestShop;
let admin: string;
const api = (path: string, init: RequestInit = {}) => fetch(`${shop.url}/api/${path}`, init);
const adminPut = (path: string, body: unknown) =>
  api(`admin/${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const hoodie = {
  sku: 'SKU-HOOD-1',
  category: 'apparel',
  name: 'Harbour Hoodie',
  brand: 'Northwear',
  description: 'A heavy cotton hoodie.',
  priceMinor: 5000,
  currency: 'USD',
  attributes: { size: ['S', 'M', 'XXL'], colour: 'navy' },
  // Given out of order: the API keeps them in natural size order.
  variants: [
    { sku: 'SKU-HOOD-1-XXL', options: { size: 'XXL', colour: 'navy' }, priceMinor: 5200 },
    { sku: 'SKU-HOOD-1-S', options: { size: 'S', colour: 'navy' } },
    { sku: 'SKU-HOOD-1-M', options: { size: 'M', colour: 'navy' } },
  ],
};

interface ProductJson {
  sku: string;
  available: number;
  variants?: Array<{
    sku: string;
    options: { size: string; colour?: string };
    priceMinor?: number;
    available: number;
  }>;
}

beforeAll(async () => {
  shop = await startTestShop({ products: 12, variants: true });
  admin = await shop.token('root', ['admin']);
}, 120_000);
afterAll(async () => {
  await shop?.close();
});

describe('product variants through the admin and catalogue APIs', () => {
  it('creates a product with variants, each its own SKU with its own stock, the product showing the sum', async () => {
    expect((await adminPut('products/p-hood-1', hoodie)).status).toBe(201);
    expect((await adminPut('inventory/SKU-HOOD-1-S', { onHand: 4 })).status).toBe(200);
    expect((await adminPut('inventory/SKU-HOOD-1-XXL', { onHand: 2 })).status).toBe(200);
    const product = (await (await api('products/p-hood-1')).json()) as ProductJson;
    expect(product.available).toBe(6);
    expect(product.variants).toEqual([
      { sku: 'SKU-HOOD-1-S', options: { size: 'S', colour: 'navy' }, available: 4 },
      { sku: 'SKU-HOOD-1-M', options: { size: 'M', colour: 'navy' }, available: 0 },
      { sku: 'SKU-HOOD-1-XXL', options: { size: 'XXL', colour: 'navy' }, priceMinor: 5200, available: 2 },
    ]);
    const availability = await (await api('products/p-hood-1/availability')).json();
    expect(availability).toMatchObject({
      available: 6,
      variants: [
        { sku: 'SKU-HOOD-1-S', available: 4 },
        { sku: 'SKU-HOOD-1-M', available: 0 },
        { sku: 'SKU-HOOD-1-XXL', available: 2 },
      ],
    });
  });

  it('edits variants: a new size gets a stock row, the page and its ETag follow', async () => {
    const before = await api('products/p-hood-1');
    const etag = before.headers.get('etag')!;
    const next = {
      ...hoodie,
      variants: [...hoodie.variants, { sku: 'SKU-HOOD-1-L', options: { size: 'L', colour: 'navy' } }],
    };
    expect((await adminPut('products/p-hood-1', next)).status).toBe(200);
    expect((await adminPut('inventory/SKU-HOOD-1-L', { onHand: 7 })).status).toBe(200);
    const after = await api('products/p-hood-1', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    const product = (await after.json()) as ProductJson;
    expect(product.variants!.map((v) => [v.options.size, v.available])).toEqual([
      ['S', 4],
      ['M', 0],
      ['L', 7],
      ['XXL', 2],
    ]);
    expect(product.available).toBe(13);
  });

  it('refuses a variant SKU that belongs to another product, and repeated SKUs or options', async () => {
    const other = shop.products.find((p) => !p.variants)!;
    const taken = await adminPut('products/p-hood-2', {
      ...hoodie,
      sku: 'SKU-HOOD-2',
      variants: [{ sku: other.sku, options: { size: 'M' } }],
    });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ code: 'sku_taken', skus: [other.sku] });
    const repeated = await adminPut('products/p-hood-2', {
      ...hoodie,
      sku: 'SKU-HOOD-2',
      variants: [
        { sku: 'SKU-HOOD-2-M', options: { size: 'M' } },
        { sku: 'SKU-HOOD-2-M2', options: { size: 'M' } },
      ],
    });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ code: 'validation_failed' });
  });

  it('keeps a product without variants as one SKU with no variants field', async () => {
    const book = shop.products.find((p) => p.category === 'books')!;
    const product = (await (await api(`products/${book.id}`)).json()) as ProductJson;
    expect(product.sku).toBe(book.sku);
    expect(product.variants).toBeUndefined();
  });

  it('serves the demo catalogue with variants: a sized product sums its variants', async () => {
    const sized = shop.products.find((p) => p.variants && p.variants.length > 1)!;
    const product = (await (await api(`products/${sized.id}`)).json()) as ProductJson;
    expect(product.variants!.map((v) => v.sku)).toEqual(sized.variants!.map((v) => v.sku));
    expect(product.available).toBe(product.variants!.reduce((sum, v) => sum + v.available, 0));
  });
});
