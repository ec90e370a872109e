import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  type AzureKeyCredential,
  odata,
  SearchClient,
  type SearchClientOptions,
  SearchIndexClient,
  type SearchIndexClientOptions,
  type SearchIndex as SearchIndexDefinition,
  type SynonymMap,
} from '@azure/search-documents';
import type { Category, Product } from '../../catalogue/product';
import type { AzureOperation } from '../../platform/azure-operations';
import {
  attributeFilterFields,
  type FacetField,
  type FilterField,
  productIndexDefinition,
  productSynonymMap,
  toSearchDocument,
} from '../../search/product-index-schema';
import { luceneClause, luceneText, planQuery, type QueryWord } from '../../search/query-plan';
import {
  type FacetBucket,
  maxFacetValues,
  type SearchHit,
  type SearchIndex,
  type SearchRequest,
  type SearchResult,
  type SearchSort,
} from '../../search/search-index.port';

const documents = 'Microsoft.Search/searchServices/indexes/documents';
/**
 * Documents only: the app never creates or changes the index or its synonym map (indexes/write,
 * synonymmaps/write would need Search Service Contributor); `npm run reindex` does that at deploy
 * time with the operator's role.
 */
export const searchOperations: AzureOperation[] = [
  {
    resourceType: 'Microsoft.Search/searchServices',
    operation: `${documents}/read`,
    when: 'runtime',
    why: 'search, facets',
  },
  {
    resourceType: 'Microsoft.Search/searchServices',
    operation: `${documents}/write`,
    when: 'runtime',
    why: 'admin product changes',
  },
  {
    resourceType: 'Microsoft.Search/searchServices',
    operation: `${documents}/delete`,
    when: 'runtime',
    why: 'admin product removal',
  },
];

/** The document as stored in Azure AI Search: the shared flat shape, attribute facets as top-level collections. */
export type AzureProductDocument = Record<string, unknown> & { id: string };

export interface AzureSearchIndexOptions {
  /** `https://<service>.search.windows.net` */
  endpoint: string;
  indexName: string;
  /** Defaults to DefaultAzureCredential (managed identity in Azure; no keys in settings). */
  credential?: TokenCredential | AzureKeyCredential;
  /** Passed to both SDK clients (tests add a policy that trusts a loopback certificate). */
  clientOptions?: SearchClientOptions & SearchIndexClientOptions;
}

const selectFields = ['id', 'name', 'brand', 'category', 'priceMinor', 'currency', 'imageUrl'];
/** The service accepts up to 1,000 actions per indexing request. */
const batchSize = 1000;

/** The SDK's index definition, from the one schema in product-index-schema.ts. */
export function azureIndexDefinition(indexName: string): SearchIndexDefinition {
  const definition = productIndexDefinition(indexName);
  return {
    name: definition.name,
    fields: definition.fields.map((field) => ({
      name: field.name,
      type: field.type,
      key: field.key,
      searchable: field.searchable,
      filterable: field.filterable,
      sortable: field.sortable,
      facetable: field.facetable,
      hidden: !field.retrievable,
      ...(field.analyzer ? { analyzerName: field.analyzer } : {}),
      // The name: joined word pairs at indexing only (SDK `indexAnalyzerName` + `searchAnalyzerName`).
      ...(field.indexAnalyzer ? { indexAnalyzerName: field.indexAnalyzer } : {}),
      ...(field.searchAnalyzer ? { searchAnalyzerName: field.searchAnalyzer } : {}),
      ...(field.synonymMaps ? { synonymMapNames: [...field.synonymMaps] } : {}),
    })),
    analyzers: definition.analyzers.map((analyzer) => ({
      odatatype: '#Microsoft.Azure.Search.CustomAnalyzer' as const,
      name: analyzer.name,
      tokenizerName: analyzer.tokenizer,
      tokenFilters: [...analyzer.tokenFilters],
    })),
    tokenFilters: definition.tokenFilters.map((filter) => ({ ...filter })),
    scoringProfiles: definition.scoringProfiles,
    defaultScoringProfile: definition.defaultScoringProfile,
    suggesters: definition.suggesters.map((suggester) => ({
      name: suggester.name,
      searchMode: 'analyzingInfixMatching' as const,
      sourceFields: suggester.sourceFields,
    })),
  };
}

/** The synonym map the searchable fields name, from synonyms.ts (SDK `SynonymMap { name, synonyms }`; format solr). */
export function azureSynonymMap(): SynonymMap {
  return { name: productSynonymMap.name, synonyms: [...productSynonymMap.synonyms] };
}

export function toAzureDocument(product: Product): AzureProductDocument {
  const { facets, ...flat } = toSearchDocument(product);
  const document: AzureProductDocument = { ...flat };
  // Every attribute field present (empty when absent) so `field/any(...)` filters never see null.
  for (const name of attributeFilterFields) document[name] = facets[name] ?? [];
  return document;
}

/** An OData string literal: quotes doubled, so a value can never end the literal early. */
/** An OData string literal, quoted and escaped by the Search SDK's own `odata` tag. */
export function odataString(value: string): string {
  return odata`${value}`;
}

/** `$filter` for a request: values OR within a field, AND across fields; undefined when unfiltered. */
export function buildFilter(request: SearchRequest): string | undefined {
  const clauses: string[] = [];
  const anyOf = (field: 'category' | 'brand', values: readonly string[]) =>
    `(${values.map((value) => `${field} eq ${odataString(value)}`).join(' or ')})`;
  if (request.categories && request.categories.length > 0)
    clauses.push(anyOf('category', request.categories));
  for (const [name, values] of Object.entries(request.filters ?? {}) as [
    FilterField,
    string[] | undefined,
  ][]) {
    if (!values || values.length === 0) continue;
    if (name === 'brand') clauses.push(anyOf('brand', values));
    else clauses.push(`${name}/any(v: ${values.map((value) => `v eq ${odataString(value)}`).join(' or ')})`);
  }
  if (request.minPrice !== undefined) clauses.push(`priceMinor ge ${Math.trunc(request.minPrice)}`);
  if (request.maxPrice !== undefined) clauses.push(`priceMinor le ${Math.trunc(request.maxPrice)}`);
  return clauses.length > 0 ? clauses.join(' and ') : undefined;
}

/**
 * Lucene (queryType full, searchMode all) text from user input with no typo expansion: one
 * clause per word, its joined forms OR-ed (query-plan.ts). '*' when there are no words.
 */
export function buildSearchText(q: string | undefined): string {
  return luceneText(planQuery(q));
}

export function buildOrderBy(sort: SearchSort, textual: boolean): string[] {
  // `id` last so equal keys page deterministically.
  switch (sort) {
    case 'price_asc':
      return ['priceMinor asc', 'id asc'];
    case 'price_desc':
      return ['priceMinor desc', 'id asc'];
    case 'newest':
      return ['createdAt desc', 'id asc'];
    case 'relevance':
      return textual ? ['search.score() desc', 'id asc'] : ['createdAt desc', 'id asc'];
  }
}

export class AzureSearchIndex implements SearchIndex {
  readonly kind = 'azure' as const;
  private readonly indexName: string;
  private readonly searchClient: SearchClient<AzureProductDocument>;
  private readonly indexClient: SearchIndexClient;

  constructor(options: AzureSearchIndexOptions) {
    const credential = options.credential ?? new DefaultAzureCredential();
    this.indexName = options.indexName;
    this.searchClient = new SearchClient<AzureProductDocument>(
      options.endpoint,
      options.indexName,
      credential,
      options.clientOptions,
    );
    this.indexClient = new SearchIndexClient(options.endpoint, credential, options.clientOptions);
  }

  async ensureIndex(): Promise<void> {
    // The map first: an index cannot name a synonym map that does not exist yet.
    await this.indexClient.createOrUpdateSynonymMap(azureSynonymMap());
    await this.indexClient.createOrUpdateIndex(azureIndexDefinition(this.indexName));
  }

  async upsert(products: Product[]): Promise<void> {
    for (let i = 0; i < products.length; i += batchSize) {
      const documents = products.slice(i, i + batchSize).map(toAzureDocument);
      // Upload replaces the whole document, so removed attributes do not linger.
      await this.searchClient.uploadDocuments(documents, { throwOnAnyFailure: true });
    }
  }

  async remove(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += batchSize) {
      await this.searchClient.deleteDocuments('id', ids.slice(i, i + batchSize), { throwOnAnyFailure: true });
    }
  }

  async count(): Promise<number> {
    return this.searchClient.getDocumentsCount();
  }

  /**
   * Typo tolerance as in the embedded engine (query-plan.ts: typoTolerance "min" per word).
   * First the query without typos. Only when it finds nothing are the words that could take a
   * typo checked, one count query each over the whole index (`top: 0, count: true`, no filter),
   * and the query is asked again with `stem~1` for those with no exact match anywhere. So a
   * word with exact matches never brings typo-only results, and a typo-free query costs one
   * request as before.
   */
  async search(request: SearchRequest): Promise<SearchResult> {
    const words = planQuery(request.q);
    const textual = words.length > 0;
    let response = await this.query(request, luceneText(words));
    if (textual && response.count === 0) {
      const typoWords = await this.wordsWithoutExactMatch(words);
      if (typoWords.size > 0) response = await this.query(request, luceneText(words, typoWords));
    }
    return this.toResult(request, response, textual);
  }

  /** Of the words that can take a typo, those no document matches exactly. */
  private async wordsWithoutExactMatch(words: QueryWord[]): Promise<Set<string>> {
    const candidates = words.filter((word) => word.fuzzyStem !== undefined);
    const counts = await Promise.all(
      candidates.map(async (word) => {
        const response = await this.searchClient.search(luceneClause(word), {
          queryType: 'full',
          searchMode: 'all',
          top: 0,
          includeTotalCount: true,
          select: ['id'],
        });
        return response.count ?? 0;
      }),
    );
    return new Set(candidates.filter((_, i) => counts[i] === 0).map((word) => word.word));
  }

  private query(request: SearchRequest, searchText: string) {
    const filter = buildFilter(request);
    return this.searchClient.search(searchText, {
      queryType: 'full',
      searchMode: 'all',
      ...(filter ? { filter } : {}),
      facets: request.facets.map((field) => `${field},count:${maxFacetValues}`),
      orderBy: buildOrderBy(request.sort, searchText !== '*'),
      top: request.pageSize,
      skip: (request.page - 1) * request.pageSize,
      includeTotalCount: true,
      select: selectFields,
    });
  }

  private async toResult(
    request: SearchRequest,
    response: Awaited<ReturnType<AzureSearchIndex['query']>>,
    textual: boolean,
  ): Promise<SearchResult> {
    const items: SearchHit[] = [];
    for await (const result of response.results) {
      const document = result.document;
      const hit: SearchHit = {
        id: String(document.id),
        name: String(document.name ?? ''),
        brand: String(document.brand ?? ''),
        category: String(document.category ?? '') as Category,
        priceMinor: Number(document.priceMinor ?? 0),
        currency: String(document.currency ?? ''),
        imageUrl: String(document.imageUrl ?? ''),
      };
      if (textual) hit.score = result.score;
      items.push(hit);
      if (items.length >= request.pageSize) break;
    }

    const facets: Partial<Record<FacetField, FacetBucket[]>> = {};
    for (const field of request.facets) {
      facets[field] = (response.facets?.[field] ?? []).map((facet) => {
        // The SDK spreads the service's `value` onto the facet object.
        const value = (facet as { value?: unknown }).value ?? facet.additionalProperties?.value;
        return { value: String(value), count: facet.count ?? 0 };
      });
    }
    return {
      total: response.count ?? items.length,
      page: request.page,
      pageSize: request.pageSize,
      items,
      facets,
    };
  }
}
