import { describe, expect, it } from 'vitest';
import { generateCatalogue } from '../../catalogue/demo-catalogue';
import type { Product } from '../../catalogue/product';
import { misspell, misspellable, searchIndexContract } from '../../search/search-index.contract';
import { parseSearchQuery } from '../../search/search-query';
import { bruteForceFacet, bruteForceMatches } from '../../search/testing/brute-force-search';
import { tokenize } from '../../search/text-tokens';
import { EmbeddedSearchIndex } from './embedded-search-index';

searchIndexContract('embedded engine', async () => ({ index: new EmbeddedSearchIndex() }));

describe('embedded engine on a 3,000-product demo catalogue', () => {
  const products = generateCatalogue(3000);
  const ready = (async () => {
    const index = new EmbeddedSearchIndex();
    await index.upsert(products);
    return index;
  })();

  it('finds 40 products from one-edit misspellings of their name + brand, in the top 3', async () => {
    const index = await ready;
    const unique = products
      .slice(0, 600)
      .filter(
        (product) =>
          tokenize(product.name).length >= 2 &&
          misspellable(`${product.name} ${product.brand}`) &&
          bruteForceMatches(products, parseSearchQuery({ q: `${product.name} ${product.brand}` })).length ===
            1,
      );
    const kinds = ['substitute', 'swap', 'drop'] as const;
    let found = 0;
    const misses: string[] = [];
    for (let i = 0; i < 40; i++) {
      const product = unique[(i * 7) % unique.length]!;
      const q = misspell(`${product.name} ${product.brand}`, kinds[i % 3]);
      const result = await index.search(parseSearchQuery({ q }));
      if (result.items.slice(0, 3).some((item) => item.id === product.id)) found++;
      else misses.push(q);
    }
    expect(misses).toEqual([]);
    expect(found).toBe(40);
  });

  it('matches brute force on filters, text and facet counts for 60 generated requests', async () => {
    const index = await ready;
    const words = [
      'classic',
      'hoodie',
      'lanterm',
      'vintage',
      'lovelace',
      'speakr',
      'oak',
      'garden',
      'cotton',
    ];
    const colours = ['black', 'red', 'navy', 'green', 'white'];
    for (let i = 0; i < 60; i++) {
      const raw: Record<string, string> = { pageSize: '50', facets: 'category,brand,colour,size,material' };
      if (i % 2 === 0) raw.q = words[i % words.length]!;
      if (i % 3 === 0) raw.colour = `${colours[i % 5]},${colours[(i + 2) % 5]}`;
      if (i % 4 === 1) raw.category = i % 8 === 1 ? 'apparel' : 'home,garden,sports';
      if (i % 5 === 2) raw.minPrice = String(1000 + i * 37);
      if (i % 7 === 3) raw.maxPrice = String(20000 - i * 53);
      if (i % 6 === 5) raw.size = 'M';
      const request = parseSearchQuery(raw);
      const expected = bruteForceMatches(products, request);
      const result = await index.search(request);
      expect(result.total, JSON.stringify(raw)).toBe(expected.length);
      for (const field of request.facets) {
        expect(result.facets[field], `${JSON.stringify(raw)} facet ${field}`).toEqual(
          bruteForceFacet(expected, field),
        );
      }
    }
  });

  it('orders and pages filtered results like brute force, for small and large result sets', async () => {
    const index = await ready;
    const byId = (a: Product, b: Product) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const orders = {
      price_asc: (a: Product, b: Product) => a.priceMinor - b.priceMinor || byId(a, b),
      price_desc: (a: Product, b: Product) => b.priceMinor - a.priceMinor || byId(a, b),
      newest: (a: Product, b: Product) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || byId(a, b),
    };
    const sizes: number[] = [];
    const requests: Record<string, string>[] = [
      { minPrice: '1500', maxPrice: '30000' }, // a price range alone: a slice of the price order
      { maxPrice: '2500' },
      { colour: 'black,navy,red,white' },
      { category: 'apparel', size: 'M,L' },
      { q: 'classic' },
      { q: 'hoodie', minPrice: '2000' },
    ];
    for (const raw of requests) {
      for (const sort of ['price_asc', 'price_desc', 'newest'] as const) {
        for (const page of ['1', '4']) {
          const request = parseSearchQuery({ ...raw, sort, page, pageSize: '25' });
          const expected = bruteForceMatches(products, request).sort(orders[sort]);
          const result = await index.search(request);
          const label = `${JSON.stringify(raw)} ${sort} page ${page}`;
          expect(result.total, label).toBe(expected.length);
          const from = (request.page - 1) * request.pageSize;
          expect(
            result.items.map((item) => item.id),
            label,
          ).toEqual(expected.slice(from, from + request.pageSize).map((product) => product.id));
          sizes.push(expected.length);
        }
      }
    }
    // Both ways of ordering are exercised: sorting a few matches, walking the presorted order for many.
    expect(Math.min(...sizes)).toBeLessThan(512);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(512);
  });

  it('sorts the whole catalogue by price and newest, and pages without gaps', async () => {
    const index = await ready;
    const seen = new Set<string>();
    let previous = -1;
    for (let page = 1; page <= 60; page++) {
      const result = await index.search(
        parseSearchQuery({ sort: 'price_asc', page: String(page), pageSize: '50' }),
      );
      for (const item of result.items) {
        expect(item.priceMinor).toBeGreaterThanOrEqual(previous);
        previous = item.priceMinor;
        seen.add(item.id);
      }
    }
    expect(seen.size).toBe(products.length);
    const newest = await index.search(parseSearchQuery({ sort: 'newest', pageSize: '5' }));
    const expectedNewest = [...products]
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .slice(0, 5)
      .map((product) => product.id);
    expect(newest.items.map((item) => item.id)).toEqual(expectedNewest);
  });
});

describe('embedded engine bookkeeping', () => {
  it('compacts after many replacements and still answers correctly', async () => {
    const products = generateCatalogue(200, 3);
    const index = new EmbeddedSearchIndex({ compactAfterDeadDocs: 50 });
    await index.upsert(products);
    for (let round = 0; round < 3; round++) {
      await index.upsert(products.map((product) => ({ ...product, priceMinor: product.priceMinor + round })));
    }
    await index.remove(products.slice(0, 150).map((product) => product.id));
    expect(await index.count()).toBe(50);
    const remaining = products
      .slice(150)
      .map((product) => ({ ...product, priceMinor: product.priceMinor + 2 }));
    const request = parseSearchQuery({ facets: 'category', pageSize: '50' });
    const result = await index.search(request);
    expect(result.total).toBe(50);
    expect(result.facets.category).toEqual(bruteForceFacet(remaining, 'category'));
    expect(result.items.map((item) => item.priceMinor).sort()).toEqual(
      remaining.map((product) => product.priceMinor).sort(),
    );
  });

  it('invalidates cached unfiltered facets and sort orders on change', async () => {
    const products = generateCatalogue(30, 5);
    const index = new EmbeddedSearchIndex();
    await index.upsert(products);
    const before = await index.search(parseSearchQuery({ sort: 'price_desc', facets: 'category' }));
    const cheapest = [...products].sort((a, b) => a.priceMinor - b.priceMinor)[0]!;
    await index.upsert([{ ...cheapest, priceMinor: 99_999_999, category: 'grocery' }]);
    const after = await index.search(parseSearchQuery({ sort: 'price_desc', facets: 'category' }));
    expect(after.items[0]?.id).toBe(cheapest.id);
    expect(after.facets.category).not.toEqual(before.facets.category);
    expect(after.facets.category).toEqual(
      bruteForceFacet(
        products.map((product) =>
          product.id === cheapest.id ? { ...product, category: 'grocery' as const } : product,
        ),
        'category',
      ),
    );
  });
});
