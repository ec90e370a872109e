import { assertProductId, getProduct } from '../../shared/catalogue/catalogue.service';
import { productImageSvg } from '../../shared/catalogue/product-image';
import { httpFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';

export const getProductImageFunction = httpFunction({
  name: 'get-product-image',
  route: 'products/{id}/image',
  methods: ['GET'],
  handler: async (request) => {
    const { products, sql, cache } = await services();
    const product = await getProduct({ products, db: sql.db, cache }, assertProductId(request.params.id));
    return {
      status: 200,
      headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' },
      body: productImageSvg(product),
    };
  },
});
