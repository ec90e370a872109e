import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type ProductSummary, query } from '../api';
import { Empty, ErrorBox, ProductGrid, SkeletonGrid, Spinner, useTitle } from '../components';
import { categories, categoryLabel } from '../format';
import type { PageProps } from '../main';
import { announce } from '../store';

const PAGE_SIZE = 20;

const blurbs: Record<string, string> = {
  books: 'Fiction, science and cookbooks',
  apparel: 'Hoodies, tees and jackets',
  electronics: 'Audio, wearables and gadgets',
  home: 'Lamps, linen and kitchen',
  toys: 'Puzzles, kits and plush',
  sports: 'Gear for every game',
  beauty: 'Skin, hair and scent',
  grocery: 'Pantry and treats',
  garden: 'Tools, seeds and pots',
};

export default function Home({ params }: PageProps) {
  const category = params.category;
  const known = !category || (categories as readonly string[]).includes(category);
  const [items, setItems] = useState<ProductSummary[]>([]);
  const [token, setToken] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useTitle(category ? categoryLabel(category) : '');

  useEffect(() => {
    if (!known) return;
    const controller = new AbortController();
    setItems([]);
    setToken(null);
    setLoading(true);
    setError(null);
    api<Page<ProductSummary>>(`/products${query({ category, limit: PAGE_SIZE })}`, {
      signal: controller.signal,
    })
      .then((page) => {
        setItems(page.items);
        setToken(page.continuationToken);
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => controller.abort();
  }, [category, attempt]);

  const loadMore = async () => {
    if (!token) return;
    setLoadingMore(true);
    try {
      const page = await api<Page<ProductSummary>>(
        `/products${query({ category, limit: PAGE_SIZE, continuationToken: token })}`,
      );
      setItems((current) => [...current, ...page.items]);
      setToken(page.continuationToken);
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
      {category ? (
        <div class="page-head">
          <nav class="crumbs" aria-label="Breadcrumb">
            <a href="/">Home</a> <span aria-hidden="true">/</span> <span>{categoryLabel(category)}</span>
          </nav>
          <h1 tabIndex={-1}>{categoryLabel(category)}</h1>
          <p class="muted">{blurbs[category]}</p>
        </div>
      ) : (
        <>
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
                  <span class="tile-blurb">{blurbs[c]}</span>
                </a>
              </li>
            ))}
          </ul>
          <h2 class="section-title">All products</h2>
        </>
      )}
      {loading ? (
        <>
          <Spinner label="Loading products…" />
          <SkeletonGrid />
        </>
      ) : error && items.length === 0 ? (
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
      ) : items.length === 0 ? (
        <Empty title="Nothing here yet">
          <p>No products in this category. Try another one.</p>
        </Empty>
      ) : (
        <>
          <ProductGrid
            products={items}
            label={category ? `${categoryLabel(category)} products` : 'Products'}
          />
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
