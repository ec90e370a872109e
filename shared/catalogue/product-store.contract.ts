import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCatalogue } from './demo-catalogue';
import type { ProductStore } from './product-store.port';

/** The product store's contract, run against every adapter that can run here. */
export function productStoreContract(name: string, open: () => Promise<ProductStore>) {
  describe(`product store contract: ${name}`, () => {
    let store: ProductStore;
    const products = generateCatalogue(30);
    beforeAll(async () => {
      store = await open();
      await store.bulkUpsert(products);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('reads a product back with every vendor attribute and no system fields', async () => {
      const product = await store.get(products[0]!.id);
      expect(product).toEqual(products[0]);
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.get('p-none')).toBeUndefined();
    });

    it('pages in ascending id order after a key, optionally by category', async () => {
      const ids = products.map((p) => p.id).sort();
      expect((await store.page({ limit: 5 })).map((p) => p.id)).toEqual(ids.slice(0, 5));
      expect((await store.page({ limit: 5, afterId: ids[4] })).map((p) => p.id)).toEqual(ids.slice(5, 10));
      const books = products.filter((p) => p.category === 'books').map((p) => p.id);
      expect((await store.page({ limit: 100, category: 'books' })).map((p) => p.id)).toEqual(books);
    });

    it('upserts (create and replace) and removes', async () => {
      const changed = { ...products[1]!, name: 'Renamed', priceMinor: 123 };
      await store.upsert(changed);
      expect(await store.get(changed.id)).toEqual(changed);
      expect(await store.remove(changed.id)).toBe(true);
      expect(await store.remove(changed.id)).toBe(false);
      expect(await store.get(changed.id)).toBeUndefined();
      expect(await store.count()).toBe(products.length - 1);
    });
  });
}
