import type { TokenCredential } from '@azure/identity';
import { AzureKeyCredential } from '@azure/search-documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalogue } from '../../catalogue/demo-catalogue';
import { demoCatalogueSize } from '../../catalogue/demo-seed';
import { attributeFilterFields, productIndexFields } from '../../search/product-index-schema';
import { searchProducts } from '../../search/search.service';
import { searchIndexContract } from '../../search/search-index.contract';
import { parseSearchQuery } from '../../search/search-query';
import { synonymRules } from '../../search/synonyms';
import { judgedQueries } from '../../search/testing/judged-queries';
import { scoreJudgedQueries } from '../../search/testing/relevance';
import { pluralRules } from '../../search/text-tokens';
import { AzureSearchIndex, buildFilter, buildSearchText, odataString } from './azure-search-index';
import { EmbeddedSearchIndex } from './embedded-search-index';
import {
  type FakeAzureSearchService,
  startFakeAzureSearchService,
  trustFakeCertificate,
} from './testing/fake-azure-search-service';

const fakeCredential: TokenCredential = {
  getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** The adapter, talking to the fake over TLS that trusts only the fake's own certificate. */
function adapterFor(service: FakeAzureSearchService, indexName = 'products'): AzureSearchIndex {
  return new AzureSearchIndex({
    endpoint: service.endpoint,
    indexName,
    credential: fakeCredential,
    clientOptions: { retryOptions: { maxRetries: 0 }, ...trustFakeCertificate(service.certificate) },
  });
}

searchIndexContract('Azure AI Search adapter (fake service — Azure AI Search cannot run here)', async () => {
  const service = await startFakeAzureSearchService();
  return { index: adapterFor(service), close: () => service.close() };
});

describe('Azure AI Search adapter: the requests @azure/search-documents sends (captured on a loopback fake)', () => {
  let service: FakeAzureSearchService;
  let index: AzureSearchIndex;

  beforeAll(async () => {
    service = await startFakeAzureSearchService();
    index = adapterFor(service, 'shop-products');
  });
  afterAll(async () => {
    await service?.close();
  });

  it('PUTs the synonym map, then the index definition from the one schema, with a bearer token', async () => {
    await index.ensureIndex();
    await index.ensureIndex();
    const allPuts = service.requests.filter((request) => request.method === 'PUT');
    expect(allPuts.map((request) => decodeURIComponent(request.path).split(/[(/']/)[1])).toEqual([
      'synonymmaps',
      'indexes',
      'synonymmaps',
      'indexes',
    ]);
    const synonymPut = allPuts[0]!;
    expect(decodeURIComponent(synonymPut.path)).toMatch(
      /^\/synonymmaps(\('product-synonyms'\)|\/product-synonyms)$/,
    );
    expect(synonymPut.body).toMatchObject({ name: 'product-synonyms', format: 'solr' });
    // The SDK sends the rules as one newline-separated string (REST `synonyms`).
    expect(String((synonymPut.body as { synonyms: string }).synonyms).split('\n')).toEqual([...synonymRules]);
    const puts = allPuts.filter((request) => request.path.includes('indexes'));
    const put = puts[0]!;
    expect(decodeURIComponent(put.path)).toMatch(/^\/indexes(\('shop-products'\)|\/shop-products)$/);
    expect(put.query.get('api-version')).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(put.headers.authorization).toBe('Bearer fake-token');
    const body = put.body as {
      name: string;
      fields: Record<string, unknown>[];
      scoringProfiles: { name: string; text: { weights: Record<string, number> } }[];
      defaultScoringProfile: string;
      suggesters: { name: string; sourceFields: string[] }[];
    };
    expect(body.name).toBe('shop-products');
    expect(body.fields.map((field) => field.name)).toEqual(productIndexFields.map((field) => field.name));
    for (const spec of productIndexFields) {
      const sent = body.fields.find((field) => field.name === spec.name)!;
      expect(sent, spec.name).toMatchObject({
        type: spec.type,
        key: spec.key,
        searchable: spec.searchable,
        filterable: spec.filterable,
        sortable: spec.sortable,
        facetable: spec.facetable,
      });
      // The wire name of `hidden` is `retrievable`.
      expect(sent.retrievable ?? !sent.hidden, spec.name).toBe(spec.retrievable);
      // Searchable text folds accents and plurals like the embedded engine ("Café" finds "cafe").
      if (spec.searchable && spec.name === 'name') {
        expect(sent, spec.name).toMatchObject({ indexAnalyzer: 'shop_name', searchAnalyzer: 'shop_text' });
        expect(sent.analyzer, spec.name).toBeUndefined();
      } else if (spec.searchable) expect(sent.analyzer, spec.name).toBe('shop_text');
      if (spec.searchable) expect(sent.synonymMaps, spec.name).toEqual(['product-synonyms']);
    }
    expect(
      (put.body as { analyzers: Record<string, unknown>[] }).analyzers.find((a) => a.name === 'shop_text'),
    ).toEqual({
      '@odata.type': '#Microsoft.Azure.Search.CustomAnalyzer',
      name: 'shop_text',
      tokenizer: 'standard_v2',
      tokenFilters: ['lowercase', 'asciifolding', 'shop_plural_es', 'shop_plural_s'],
    });
    expect((put.body as { tokenFilters: Record<string, unknown>[] }).tokenFilters).toEqual([
      {
        '@odata.type': '#Microsoft.Azure.Search.PatternReplaceTokenFilter',
        name: 'shop_plural_es',
        pattern: pluralRules[0].pattern,
        replacement: '$1',
      },
      {
        '@odata.type': '#Microsoft.Azure.Search.PatternReplaceTokenFilter',
        name: 'shop_plural_s',
        pattern: pluralRules[1].pattern,
        replacement: '$1',
      },
      {
        '@odata.type': '#Microsoft.Azure.Search.ShingleTokenFilter',
        name: 'shop_join_pairs',
        maxShingleSize: 2,
        outputUnigrams: true,
        tokenSeparator: '',
      },
    ]);
    expect(body.defaultScoringProfile).toBe('relevance');
    expect(JSON.stringify(body.scoringProfiles)).toContain('"name":4');
    expect(body.suggesters[0]?.sourceFields).toEqual(['name', 'brand']);
  });

  it('uploads flattened documents in one indexing batch, attribute facets as collections', async () => {
    const products = generateCatalogue(12, 3);
    await index.upsert(products);
    const batch = service.requests.filter((request) => request.path.endsWith('/docs/search.index')).at(-1)!;
    expect(batch.method).toBe('POST');
    const actions = (batch.body as { value: Record<string, unknown>[] }).value;
    expect(actions).toHaveLength(12);
    expect(actions[0]?.['@search.action']).toBe('upload');
    const book = actions.find((action) => action.category === 'books')!;
    expect(book.author).toEqual([String(products.find((p) => p.id === book.id)!.attributes.author)]);
    for (const field of attributeFilterFields) expect(Array.isArray(book[field]), field).toBe(true);
    expect(book.attributeText).toEqual(
      expect.arrayContaining([String(book.author && (book.author as string[])[0])]),
    );
  });

  it('maps text, escaped filters, facets, sort and paging onto one search POST', async () => {
    const before = service.requests.length;
    await index.search(
      parseSearchQuery({
        q: 'vintge (jacket) AND "x"~3',
        category: 'apparel,sports',
        brand: "x' or 1 eq 1",
        colour: "red,navy'",
        minPrice: '1000',
        maxPrice: '5000',
        sort: 'price_desc',
        page: '3',
        pageSize: '12',
        facets: 'brand,size',
      }),
    );
    // The first request is the query without typos (later ones look for typo'd words: below).
    const search = service.requests
      .slice(before)
      .find((request) => request.path.endsWith('/docs/search.post.search'))!;
    expect(search.method).toBe('POST');
    expect(search.body).toMatchObject({
      search:
        '(vintge OR vintgejacket) (jacket OR vintgejacket OR jacketand) (and OR jacketand OR andx) (x OR andx OR x3) (3 OR x3)',
      queryType: 'full',
      searchMode: 'all',
      filter:
        "(category eq 'apparel' or category eq 'sports') and (brand eq 'x'' or 1 eq 1') and " +
        "colour/any(v: v eq 'red' or v eq 'navy''') and priceMinor ge 1000 and priceMinor le 5000",
      facets: ['brand,count:20', 'size,count:20'],
      orderby: 'priceMinor desc,id asc',
      top: 12,
      skip: 24,
      count: true,
    });
    expect(String((search.body as { select: string }).select).split(',')).toEqual([
      'id',
      'name',
      'brand',
      'category',
      'priceMinor',
      'currency',
      'imageUrl',
    ]);
  });

  it('sends the service key as api-key when given an AzureKeyCredential', async () => {
    const keyed = new AzureSearchIndex({
      endpoint: service.endpoint,
      indexName: 'shop-products',
      credential: new AzureKeyCredential('test-admin-key'),
      clientOptions: trustFakeCertificate(service.certificate),
    });
    expect(await keyed.count()).toBe(12);
    const last = service.requests.at(-1)!;
    expect(last.headers['api-key']).toBe('test-admin-key');
    expect(last.headers.authorization).toBeUndefined();
  });
});

describe('Azure AI Search adapter: typo tolerance "min" in requests (loopback fake service)', () => {
  let service: FakeAzureSearchService;
  let index: AzureSearchIndex;

  beforeAll(async () => {
    service = await startFakeAzureSearchService();
    index = adapterFor(service);
    await index.ensureIndex();
    await index.upsert(generateCatalogue(450, 7));
  });
  afterAll(async () => {
    await service?.close();
  });

  it('asks once when a query has exact matches, and never adds typo matches to a word that has them', async () => {
    const searches = () =>
      service.requests
        .filter((request) => request.path.endsWith('/docs/search.post.search'))
        .map((r) => r.body as Record<string, unknown>);
    let count = searches().length;
    const sample = (await index.search(parseSearchQuery({ q: 'hoodie', pageSize: '50' }))).items;
    const hoodieSearches = searches().slice(count);
    expect(hoodieSearches.map((body) => body.search)).toEqual(['hoodie']);
    expect(sample.length).toBeGreaterThan(0);
    expect(sample.every((item) => /Hoodie$/.test(item.name))).toBe(true);

    // A word that matches nothing exactly: a count per typo-able word over the whole index, then `stem~1`.
    count = searches().length;
    await index.search(parseSearchQuery({ q: 'hodie', category: 'apparel' }));
    const typo = searches().slice(count);
    expect(typo.map((body) => body.search)).toEqual(['hodie', 'hodie', 'hodie~1']);
    expect(typo[1]).toMatchObject({ top: 0, count: true, queryType: 'full', searchMode: 'all' });
    expect(typo[1]?.filter).toBeUndefined();
    expect(typo[2]).toMatchObject({ filter: "(category eq 'apparel')", top: 20 });

    // A word that has exact matches elsewhere gets no typo expansion, even when the filter empties it.
    count = searches().length;
    const none = await index.search(parseSearchQuery({ q: 'jacket', category: 'sports' }));
    expect(none.total).toBe(0);
    expect(
      searches()
        .slice(count)
        .map((body) => body.search),
    ).toEqual(['jacket', 'jacket']);
  });
});

describe('Azure query mapping helpers', () => {
  it('doubles quotes so values stay literals', () => {
    expect(odataString("x' or 1 eq 1")).toBe("'x'' or 1 eq 1'");
    expect(odataString("''")).toBe("''''''");
  });

  it('builds no filter for an unfiltered request, and text without typos or operators', () => {
    expect(buildFilter(parseSearchQuery({}))).toBeUndefined();
    expect(buildSearchText(undefined)).toBe('*');
    expect(buildSearchText('!!! ??')).toBe('*');
    expect(buildSearchText('Red T-Shirt NOT')).toBe(
      '(red OR redt) (t OR redt OR tshirt) (shirt OR tshirt OR shirtnot) (not OR shirtnot)',
    );
  });
});

describe('Azure AI Search adapter: the judged query set through the fake service (definition, synonym map and query shape as sent)', () => {
  it('finds what the embedded engine finds, with the same relevance floor', async () => {
    const service = await startFakeAzureSearchService();
    try {
      const azure = adapterFor(service);
      const embedded = new EmbeddedSearchIndex();
      const products = generateCatalogue(demoCatalogueSize);
      await azure.ensureIndex();
      await azure.upsert(products);
      await embedded.upsert(products);
      const totals: Record<string, [number, number]> = {};
      const viaAzure = await scoreJudgedQueries(products, judgedQueries, async (params) => {
        const result = await searchProducts(azure, params);
        totals[JSON.stringify(params)] = [result.total, (await searchProducts(embedded, params)).total];
        return result;
      });
      expect(viaAzure.meanNdcgAt10, JSON.stringify(viaAzure.worst)).toBeGreaterThanOrEqual(0.9);
      expect(viaAzure.meanPrecisionAt10).toBeGreaterThanOrEqual(0.9);
      // Same rules: every judged query matches as many products in both engines.
      const differing = Object.entries(totals).filter(([, [a, e]]) => a !== e);
      expect(differing).toEqual([]);
    } finally {
      await service.close();
    }
  }, 120_000);
});
