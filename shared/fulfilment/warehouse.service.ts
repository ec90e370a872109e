import * as z from 'zod';
import type { Db } from '../adapters/sql/schema';
import { addToOutbox, newEvent } from '../messaging/outbox';
import { findOrder, orderView, transitionOrder } from '../orders/orders.repository';
import { AppError, notFound } from '../platform/errors';
import { parseWith } from '../platform/http';

export const shippedSchema = z.object({
  carrier: z.string().trim().max(50).optional(),
  trackingNumber: z.string().trim().max(100).optional(),
});

export async function listPickRequests(db: Db, status: 'pending' | 'shipped') {
  const requests = await db
    .selectFrom('fulfilment_requests')
    .selectAll()
    .where('status', '=', status)
    .orderBy('created_at')
    .execute();
  const items = [];
  for (const request of requests.slice(0, 200)) {
    const found = await findOrder(db, request.order_id);
    if (!found) continue;
    const view = orderView(found.order, found.lines);
    items.push({
      id: request.id,
      orderId: request.order_id,
      status: request.status,
      lines: view.lines.map(({ productId, sku, name, quantity }) => ({ productId, sku, name, quantity })),
      shippingAddress: view.shippingAddress,
      createdAt: request.created_at.toISOString(),
      ...(request.shipped_at ? { shippedAt: request.shipped_at.toISOString() } : {}),
      ...(request.carrier ? { carrier: request.carrier } : {}),
      ...(request.tracking_number ? { trackingNumber: request.tracking_number } : {}),
    });
  }
  return { items };
}

/** Marks a pick request shipped, moves the order to `shipped` and queues the shipping email. */
export async function markShipped(db: Db, requestId: string, body: unknown) {
  const { carrier, trackingNumber } = parseWith(shippedSchema, body ?? {});
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('fulfilment_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!request) throw notFound('Pick request', requestId);
    if (request.status === 'shipped')
      return { id: requestId, orderId: request.order_id, status: 'shipped' as const };
    const now = new Date();
    const moved = await trx
      .updateTable('fulfilment_requests')
      .set({
        status: 'shipped',
        shipped_at: now,
        carrier: carrier ?? null,
        tracking_number: trackingNumber ?? null,
      })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1)
      throw new AppError(409, 'conflict', 'The request changed meanwhile; reload it.');
    await transitionOrder(trx, request.order_id, ['paid'], { status: 'shipped', shipped_at: now });
    await addToOutbox(
      trx,
      newEvent('orders', 'OrderShipped', request.order_id, {
        orderId: request.order_id,
        carrier: carrier ?? null,
        trackingNumber: trackingNumber ?? null,
      }),
    );
    return {
      id: requestId,
      orderId: request.order_id,
      status: 'shipped' as const,
      shippedAt: now.toISOString(),
    };
  });
}
