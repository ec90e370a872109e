import type { ConsumerWrites, InboxClaims } from '../messaging/inbox-claims';
import type { OrderPaid, OrderShipped } from '../messaging/integration-events';
import {
  markReceiptSent,
  type OrderLineRow,
  type OrderRow,
  orderView,
  receiptSentClaimWrites,
} from '../orders/orders.repository';
import type { EmailMessage, EmailSender } from './email-sender.port';
import { type OrderForEmail, receiptEmail, shippingEmail } from './receipt-email';

function orderForEmail(
  found: { order: OrderRow; lines: OrderLineRow[] },
  extra: Partial<OrderForEmail> = {},
): OrderForEmail {
  const view = orderView(found.order, found.lines);
  return {
    id: view.id,
    email: found.order.email,
    name: view.shippingAddress.name,
    createdAt: view.createdAt,
    totalMinor: view.totalMinor,
    currency: view.currency,
    lines: view.lines.map(({ name, variantLabel, quantity, unitPriceMinor, lineTotalMinor }) => ({
      // The variant bought reads with the name, in every email: "Harbour Hoodie (Size M)".
      name: variantLabel ? `${name} (${variantLabel})` : name,
      quantity,
      unitPriceMinor,
      lineTotalMinor,
    })),
    shippingAddress: view.shippingAddress,
    payment: view.payment,
    ...extra,
  };
}

/**
 * How long the receipts consumer waits for the email service. A hung service then fails the
 * try, which backs off and comes back (redelivery.ts), well inside the message's one-minute
 * lock: otherwise the lock would expire under the hung call and a second delivery would run
 * beside it. A send that completes after the deadline may still deliver the email, so a later
 * try can repeat it (at least once; the stable email id lets the adapter skip a repeat where it can).
 */
export const defaultEmailSendTimeoutMs = 20_000;

async function sendWithin(email: EmailSender, message: EmailMessage): Promise<void> {
  const timeoutMs = email.sendTimeoutMs ?? defaultEmailSendTimeoutMs;
  const sending = email.send(message);
  sending.catch(() => {}); // failing after the deadline: the try has already been counted as failed
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`email service did not answer within ${timeoutMs} ms (${message.id})`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The `receipts` subscription. The receipt is built from the order read by id (not from the
 * event), sent with a stable id (`receipt-<order>`), and `receipt_sent_at` marks it done; a
 * redelivery finds the inbox row and sends nothing.
 */
export async function sendOrderEmail(
  deps: { inbox: InboxClaims; email: EmailSender },
  messageId: string,
  event: OrderPaid | OrderShipped,
): Promise<'handled' | 'duplicate' | 'ignored'> {
  const { orderId } = event;
  // The inbox is checked before sending: a redelivered message must not send the email again.
  const found = await deps.inbox.findOrderForMessage(orderId, { consumer: 'receipts', messageId });
  if (found?.handled) return 'duplicate';
  if (!found?.order.email) return 'ignored';
  const paid = event.type === 'OrderPaid';
  const order = orderForEmail(
    found,
    event.type === 'OrderShipped'
      ? {
          ...(event.carrier !== null ? { carrier: event.carrier } : {}),
          ...(event.trackingNumber !== null ? { trackingNumber: event.trackingNumber } : {}),
        }
      : {},
  );
  if (!(paid && found.order.receipt_sent_at))
    await sendWithin(deps.email, paid ? receiptEmail(order) : shippingEmail(order));
  return deps.inbox.claim(receiptSent, {
    messageId,
    fields: { order_id: orderId, paid },
    keys: [`order:${orderId}`],
  });
}

/** With the claim, `receipt_sent_at` (`paid`: the email was a receipt). */
const receiptSent: ConsumerWrites<{ order_id: string; paid: boolean }> = {
  consumer: 'receipts',
  async write(trx, { order_id, paid }) {
    if (paid) await markReceiptSent(trx, order_id);
  },
  statement: {
    fields: 'order_id varchar, paid boolean',
    writes: receiptSentClaimWrites,
  },
};
