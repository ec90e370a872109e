import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type ProductSummary, query } from '../api';
import { categoryBlurbs } from '../category-blurbs';
import { Empty, ErrorBox, ProductGrid, SkeletonGrid, Spinner, useTitle } from '../components';
import { categories, categoryLabel } from '../format';
import { recall, remember } from '../list-memory';
import type { PageProps } from '../main';
import { announce } from '../store';

const PAGE_SIZE = 20;
/** Category pages are search views (search.tsx); this is the shop's front page. */
const MEMORY_KEY = '/';

export default function Home(_: PageProps) {
  // Back after "Load more": the same list, so the router can scroll back to the same card
  const [kept] = useState(() => recall<ProductSummary>(MEMORY_KEY));
  const [items, setItems] = useState<ProductSummary[]>(kept?.items ?? []);
  const [token, setToken] = useState<string | null>(kept?.continuationToken ?? null);
  const [loading, setLoading] = useState(!kept);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useTitle('');

  useEffect(() => {
    if (kept && attempt === 0) return;
    const controller = new AbortController();
    setItems([]);
    setToken(null);
    setLoading(true);
    setError(null);
    api<Page<ProductSummary>>(`/products${query({ limit: PAGE_SIZE })}`, { signal: controller.signal })
      .then((page) => {
        setItems(page.items);
        setToken(page.continuationToken);
        remember(MEMORY_KEY, page);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => controller.abort();
  }, [attempt]);

  const loadMore = async () => {
    if (!token) return;
    setLoadingMore(true);
    try {
      const page = await api<Page<ProductSummary>>(
        `/products${query({ limit: PAGE_SIZE, continuationToken: token })}`,
      );
      const all = [...items, ...page.items];
      setItems(all);
      setToken(page.continuationToken);
      remember(MEMORY_KEY, { items: all, continuationToken: page.continuationToken });
      announce(`${page.items.length} more products loaded.`);
      // keep keyboard users in place: focus the first new product
      setTimeout(() => {
        const links = document.querySelectorAll<HTMLAnchorElement>('.grid .card-link');
        links[links.length - page.items.length]?.focus();
      }, 0);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section class="page">
      <div class="hero">
        <div>
          <h1 tabIndex={-1}>Good things, in stock right now.</h1>
          <p>Live stock counts on every product, held for you while you check out.</p>
          <a class="btn btn-accent" href="/search?sort=newest">
            Shop new arrivals
          </a>
        </div>
      </div>
      <h2 class="section-title">Shop by category</h2>
      <ul class="category-tiles">
        {categories.map((c) => (
          <li key={c}>
            <a href={`/c/${c}`} class={`tile tile-${c}`}>
              <span class="tile-name">{categoryLabel(c)}</span>
              <span class="tile-blurb">{categoryBlurbs[c]}</span>
            </a>
          </li>
        ))}
      </ul>
      <h2 class="section-title">All products</h2>
      {loading ? (
        <>
          <Spinner label="Loading products…" />
          <SkeletonGrid />
        </>
      ) : error && items.length === 0 ? (
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
      ) : items.length === 0 ? (
        <Empty title="Nothing here yet">
          <p>No products yet. Please come back soon.</p>
        </Empty>
      ) : (
        <>
          <ProductGrid products={items} label="Products" />
          {error ? <ErrorBox error={error} /> : null}
          <div class="pager">
            <p class="muted" aria-live="polite">
              Showing {items.length} products
            </p>
            {token ? (
              <button type="button" class="btn btn-secondary" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            ) : (
              <p class="muted">That's everything.</p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
