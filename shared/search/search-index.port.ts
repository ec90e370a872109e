import type { Category, Product } from '../catalogue/product';
import type { FacetField, FilterField } from './product-index-schema';

export const searchSorts = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type SearchSort = (typeof searchSorts)[number];

export const maxPageSize = 50;
/** Azure AI Search refuses `$skip` above 100,000; both adapters share the limit. */
export const maxSkip = 100_000;

/** A parsed, validated search. Build one with `parseSearchQuery` (search-query.ts). */
export interface SearchRequest {
  /** Free text; blank or absent means "everything that passes the filters". */
  q?: string;
  /** Categories to keep (OR). Empty or absent: every category. */
  categories?: Category[];
  /** Inclusive price bounds in minor units. */
  minPrice?: number;
  maxPrice?: number;
  /** Field -> accepted values: values OR within a field, AND across fields. Exact, case-sensitive match. */
  filters?: Partial<Record<FilterField, string[]>>;
  sort: SearchSort;
  /** 1-based. */
  page: number;
  pageSize: number;
  /** Facets to count over the matching set. */
  facets: FacetField[];
}

export interface SearchHit {
  id: string;
  name: string;
  brand: string;
  category: Category;
  priceMinor: number;
  currency: string;
  imageUrl: string;
  /** Relevance score when there was text; engine-specific scale. */
  score?: number;
}

export interface FacetBucket {
  value: string;
  count: number;
}

export interface SearchResult {
  /** Number of matching products (all pages). */
  total: number;
  page: number;
  pageSize: number;
  items: SearchHit[];
  /** Counts over the whole matching set, highest first, at most `maxFacetValues` per field. */
  facets: Partial<Record<FacetField, FacetBucket[]>>;
}

/** At most this many values per facet (Azure's `count:` on each facet). */
export const maxFacetValues = 20;

/**
 * The search index port. Azure AI Search in production (azure-search-index.ts), an
 * embedded engine locally (embedded-search-index.ts). Both pass search-index.contract.ts.
 */
export interface SearchIndex {
  readonly kind: 'embedded' | 'azure';
  /** Creates the index or updates its definition; safe to call repeatedly. */
  ensureIndex(): Promise<void>;
  /** Creates or replaces products by id. */
  upsert(products: Product[]): Promise<void>;
  /** Removes products by id; unknown ids are ignored. */
  remove(ids: string[]): Promise<void>;
  search(request: SearchRequest): Promise<SearchResult>;
  count(): Promise<number>;
}
