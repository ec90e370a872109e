import { useEffect, useRef, useState } from 'preact/hooks';
import type { FacetField } from '../../../shared/search/product-index-schema';
import { api, type SearchResult } from '../api';
import { categoryBlurbs } from '../category-blurbs';
import { Empty, ErrorBox, ProductGrid, SkeletonGrid, Spinner, useTitle } from '../components';
import { attributeLabel, categories, categoryLabel, formatMoney } from '../format';
import { returning } from '../list-memory';
import type { PageProps } from '../main';
import { navigate } from '../router';

const PAGE_SIZE = 20;

const sorts = [
  { value: 'relevance', label: 'Best match' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
  { value: 'newest', label: 'Newest' },
];

type Facets = SearchResult['facets'];

// The fields the API filters on, checked against the server's list at compile time (a missing or
// unknown one fails tsc). Importing the list itself would bundle the search schema module into
// this page (analyzers, synonyms): about 1.4 KB gzipped.
const facetFieldSet = {
  category: 1,
  brand: 1,
  colour: 1,
  size: 1,
  author: 1,
  format: 1,
  language: 1,
  genre: 1,
  material: 1,
  fit: 1,
  gender: 1,
  connectivity: 1,
  room: 1,
  ageRange: 1,
  sport: 1,
  skinType: 1,
  scent: 1,
  origin: 1,
  dietary: 1,
  season: 1,
} satisfies Record<FacetField, 1>;
const facetFields = Object.keys(facetFieldSet) as FacetField[];

// The last few answers, so Back shows the page at once and the router can restore the scroll.
const recent = new Map<string, SearchResult>();
function keep(path: string, result: SearchResult): void {
  recent.delete(path);
  recent.set(path, result);
  if (recent.size > 10) recent.delete(recent.keys().next().value as string);
}

function selectedIn(search: URLSearchParams, field: string): string[] {
  return (search.get(field) ?? '').split(',').filter(Boolean);
}

/**
 * The API counts facets over the matching set, so a field's own filter hides its other values.
 * The API ORs values within a field, so each filtered field is counted once more without its own
 * filter (facets=<field>, one item): its other values stay visible with what choosing them adds.
 */
async function searchWithFacets(
  apiQuery: URLSearchParams,
  filtered: FacetField[],
  signal: AbortSignal,
): Promise<SearchResult> {
  const path = (query: URLSearchParams) => `/search?${query.toString()}`;
  const [main, ...others] = await Promise.all([
    api<SearchResult>(path(apiQuery), { signal }),
    ...filtered.map((field) => {
      const query = new URLSearchParams(apiQuery);
      query.delete(field);
      query.delete('page');
      query.set('facets', field);
      query.set('pageSize', '1');
      return api<SearchResult>(path(query), { signal }).catch(() => null);
    }),
  ]);
  const facets: Facets = { ...main.facets };
  filtered.forEach((field, i) => {
    const counted = others[i]?.facets[field];
    if (!counted) return;
    // a chosen value the wider count left out (beyond its top values) stays listed
    const chosen = selectedIn(apiQuery, field).filter((value) => !counted.some((f) => f.value === value));
    facets[field] = [
      ...counted,
      ...chosen.map((value) => main.facets[field]?.find((f) => f.value === value) ?? { value, count: 0 }),
    ];
  });
  return { ...main, facets };
}

export default function Search({ location, params }: PageProps) {
  const search = location.search;
  // /c/:category is this view with the category fixed (issue #17: sort, filters and a total)
  const fixed = params.category;
  const known = !fixed || (categories as readonly string[]).includes(fixed);
  const base = fixed ? `/c/${encodeURIComponent(fixed)}` : '/search';
  const filterFields: readonly FacetField[] = fixed
    ? facetFields.filter((f) => f !== 'category')
    : facetFields;
  const q = search.get('q') ?? '';
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);
  const sort = search.get('sort') ?? 'relevance';

  /** What the API filters on (anything else in the URL is not forwarded: it would be a 400). */
  const apiQuery = new URLSearchParams();
  for (const key of ['q', 'sort', 'page', 'minPrice', 'maxPrice', ...filterFields]) {
    const value = search.get(key);
    if (value) apiQuery.set(key, value);
  }
  if (fixed) apiQuery.set('category', fixed);
  apiQuery.set('pageSize', String(PAGE_SIZE));
  const apiPath = `/search?${apiQuery.toString()}`;
  const filtered = filterFields.filter((field) => selectedIn(search, field).length > 0);

  const [result, setResult] = useState<SearchResult | null>(() =>
    returning() ? (recent.get(apiPath) ?? null) : null,
  );
  const [loading, setLoading] = useState(!result);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [minPrice, setMinPrice] = useState('');
  const [maxPrice, setMaxPrice] = useState('');
  const head = useRef<HTMLDivElement>(null);
  const shownPage = useRef(page);
  useTitle(fixed ? (known ? categoryLabel(fixed) : 'Unknown category') : q ? `Search: ${q}` : 'Search');

  useEffect(() => {
    const toMajor = (minor: string | null) => (minor ? String(Number(minor) / 100) : '');
    setMinPrice(toMajor(search.get('minPrice')));
    setMaxPrice(toMajor(search.get('maxPrice')));
    if (!known) return;
    const kept = returning() ? recent.get(apiPath) : undefined;
    if (kept) {
      shownPage.current = page;
      setResult(kept);
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    searchWithFacets(apiQuery, filtered, controller.signal)
      .then((next) => {
        keep(apiPath, next);
        setResult(next);
        // Next/Previous: the new page starts at the top of the results, not where the link was
        if (shownPage.current !== page) requestAnimationFrame(toResultsTop);
        shownPage.current = page;
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => controller.abort();
  }, [apiPath, attempt]);

  const toResultsTop = () => {
    if (!head.current) return;
    const header = document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0;
    window.scrollTo(0, Math.max(0, head.current.getBoundingClientRect().top + window.scrollY - header - 8));
  };
  const to = (next: URLSearchParams) => {
    const query = next.toString();
    return query ? `${base}?${query}` : base;
  };
  const withParam = (key: string, value: string | null): string => {
    const next = new URLSearchParams(search);
    if (value === null || value === '') next.delete(key);
    else next.set(key, value);
    if (key !== 'page') next.delete('page');
    return to(next);
  };
  const toggle = (field: string, value: string) => {
    const current = selectedIn(search, field);
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    navigate(withParam(field, next.join(',')));
  };
  const activeFilters = filterFields.flatMap((field) =>
    selectedIn(search, field).map((value) => ({ field, value })),
  );
  const min = search.get('minPrice');
  const max = search.get('maxPrice');
  const currency = result?.items[0]?.currency ?? 'USD';
  const priceChip =
    min && max
      ? `${formatMoney(Number(min), currency)} – ${formatMoney(Number(max), currency)}`
      : min
        ? `from ${formatMoney(Number(min), currency)}`
        : max
          ? `up to ${formatMoney(Number(max), currency)}`
          : null;
  const filterCount = activeFilters.length + (priceChip ? 1 : 0);
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;
  const valueLabel = (field: string, value: string) => (field === 'category' ? categoryLabel(value) : value);

  const applyPrice = (event: Event) => {
    event.preventDefault();
    const toMinor = (major: string) => (major.trim() === '' ? null : String(Math.round(Number(major) * 100)));
    const next = new URLSearchParams(search);
    for (const [key, value] of [
      ['minPrice', toMinor(minPrice)],
      ['maxPrice', toMinor(maxPrice)],
    ] as const) {
      if (value === null || Number.isNaN(Number(value))) next.delete(key);
      else next.set(key, value);
    }
    next.delete('page');
    navigate(to(next));
  };
  const clearPrice = () => {
    const next = new URLSearchParams(search);
    next.delete('minPrice');
    next.delete('maxPrice');
    next.delete('page');
    navigate(to(next));
  };

  const facets = result
    ? Object.entries(result.facets).filter(
        ([field, values]) => values.length > 0 && (filterFields as readonly string[]).includes(field),
      )
    : [];

  if (!known) {
    return (
      <section class="page">
        <h1 tabIndex={-1}>Unknown category</h1>
        <Empty title="We don't have that category">
          <a href="/">See all products</a>
        </Empty>
      </section>
    );
  }

  return (
    <section class="page">
      <div class="page-head" ref={head}>
        {fixed && (
          <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">Home</a> <span aria-hidden="true">/</span> <span>{categoryLabel(fixed)}</span>
          </nav>
        )}
        <h1 tabIndex={-1}>{fixed ? categoryLabel(fixed) : q ? `Results for “${q}”` : 'All products'}</h1>
        {fixed && <p class="muted">{categoryBlurbs[fixed]}</p>}
        <p class="muted" role="status" data-testid="result-count">
          {loading
            ? 'Searching…'
            : result
              ? `${result.total} ${result.total === 1 ? 'product' : 'products'}`
              : ''}
        </p>
      </div>
      <div class="search-layout">
        <details class="filters" open={typeof window !== 'undefined' && window.innerWidth > 800}>
          <summary>Filters{filterCount ? ` (${filterCount})` : ''}</summary>
          <form class="price-filter" onSubmit={applyPrice} aria-label="Price range">
            <fieldset>
              <legend>Price</legend>
              <div class="price-inputs">
                <label>
                  <span>Min</span>
                  <input
                    type="number"
                    min="0"
                    step="1"
                    inputMode="decimal"
                    value={minPrice}
                    onInput={(e) => setMinPrice(e.currentTarget.value)}
                  />
                </label>
                <label>
                  <span>Max</span>
                  <input
                    type="number"
                    min="0"
                    step="1"
                    inputMode="decimal"
                    value={maxPrice}
                    onInput={(e) => setMaxPrice(e.currentTarget.value)}
                  />
                </label>
              </div>
              <button type="submit" class="btn btn-secondary btn-small">
                Apply
              </button>
            </fieldset>
          </form>
          {facets.map(([field, values]) => {
            const chosen = selectedIn(search, field);
            // top values, plus any chosen value further down the list
            const shown = values.filter((facet, i) => i < 12 || chosen.includes(facet.value));
            return (
              <fieldset class="facet" key={field} data-facet={field}>
                <legend>{attributeLabel(field)}</legend>
                <ul>
                  {shown.map((facet) => (
                    <li key={facet.value}>
                      <label class="check">
                        <input
                          type="checkbox"
                          checked={chosen.includes(facet.value)}
                          onChange={() => toggle(field, facet.value)}
                        />
                        <span>{valueLabel(field, facet.value)}</span>
                        <span class="count">{facet.count}</span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            );
          })}
        </details>
        <div class="results">
          <div class="results-bar">
            <div class="chips">
              {activeFilters.map(({ field, value }) => (
                <button
                  type="button"
                  class="chip"
                  key={`${field}:${value}`}
                  onClick={() => toggle(field, value)}
                  aria-label={`Remove filter ${attributeLabel(field)}: ${value}`}
                >
                  {attributeLabel(field)}: {valueLabel(field, value)} <span aria-hidden="true">×</span>
                </button>
              ))}
              {priceChip && (
                <button
                  type="button"
                  class="chip"
                  onClick={clearPrice}
                  aria-label={`Remove filter Price: ${priceChip}`}
                >
                  Price: {priceChip} <span aria-hidden="true">×</span>
                </button>
              )}
            </div>
            <label class="sort">
              <span>Sort by</span>
              <select value={sort} onChange={(e) => navigate(withParam('sort', e.currentTarget.value))}>
                {sorts.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {loading && !result ? (
            <>
              <Spinner label="Searching…" />
              <SkeletonGrid />
            </>
          ) : error ? (
            <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
          ) : !result || result.items.length === 0 ? (
            <Empty title="No products match">
              <p>Check the spelling, use fewer words, or remove a filter.</p>
              {filterCount > 0 && (
                <a class="btn btn-secondary" href={q ? `${base}?q=${encodeURIComponent(q)}` : base}>
                  Clear filters
                </a>
              )}
            </Empty>
          ) : (
            <div class={loading ? 'is-stale' : undefined} aria-busy={loading}>
              <ProductGrid
                products={result.items}
                label={fixed ? `${categoryLabel(fixed)} products` : 'Search results'}
              />
              {pages > 1 && (
                <nav class="pagination" aria-label="Pages">
                  {page > 1 ? (
                    <a href={withParam('page', String(page - 1))} rel="prev">
                      ← Previous
                    </a>
                  ) : (
                    <span class="disabled">← Previous</span>
                  )}
                  <span>
                    Page {page} of {pages}
                  </span>
                  {page < pages ? (
                    <a href={withParam('page', String(page + 1))} rel="next">
                      Next →
                    </a>
                  ) : (
                    <span class="disabled">Next →</span>
                  )}
                </nav>
              )}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
