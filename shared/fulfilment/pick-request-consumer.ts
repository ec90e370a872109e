import { randomBytes } from 'node:crypto';
import type { ConsumerWrites, InboxClaims } from '../messaging/inbox-claims';
import type { OrderPaid } from '../messaging/integration-events';

/** With the claim, the order's pick request (`id`), unless it has one (a replayed event). */
const pickRequests: ConsumerWrites<{ id: string; order_id: string }> = {
  consumer: 'fulfilment',
  async write(trx, { id, order_id }) {
    const existing = await trx
      .selectFrom('fulfilment_requests')
      .select('id')
      .where('order_id', '=', order_id)
      .executeTakeFirst();
    if (existing) return; // a replayed or re-published event for the same order
    await trx
      .insertInto('fulfilment_requests')
      .values({
        id,
        order_id,
        status: 'pending',
        carrier: null,
        tracking_number: null,
        created_at: new Date(),
        shipped_at: null,
      })
      .execute();
  },
  statement: {
    fields: 'id varchar, order_id varchar',
    writes: `requested as (
    insert into fulfilment_requests (id, order_id, status, carrier, tracking_number, created_at, shipped_at)
    select id, order_id, 'pending', null, null, processed_at, null from mine
    on conflict (order_id) do nothing
  )`,
  },
};

/** The `fulfilment` subscription: one warehouse pick request per paid order. */
export function createPickRequest(
  inbox: InboxClaims,
  messageId: string,
  event: OrderPaid,
): Promise<'handled' | 'duplicate'> {
  return inbox.claim(pickRequests, {
    messageId,
    fields: { id: `fr_${randomBytes(8).toString('hex')}`, order_id: event.orderId },
    keys: [`order:${event.orderId}`],
  });
}
