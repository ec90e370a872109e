import type { Product } from './product';

export interface ProductPageQuery {
  category?: string;
  /** Keyset paging: only ids greater than this, in id order. */
  afterId?: string;
  limit: number;
}

/** Where products live: Cosmos DB in Azure, the same client against an in-process server locally. */
export interface ProductStore {
  get(id: string): Promise<Product | undefined>;
  /**
   * Several products by id, read from the store now (never a cache): one entry per id, in the
   * order given (repeats allowed), `undefined` for an unknown id. Fewer requests than one `get`
   * per id; an adapter may also combine concurrent calls, but each call's read starts after
   * the call was made, so no call sees an older state than a `get` at that moment would.
   */
  getMany(ids: readonly string[]): Promise<Array<Product | undefined>>;
  /** Products in ascending id order (a stable order for paging). */
  page(query: ProductPageQuery): Promise<Product[]>;
  /** Creates or replaces. */
  upsert(product: Product): Promise<void>;
  /** True when it existed. */
  remove(id: string): Promise<boolean>;
  /** Loads many products at once (seeding); faster than one by one. */
  bulkUpsert(products: Product[], onProgress?: (done: number) => void): Promise<void>;
  count(): Promise<number>;
  /** Records the availability shown with the product (set by the inventory consumer). */
  setDisplayedAvailability(
    id: string,
    /** `available` is the product's (the sum over its variants); `variants` each variant's, by SKU. */
    displayed: { available: number; lowStock: boolean; updatedAt: string; variants?: Record<string, number> },
  ): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
