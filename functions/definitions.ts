import type { FunctionDefinition } from '../shared/platform/function-definition';
import { listInventoryFunction, putInventoryFunction } from './admin/admin-inventory';
import { deleteProductFunction, putProductFunction } from './admin/admin-products';
import { listCatalogueChangesFunction } from './admin/catalogue-changes';
import {
  listDeadLettersFunction,
  purgeAllDeadLettersFunction,
  purgeDeadLetterFunction,
  replayAllDeadLettersFunction,
  replayDeadLetterFunction,
} from './admin/dead-letters';
import { deleteCartItemFunction, getCartFunction, putCartItemFunction } from './cart/cart';
import { releaseExpiredHoldsFunction } from './cart/release-expired-holds';
import { getAvailabilityFunction } from './catalogue/get-availability';
import { getProductFunction } from './catalogue/get-product';
import { getProductImageFunction } from './catalogue/get-product-image';
import { listProductsFunction } from './catalogue/list-products';
import { checkoutFunction } from './checkout/checkout';
import { recoverPaymentsFunction, relayOutboxFunction } from './checkout/payment-timers';
import { clientConfigFunction } from './config/client-config';
import { fulfilmentConsumerFunction, inventoryConsumerFunction } from './consumers/order-consumers';
import { receiptsConsumerFunction } from './consumers/receipts';
import { devOutboxFileFunction, devOutboxFunction } from './dev/dev-outbox';
import { devAuthenticateFunction } from './dev/dev-payments';
import { devJwksFunction, devTokenFunction } from './dev/dev-token';
import { listPickRequestsFunction, markShippedFunction } from './fulfilment/warehouse';
import { healthFunction, liveFunction } from './health/health';
import { meFunction } from './identity/me';
import {
  capacityPlanFunction,
  createSalesWindowFunction,
  deleteSalesWindowFunction,
  listSalesWindowsFunction,
  updateSalesWindowFunction,
} from './marketing/sales-windows';
import { operationsOverviewFunction } from './operations/overview';
import { heartbeatFunction } from './ops/heartbeat.function';
import { scaleSchedulerFunction } from './ops/scale-scheduler.function';
import { getOrderFunction, listOrdersFunction } from './orders/orders';
import { negotiateFunction } from './realtime/negotiate';
import { searchProductsFunction } from './search/search-products';
import { paypalWebhookFunction, stripeWebhookFunction } from './webhooks/payment-webhooks';

/** Every function of the shop, declared once; both hosts serve exactly this list. */
export const allFunctions: FunctionDefinition[] = [
  healthFunction,
  liveFunction,
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
  checkoutFunction,
  listOrdersFunction,
  getOrderFunction,
  stripeWebhookFunction,
  paypalWebhookFunction,
  listPickRequestsFunction,
  markShippedFunction,
  listDeadLettersFunction,
  replayDeadLetterFunction,
  replayAllDeadLettersFunction,
  purgeDeadLetterFunction,
  purgeAllDeadLettersFunction,
  operationsOverviewFunction,
  receiptsConsumerFunction,
  inventoryConsumerFunction,
  fulfilmentConsumerFunction,
  relayOutboxFunction,
  recoverPaymentsFunction,
  putProductFunction,
  deleteProductFunction,
  putInventoryFunction,
  listInventoryFunction,
  listCatalogueChangesFunction,
  releaseExpiredHoldsFunction,
  listSalesWindowsFunction,
  createSalesWindowFunction,
  updateSalesWindowFunction,
  deleteSalesWindowFunction,
  capacityPlanFunction,
  heartbeatFunction,
  scaleSchedulerFunction,
  devTokenFunction,
  devJwksFunction,
  devAuthenticateFunction,
  devOutboxFunction,
  devOutboxFileFunction,
];
