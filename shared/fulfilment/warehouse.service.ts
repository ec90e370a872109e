import * as z from 'zod';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { addToOutbox, newEvent } from '../messaging/outbox';
import { orderView, transitionOrder } from '../orders/orders.repository';
import { AppError, notFound } from '../platform/errors';
import { parseWith } from '../platform/http';
import { decodeTimeKey, encodeTimeKey } from '../platform/page-token';

/** One printable line: no control characters (a value ends up in an email and on a label). */
const oneLine = (what: string, max: number) =>
  z
    .string({ message: `${what} is required.` })
    .trim()
    .min(1, `${what} is required.`)
    .max(max, `${what} is at most ${max} characters.`)
    .refine((value) => !/\p{Cc}/u.test(value), `${what} must be one line of text.`);

/** Both are required: the shipping email and the shopper's order page show them (issue #18). */
export const shippedSchema = z.object({
  carrier: oneLine('Carrier', 50),
  trackingNumber: oneLine('Tracking number', 100).refine(
    (value) => /^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(value),
    'Tracking number is letters, digits, spaces and hyphens.',
  ),
});

/** `createdFrom`/`createdTo`: a day (`2026-12-01`, the whole day, UTC) or an ISO date-time. */
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  message: 'Use a date (YYYY-MM-DD) or an ISO date-time.',
});

export const pickListQuerySchema = z
  .object({
    status: z.enum(['pending', 'shipped']).default('pending'),
    limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1).max(100).default(50),
    continuationToken: z.string().max(300).optional(),
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
  })
  .transform(({ createdFrom, createdTo, ...rest }) => ({
    ...rest,
    from: createdFrom ? new Date(createdFrom) : undefined,
    // A bare day as the upper bound includes that whole day.
    before: createdTo
      ? new Date(Date.parse(createdTo) + (/^\d{4}-\d{2}-\d{2}$/.test(createdTo) ? 86_400_000 : 1))
      : undefined,
  }))
  .refine(({ from, before }) => !from || !before || from < before, {
    message: 'createdFrom must not be after createdTo.',
    path: ['createdFrom'],
  });

/**
 * `GET /api/fulfilment/requests`: one page of pick requests, oldest first (the order to pick
 * them in), with the orders' lines and addresses. Three queries a page, whatever its size.
 */
export async function listPickRequests(db: Db, query: unknown) {
  const { status, limit, continuationToken, from, before } = parseWith(pickListQuerySchema, query);
  const after = continuationToken ? decodeTimeKey(continuationToken) : undefined;
  let select = db
    .selectFrom('fulfilment_requests')
    .selectAll()
    .where('status', '=', status)
    .orderBy('created_at')
    .orderBy('id');
  if (from) select = select.where('created_at', '>=', from);
  if (before) select = select.where('created_at', '<', before);
  if (after)
    select = select.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  // `top` on Azure SQL: Kysely's `limit` is not T-SQL (found by the azure-sql-path tests).
  const rows = await firstRows(select, limit + 1, isMssql(db)).execute();
  const page = rows.slice(0, limit);
  const orderIds = page.map((request) => request.order_id);
  const [orders, lines] = orderIds.length
    ? await Promise.all([
        db.selectFrom('orders').selectAll().where('id', 'in', orderIds).execute(),
        db
          .selectFrom('order_lines')
          .selectAll()
          .where('order_id', 'in', orderIds)
          .orderBy('line_no')
          .execute(),
      ])
    : [[], []];
  const orderById = new Map(orders.map((order) => [order.id, order]));
  const linesByOrder = new Map<string, typeof lines>();
  for (const line of lines) {
    const list = linesByOrder.get(line.order_id);
    if (list) list.push(line);
    else linesByOrder.set(line.order_id, [line]);
  }
  const items = page.flatMap((request) => {
    const order = orderById.get(request.order_id);
    if (!order) return [];
    const view = orderView(order, linesByOrder.get(order.id) ?? []);
    return [
      {
        id: request.id,
        orderId: request.order_id,
        status: request.status,
        lines: view.lines.map(({ productId, sku, options, variantLabel, name, quantity }) => ({
          productId,
          sku,
          ...(options && { options, variantLabel }),
          name,
          quantity,
        })),
        shippingAddress: view.shippingAddress,
        createdAt: request.created_at.toISOString(),
        ...(request.shipped_at ? { shippedAt: request.shipped_at.toISOString() } : {}),
        ...(request.carrier ? { carrier: request.carrier } : {}),
        ...(request.tracking_number ? { trackingNumber: request.tracking_number } : {}),
      },
    ];
  });
  const last = page.at(-1);
  const next =
    rows.length > limit && last ? encodeTimeKey({ createdAt: last.created_at, id: last.id }) : null;
  return { items, continuationToken: next };
}

/** Marks a pick request shipped, moves the order to `shipped` and queues the shipping email. */
export async function markShipped(db: Db, requestId: string, body: unknown) {
  // Validated before the transaction: a refused body changes nothing.
  const { carrier, trackingNumber } = parseWith(shippedSchema, body ?? {});
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('fulfilment_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!request) throw notFound('Pick request', requestId);
    if (request.status === 'shipped')
      return {
        id: requestId,
        orderId: request.order_id,
        status: 'shipped' as const,
        ...(request.shipped_at ? { shippedAt: request.shipped_at.toISOString() } : {}),
        ...(request.carrier ? { carrier: request.carrier } : {}),
        ...(request.tracking_number ? { trackingNumber: request.tracking_number } : {}),
      };
    const now = new Date();
    const moved = await trx
      .updateTable('fulfilment_requests')
      .set({
        status: 'shipped',
        shipped_at: now,
        carrier,
        tracking_number: trackingNumber,
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
        carrier,
        trackingNumber,
      }),
    );
    return {
      id: requestId,
      orderId: request.order_id,
      status: 'shipped' as const,
      shippedAt: now.toISOString(),
      carrier,
      trackingNumber,
    };
  });
}
