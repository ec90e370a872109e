import type { SearchIndex, SearchResult } from './search-index.port';
import { parseSearchQuery } from './search-query';

/** `GET /api/search`: validates the raw query parameters, then asks the index. */
export async function searchProducts(
  index: SearchIndex,
  rawQuery: Record<string, string>,
): Promise<SearchResult> {
  return index.search(parseSearchQuery(rawQuery));
}
