import type { TokenCredential } from '@azure/identity';
import { AzureKeyCredential } from '@azure/search-documents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalogue } from '../../catalogue/demo-catalogue';
import { attributeFilterFields, productIndexFields } from '../../search/product-index-schema';
import { searchIndexContract } from '../../search/search-index.contract';
import { parseSearchQuery } from '../../search/search-query';
import { AzureSearchIndex, buildFilter, buildSearchText, odataString } from './azure-search-index';
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

  it('PUTs the index definition from the one schema, with a bearer token', async () => {
    await index.ensureIndex();
    await index.ensureIndex();
    const puts = service.requests.filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(2);
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
      // Searchable text folds accents like the embedded engine's tokenizer ("Café" finds "cafe").
      if (spec.searchable) expect(sent.analyzer, spec.name).toBe('shop_text');
    }
    expect(
      (put.body as { analyzers: Record<string, unknown>[] }).analyzers.find((a) => a.name === 'shop_text'),
    ).toEqual({
      '@odata.type': '#Microsoft.Azure.Search.CustomAnalyzer',
      name: 'shop_text',
      tokenizer: 'standard_v2',
      tokenFilters: ['lowercase', 'asciifolding'],
    });
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
    const search = service.requests
      .filter((request) => request.path.endsWith('/docs/search.post.search'))
      .at(-1)!;
    expect(search.method).toBe('POST');
    expect(search.body).toMatchObject({
      search: 'vintge~1 jacket~1 and x 3',
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

describe('Azure query mapping helpers', () => {
  it('doubles quotes so values stay literals', () => {
    expect(odataString("x' or 1 eq 1")).toBe("'x'' or 1 eq 1'");
    expect(odataString("''")).toBe("''''''");
  });

  it('builds no filter for an unfiltered request and fuzzy terms only for long words', () => {
    expect(buildFilter(parseSearchQuery({}))).toBeUndefined();
    expect(buildSearchText(undefined)).toBe('*');
    expect(buildSearchText('!!! ??')).toBe('*');
    expect(buildSearchText('Red T-Shirt ISBN 9780306406157 NOT')).toBe(
      'red t shirt~1 isbn~1 9780306406157 not',
    );
  });
});
