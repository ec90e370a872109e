import type { FunctionDefinition } from '../shared/platform/function-definition';
import { putInventoryFunction } from './admin/admin-inventory';
import { deleteProductFunction, putProductFunction } from './admin/admin-products';
import { deleteCartItemFunction, getCartFunction, putCartItemFunction } from './cart/cart';
import { releaseExpiredHoldsFunction } from './cart/release-expired-holds';
import { getAvailabilityFunction } from './catalogue/get-availability';
import { getProductFunction } from './catalogue/get-product';
import { getProductImageFunction } from './catalogue/get-product-image';
import { listProductsFunction } from './catalogue/list-products';
import { clientConfigFunction } from './config/client-config';
import { devJwksFunction, devTokenFunction } from './dev/dev-token';
import { healthFunction } from './health/health';
import { meFunction } from './identity/me';
import { heartbeatFunction } from './ops/heartbeat.function';
import { scaleSchedulerFunction } from './ops/scale-scheduler.function';
import { negotiateFunction } from './realtime/negotiate';
import { searchProductsFunction } from './search/search-products';

/** Every function of the shop, declared once; both hosts serve exactly this list. */
export const allFunctions: FunctionDefinition[] = [
  healthFunction,
  listProductsFunction,
  getProductFunction,
  getAvailabilityFunction,
  getProductImageFunction,
  searchProductsFunction,
  meFunction,
  clientConfigFunction,
  getCartFunction,
  putCartItemFunction,
  deleteCartItemFunction,
  negotiateFunction,
  putProductFunction,
  deleteProductFunction,
  putInventoryFunction,
  releaseExpiredHoldsFunction,
  heartbeatFunction,
  scaleSchedulerFunction,
  devTokenFunction,
  devJwksFunction,
];
