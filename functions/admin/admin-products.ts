import type { InvocationContext } from '@azure/functions';
import { assertProductId } from '../../shared/catalogue/catalogue.service';
import type { CatalogueAdminDeps, ChangeAuthor } from '../../shared/catalogue/catalogue-admin.service';
import { deleteProduct, putProduct } from '../../shared/catalogue/catalogue-admin.service';
import type { Principal } from '../../shared/identity/principal';
import { signedIn } from '../../shared/identity/require-principal';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJson } from '../../shared/platform/http';
import { type Services, services } from '../../shared/platform/services';

export function catalogueAdminDeps(s: Services): CatalogueAdminDeps {
  return {
    products: s.products,
    search: s.search,
    cache: s.cache,
    db: s.sql.db,
    snapshotDir: s.productsEmbedded ? s.config.dataDir : undefined,
  };
}

/** The signed-in admin as the audit trail's author; a failed audit write is a warning in the log. */
export function changeAuthor(admin: Principal, context: InvocationContext): ChangeAuthor {
  return { by: { userId: admin.userId, name: admin.name }, warn: (message) => context.warn(message) };
}

export const putProductFunction = httpFunction({
  name: 'admin-put-product',
  route: 'admin/products/{id}',
  methods: ['PUT'],
  handler: async (request, context) => {
    const s = await services();
    const admin = await signedIn(request, s, 'admin');
    const id = assertProductId(request.params.id);
    const { product, created } = await putProduct(
      catalogueAdminDeps(s),
      id,
      await readJson(request),
      changeAuthor(admin, context),
    );
    return json(created ? 201 : 200, product);
  },
});

export const deleteProductFunction = httpFunction({
  name: 'admin-delete-product',
  route: 'admin/products/{id}',
  methods: ['DELETE'],
  handler: async (request, context) => {
    const s = await services();
    const admin = await signedIn(request, s, 'admin');
    await deleteProduct(
      catalogueAdminDeps(s),
      assertProductId(request.params.id),
      changeAuthor(admin, context),
    );
    return { status: 204 };
  },
});
