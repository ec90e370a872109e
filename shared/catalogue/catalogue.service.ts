import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { CacheAside } from '../adapters/cache/cache-aside';
import type { Db } from '../adapters/sql/schema';
import { findAvailabilityOfProductSkus, sumAvailability } from '../inventory/inventory.repository';
import { AppError, notFound } from '../platform/errors';
import { etagOf } from '../platform/etag';
import { parseWith } from '../platform/http';
import { decodePageToken, encodePageToken } from '../platform/page-token';
import { categories, type Product, type VariantView } from './product';
import type { ProductStore } from './product-store.port';

export interface CatalogueDeps {
  products: ProductStore;
  db: Db;
  cache: CacheAside;
}

/** A cached JSON body with its ETag. */
export interface CachedBody {
  body: string;
  etag: string;
}

export const productKey = (id: string) => `product:${id}`;
export const availabilityKey = (productId: string) => `availability:${productId}`;
const catalogueVersionKey = 'catalogue:version';

/** The product document as JSON, or 'null' when there is none (also cached, briefly). */
async function productJson(deps: CatalogueDeps, id: string): Promise<string> {
  return deps.cache.getOrLoad(productKey(id), async () =>
    JSON.stringify((await deps.products.get(id)) ?? null),
  );
}

export async function getProduct(deps: CatalogueDeps, id: string): Promise<Product> {
  const json = await productJson(deps, id);
  if (json === 'null') throw notFound('Product', id);
  return JSON.parse(json) as Product;
}

interface AvailabilityView {
  available: number;
  availableUpdatedAt: string;
  /** For a product with variants: each with its own count (the product's is their sum). */
  variants?: VariantView[];
}

/**
 * Keyed by product id so the hot path never has to parse the product to find its SKUs. For a
 * product with variants it carries the variants themselves with their counts (the product JSON
 * it is spliced into leaves them out), so one cached entry moves with every variant's stock.
 */
async function availabilityJson(deps: CatalogueDeps, productId: string): Promise<string> {
  return deps.cache.getOrLoad(availabilityKey(productId), async () => {
    const [rows, json] = await Promise.all([
      findAvailabilityOfProductSkus(deps.db, productId),
      productJson(deps, productId),
    ]);
    const product = json === 'null' ? undefined : (JSON.parse(json) as Product);
    const variants = product?.variants?.length ? product.variants : undefined;
    const bySku = new Map(rows.map((row) => [row.sku, row]));
    // With variants only theirs count (a SKU the product had before them does not).
    const counted = variants ? variants.flatMap((v) => bySku.get(v.sku) ?? []) : rows;
    const total = sumAvailability(counted);
    const view: AvailabilityView = total
      ? { available: total.available, availableUpdatedAt: total.updatedAt.toISOString() }
      : { available: 0, availableUpdatedAt: new Date(0).toISOString() };
    if (variants)
      view.variants = variants.map((v) => ({ ...v, available: bySku.get(v.sku)?.available ?? 0 }));
    return JSON.stringify(view);
  });
}

/**
 * The product's JSON without its variants (they come with the availability), prefixed with its
 * hash (`hash|json`), cached together so the hot path neither parses nor hashes the document.
 */
async function hashedProductJson(deps: CatalogueDeps, id: string): Promise<string> {
  return deps.cache.getOrLoad(`${productKey(id)}:hashed`, async () => {
    let json = await productJson(deps, id);
    if (json.includes('"variants":')) {
      const { variants: _, ...rest } = JSON.parse(json) as Product;
      json = JSON.stringify(rest);
    }
    return `${createHash('sha1').update(json).digest('base64url').slice(0, 16)}|${json}`;
  });
}

/** The last body made per product from which cached entries (see productView). */
interface ViewMemo {
  hashed: string;
  availability: string;
  view: CachedBody;
}

const viewMemos = new Map<string, ViewMemo>();
const maxViewMemos = 2048;

/**
 * `GET /api/products/{id}`: every attribute plus the live available count. The body and ETag are
 * a pure function of the two cached entries, so the last ones made per product are kept and used
 * again while both entries are the same (an in-memory cache hands back the very same strings, so
 * the comparison is by reference; a string from Redis is compared by content). A changed count or
 * product makes a new body at once: nothing here outlives an invalidation.
 */
export async function productView(deps: CatalogueDeps, id: string): Promise<CachedBody> {
  const hashed = await hashedProductJson(deps, id);
  if (hashed.endsWith('|null')) throw notFound('Product', id); // `hash|null`: there is none
  const availability = await availabilityJson(deps, id);
  const memo = viewMemos.get(id);
  if (memo && memo.hashed === hashed && memo.availability === availability) return memo.view;
  const split = hashed.indexOf('|');
  const json = hashed.slice(split + 1);
  // Splice the two cached JSON objects rather than parse and re-serialise.
  const body = `${json.slice(0, -1)},${availability.slice(1)}`;
  const { available, stamp } = availabilityTag(availability);
  const view = { body, etag: `"${hashed.slice(0, split)}-${available}-${stamp}"` };
  if (!memo && viewMemos.size >= maxViewMemos) viewMemos.delete(viewMemos.keys().next().value!);
  viewMemos.set(id, { hashed, availability, view });
  return view;
}

/** The count and its timestamp, read from the cached availability JSON without parsing it. */
function availabilityTag(availabilityJsonText: string): { available: string; stamp: string } {
  const match = /"available":(-?\d+),"availableUpdatedAt":"([^"]+)"/.exec(availabilityJsonText);
  return { available: match?.[1] ?? '0', stamp: match ? String(Date.parse(match[2]!)) : '0' };
}

/** `GET /api/products/{id}/availability`. */
export async function availabilityView(deps: CatalogueDeps, id: string): Promise<CachedBody> {
  await getProduct(deps, id); // 404 for an unknown product
  const availability = JSON.parse(await availabilityJson(deps, id)) as AvailabilityView;
  const body = JSON.stringify({
    productId: id,
    available: availability.available,
    updatedAt: availability.availableUpdatedAt,
    ...(availability.variants && {
      variants: availability.variants.map(({ sku, available }) => ({ sku, available })),
    }),
  });
  return { body, etag: etagOf(body) };
}

const listQuerySchema = z.object({
  category: z.enum(categories, { message: `category must be one of ${categories.join(', ')}` }).optional(),
  limit: z.coerce
    .number({ message: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(100, 'limit must be at most 100')
    .default(20),
  continuationToken: z.string().max(500).optional(),
});

interface PageToken {
  after: string;
  category?: string;
}

function decodeToken(raw: string, category: string | undefined): PageToken {
  return decodePageToken(raw, (value) => {
    const token = value as PageToken | null;
    return token && typeof token.after === 'string' && token.category === category ? token : undefined;
  });
}

export interface ProductSummary {
  id: string;
  name: string;
  brand: string;
  category: string;
  priceMinor: number;
  currency: string;
  imageUrl: string;
}

function summarise(product: Product): ProductSummary {
  const { id, name, brand, category, priceMinor, currency, imageUrl } = product;
  return { id, name, brand, category, priceMinor, currency, imageUrl };
}

export interface ListQuery {
  category?: string;
  limit: number;
  /** The id the page starts after ('' for the first page). */
  after: string;
}

/** The list query checked (400 validation_failed, bad token 400); pure, so callers may keep results. */
export function parseListQuery(query: Record<string, string>): Readonly<ListQuery> {
  const { category, limit, continuationToken } = parseWith(listQuerySchema, query);
  const after = continuationToken ? decodeToken(continuationToken, category).after : '';
  return Object.freeze({ category, limit, after });
}

/**
 * `GET /api/products`: a page in stable id order, with an opaque continuation token. The page is
 * cached with its ETag (`etag|json`), so a read neither serialises nor hashes it.
 */
export async function listProducts(deps: CatalogueDeps, query: Readonly<ListQuery>): Promise<CachedBody> {
  const { category, limit, after } = query;
  const version = await catalogueVersion(deps.cache);
  const key = `product-page:v${version}:${category ?? '*'}:${after}:${limit}`;
  const tagged = await deps.cache.getOrLoad(key, async () => {
    const page = await deps.products.page({ category, afterId: after || undefined, limit: limit + 1 });
    const items = page.slice(0, limit);
    const last = items.at(-1);
    const next = page.length > limit && last ? encodePageToken({ after: last.id, category }) : null;
    const body = JSON.stringify({ items: items.map(summarise), continuationToken: next });
    return `${etagOf(body)}|${body}`;
  });
  const split = tagged.indexOf('|');
  return { etag: tagged.slice(0, split), body: tagged.slice(split + 1) };
}

/**
 * The version that list and search cache keys carry: bumping it retires every cached list and
 * search result at once. A lost version key reloads as "now", which only causes misses.
 */
export async function catalogueVersion(cache: CacheAside): Promise<string> {
  return cache.getOrLoad(catalogueVersionKey, async () => Date.now().toString(36), 7 * 86_400);
}

export async function bumpCatalogueVersion(cache: CacheAside): Promise<void> {
  await cache.invalidate([catalogueVersionKey]);
  // Through the breaker: while the cache is failing the bump waits in its pending invalidations.
  await cache.put(
    catalogueVersionKey,
    `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    7 * 86_400,
  );
}

/** Forgets cached copies of a product and every cached list and search (after an admin change). */
export function invalidateProduct(deps: Pick<CatalogueDeps, 'cache'>, id: string): Promise<void> {
  return invalidateProducts(deps, [id]);
}

/** Drops the cached copies of many products in one invalidation, then one version bump. */
export async function invalidateProducts(
  deps: Pick<CatalogueDeps, 'cache'>,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  // The availability entry carries the variants' definitions: it goes too.
  await deps.cache.invalidate(
    ids.flatMap((id) => [productKey(id), `${productKey(id)}:hashed`, availabilityKey(id)]),
  );
  await bumpCatalogueVersion(deps.cache);
}

/** Forgets the cached available count of a product (after any stock change). */
export async function invalidateAvailability(
  deps: Pick<CatalogueDeps, 'cache'>,
  productId: string,
): Promise<void> {
  await deps.cache.invalidate([availabilityKey(productId)]);
}

export function assertProductId(id: string | undefined): string {
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new AppError(404, 'not_found', `Product '${id ?? ''}' was not found.`);
  }
  return id;
}
