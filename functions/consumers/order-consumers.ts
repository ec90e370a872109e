import { notifierDeps } from '../../shared/cart/cart-deps';
import {
  createPickRequest,
  isOrderPaid,
  refreshInventoryAfterSale,
} from '../../shared/fulfilment/order-consumers';
import { inboxKey } from '../../shared/messaging/inbox-key';
import { topicFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';
import { metrics } from '../../shared/platform/telemetry';

/** `orders/inventory`: refresh displayed availability, caches and live pages after a sale. */
export const inventoryConsumerFunction = topicFunction({
  name: 'inventory-update',
  topic: 'orders',
  subscription: 'inventory',
  handler: async (message, context) => {
    if (!isOrderPaid(message)) return;
    const s = await services();
    await refreshInventoryAfterSale(
      {
        ...notifierDeps(s, (m) => context.warn(m)),
        products: s.products,
        cache: s.cache,
        lowStockThreshold: s.config.lowStockThreshold,
        alert: (m) => context.warn(m),
      },
      inboxKey(context, message.eventId),
      message,
    );
  },
});

/** `orders/fulfilment`: one warehouse pick request per paid order. */
export const fulfilmentConsumerFunction = topicFunction({
  name: 'fulfilment',
  topic: 'orders',
  subscription: 'fulfilment',
  handler: async (message, context) => {
    if (!isOrderPaid(message)) return;
    const s = await services();
    await createPickRequest(s.sql.db, inboxKey(context, message.eventId), message);
    metrics.ordersPaid.add(1);
  },
});
