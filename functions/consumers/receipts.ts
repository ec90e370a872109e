import { inboxKey } from '../../shared/messaging/inbox-key';
import { readEvent } from '../../shared/messaging/integration-events';
import { sendOrderEmail } from '../../shared/notifications/order-emails.service';
import { topicFunction } from '../../shared/platform/function-definition';
import { services } from '../../shared/platform/services';

/** `orders/receipts`: the receipt after payment, the shipping email after dispatch. */
export const receiptsConsumerFunction = topicFunction({
  name: 'receipt-email',
  topic: 'orders',
  subscription: 'receipts',
  handler: async (message, context) => {
    const event = readEvent(message, ['OrderPaid', 'OrderShipped']);
    if (!event) return;
    const s = await services();
    await sendOrderEmail({ inbox: s.inboxClaims, email: s.email }, inboxKey(context, event.eventId), event);
  },
});
