import { listProducts } from '../../shared/catalogue/catalogue.service';
import { httpFunction } from '../../shared/platform/function-definition';
import { cachedJson, queryObject } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

export const listProductsFunction = httpFunction({
  name: 'list-products',
  route: 'products',
  methods: ['GET'],
  handler: async (request) => {
    const { products, sql, cache } = await services();
    const page = await listProducts({ products, db: sql.db, cache }, queryObject(request));
    return cachedJson(request, page.body, page.etag, 'public, max-age=30, stale-while-revalidate=60');
  },
});
