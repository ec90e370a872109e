import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCatalogue } from '../catalogue/demo-catalogue';
import {
  attributeFilterFields,
  facetFields,
  productIndexDefinition,
  productIndexFields,
  productTextAnalyzer,
} from './product-index-schema';
import { tokenize } from './text-tokens';

describe('product index schema', () => {
  it('is committed as JSON for Bicep and scripts, identical to the code', () => {
    // Regenerate: npx tsx -e "import {productIndexDefinition} from './shared/search/product-index-schema';
    //   require('fs').writeFileSync('shared/search/product-index-schema.json', JSON.stringify(productIndexDefinition('products'), null, 2) + '\n')"
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

  it('folds accents in every searchable field, as the shared tokenizer does for queries', () => {
    expect(productTextAnalyzer.tokenFilters).toContain('asciifolding');
    expect(productIndexFields.filter((field) => field.searchable).map((field) => field.analyzer)).toEqual(
      productIndexFields.filter((field) => field.searchable).map(() => productTextAnalyzer.name),
    );
    expect(tokenize('Café Crème')).toEqual(['cafe', 'creme']);
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
