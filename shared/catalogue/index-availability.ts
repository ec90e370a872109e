import type { CacheAside } from '../adapters/cache/cache-aside';
import type { Db } from '../adapters/sql/schema';
import { readProductTotals } from '../inventory/inventory.repository';
import type { SearchIndex } from '../search/search-index.port';
import { bumpCatalogueVersion } from './catalogue.service';
import type { Product, VariantView } from './product';
import type { ProductStore } from './product-store.port';
import { hasVariants } from './variants';

/**
 * Products as the search index takes them: each variant with its live `available` count, so the
 * `size` filter and facet keep only sizes in stock (`inStockSizes`). One query for all of them,
 * by product id (at most one parameter per product: a page of 1000 stays under Azure SQL's 2100).
 * A variant without a stock row cannot be sold: it counts as 0.
 */
export async function withVariantAvailability(db: Db, products: readonly Product[]): Promise<Product[]> {
  const sized = products.filter(hasVariants);
  if (sized.length === 0) return [...products];
  const totals = await readProductTotals(
    db,
    sized.map((p) => p.id),
  );
  return products.map((product) => {
    if (!hasVariants(product)) return product;
    const skus = totals.get(product.id)?.skus ?? {};
    const variants: VariantView[] = product.variants!.map((v) => ({ ...v, available: skus[v.sku] ?? 0 }));
    return { ...product, variants };
  });
}

/** Upserts products into the search index with their variants' live availability. */
export async function indexWithAvailability(
  deps: { db: Db; search: SearchIndex },
  products: readonly Product[],
): Promise<void> {
  if (products.length === 0) return;
  await deps.search.upsert(await withVariantAvailability(deps.db, products));
}

/**
 * Re-indexes the products with these ids that sell by size (a stock change of one of their SKUs
 * can move a size in or out of the filter), then retires cached searches. Others: nothing to do.
 */
export async function reindexSizedProducts(
  deps: { db: Db; search: SearchIndex; products: ProductStore; cache: CacheAside },
  productIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return;
  const sized = (await deps.products.getMany(ids)).filter((p): p is Product => !!p && hasVariants(p));
  if (sized.length === 0) return;
  await indexWithAvailability(deps, sized);
  await bumpCatalogueVersion(deps.cache);
}
