import { assertProductId, availabilityView } from '../../shared/catalogue/catalogue.service';
import { httpFunction } from '../../shared/platform/function-definition';
import { cachedJson } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

export const getAvailabilityFunction = httpFunction({
  name: 'get-availability',
  route: 'products/{id}/availability',
  methods: ['GET'],
  handler: async (request) => {
    const { products, sql, cache } = await services();
    const view = await availabilityView({ products, db: sql.db, cache }, assertProductId(request.params.id));
    return cachedJson(request, view.body, view.etag, 'no-cache');
  },
});
