import { useEffect, useState } from 'preact/hooks';
import { facetFields } from '../../../shared/search/product-index-schema';
import { api, type SearchResult } from '../api';
import { Empty, ErrorBox, ProductGrid, SkeletonGrid, Spinner, useTitle } from '../components';
import { attributeLabel, categoryLabel } from '../format';
import type { PageProps } from '../main';
import { navigate } from '../router';

const PAGE_SIZE = 20;
/** What the API filters on (anything else in the URL is not forwarded: it would be a 400). */
const filterFields = facetFields;
const passThrough = ['q', 'sort', 'page', 'minPrice', 'maxPrice', ...filterFields];

const sorts = [
  { value: 'relevance', label: 'Best match' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
  { value: 'newest', label: 'Newest' },
];

function withParam(search: URLSearchParams, key: string, value: string | null): string {
  const next = new URLSearchParams(search);
  if (value === null || value === '') next.delete(key);
  else next.set(key, value);
  if (key !== 'page') next.delete('page');
  return `/search?${next.toString()}`;
}

export default function Search({ location }: PageProps) {
  const search = location.search;
  const q = search.get('q') ?? '';
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);
  const sort = search.get('sort') ?? 'relevance';
  const [result, setResult] = useState<SearchResult | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [minPrice, setMinPrice] = useState('');
  const [maxPrice, setMaxPrice] = useState('');
  useTitle(q ? `Search: ${q}` : 'Search');

  const apiQuery = new URLSearchParams();
  for (const key of passThrough) {
    const value = search.get(key);
    if (value) apiQuery.set(key, value);
  }
  apiQuery.set('pageSize', String(PAGE_SIZE));
  const apiPath = `/search?${apiQuery.toString()}`;

  useEffect(() => {
    const toMajor = (minor: string | null) => (minor ? String(Number(minor) / 100) : '');
    setMinPrice(toMajor(search.get('minPrice')));
    setMaxPrice(toMajor(search.get('maxPrice')));
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api<SearchResult>(apiPath, { signal: controller.signal })
      .then(setResult)
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => controller.abort();
  }, [apiPath, attempt]);

  const selected = (field: string) => (search.get(field) ?? '').split(',').filter(Boolean);
  const toggle = (field: string, value: string) => {
    const current = selected(field);
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    navigate(withParam(search, field, next.join(',')), { replace: false });
  };
  const activeFilters = filterFields.flatMap((field) => selected(field).map((value) => ({ field, value })));
  const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 1;

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
    navigate(`/search?${next.toString()}`);
  };

  const facets = result ? Object.entries(result.facets).filter(([, values]) => values.length > 0) : [];

  return (
    <section class="page">
      <div class="page-head">
        <h1 tabIndex={-1}>{q ? `Results for “${q}”` : 'All products'}</h1>
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
          <summary>Filters{activeFilters.length ? ` (${activeFilters.length})` : ''}</summary>
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
          {facets.map(([field, values]) => (
            <fieldset class="facet" key={field}>
              <legend>{attributeLabel(field)}</legend>
              <ul>
                {values.slice(0, 12).map((facet) => {
                  const checked = selected(field).includes(facet.value);
                  return (
                    <li key={facet.value}>
                      <label class="check">
                        <input
                          type="checkbox"
                          checked={checked}
                          onChange={() => toggle(field, facet.value)}
                        />
                        <span>{field === 'category' ? categoryLabel(facet.value) : facet.value}</span>
                        <span class="count">{facet.count}</span>
                      </label>
                    </li>
                  );
                })}
              </ul>
            </fieldset>
          ))}
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
                  {attributeLabel(field)}: {value} <span aria-hidden="true">×</span>
                </button>
              ))}
            </div>
            <label class="sort">
              <span>Sort by</span>
              <select
                value={sort}
                onChange={(e) => navigate(withParam(search, 'sort', e.currentTarget.value))}
              >
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
              {activeFilters.length > 0 && (
                <a class="btn btn-secondary" href={`/search${q ? `?q=${encodeURIComponent(q)}` : ''}`}>
                  Clear filters
                </a>
              )}
            </Empty>
          ) : (
            <div class={loading ? 'is-stale' : undefined} aria-busy={loading}>
              <ProductGrid products={result.items} label="Search results" />
              {pages > 1 && (
                <nav class="pagination" aria-label="Pages">
                  {page > 1 ? (
                    <a href={withParam(search, 'page', String(page - 1))} rel="prev">
                      ← Previous
                    </a>
                  ) : (
                    <span class="disabled">← Previous</span>
                  )}
                  <span>
                    Page {page} of {pages}
                  </span>
                  {page < pages ? (
                    <a href={withParam(search, 'page', String(page + 1))} rel="next">
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
