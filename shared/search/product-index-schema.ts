import type { Category, Product } from '../catalogue/product';
import { synonymRules } from './synonyms';
import { pluralRules } from './text-tokens';

/**
 * The product search index, defined once. The Azure adapter turns it into an index
 * definition (createOrUpdateIndex), the embedded engine reads the same field roles, the
 * query parser accepts exactly these filter and facet names, and `productIndexDefinition`
 * is plain JSON-able data for Bicep/scripts (committed as product-index-schema.json; a test keeps it in sync).
 */

/** Vendor attributes that can be filtered and faceted (all stored as string collections). */
export const attributeFilterFields = [
  'colour',
  'size',
  'author',
  'format',
  'language',
  'genre',
  'material',
  'fit',
  'gender',
  'connectivity',
  'room',
  'ageRange',
  'sport',
  'skinType',
  'scent',
  'origin',
  'dietary',
  'season',
] as const;
export type AttributeFilterField = (typeof attributeFilterFields)[number];

export const filterFields = ['brand', ...attributeFilterFields] as const;
export type FilterField = (typeof filterFields)[number];

export const facetFields = ['category', ...filterFields] as const;
export type FacetField = (typeof facetFields)[number];

/** Attribute facets worth showing per category (what the demo vendors fill in). */
export const categoryFacets: Record<Category, AttributeFilterField[]> = {
  books: ['author', 'format', 'genre', 'language'],
  apparel: ['size', 'colour', 'material', 'fit', 'gender'],
  electronics: ['colour', 'connectivity'],
  home: ['material', 'colour', 'room'],
  toys: ['ageRange', 'material'],
  sports: ['sport', 'size', 'colour'],
  beauty: ['skinType', 'scent'],
  grocery: ['origin', 'dietary'],
  garden: ['material', 'colour', 'season'],
};

/** Facets when the caller names none: category and brand, plus the category's attributes. */
export function defaultFacetsFor(categories: readonly Category[] | undefined): FacetField[] {
  const facets: FacetField[] = ['category', 'brand'];
  if (categories && categories.length === 1) {
    for (const field of categoryFacets[categories[0] as Category]) facets.push(field);
  } else {
    facets.push('colour');
  }
  return facets;
}

/** Searchable text fields and their weights (Azure scoring profile and embedded boosts agree). */
export const textFieldWeights = {
  name: 4,
  brand: 2,
  attributeText: 1.5,
  category: 1.5,
  description: 1,
} as const;
export type TextField = keyof typeof textFieldWeights;

export type IndexFieldType = 'Edm.String' | 'Edm.Int64' | 'Edm.DateTimeOffset' | 'Collection(Edm.String)';

/** One field of the index, in Azure AI Search terms (plain data). */
export interface IndexFieldSpec {
  name: string;
  type: IndexFieldType;
  key: boolean;
  searchable: boolean;
  filterable: boolean;
  sortable: boolean;
  facetable: boolean;
  retrievable: boolean;
  /** Searchable fields: the analyzer that splits, folds and stems their text (`productTextAnalyzer`). */
  analyzer?: string;
  /** Instead of `analyzer`: one analyzer at indexing, another for queries (the name's joined pairs). */
  indexAnalyzer?: string;
  searchAnalyzer?: string;
  /** Searchable fields: the synonym map that expands query words (`productSynonymMap`). */
  synonymMaps?: string[];
}

/**
 * Custom token filters, from the rules in text-tokens.ts: the plural rules as
 * PatternReplaceTokenFilters (Lucene PatternReplaceFilter, Java regex, applied per token), and
 * the joining of adjacent name words as a ShingleTokenFilter (pairs, no separator, words kept).
 * Shapes: @azure/search-documents 13 `PatternReplaceTokenFilter { pattern, replacement }`,
 * `ShingleTokenFilter { maxShingleSize, outputUnigrams, tokenSeparator }`.
 */
export const productTokenFilters = [
  ...pluralRules.map((rule) => ({
    odatatype: '#Microsoft.Azure.Search.PatternReplaceTokenFilter' as const,
    name: rule.name,
    pattern: rule.pattern,
    replacement: rule.replacement,
  })),
  {
    odatatype: '#Microsoft.Azure.Search.ShingleTokenFilter' as const,
    name: 'shop_join_pairs',
    maxShingleSize: 2,
    outputUnigrams: true,
    tokenSeparator: '',
  },
];

/**
 * How searchable text becomes terms in Azure AI Search, matching `analyze` in text-tokens.ts
 * (which the embedded engine indexes with and both engines build queries from): split on what
 * is not a letter or digit, lower-case, fold accents ("Café" -> cafe), then the plural rules
 * (boots -> boot). The default standard.lucene analyzer does not fold accents, so a query for
 * "cafe" missed "Café" there; en.microsoft would stem differently from the embedded engine.
 */
export const productTextAnalyzer = {
  name: 'shop_text',
  tokenizer: 'standard_v2',
  tokenFilters: ['lowercase', 'asciifolding', ...pluralRules.map((rule) => rule.name)],
} as const;

/** The name field at indexing time: `shop_text` plus adjacent words joined (`analyzeName`). */
export const productNameIndexAnalyzer = {
  name: 'shop_name',
  tokenizer: 'standard_v2',
  tokenFilters: [...productTextAnalyzer.tokenFilters, 'shop_join_pairs'],
} as const;

/** The synonym map every searchable field names (rules: synonyms.ts). */
export const productSynonymMap = {
  name: 'product-synonyms',
  format: 'solr',
  synonyms: synonymRules,
} as const;

function field(name: string, type: IndexFieldType, flags: Partial<Omit<IndexFieldSpec, 'name' | 'type'>>) {
  return {
    name,
    type,
    key: false,
    searchable: false,
    filterable: false,
    sortable: false,
    facetable: false,
    retrievable: true,
    ...flags,
    ...(flags.searchable
      ? {
          ...(name === 'name'
            ? { indexAnalyzer: productNameIndexAnalyzer.name, searchAnalyzer: productTextAnalyzer.name }
            : { analyzer: productTextAnalyzer.name }),
          synonymMaps: [productSynonymMap.name],
        }
      : {}),
  } satisfies IndexFieldSpec;
}

export const productIndexFields: IndexFieldSpec[] = [
  field('id', 'Edm.String', { key: true, filterable: true, sortable: true }),
  field('name', 'Edm.String', { searchable: true }),
  field('brand', 'Edm.String', { searchable: true, filterable: true, facetable: true }),
  field('description', 'Edm.String', { searchable: true, retrievable: false }),
  field('category', 'Edm.String', { searchable: true, filterable: true, facetable: true }),
  field('priceMinor', 'Edm.Int64', { filterable: true, sortable: true }),
  field('currency', 'Edm.String', {}),
  field('imageUrl', 'Edm.String', {}),
  field('createdAt', 'Edm.DateTimeOffset', { filterable: true, sortable: true }),
  // Every string attribute value, so "lovelace" or an ISBN finds the product.
  field('attributeText', 'Collection(Edm.String)', { searchable: true, retrievable: false }),
  ...attributeFilterFields.map((name) =>
    field(name, 'Collection(Edm.String)', { filterable: true, facetable: true, retrievable: false }),
  ),
];

export const productScoringProfile = 'relevance';
export const productSuggester = 'products';

/** The whole definition as plain data (what `createOrUpdateIndex` receives, minus SDK types). */
export function productIndexDefinition(indexName: string) {
  return {
    name: indexName,
    fields: productIndexFields,
    analyzers: [productTextAnalyzer, productNameIndexAnalyzer],
    tokenFilters: productTokenFilters,
    scoringProfiles: [{ name: productScoringProfile, textWeights: { weights: { ...textFieldWeights } } }],
    defaultScoringProfile: productScoringProfile,
    suggesters: [
      { name: productSuggester, searchMode: 'analyzingInfixMatching', sourceFields: ['name', 'brand'] },
    ],
  };
}

/** A product flattened into the index document shape both engines store. */
export interface ProductSearchDocument {
  id: string;
  name: string;
  brand: string;
  description: string;
  category: Category;
  priceMinor: number;
  currency: string;
  imageUrl: string;
  createdAt: string;
  attributeText: string[];
  facets: Partial<Record<AttributeFilterField, string[]>>;
}

const attributeFieldSet: ReadonlySet<string> = new Set(attributeFilterFields);

/**
 * The sizes a product can be bought in, for the `size` filter and facet, when it is sold by
 * variants (`variants: [{ sku, options: { size, colour? }, priceMinor?, available }]`): the
 * sizes of variants that are in stock. A variant without an `available` count (the stored
 * product, before stock is joined in) counts as buyable; one with `available <= 0` does not.
 * Undefined for a product without variants: its `size` attribute (if any) stands.
 */
export function inStockSizes(product: Product): string[] | undefined {
  const variants: unknown = (product as { variants?: unknown }).variants;
  if (!Array.isArray(variants) || variants.length === 0) return undefined;
  const sizes: string[] = [];
  for (const variant of variants as { options?: { size?: unknown }; available?: unknown }[]) {
    const size = variant?.options?.size;
    if (typeof size !== 'string' || size.length === 0) continue;
    if (typeof variant.available === 'number' && !(variant.available > 0)) continue;
    if (!sizes.includes(size)) sizes.push(size);
  }
  return sizes;
}

export function toSearchDocument(product: Product): ProductSearchDocument {
  const attributeText: string[] = [];
  const facets: Partial<Record<AttributeFilterField, string[]>> = {};
  for (const [key, value] of Object.entries(product.attributes)) {
    const values = Array.isArray(value) ? value : [value];
    const strings = values.filter((v): v is string => typeof v === 'string' && v.length > 0);
    attributeText.push(...strings);
    if (attributeFieldSet.has(key)) {
      // Numbers and booleans in a facet field still filter, as their string form.
      facets[key as AttributeFilterField] = values.map(String).filter((v) => v.length > 0);
    }
  }
  // Sold by size: filter on the sizes in stock, not the ones the vendor lists.
  const sizes = inStockSizes(product);
  if (sizes) facets.size = sizes;
  return {
    id: product.id,
    name: product.name,
    brand: product.brand,
    description: product.description,
    category: product.category,
    priceMinor: product.priceMinor,
    currency: product.currency,
    imageUrl: product.imageUrl,
    createdAt: product.createdAt,
    attributeText,
    facets,
  };
}

/** The values a document holds for a filter/facet field (brand and category are single). */
export function documentFieldValues(document: ProductSearchDocument, fieldName: FacetField): string[] {
  if (fieldName === 'brand') return [document.brand];
  if (fieldName === 'category') return [document.category];
  return document.facets[fieldName] ?? [];
}
