import type { Product } from '../../catalogue/product';
import {
  documentFieldValues,
  type FacetField,
  type ProductSearchDocument,
  toSearchDocument,
} from '../product-index-schema';
import { planQuery } from '../query-plan';
import { type FacetBucket, maxFacetValues, type SearchRequest } from '../search-index.port';
import { analyze, analyzeName, isWithinOneEdit } from '../text-tokens';

/**
 * The obvious, slow reading of a SearchRequest over a product list: the reference that
 * engine results, filters and facet counts are checked against in tests.
 */
export function bruteForceMatches(products: Product[], request: SearchRequest): Product[] {
  const words = planQuery(request.q);
  // A word with an exact match in any product never gets typo expansions (query-plan.ts).
  const known = words.map((word) =>
    products.some((product) => word.exactTerms.some((term) => prepared(product).words.has(term))),
  );
  return products.filter((product) => {
    const { document, words: terms } = prepared(product);
    if (request.categories?.length && !request.categories.includes(product.category)) return false;
    if (request.minPrice !== undefined && product.priceMinor < request.minPrice) return false;
    if (request.maxPrice !== undefined && product.priceMinor > request.maxPrice) return false;
    for (const [name, accepted] of Object.entries(request.filters ?? {})) {
      if (!accepted || accepted.length === 0) continue;
      const values = documentFieldValues(document, name as FacetField);
      if (!values.some((value) => accepted.includes(value))) return false;
    }
    return words.every((word, i) => {
      if (known[i]) return word.exactTerms.some((term) => terms.has(term));
      const fuzzy = word.fuzzyStem;
      return fuzzy !== undefined && [...terms].some((term) => isWithinOneEdit(fuzzy, term));
    });
  });
}

// Products are immutable in tests; flattening each once keeps brute force tolerable.
const preparedCache = new WeakMap<Product, { document: ProductSearchDocument; words: Set<string> }>();

function prepared(product: Product): { document: ProductSearchDocument; words: Set<string> } {
  let entry = preparedCache.get(product);
  if (!entry) {
    const document = toSearchDocument(product);
    entry = { document, words: new Set(searchableWords(document)) };
    preparedCache.set(product, entry);
  }
  return entry;
}

/** Every indexed term of a document: analyzed fields, the name with its joined word pairs. */
export function searchableWords(document: ProductSearchDocument): string[] {
  return [
    ...analyzeName(document.name),
    ...analyze(
      [document.brand, document.category, document.description, ...document.attributeText].join(' '),
    ),
  ];
}

export function bruteForceFacet(matches: Product[], field: FacetField): FacetBucket[] {
  const counts = new Map<string, number>();
  for (const product of matches) {
    for (const value of new Set(documentFieldValues(prepared(product).document, field))) {
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, maxFacetValues);
}
