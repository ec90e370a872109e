import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCatalogue } from '../catalogue/demo-catalogue';
import {
  attributeFilterFields,
  facetFields,
  productIndexDefinition,
  productIndexFields,
  productNameIndexAnalyzer,
  productSynonymMap,
  productTextAnalyzer,
  toSearchDocument,
} from './product-index-schema';
import { pluralRules, tokenize } from './text-tokens';

describe('product index schema', () => {
  it('is committed as JSON for Bicep and scripts, identical to the code', () => {
    // Regenerate: put this in a .ts file at the repository root and run it with npx tsx:
    //   import fs from 'node:fs'; import { productIndexDefinition } from './shared/search/product-index-schema';
    //   fs.writeFileSync('shared/search/product-index-schema.json', JSON.stringify(productIndexDefinition('products'), null, 2) + '\n');
    const committed = JSON.parse(readFileSync(path.join(__dirname, 'product-index-schema.json'), 'utf8'));
    expect(committed).toEqual(productIndexDefinition('products'));
  });

  it('makes every filter/facet field filterable and facetable, with one key', () => {
    for (const name of facetFields) {
      const field = productIndexFields.find((candidate) => candidate.name === name);
      expect(field, name).toMatchObject({ filterable: true, facetable: true });
    }
    expect(productIndexFields.filter((field) => field.key).map((field) => field.name)).toEqual(['id']);
  });

  it('folds accents and plurals in every searchable field, as the shared analysis does for queries', () => {
    expect(productTextAnalyzer.tokenFilters).toEqual([
      'lowercase',
      'asciifolding',
      ...pluralRules.map((rule) => rule.name),
    ]);
    for (const field of productIndexFields.filter((candidate) => candidate.searchable)) {
      // The name indexes joined word pairs too but is queried like every other field.
      const queried = field.searchAnalyzer ?? field.analyzer;
      expect(queried, field.name).toBe(productTextAnalyzer.name);
      expect(field.indexAnalyzer ?? field.analyzer, field.name).toBe(
        field.name === 'name' ? productNameIndexAnalyzer.name : productTextAnalyzer.name,
      );
      expect(field.synonymMaps, field.name).toEqual([productSynonymMap.name]);
    }
    expect(productNameIndexAnalyzer.tokenFilters.at(-1)).toBe('shop_join_pairs');
    expect(tokenize('Café Crème')).toEqual(['cafe', 'creme']);
  });

  it('filters sizes by the variants in stock, and by the size attribute without variants', () => {
    const [shirt] = generateCatalogue(2).slice(1);
    const base = { ...shirt!, attributes: { ...shirt!.attributes, size: ['S', 'M', 'L'] } };
    delete (base as { variants?: unknown }).variants;
    expect(toSearchDocument(base).facets.size).toEqual(['S', 'M', 'L']);
    const withVariants = {
      ...base,
      variants: [
        { sku: 'a-s', options: { size: 'S' }, available: 0 },
        { sku: 'a-m', options: { size: 'M', colour: 'red' }, available: 3 },
        { sku: 'a-l', options: { size: 'L' } },
        { sku: 'a-x', options: {}, available: 2 },
      ],
    };
    expect(toSearchDocument(withVariants as typeof base).facets.size).toEqual(['M', 'L']);
    expect(toSearchDocument({ ...base, variants: [] } as typeof base).facets.size).toEqual(['S', 'M', 'L']);
  });

  it('covers the string attributes the demo vendors use', () => {
    const seen = new Set<string>();
    for (const product of generateCatalogue(500)) {
      for (const [key, value] of Object.entries(product.attributes)) {
        const strings = Array.isArray(value) ? value : [value];
        if (strings.every((item) => typeof item === 'string') && !/isbn|model/i.test(key)) seen.add(key);
      }
    }
    expect([...seen].filter((key) => !(attributeFilterFields as readonly string[]).includes(key))).toEqual(
      [],
    );
  });
});
