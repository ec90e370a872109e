import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalogue } from '../catalogue/demo-catalogue';
import type { Product } from '../catalogue/product';
import type { FacetField } from './product-index-schema';
import type { SearchIndex, SearchRequest } from './search-index.port';
import { parseSearchQuery } from './search-query';
import { bruteForceFacet, bruteForceMatches } from './testing/brute-force-search';
import { fuzzyEditsFor, stem, tokenize } from './text-tokens';

export interface ContractSubject {
  index: SearchIndex;
  close?: () => Promise<void>;
}

/** Products every adapter is checked with: demo products plus a few hand-made edge cases. */
export function contractCatalogue(): Product[] {
  const products = generateCatalogue(450, 7);
  const template = products[0]!;
  const special = (id: string, fields: Partial<Product>): Product => ({
    ...template,
    id,
    sku: id,
    ...fields,
  });
  products.push(
    special('p-inject', {
      name: 'Injection Probe Lamp',
      brand: "x' or 1 eq 1",
      category: 'home',
      attributes: { colour: "red' or colour eq 'blue", material: 'oak' },
      priceMinor: 4321,
    }),
    special('p-zephyr', {
      name: 'Zephyrine Lantern',
      brand: 'Hearth',
      category: 'garden',
      description: 'A storm-proof lantern.',
      attributes: { colour: 'green', material: 'copper', season: 'all year' },
      priceMinor: 2500,
    }),
    special('p-free', { name: 'Free Sample Sachet', category: 'beauty', priceMinor: 0, attributes: {} }),
    // Sold by size (the product JSON's variants): S is sold out, so `size=S` must not find it.
    special('p-sized', {
      name: 'Quokka Raincoat',
      category: 'apparel',
      attributes: { size: ['S', 'M', 'L'], colour: 'yellow' },
      ...({
        variants: [
          { sku: 'p-sized-S', options: { size: 'S' }, available: 0 },
          { sku: 'p-sized-M', options: { size: 'M', colour: 'yellow' }, available: 3 },
          { sku: 'p-sized-L', options: { size: 'L' } },
        ],
      } as Partial<Product>),
    }),
  );
  return products;
}

function request(raw: Record<string, string>): SearchRequest {
  return parseSearchQuery(raw);
}

/** Every page of a request, in order. */
async function allPages(
  index: SearchIndex,
  raw: Record<string, string>,
  pageSize: number,
): Promise<string[]> {
  const ids: string[] = [];
  const first = await index.search(request({ ...raw, pageSize: String(pageSize), page: '1' }));
  ids.push(...first.items.map((item) => item.id));
  const pages = Math.ceil(first.total / pageSize);
  for (let page = 2; page <= pages; page++) {
    const result = await index.search(request({ ...raw, pageSize: String(pageSize), page: String(page) }));
    ids.push(...result.items.map((item) => item.id));
  }
  return ids;
}

/** Changes one inner letter of the longest word of `text`: a one-edit (substitution) typo. */
export function misspell(text: string, kind: 'substitute' | 'swap' | 'drop' = 'substitute'): string {
  const words = text.split(' ');
  const longest = words.reduce((best, word, i) => (word.length > (words[best]?.length ?? 0) ? i : best), 0);
  const word = words[longest]!;
  const at = Math.floor(word.length / 2);
  const replacement = word[at]?.toLowerCase() === 'x' ? 'q' : 'x';
  words[longest] =
    kind === 'substitute'
      ? word.slice(0, at) + replacement + word.slice(at + 1)
      : kind === 'swap'
        ? word.slice(0, at - 1) + word[at] + word[at - 1] + word.slice(at + 1)
        : word.slice(0, at) + word.slice(at + 1);
  return words.join(' ');
}

/**
 * True when `misspell` of every kind leaves a word typo tolerance applies to: the word it
 * changes (the longest) keeps a stem of five letters or more even with a letter dropped.
 */
export function misspellable(text: string): boolean {
  const words = text.split(' ');
  const longest = words.reduce((best, word) => (word.length > best.length ? word : best), '');
  return tokenize(longest).length === 1 && fuzzyEditsFor(stem(tokenize(longest)[0]!).slice(1)) > 0;
}

/**
 * The behaviour every SearchIndex adapter must have. `makeIndex` returns a fresh, empty
 * index; the suite loads `contractCatalogue()` and checks results against brute force.
 */
export function searchIndexContract(name: string, makeIndex: () => Promise<ContractSubject>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let subject: ContractSubject;
    let index: SearchIndex;
    let products: Product[];

    beforeAll(async () => {
      subject = await makeIndex();
      index = subject.index;
      products = contractCatalogue();
      await index.ensureIndex();
      await index.ensureIndex(); // idempotent
      await index.upsert(products);
    });

    afterAll(async () => {
      await subject?.close?.();
    });

    it('counts what was indexed', async () => {
      expect(await index.count()).toBe(products.length);
    });

    it('finds products whose name and brand are misspelled by one edit, in the top 3', async () => {
      // Products whose exact name + brand words match nobody else.
      const unique = products.slice(0, 200).filter((product) => {
        if (product.id.startsWith('p-') && !/^p-\d+$/.test(product.id)) return false;
        const query = `${product.name} ${product.brand}`;
        return (
          bruteForceMatches(products, request({ q: query })).length === 1 &&
          tokenize(product.name).length >= 2 &&
          misspellable(query)
        );
      });
      expect(unique.length).toBeGreaterThan(20);
      const kinds = ['substitute', 'swap', 'drop'] as const;
      const picked = [0, 5, 10, 15, 20, 25].map((i) => unique[i]!);
      for (const [i, product] of picked.entries()) {
        const kind = kinds[i % kinds.length]!;
        const q = misspell(`${product.name} ${product.brand}`, kind);
        const result = await index.search(request({ q }));
        const top3 = result.items.slice(0, 3).map((item) => item.id);
        expect(top3, `"${q}" (${kind}) should find ${product.id} "${product.name}"`).toContain(product.id);
      }
      const zephyr = await index.search(request({ q: 'zephyrnie' }));
      expect(zephyr.items[0]?.id).toBe('p-zephyr');
    });

    it('searches descriptions and vendor attribute values', async () => {
      const book = products.find((product) => product.category === 'books')!;
      const author = String(book.attributes.author);
      const byAuthor = await index.search(request({ q: author, pageSize: '50' }));
      const expected = bruteForceMatches(products, request({ q: author }));
      expect(byAuthor.total).toBe(expected.length);
      expect(byAuthor.items.map((item) => item.id)).toContain(
        expected.find((product) => product.id === book.id) ? book.id : expected[0]!.id,
      );
      const storm = await index.search(request({ q: 'storm-proof' }));
      expect(storm.items.map((item) => item.id)).toEqual(['p-zephyr']);
    });

    const filterCases: Record<string, string>[] = [
      { category: 'apparel' },
      { category: 'books,toys', facets: 'category,brand,format' },
      { brand: 'Penguin,Faber', facets: 'brand,author,genre' },
      { category: 'apparel', size: 'XS,XXL', colour: 'red,navy', facets: 'size,colour,brand' },
      { minPrice: '1000', maxPrice: '5000', facets: 'category,colour' },
      { q: 'classic', category: 'apparel,sports', facets: 'category,size,colour' },
      { q: 'jacket', minPrice: '1500', facets: 'brand,material,fit' },
      { material: 'oak,steel', facets: 'material,category' },
      { maxPrice: '0', facets: 'category' },
    ];
    for (const raw of filterCases) {
      it(`filters and counts facets like brute force: ${JSON.stringify(raw)}`, async () => {
        const parsed = request({ ...raw, pageSize: '50' });
        const expected = bruteForceMatches(products, parsed);
        expect(expected.length).toBeGreaterThan(0);
        const result = await index.search(parsed);
        expect(result.total).toBe(expected.length);
        const expectedIds = new Set(expected.map((product) => product.id));
        for (const item of result.items) expect(expectedIds.has(item.id)).toBe(true);
        for (const field of parsed.facets) {
          expect(result.facets[field], `facet ${field}`).toEqual(
            bruteForceFacet(expected, field as FacetField),
          );
        }
        expect(Object.keys(result.facets).sort()).toEqual([...parsed.facets].sort());
      });
    }

    it('treats quotes and OData in filter values as literal text', async () => {
      const probe = await index.search(request({ brand: "x' or 1 eq 1" }));
      expect(probe.items.map((item) => item.id)).toEqual(['p-inject']);
      const colour = await index.search(request({ colour: "red' or colour eq 'blue" }));
      expect(colour.items.map((item) => item.id)).toEqual(['p-inject']);
      const widened = await index.search(request({ brand: "Penguin' or brand ne 'none" }));
      expect(widened.total).toBe(0);
      const text = await index.search(request({ q: "lamp' or 1 eq 1 ) OR (*" }));
      expect(text.total).toBe(bruteForceMatches(products, request({ q: "lamp' or 1 eq 1 ) OR (*" })).length);
    });

    it('sorts by price both ways and by newest, with a stable tie order', async () => {
      const raw = { category: 'home,garden' };
      const expected = bruteForceMatches(products, request(raw)).length;
      const ascending = await allPages(index, { ...raw, sort: 'price_asc' }, 50);
      const descending = await allPages(index, { ...raw, sort: 'price_desc' }, 50);
      const newest = await allPages(index, { ...raw, sort: 'newest' }, 50);
      const byId = new Map(products.map((product) => [product.id, product]));
      const prices = (ids: string[]) => ids.map((id) => byId.get(id)!.priceMinor);
      for (const ids of [ascending, descending, newest]) expect(ids).toHaveLength(expected);
      expect(prices(ascending)).toEqual([...prices(ascending)].sort((a, b) => a - b));
      expect(prices(descending)).toEqual([...prices(descending)].sort((a, b) => b - a));
      const created = newest.map((id) => Date.parse(byId.get(id)!.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });

    it('ranks by relevance: scores never increase down the list, and exact beats typo', async () => {
      const result = await index.search(request({ q: 'lantern', pageSize: '50' }));
      const scores = result.items.map((item) => item.score ?? 0);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(result.items[0]?.name.toLowerCase()).toContain('lantern');
    });

    it('pages through every result exactly once', async () => {
      const raw = { category: 'apparel', sort: 'price_asc' };
      const expected = bruteForceMatches(products, request(raw)).map((product) => product.id);
      const ids = await allPages(index, raw, 7);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...expected].sort());
      const relevance = await allPages(index, { q: 'classic' }, 9);
      expect(new Set(relevance).size).toBe(relevance.length);
      expect(relevance.length).toBe(bruteForceMatches(products, request({ q: 'classic' })).length);
      const beyond = await index.search(request({ ...raw, page: '500', pageSize: '50' }));
      expect(beyond.items).toEqual([]);
      expect(beyond.total).toBe(expected.length);
    });

    it('returns an empty result with empty facets for a word nothing contains', async () => {
      const result = await index.search(request({ q: 'qwzxvbnmk', facets: 'brand,category' }));
      expect(result).toEqual({
        total: 0,
        page: 1,
        pageSize: 20,
        items: [],
        facets: { brand: [], category: [] },
      });
    });

    it('replaces on upsert and forgets on remove', async () => {
      const original = products.find((product) => product.category === 'toys')!;
      await index.upsert([{ ...original, name: 'Quokkafied Kite', priceMinor: 1234 }]);
      const renamed = await index.search(request({ q: 'quokkafied' }));
      expect(renamed.items.map((item) => [item.id, item.priceMinor])).toEqual([[original.id, 1234]]);
      expect(await index.count()).toBe(products.length);

      await index.remove([original.id, 'p-does-not-exist']);
      expect((await index.search(request({ q: 'quokkafied' }))).total).toBe(0);
      const toys = await index.search(request({ category: 'toys', facets: 'category' }));
      expect(toys.total).toBe(products.filter((product) => product.category === 'toys').length - 1);
      expect(toys.facets.category).toEqual([{ value: 'toys', count: toys.total }]);
      expect(await index.count()).toBe(products.length - 1);
      await index.upsert([original]);
      expect(await index.count()).toBe(products.length);
    });

    it('filters sizes on the variants in stock (OR within the field), and on the size attribute without variants', async () => {
      const ids = async (raw: Record<string, string>) =>
        (await index.search(request({ q: 'quokka', ...raw }))).items.map((item) => item.id);
      expect(await ids({})).toEqual(['p-sized']);
      expect(await ids({ size: 'S' })).toEqual([]);
      expect(await ids({ size: 'M' })).toEqual(['p-sized']);
      expect(await ids({ size: 'S,L' })).toEqual(['p-sized']);
      const sized = await index.search(request({ q: 'quokka', facets: 'size' }));
      expect(sized.facets.size?.map((bucket) => bucket.value).sort()).toEqual(['L', 'M']);
      // A product without variants still filters on its listed sizes.
      const plain = products.find((product) => {
        const variants = (product as { variants?: unknown[] }).variants;
        return (!variants || variants.length === 0) && Array.isArray(product.attributes.size);
      });
      if (plain) {
        const size = (plain.attributes.size as string[])[0]!;
        const expected = bruteForceMatches(products, request({ size, category: plain.category }));
        expect(expected.map((product) => product.id)).toContain(plain.id);
        const result = await index.search(request({ size, category: plain.category }));
        expect(result.total).toBe(expected.length);
      }
    });

    it('returns the display fields of each hit', async () => {
      const result = await index.search(request({ q: 'zephyrine' }));
      expect(result.items[0]).toMatchObject({
        id: 'p-zephyr',
        name: 'Zephyrine Lantern',
        brand: 'Hearth',
        category: 'garden',
        priceMinor: 2500,
        currency: products[0]!.currency,
        imageUrl: products[0]!.imageUrl,
      });
    });
  });
}
