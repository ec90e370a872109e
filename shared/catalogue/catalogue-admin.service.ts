import * as z from 'zod';
import type { CacheAside } from '../adapters/cache/cache-aside';
import type { Db } from '../adapters/sql/schema';
import { findSkusOfOtherProducts, insertMissingInventory } from '../inventory/inventory.repository';
import { AppError, notFound } from '../platform/errors';
import { parseWith } from '../platform/http';
import type { SearchIndex } from '../search/search-index.port';
import { bumpCatalogueVersion, invalidateProduct } from './catalogue.service';
import { type CatalogueChangeAction, insertCatalogueChange } from './catalogue-changes.repository';
import { readCatalogueSnapshot, writeCatalogueSnapshot } from './demo-seed';
import { indexWithAvailability } from './index-availability';
import { categories, type Product } from './product';
import type { ProductStore } from './product-store.port';
import { sortVariants, stockSkus } from './variants';

export interface CatalogueAdminDeps {
  products: ProductStore;
  search: SearchIndex;
  cache: CacheAside;
  db: Db;
  /** Set when the product store is the memory-only local twin: changes go to the snapshot too. */
  snapshotDir?: string;
}

const attributeValue = z.union([
  z.string().max(500),
  z.number().finite(),
  z.boolean(),
  z.array(z.string().max(200)).max(20, 'a list attribute may hold at most 20 values'),
]);

const skuSchema = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'sku must be 1-64 upper-case letters, digits or dashes');

const priceSchema = z
  .number({ message: 'priceMinor must be a number of minor units' })
  .int('priceMinor must be a whole number of minor units')
  .min(0, 'priceMinor must be 0 or more')
  .max(100_000_000);

const optionText = z.string().trim().min(1).max(40);

const variantSchema = z.object({
  sku: skuSchema,
  options: z.object({ size: optionText, colour: optionText.optional() }).strict(),
  priceMinor: priceSchema.optional(),
});

export const productInputSchema = z.object({
  sku: skuSchema,
  category: z.enum(categories, { message: `category must be one of ${categories.join(', ')}` }),
  name: z.string().trim().min(1, 'name is required').max(200),
  brand: z.string().trim().min(1, 'brand is required').max(100),
  description: z.string().max(5000).default(''),
  priceMinor: priceSchema,
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code like USD'),
  attributes: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, 'attribute names are letters and digits'),
      attributeValue,
    )
    .refine((value) => Object.keys(value).length <= 40, 'at most 40 attributes')
    .default({}),
  /** Each size/colour combination as its own SKU; absent or empty: the product is one SKU. */
  variants: z
    .array(variantSchema)
    .max(100, 'at most 100 variants')
    .optional()
    .superRefine((variants, ctx) => {
      const skus = new Set<string>();
      const combinations = new Set<string>();
      for (const [i, v] of (variants ?? []).entries()) {
        const combination = `${v.options.size}\u0000${v.options.colour ?? ''}`;
        if (skus.has(v.sku))
          ctx.addIssue({ code: 'custom', path: [i, 'sku'], message: 'variant SKUs must differ' });
        if (combinations.has(combination))
          ctx.addIssue({ code: 'custom', path: [i, 'options'], message: 'variant options must differ' });
        skus.add(v.sku);
        combinations.add(combination);
      }
    }),
  imageUrl: z.string().max(500).optional(),
});

export type ProductInput = z.infer<typeof productInputSchema>;

/** Who is changing the catalogue, for the audit trail, and where a failed audit write is reported. */
export interface ChangeAuthor {
  by: { userId: string; name: string };
  warn: (message: string) => void;
}

/**
 * Appends one row to the audit trail (catalogue_changes) after a change has succeeded. Products
 * live in Cosmos DB and the trail in SQL, so the two cannot share a transaction: the row is
 * written right after the change. A failed audit write is logged as a warning and does not fail
 * the change, which has already happened and which the admin would otherwise retry needlessly.
 */
export async function recordCatalogueChange(
  db: Db,
  author: ChangeAuthor | undefined,
  change: { action: CatalogueChangeAction; productId: string; sku: string | null; summary: string },
): Promise<void> {
  if (!author) return;
  try {
    await insertCatalogueChange(db, { ...change, changedAt: new Date(), changedBy: author.by });
  } catch (error) {
    author.warn(
      `audit trail: could not record ${change.action} of ${change.productId} by ${author.by.userId}: ${String(error)}`,
    );
  }
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 39)}…` : text);

/** What changed between two versions of a product, briefly ("price 19.99 USD → 24.99 USD; name …"). */
export function describeProductChange(before: Product | undefined, after: Product): string {
  if (!before) {
    const variants = after.variants?.length ? `, ${after.variants.length} variants` : '';
    return `created "${clip(after.name)}" at ${money(after.priceMinor, after.currency)}${variants}`;
  }
  const parts: string[] = [];
  if (before.priceMinor !== after.priceMinor || before.currency !== after.currency) {
    parts.push(
      `price ${money(before.priceMinor, before.currency)} → ${money(after.priceMinor, after.currency)}`,
    );
  }
  if (before.name !== after.name) parts.push(`name "${clip(before.name)}" → "${clip(after.name)}"`);
  if (before.description !== after.description) parts.push('description');
  if (before.brand !== after.brand) parts.push(`brand "${clip(before.brand)}" → "${clip(after.brand)}"`);
  if (before.category !== after.category) parts.push(`category ${before.category} → ${after.category}`);
  if (JSON.stringify(before.attributes) !== JSON.stringify(after.attributes)) parts.push('attributes');
  const variantKey = (p: Product) =>
    new Map((p.variants ?? []).map((v) => [v.sku, JSON.stringify([v.options, v.priceMinor ?? null])]));
  const was = variantKey(before);
  const now = variantKey(after);
  const added = [...now.keys()].filter((sku) => !was.has(sku));
  const removed = [...was.keys()].filter((sku) => !now.has(sku));
  const changed = [...now.keys()].filter((sku) => was.has(sku) && was.get(sku) !== now.get(sku));
  if (added.length) parts.push(`variants added ${added.join(', ')}`);
  if (removed.length) parts.push(`variants removed ${removed.join(', ')}`);
  if (changed.length) parts.push(`variants changed ${changed.join(', ')}`);
  if ((before.imageUrl ?? '') !== (after.imageUrl ?? '')) parts.push('image');
  return parts.length ? parts.join('; ') : 'saved without changes';
}

// Snapshot writes are whole-file rewrites: one at a time, in order.
let snapshotQueue: Promise<unknown> = Promise.resolve();
function updateSnapshot(dir: string, change: (products: Product[]) => Product[]): Promise<void> {
  const next = snapshotQueue.then(async () => {
    const current = (await readCatalogueSnapshot(dir)) ?? [];
    await writeCatalogueSnapshot(dir, change(current));
  });
  snapshotQueue = next.catch(() => {});
  return next;
}

/**
 * `PUT /api/admin/products/{id}`: creates or replaces a product, then brings the search index
 * and caches up to date (and the local snapshot). Returns whether it was created.
 */
export async function putProduct(
  deps: CatalogueAdminDeps,
  id: string,
  body: unknown,
  author?: ChangeAuthor,
): Promise<{ product: Product; created: boolean }> {
  const { variants: variantInput, ...input } = parseWith(productInputSchema, body);
  const existing = await deps.products.get(id);
  if (existing && existing.sku !== input.sku) {
    throw new AppError(409, 'sku_immutable', `Product '${id}' has SKU ${existing.sku}; a SKU cannot change.`);
  }
  const variants = variantInput?.length ? sortVariants(variantInput) : undefined;
  if (variants?.some((v) => v.sku === input.sku)) {
    throw new AppError(400, 'validation_failed', "A variant's SKU must differ from the product's.");
  }
  const now = new Date().toISOString();
  const product: Product = {
    id,
    ...input,
    ...(variants && { variants }),
    imageUrl: input.imageUrl ?? `/api/products/${id}/image`,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  // Every SKU that sells gets a stock row (0 on hand: stock comes through PUT /admin/inventory).
  const skus = stockSkus(product);
  const taken = await findSkusOfOtherProducts(deps.db, skus, id);
  if (taken.length > 0) {
    throw new AppError(409, 'sku_taken', `SKU ${taken.join(', ')} belongs to another product.`, {
      skus: taken,
    });
  }
  await insertMissingInventory(
    deps.db,
    skus.map((sku) => ({ sku, productId: id, onHand: 0 })),
  );
  await deps.products.upsert(product);
  await indexWithAvailability(deps, [product]);
  await invalidateProduct(deps, id);
  if (deps.snapshotDir) {
    await updateSnapshot(deps.snapshotDir, (all) =>
      [...all.filter((p) => p.id !== id), product].sort((a, b) => a.id.localeCompare(b.id)),
    );
  }
  await recordCatalogueChange(deps.db, author, {
    action: existing ? 'product_updated' : 'product_created',
    productId: id,
    sku: product.sku,
    summary: describeProductChange(existing, product),
  });
  return { product, created: !existing };
}

/** `DELETE /api/admin/products/{id}`: gone from the store, the index and every cache. */
export async function deleteProduct(
  deps: CatalogueAdminDeps,
  id: string,
  author?: ChangeAuthor,
): Promise<void> {
  // Read first only for the audit summary (the name and SKU of what went).
  const before = author ? await deps.products.get(id) : undefined;
  const removed = await deps.products.remove(id);
  if (!removed) throw notFound('Product', id);
  await deps.search.remove([id]);
  await invalidateProduct(deps, id);
  if (deps.snapshotDir) await updateSnapshot(deps.snapshotDir, (all) => all.filter((p) => p.id !== id));
  await recordCatalogueChange(deps.db, author, {
    action: 'product_deleted',
    productId: id,
    sku: before?.sku ?? null,
    summary: before ? `deleted "${clip(before.name)}"` : 'deleted',
  });
}

/**
 * Rebuilds the search index from the product store (`npm run reindex`, local start), each page
 * with its variants' live availability (one stock query per page).
 */
export async function rebuildSearchIndex(
  deps: Pick<CatalogueAdminDeps, 'products' | 'search' | 'cache' | 'db'>,
  onProgress?: (done: number) => void,
): Promise<number> {
  await deps.search.ensureIndex();
  let afterId: string | undefined;
  let done = 0;
  for (;;) {
    const page = await deps.products.page({ afterId, limit: 1000 });
    if (page.length === 0) break;
    await indexWithAvailability(deps, page);
    done += page.length;
    onProgress?.(done);
    afterId = page.at(-1)!.id;
    if (page.length < 1000) break;
  }
  await bumpCatalogueVersion(deps.cache);
  return done;
}
