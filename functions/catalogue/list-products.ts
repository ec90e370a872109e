import { listProducts, parseListQuery } from '../../shared/catalogue/catalogue.service';
import { httpFunction } from '../../shared/platform/function-definition';
import { cachedJson, queryParser } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

// 400 before touching the cache; a query string seen before is not parsed again.
const listQuery = queryParser(parseListQuery);

export const listProductsFunction = httpFunction({
  name: 'list-products',
  route: 'products',
  methods: ['GET'],
  handler: async (request) => {
    const query = listQuery(request);
    const { products, sql, cache } = await services();
    const page = await listProducts({ products, db: sql.db, cache }, query);
    return cachedJson(request, page.body, page.etag, 'public, max-age=30, stale-while-revalidate=60');
  },
});
