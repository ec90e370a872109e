import { randomBytes } from 'node:crypto';
import { writesInOneStatement } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { type ClaimStatement, claimOnce, handleOnce } from '../messaging/inbox';
import type { OrderPaid } from '../messaging/integration-events';

/** PostgreSQL: with the claim, the pick request (`id`, `order_id`). */
const pickRequests: ClaimStatement = {
  consumer: 'fulfilment',
  fields: 'id varchar, order_id varchar',
  writes: `requested as (
    insert into fulfilment_requests (id, order_id, status, carrier, tracking_number, created_at, shipped_at)
    select id, order_id, 'pending', null, null, processed_at, null from mine
    on conflict (order_id) do nothing
  )`,
};

/** The `fulfilment` subscription: one warehouse pick request per paid order. */
export async function createPickRequest(
  db: Db,
  messageId: string,
  event: OrderPaid,
): Promise<'handled' | 'duplicate'> {
  const id = `fr_${randomBytes(8).toString('hex')}`;
  const now = new Date();
  if (writesInOneStatement(db)) {
    return claimOnce(db, pickRequests, {
      messageId,
      fields: { id, order_id: event.orderId },
      keys: [`order:${event.orderId}`],
    });
  }
  return handleOnce(db, 'fulfilment', messageId, async (trx) => {
    const existing = await trx
      .selectFrom('fulfilment_requests')
      .select('id')
      .where('order_id', '=', event.orderId)
      .executeTakeFirst();
    if (existing) return; // a replayed or re-published event for the same order
    await trx
      .insertInto('fulfilment_requests')
      .values({
        id,
        order_id: event.orderId,
        status: 'pending',
        carrier: null,
        tracking_number: null,
        created_at: now,
        shipped_at: null,
      })
      .execute();
  });
}
