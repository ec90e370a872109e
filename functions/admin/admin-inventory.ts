import * as z from 'zod';
import { notifierDeps } from '../../shared/cart/cart-deps';
import { recordCatalogueChange } from '../../shared/catalogue/catalogue-admin.service';
import { reindexSizedProducts } from '../../shared/catalogue/index-availability';
import { signedIn } from '../../shared/identity/require-principal';
import { announceStockChange } from '../../shared/inventory/availability-notifier';
import {
  findAvailability,
  findAvailabilityOfProductSkus,
  readStockLevel,
  setOnHand,
} from '../../shared/inventory/inventory.repository';
import { AppError, notFound, validationFailed } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJsonWith } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';
import { changeAuthor } from './admin-products';

const restockSchema = z.object({
  onHand: z
    .number({ message: 'onHand must be a number' })
    .int('onHand must be a whole number')
    .min(0)
    .max(10_000_000),
});

/** `PUT /api/admin/inventory/{sku}` `{ onHand }`: restock or correct; never below what is held. */
export const putInventoryFunction = httpFunction({
  name: 'admin-put-inventory',
  route: 'admin/inventory/{sku}',
  methods: ['PUT'],
  handler: async (request, context) => {
    const s = await services();
    const admin = await signedIn(request, s, 'admin');
    const sku = request.params.sku ?? '';
    const { onHand } = await readJsonWith(request, restockSchema);
    // Read just before, for the audit summary only: a sale in between would make "from" stale.
    const before = await findAvailability(s.sql.db, sku);
    const outcome = await setOnHand(s.sql.db, sku, onHand);
    if (outcome === 'unknown_sku') throw notFound('SKU', sku);
    if (outcome === 'below_held') {
      throw new AppError(409, 'below_held', `SKU ${sku} has more units held in carts than ${onHand}.`);
    }
    await announceStockChange(
      notifierDeps(s, (m) => context.warn(m)),
      [sku],
    );
    const level = await readStockLevel(s.sql.db, sku);
    await recordCatalogueChange(s.sql.db, changeAuthor(admin, context), {
      action: 'stock_set',
      productId: level?.productId ?? '',
      sku,
      summary: `on hand ${before?.onHand ?? '?'} → ${onHand}`,
    });
    // A size sold out or back in stock: the search filter on sizes follows (no-op for one-SKU products).
    if (level) {
      await reindexSizedProducts({ db: s.sql.db, search: s.search, products: s.products, cache: s.cache }, [
        level.productId,
      ]);
    }
    return json(200, { sku, productId: level?.productId, onHand, available: level?.available });
  },
});

/**
 * `GET /api/admin/inventory?productId=` → `{ productId, items: [{ sku, onHand, held, available }] }`:
 * every SKU of one product with what is on the shelf and what carts hold (the admin page's stock table).
 */
export const listInventoryFunction = httpFunction({
  name: 'admin-list-inventory',
  route: 'admin/inventory',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, 'admin');
    const productId = request.query.get('productId')?.trim() ?? '';
    if (!productId) throw validationFailed({ productId: ['productId is required'] });
    const rows = await findAvailabilityOfProductSkus(s.sql.db, productId);
    return json(200, {
      productId,
      items: rows.map(({ sku, onHand, held, available }) => ({ sku, onHand, held, available })),
    });
  },
});
