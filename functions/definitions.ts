import type { FunctionDefinition } from '../shared/platform/function-definition';
import { getAvailabilityFunction } from './catalogue/get-availability';
import { getProductFunction } from './catalogue/get-product';
import { getProductImageFunction } from './catalogue/get-product-image';
import { listProductsFunction } from './catalogue/list-products';
import { devJwksFunction, devTokenFunction } from './dev/dev-token';
import { healthFunction } from './health/health';
import { meFunction } from './identity/me';

/** Every function of the shop, declared once; both hosts serve exactly this list. */
export const allFunctions: FunctionDefinition[] = [
  healthFunction,
  listProductsFunction,
  getProductFunction,
  getAvailabilityFunction,
  getProductImageFunction,
  meFunction,
  devTokenFunction,
  devJwksFunction,
];
