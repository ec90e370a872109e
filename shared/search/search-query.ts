import * as z from 'zod';
import { type Category, categories } from '../catalogue/product';
import { type FieldErrors, validationFailed } from '../platform/errors';
import {
  defaultFacetsFor,
  type FacetField,
  type FilterField,
  facetFields,
  filterFields,
} from './product-index-schema';
import { maxPageSize, maxSkip, type SearchRequest, searchSorts } from './search-index.port';

export const defaultPageSize = 20;
const maxQueryLength = 200;
const maxValuesPerField = 20;
const maxValueLength = 100;

/** `a,b,,c ` -> ['a', 'b', 'c']; multi-values arrive comma-separated. */
function list(raw: string): string[] {
  return raw
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, 'Must be a whole number.')
    .transform(Number)
    .pipe(z.number().int().min(min, `Must be at least ${min}.`).max(max, `Must be at most ${max}.`));

const valueList = z
  .string()
  .transform(list)
  .pipe(
    z
      .array(z.string().max(maxValueLength, `Each value must be at most ${maxValueLength} characters.`))
      .min(1, 'Give at least one value.')
      .max(maxValuesPerField, `At most ${maxValuesPerField} values.`),
  );

const knownParams = z.object({
  q: z.string().trim().max(maxQueryLength, `At most ${maxQueryLength} characters.`).optional(),
  category: z
    .string()
    .transform(list)
    .pipe(
      z
        .array(z.enum(categories, { error: `Must be one of: ${categories.join(', ')}.` }))
        .max(categories.length),
    )
    .optional(),
  sort: z.enum(searchSorts, { error: `Must be one of: ${searchSorts.join(', ')}.` }).default('relevance'),
  page: wholeNumber(1, Math.floor(maxSkip / maxPageSize) + 1).default(1),
  pageSize: wholeNumber(1, maxPageSize).default(defaultPageSize),
  minPrice: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
  maxPrice: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
  facets: z
    .string()
    .transform(list)
    .pipe(z.array(z.enum(facetFields, { error: `Must be among: ${facetFields.join(', ')}.` })))
    .optional(),
});
const knownParamNames: ReadonlySet<string> = new Set(Object.keys(knownParams.shape));
const filterFieldNames: ReadonlySet<string> = new Set(filterFields);

/**
 * Parses `GET /api/search` query parameters into a SearchRequest. Anything wrong is a
 * `validation_failed` (400) naming each bad parameter; unknown parameters are errors too,
 * so a mistyped filter never silently widens the results.
 */
export function parseSearchQuery(raw: Record<string, string>): SearchRequest {
  // No prototypes: `__proto__` is then a key like any other (an unknown parameter, 400).
  const errors: FieldErrors = Object.create(null);
  const known: Record<string, string> = {};
  const filters: Partial<Record<FilterField, string[]>> = {};

  for (const [name, value] of Object.entries(raw)) {
    if (knownParamNames.has(name)) {
      known[name] = value;
    } else if (filterFieldNames.has(name)) {
      const parsed = valueList.safeParse(value);
      if (parsed.success) filters[name as FilterField] = [...new Set(parsed.data)];
      else errors[name] = parsed.error.issues.map((issue) => issue.message);
    } else {
      errors[name] = [`Unknown parameter. Filters: ${filterFields.join(', ')}.`];
    }
  }

  const parsed = knownParams.safeParse(known);
  if (!parsed.success) {
    // Report the parameter ("category"), not the list position inside it ("category.1").
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(query)');
      errors[name] ??= [];
      errors[name].push(issue.message);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) throw validationFailed(errors);

  const params = parsed.data;
  if (params.minPrice !== undefined && params.maxPrice !== undefined && params.minPrice > params.maxPrice) {
    throw validationFailed({ minPrice: ['Must not be greater than maxPrice.'] });
  }
  if ((params.page - 1) * params.pageSize > maxSkip) {
    throw validationFailed({ page: [`Results beyond the first ${maxSkip} cannot be paged to.`] });
  }
  const selectedCategories: Category[] | undefined =
    params.category && params.category.length > 0 ? [...new Set(params.category)] : undefined;
  const facets: FacetField[] = params.facets
    ? [...new Set(params.facets)]
    : defaultFacetsFor(selectedCategories);

  const request: SearchRequest = {
    sort: params.sort,
    page: params.page,
    pageSize: params.pageSize,
    facets,
  };
  if (params.q) request.q = params.q;
  if (selectedCategories) request.categories = selectedCategories;
  if (params.minPrice !== undefined) request.minPrice = params.minPrice;
  if (params.maxPrice !== undefined) request.maxPrice = params.maxPrice;
  if (Object.keys(filters).length > 0) request.filters = filters;
  return request;
}
