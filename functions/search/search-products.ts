import { catalogueVersion } from '../../shared/catalogue/catalogue.service';
import { etagOf } from '../../shared/platform/etag';
import { httpFunction } from '../../shared/platform/function-definition';
import { cachedJson, queryObject } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';
import { parseSearchQuery } from '../../shared/search/search-query';

export const searchProductsFunction = httpFunction({
  name: 'search-products',
  route: 'search',
  methods: ['GET'],
  handler: async (request) => {
    const { search, cache } = await services();
    const parsed = parseSearchQuery(queryObject(request)); // 400 before touching the cache
    const key = `search:${await catalogueVersion(cache)}:${JSON.stringify(parsed)}`;
    const body = await cache.getOrLoad(key, async () => JSON.stringify(await search.search(parsed)));
    return cachedJson(request, body, etagOf(body), 'public, max-age=30, stale-while-revalidate=60');
  },
});
