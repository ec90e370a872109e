import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import { parseSearchQuery } from './search-query';

function fieldErrors(raw: Record<string, string>): Record<string, string[]> {
  try {
    parseSearchQuery(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect((error as AppError).code).toBe('validation_failed');
    return (error as AppError).extra.errors as Record<string, string[]>;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('parseSearchQuery', () => {
  it('applies defaults', () => {
    expect(parseSearchQuery({})).toEqual({
      sort: 'relevance',
      page: 1,
      pageSize: 20,
      facets: ['category', 'brand', 'colour'],
    });
  });

  it('parses every parameter, with comma-separated multi-values', () => {
    expect(
      parseSearchQuery({
        q: '  warm hoodie ',
        category: 'apparel',
        sort: 'price_desc',
        page: '3',
        pageSize: '50',
        minPrice: '1000',
        maxPrice: '5000',
        facets: 'brand,size,size',
        brand: 'Fjell, Marlow',
        size: 'M,L,',
        colour: "x' or 1 eq 1",
      }),
    ).toEqual({
      q: 'warm hoodie',
      categories: ['apparel'],
      sort: 'price_desc',
      page: 3,
      pageSize: 50,
      minPrice: 1000,
      maxPrice: 5000,
      facets: ['brand', 'size'],
      filters: { brand: ['Fjell', 'Marlow'], size: ['M', 'L'], colour: ["x' or 1 eq 1"] },
    });
  });

  it('defaults facets to the single category attributes; facets= asks for none', () => {
    expect(parseSearchQuery({ category: 'books' }).facets).toEqual([
      'category',
      'brand',
      'author',
      'format',
      'genre',
      'language',
    ]);
    expect(parseSearchQuery({ facets: '' }).facets).toEqual([]);
  });

  it('rejects bad values field by field', () => {
    const errors = fieldErrors({
      category: 'books,spaceships',
      sort: 'cheapest',
      page: '0',
      pageSize: '51',
      minPrice: '-1',
      maxPrice: '1.5',
      facets: 'brand,isbn13',
      size: ',',
    });
    expect(Object.keys(errors).sort()).toEqual(
      ['category', 'facets', 'maxPrice', 'minPrice', 'page', 'pageSize', 'size', 'sort'].sort(),
    );
    expect(fieldErrors({ page: 'two' }).page).toEqual(['Must be a whole number.']);
  });

  it('rejects unknown filter fields instead of ignoring them', () => {
    expect(Object.keys(fieldErrors({ isbn13: '978', q: 'x' }))).toEqual(['isbn13']);
    expect(fieldErrors({ Brand: 'Fjell' }).Brand?.[0]).toMatch(/Unknown parameter/);
  });

  it('rejects minPrice above maxPrice, over-long text and paging past the limit', () => {
    expect(Object.keys(fieldErrors({ minPrice: '500', maxPrice: '100' }))).toEqual(['minPrice']);
    expect(Object.keys(fieldErrors({ q: 'a'.repeat(201) }))).toEqual(['q']);
    expect(Object.keys(fieldErrors({ page: '2002', pageSize: '50' }))).toEqual(['page']);
  });
});
