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

/**
 * A product as stored in Cosmos DB (container `products`, partition key `/id`). Vendor
 * attributes vary by category (books: isbn10, isbn13, author, pages; apparel: size, colour,
 * material; electronics: specs...). Money is integer minor units plus an ISO currency.
 */
export interface Product {
  id: string;
  sku: string;
  category: Category;
  name: string;
  brand: string;
  description: string;
  priceMinor: number;
  currency: string;
  attributes: Record<string, AttributeValue>;
  imageUrl: string;
  createdAt: string;
  updatedAt: string;
}

/** A product as the API returns it: the document plus its live availability. */
export interface ProductView extends Product {
  available: number;
  availableUpdatedAt: string;
}
