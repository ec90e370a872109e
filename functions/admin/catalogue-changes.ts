import * as z from 'zod';
import { listCatalogueChanges } from '../../shared/catalogue/catalogue-changes.repository';
import { signedIn } from '../../shared/identity/require-principal';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, parseWith, queryObject } from '../../shared/platform/http';
import { decodePageToken, encodePageToken } from '../../shared/platform/page-token';
import { services } from '../../shared/platform/services';

const listSchema = z.object({
  productId: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number({ message: 'limit must be a number' }).int().min(1).max(100).default(20),
  continuationToken: z.string().max(200).optional(),
});

const decodeId = (raw: string) =>
  decodePageToken(raw, (value) => {
    const { i } = (value ?? {}) as { i?: unknown };
    return typeof i === 'number' && Number.isInteger(i) && i > 0 ? i : undefined;
  });

/**
 * `GET /api/admin/changes?productId=&limit=&continuationToken=` → `{ items, continuationToken }`:
 * the admins' audit trail of product and stock changes, newest first (admin role).
 */
export const listCatalogueChangesFunction = httpFunction({
  name: 'admin-list-catalogue-changes',
  route: 'admin/changes',
  methods: ['GET'],
  handler: async (request) => {
    const s = await services();
    await signedIn(request, s, 'admin');
    const { productId, limit, continuationToken } = parseWith(listSchema, queryObject(request));
    const beforeId = continuationToken ? decodeId(continuationToken) : undefined;
    const rows = await listCatalogueChanges(s.sql.db, { productId, limit: limit + 1, beforeId });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const next = rows.length > limit && last ? encodePageToken({ i: last.id }) : null;
    return json(200, { items, continuationToken: next }, { 'cache-control': 'no-store' });
  },
});
