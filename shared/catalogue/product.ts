/** A scalar or a short list: what a vendor attribute may hold. */
export type AttributeValue = string | number | boolean | string[];

export const categories = [
  'books',
  'apparel',
  'electronics',
  'home',
  'toys',
  'sports',
  'beauty',
  'grocery',
  'garden',
] as const;
export type Category = (typeof categories)[number];

/** What tells a product's variants apart. */
export interface VariantOptions {
  size: string;
  colour?: string;
}

/**
 * One size/colour combination of a product: its own SKU (and so its own stock, hold, sale and
 * pick line) and, optionally, its own price (else the product's).
 */
export interface Variant {
  sku: string;
  options: VariantOptions;
  priceMinor?: number;
}

/** A variant as the API returns it: with its own live available count. */
export interface VariantView extends Variant {
  available: number;
}

/**
 * A product as stored in Cosmos DB (container `products`, partition key `/id`). Vendor
 * attributes vary by category (books: isbn10, isbn13, author, pages; apparel: size, colour,
 * material; electronics: specs...). Money is integer minor units plus an ISO currency.
 */
export interface Product {
  id: string;
  /**
   * The product's SKU. Without variants it is the one that carries stock; with variants it names
   * the style only (stock, carts and orders use the variants' SKUs).
   */
  sku: string;
  category: Category;
  name: string;
  brand: string;
  description: string;
  priceMinor: number;
  currency: string;
  attributes: Record<string, AttributeValue>;
  /** Absent (or empty) for a product sold as one SKU; else in natural size order. */
  variants?: Variant[];
  imageUrl: string;
  createdAt: string;
  updatedAt: string;
}

/** A product as the API returns it: the document plus its live availability. */
export interface ProductView extends Omit<Product, 'variants'> {
  /** The sum over its variants for a product with variants. */
  available: number;
  variants?: VariantView[];
  availableUpdatedAt: string;
}
