import * as z from 'zod';
import { signedInShopper } from '../../shared/identity/shopper';
import { findUserOrder, listUserOrders } from '../../shared/orders/orders.repository';
import { notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, parseWith, queryObject } from '../../shared/platform/http';
import { decodeTimeKey, encodeTimeKey } from '../../shared/platform/page-token';
import { services } from '../../shared/platform/services';

const listSchema = z.object({
  limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1).max(50).default(20),
  continuationToken: z.string().max(200).optional(),
});

/** `GET /api/orders`: the shopper's orders, newest first. History reads go to the read replica. */
export const listOrdersFunction = httpFunction({
  name: 'list-orders',
  route: 'orders',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    const { limit, continuationToken } = parseWith(listSchema, queryObject(request));
    const before = continuationToken ? decodeTimeKey(continuationToken) : undefined;
    const items = await listUserOrders(s.sql.readDb, shopper.userId, { limit: limit + 1, before });
    const page = items.slice(0, limit);
    const last = page.at(-1);
    const next = items.length > limit && last ? encodeTimeKey(last) : null;
    return json(200, { items: page, continuationToken: next }, { 'cache-control': 'no-store' });
  },
});

/** `GET /api/orders/{id}`: read-your-write (right after Pay Now), so it reads the primary. */
export const getOrderFunction = httpFunction({
  name: 'get-order',
  route: 'orders/{id}',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    const id = request.params.id ?? '';
    const order = /^[\w-]{1,64}$/.test(id) ? await findUserOrder(s.sql.db, shopper.userId, id) : undefined;
    if (!order) throw notFound('Order', id);
    return json(200, order, { 'cache-control': 'no-store' });
  },
});
