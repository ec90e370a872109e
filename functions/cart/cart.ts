import type { InvocationContext } from '@azure/functions';
import { type CartChange, getCart, removeLine, setLineQuantity } from '../../shared/cart/cart.service';
import { cartDeps, notifierDeps } from '../../shared/cart/cart-deps';
import { assertProductId } from '../../shared/catalogue/catalogue.service';
import { signedInShopper } from '../../shared/identity/shopper';
import { announceStockChange, announceStockLevels } from '../../shared/inventory/availability-notifier';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJson } from '../../shared/platform/http';
import { type Services, services } from '../../shared/platform/services';

const noStore = { 'cache-control': 'no-store' };

async function respond(s: Services, change: CartChange, context: InvocationContext) {
  const deps = notifierDeps(s, (m) => context.warn(m));
  await Promise.all([
    announceStockChange(deps, change.changedSkus),
    announceStockLevels(deps, change.levels),
  ]);
  return json(200, change.cart, noStore);
}

export const getCartFunction = httpFunction({
  name: 'get-cart',
  route: 'cart',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    return json(200, await getCart(cartDeps(s), shopper.userId), noStore);
  },
});

export const putCartItemFunction = httpFunction({
  name: 'put-cart-item',
  route: 'cart/items/{productId}',
  methods: ['PUT'],
  handler: async (request, context) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    const productId = assertProductId(request.params.productId);
    const body = await readJson(request);
    return respond(s, await setLineQuantity(cartDeps(s), shopper.userId, productId, body), context);
  },
});

export const deleteCartItemFunction = httpFunction({
  name: 'delete-cart-item',
  route: 'cart/items/{productId}',
  methods: ['DELETE'],
  handler: async (request, context) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    return respond(
      s,
      await removeLine(
        cartDeps(s),
        shopper.userId,
        assertProductId(request.params.productId),
        request.query.get('sku') ?? undefined,
      ),
      context,
    );
  },
});
