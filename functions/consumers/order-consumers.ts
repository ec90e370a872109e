import { notifierDeps } from '../../shared/cart/cart-deps';
import { createPickRequest } from '../../shared/fulfilment/pick-request-consumer';
import { refreshInventoryAfterSale } from '../../shared/inventory/inventory-consumer';
import { inboxKey } from '../../shared/messaging/inbox-key';
import { readEvent } from '../../shared/messaging/integration-events';
import { topicFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';
import { metrics } from '../../shared/platform/telemetry';

/** `orders/inventory`: refresh displayed availability, caches and live pages after a sale. */
export const inventoryConsumerFunction = topicFunction({
  name: 'inventory-update',
  topic: 'orders',
  subscription: 'inventory',
  handler: async (message, context) => {
    const event = readEvent(message, ['OrderPaid']);
    if (!event) return;
    const s = await services();
    await refreshInventoryAfterSale(
      {
        ...notifierDeps(s, (m) => context.warn(m)),
        products: s.products,
        search: s.search,
        cache: s.cache,
        lowStockThreshold: s.config.lowStockThreshold,
        alert: (m) => context.warn(m),
        inbox: s.inboxClaims,
      },
      inboxKey(context, event.eventId),
      event,
    );
  },
});

/** `orders/fulfilment`: one warehouse pick request per paid order. */
export const fulfilmentConsumerFunction = topicFunction({
  name: 'fulfilment',
  topic: 'orders',
  subscription: 'fulfilment',
  handler: async (message, context) => {
    const event = readEvent(message, ['OrderPaid']);
    if (!event) return;
    const s = await services();
    const outcome = await createPickRequest(s.inboxClaims, inboxKey(context, event.eventId), event);
    // Once per paid order: a redelivery or replay of the event finds its claim and is not counted.
    if (outcome === 'handled') metrics.ordersPaid.add(1);
  },
});
