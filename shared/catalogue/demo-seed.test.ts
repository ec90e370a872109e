import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { countInventory } from '../inventory/inventory.repository';
import { demoStartingInventory, generateCatalogue } from './demo-catalogue';
import { demoCatalogueSize, ensureDemoData, readCatalogueSnapshot, reseedDemoData } from './demo-seed';
import { categories } from './product';

function isbn10Valid(isbn: string): boolean {
  const sum = [...isbn].reduce((acc, c, i) => acc + (c === 'X' ? 10 : Number(c)) * (10 - i), 0);
  return sum % 11 === 0;
}
function isbn13Valid(isbn: string): boolean {
  return [...isbn].reduce((acc, c, i) => acc + Number(c) * (i % 2 === 0 ? 1 : 3), 0) % 10 === 0;
}

describe('demo catalogue generator', () => {
  const catalogue = generateCatalogue(demoCatalogueSize);

  it('makes at least 2,000 products in at least 8 categories, deterministically', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(catalogue.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(catalogue.map((p) => p.id)).size).toBe(catalogue.length);
    expect(generateCatalogue(50)).toEqual(catalogue.slice(0, 50));
  });

  it('gives each category its vendor attributes, with valid ISBNs for books', () => {
    const books = catalogue.filter((p) => p.category === 'books');
    for (const book of books) {
      expect(isbn10Valid(String(book.attributes.isbn10)), String(book.attributes.isbn10)).toBe(true);
      expect(isbn13Valid(String(book.attributes.isbn13)), String(book.attributes.isbn13)).toBe(true);
      expect(book.attributes.author).toBeTruthy();
      expect(book.attributes.pages).toBeGreaterThan(0);
    }
    const apparel = catalogue.find((p) => p.category === 'apparel')!;
    expect(Object.keys(apparel.attributes)).toEqual(expect.arrayContaining(['size', 'colour', 'material']));
    const electronics = catalogue.find((p) => p.category === 'electronics')!;
    expect(Object.keys(electronics.attributes)).toEqual(
      expect.arrayContaining(['model', 'warrantyMonths', 'connectivity']),
    );
    for (const category of categories) expect(catalogue.some((p) => p.category === category)).toBe(true);
  });

  it('prices in integer minor units and points images at the local image function', () => {
    for (const product of catalogue) {
      expect(Number.isInteger(product.priceMinor) && product.priceMinor > 0).toBe(true);
      expect(product.imageUrl).toBe(`/api/products/${product.id}/image`);
    }
  });
});

function skuCount(products: number): number {
  return generateCatalogue(products).flatMap(demoStartingInventory).length;
}

describe('seeding the local shop', () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({ products: 0, host: false });
  });
  afterAll(async () => {
    await shop?.close();
  });

  it('generates on first run, then reloads the snapshot without regenerating', async () => {
    const first = await ensureDemoData(shop.services, { count: 120 });
    expect(first).toEqual({ products: 120, generated: true });
    expect(await shop.services.products.count()).toBe(120);
    // One stock row per SKU: a product sold by size has one per variant.
    expect(await countInventory(shop.services.sql.db)).toBe(skuCount(120));
    const second = await ensureDemoData(shop.services, { count: 999 });
    expect(second).toEqual({ products: 120, generated: false });
    expect((await readCatalogueSnapshot(shop.dataDir))?.length).toBe(120);
  });

  it('re-seeds with progress and resets stock', async () => {
    await shop.services.sql.db.updateTable('inventory').set({ on_hand: 1, held: 1 }).execute();
    const progress: string[] = [];
    const total = await reseedDemoData(shop.services, {
      count: 150,
      onProgress: (stage, done) => progress.push(`${stage}:${done}`),
    });
    expect(total).toBe(150);
    expect(progress).toContain('products:150');
    expect(progress).toContain('inventory:150');
    const held = await shop.services.sql.db
      .selectFrom('inventory')
      .select('held')
      .where('held', '>', 0)
      .execute();
    expect(held).toEqual([]);
    expect(await countInventory(shop.services.sql.db)).toBe(skuCount(150));
  });
});
