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

    it('reads many by id: one entry per id in the order given, undefined when unknown', async () => {
      const [a, b, c] = [products[2]!, products[3]!, products[4]!];
      expect(await store.getMany([])).toEqual([]);
      expect(await store.getMany([c.id])).toEqual([c]);
      expect(await store.getMany(['p-none'])).toEqual([undefined]);
      expect(await store.getMany([c.id, 'p-none', a.id, c.id, b.id])).toEqual([c, undefined, a, c, b]);
      // Many ids at once, unknown ones among them.
      const many = [...products.map((p) => p.id), ...Array.from({ length: 120 }, (_, i) => `p-none-${i}`)];
      const read = await store.getMany(many);
      expect(read.slice(0, products.length)).toEqual(products);
      expect(read.slice(products.length).every((p) => p === undefined)).toBe(true);
    });

    it('answers concurrent reads of many each with its own products, as they are now', async () => {
      const calls = Array.from({ length: 40 }, (_, i) => [products[i % 10]!.id, products[(i * 7) % 10]!.id]);
      const answers = await Promise.all(calls.map((ids) => store.getMany(ids)));
      for (const [i, ids] of calls.entries()) {
        expect(answers[i]!.map((p) => p?.id)).toEqual(ids);
      }
      // No cached copy: a change is seen by the next read.
      const repriced = { ...products[5]!, priceMinor: products[5]!.priceMinor + 100 };
      await store.upsert(repriced);
      const [after] = await Promise.all([
        store.getMany([repriced.id, products[6]!.id]),
        store.getMany([products[7]!.id]),
      ]);
      expect(after).toEqual([repriced, products[6]]);
      await store.upsert(products[5]!);
      expect(await store.getMany([products[5]!.id, products[6]!.id])).toEqual([products[5], products[6]]);
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
