import type { Product, Variant } from './product';

// Letter sizes in the order shoppers read them; anything else sorts after them.
const letterSizes = ['XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL'];

/**
 * Sizes in their natural order: XS < S < M < L < XL < XXL, numbers numerically (shoe sizes
 * 9 < 10 < 10.5), then anything else alphabetically.
 */
export function compareSizes(a: string, b: string): number {
  const rank = (size: string): [number, number, string] => {
    const letter = letterSizes.indexOf(size.toUpperCase());
    if (letter >= 0) return [0, letter, ''];
    const number = Number(size);
    if (size.trim() !== '' && Number.isFinite(number)) return [1, number, ''];
    return [2, 0, size];
  };
  const [ga, na, sa] = rank(a);
  const [gb, nb, sb] = rank(b);
  return ga - gb || na - nb || sa.localeCompare(sb);
}

/** Variants by colour (alphabetically, uncoloured first), then size in its natural order. */
export function sortVariants<T extends Pick<Variant, 'options'>>(variants: readonly T[]): T[] {
  return [...variants].sort(
    (a, b) =>
      (a.options.colour ?? '').localeCompare(b.options.colour ?? '') ||
      compareSizes(a.options.size, b.options.size),
  );
}

export function hasVariants(product: Pick<Product, 'variants'>): boolean {
  return (product.variants?.length ?? 0) > 0;
}

/** The variant of `product` sold as `sku`, or undefined (also for a product without variants). */
export function findVariant(product: Pick<Product, 'variants'>, sku: string): Variant | undefined {
  return product.variants?.find((variant) => variant.sku === sku);
}

/** Whether the product still sells this SKU (its own, or one of its variants'). */
export function sellsSku(product: Pick<Product, 'sku' | 'variants'>, sku: string): boolean {
  return hasVariants(product) ? findVariant(product, sku) !== undefined : product.sku === sku;
}

/** What the shopper pays for `sku` of `product`: the variant's own price, else the product's. */
export function unitPriceOf(product: Pick<Product, 'priceMinor' | 'variants'>, sku: string): number {
  return findVariant(product, sku)?.priceMinor ?? product.priceMinor;
}

/** The SKUs that carry stock for the product: its variants', or its own when it has none. */
export function stockSkus(product: Pick<Product, 'sku' | 'variants'>): string[] {
  return hasVariants(product) ? product.variants!.map((v) => v.sku) : [product.sku];
}

/** "Size M" or "Size M, navy": how a cart, order, receipt and pick list name a variant. */
export function variantLabel(options: { size: string; colour?: string } | null | undefined): string {
  if (!options) return '';
  return options.colour ? `Size ${options.size}, ${options.colour}` : `Size ${options.size}`;
}
