import { describe, expect, it } from 'vitest';
import { demoStartingInventory, generateCatalogue } from './demo-catalogue';
import { compareSizes, sortVariants, unitPriceOf, variantLabel } from './variants';

describe('variant sizes', () => {
  it('sorts letter sizes in their natural order and shoe sizes numerically', () => {
    expect(['XL', 'S', 'XXL', 'M', 'XS', 'L'].sort(compareSizes)).toEqual(['XS', 'S', 'M', 'L', 'XL', 'XXL']);
    expect(['10', '9', '10.5', '13', '5'].sort(compareSizes)).toEqual(['5', '9', '10', '10.5', '13']);
    expect(['One size', 'M', '8'].sort(compareSizes)).toEqual(['M', '8', 'One size']);
  });

  it('orders variants by colour, then size, and prices and labels them', () => {
    const variants = sortVariants([
      { sku: 'A-L-R', options: { size: 'L', colour: 'red' } },
      { sku: 'A-S-R', options: { size: 'S', colour: 'red' } },
      { sku: 'A-M-B', options: { size: 'M', colour: 'blue' } },
    ]);
    expect(variants.map((v) => v.sku)).toEqual(['A-M-B', 'A-S-R', 'A-L-R']);
    const product = {
      priceMinor: 1000,
      variants: [{ sku: 'X-XL', options: { size: 'XL' }, priceMinor: 1200 }],
    };
    expect(unitPriceOf(product, 'X-XL')).toBe(1200);
    expect(unitPriceOf(product, 'X')).toBe(1000);
    expect(variantLabel({ size: 'M' })).toBe('Size M');
    expect(variantLabel({ size: '9', colour: 'navy' })).toBe('Size 9, navy');
  });
});

describe('demo catalogue variants', () => {
  const catalogue = generateCatalogue(600);

  it('sells every sized product by size: apparel in letters, running shoes in shoe sizes', () => {
    const sized = catalogue.filter((p) => Array.isArray(p.attributes.size));
    expect(sized.length).toBeGreaterThan(100);
    for (const product of sized) {
      const sizes = product.variants!.map((v) => v.options.size);
      expect(sizes).toEqual(product.attributes.size);
      expect(sizes).toEqual([...sizes].sort(compareSizes));
      for (const variant of product.variants!) {
        expect(variant.sku).toBe(`${product.sku}-${variant.options.size}`);
        expect(variant.options.colour).toBe(product.attributes.colour);
      }
    }
    const shoes = catalogue.filter((p) => p.name.endsWith('Running Shoes'));
    expect(shoes.length).toBeGreaterThan(0);
    for (const shoe of shoes) expect(shoe.variants!.every((v) => /^\d+$/.test(v.options.size))).toBe(true);
    const hoodie = catalogue.find(
      (p) => p.name.endsWith('Hoodie') && p.variants!.some((v) => v.options.size === 'XXL'),
    )!;
    expect(hoodie.variants!.find((v) => v.options.size === 'XXL')!.priceMinor).toBe(hoodie.priceMinor + 200);
    expect(catalogue.filter((p) => p.category === 'books').every((p) => p.variants === undefined)).toBe(true);
  });

  it('leaves every other generated value as it was (same products with variants off, minus sizes of shoes)', () => {
    const plain = generateCatalogue(600, undefined, { variants: false });
    expect(plain.every((p) => p.variants === undefined)).toBe(true);
    catalogue.forEach((product, i) => {
      const { variants: _, attributes, ...rest } = product;
      const { attributes: plainAttributes, ...plainRest } = plain[i]!;
      expect(rest).toEqual(plainRest);
      expect({ ...attributes, size: undefined }).toEqual({ ...plainAttributes, size: undefined });
    });
  });

  it('gives each variant its own deterministic starting stock, some sold out', () => {
    const rows = catalogue.flatMap(demoStartingInventory);
    expect(rows).toEqual(generateCatalogue(600).flatMap(demoStartingInventory));
    const variantSkus = catalogue.flatMap((p) => p.variants ?? []).map((v) => v.sku);
    const variantRows = rows.filter((r) => variantSkus.includes(r.sku));
    expect(variantRows).toHaveLength(variantSkus.length);
    expect(variantRows.some((r) => r.onHand === 0)).toBe(true);
    expect(variantRows.filter((r) => r.onHand > 0).length).toBeGreaterThan(variantRows.length / 2);
    expect(new Set(rows.map((r) => r.sku)).size).toBe(rows.length);
  });
});
