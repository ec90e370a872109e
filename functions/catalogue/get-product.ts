import { assertProductId, productView } from '../../shared/catalogue/catalogue.service';
import { httpFunction } from '../../shared/platform/function-definition';
import { cachedJson } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

export const getProductFunction = httpFunction({
  name: 'get-product',
  route: 'products/{id}',
  methods: ['GET'],
  handler: async (request) => {
    const { products, sql, cache } = await services();
    const view = await productView({ products, db: sql.db, cache }, assertProductId(request.params.id));
    // The body carries the live count, so the CDN may keep it only briefly.
    return cachedJson(request, view.body, view.etag, 'public, max-age=5');
  },
});
