import * as z from 'zod';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, parseWith, queryObject } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';
import { productGroup } from '../../shared/realtime/realtime-hub.port';

const negotiateSchema = z.object({
  productIds: z
    .string({ message: 'productIds is required' })
    .transform((value) => [...new Set(value.split(',').filter(Boolean))])
    .pipe(
      z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'productIds are product ids'))
        .min(1, 'name at least one product')
        .max(50, 'at most 50 products at once'),
    ),
});

/** `GET /api/realtime/negotiate?productIds=`: where to open a WebSocket for live stock counts. */
export const negotiateFunction = httpFunction({
  name: 'realtime-negotiate',
  route: 'realtime/negotiate',
  methods: ['GET'],
  handler: async (request) => {
    const { realtime } = await services();
    const { productIds } = parseWith(negotiateSchema, queryObject(request));
    const negotiated = await realtime.negotiate(productIds.map(productGroup), new URL(request.url).origin);
    return json(200, negotiated, { 'cache-control': 'no-store' });
  },
});
