import './styles.css';
import { type ComponentType, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { prefetch } from './api';
import { ErrorBox, FlashNotice, Spinner } from './components';
import { categories, categoryLabel } from './format';
import { type Location, matchPath, navigate, startRouter, useLocation } from './router';
import { announcement, cart, refreshCart, session, signOut, useStore } from './store';

export interface PageProps {
  params: Record<string, string>;
  location: Location;
}

type PageModule = { default: ComponentType<PageProps> };

const routes: Array<{ pattern: string; load: () => Promise<PageModule> }> = [
  { pattern: '/', load: () => import('./pages/home') },
  { pattern: '/c/:category', load: () => import('./pages/search') }, // sort, filters and a total
  { pattern: '/search', load: () => import('./pages/search') },
  { pattern: '/p/:id', load: () => import('./pages/product') },
  { pattern: '/cart', load: () => import('./pages/cart') },
  { pattern: '/checkout', load: () => import('./pages/checkout') },
  { pattern: '/orders', load: () => import('./pages/orders') },
  { pattern: '/orders/:id', load: () => import('./pages/order') },
  { pattern: '/signin', load: () => import('./pages/signin') },
  { pattern: '/marketing', load: () => import('./pages/marketing') }, // role-gated: marketing, admin
  { pattern: '/operations', load: () => import('./pages/operations') }, // role-gated: operations, admin
  { pattern: '/warehouse', load: () => import('./pages/warehouse') }, // role-gated: warehouse, admin
  { pattern: '/admin', load: () => import('./pages/admin') }, // role-gated: admin
];

function resolve(path: string) {
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return undefined;
}

const loaded = new Map<() => Promise<PageModule>, ComponentType<PageProps>>();

function NotFound() {
  return (
    <section class="page narrow">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>That page does not exist. Try the home page or a search.</p>
      <a class="btn btn-primary" href="/">
        Go to the shop
      </a>
    </section>
  );
}

function RouteView({ location }: { location: Location }) {
  const match = resolve(location.path);
  const load = match?.route.load;
  const [, setTick] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!load || loaded.has(load)) return;
    let live = true;
    setError(null);
    load()
      .then((module) => {
        loaded.set(load, module.default);
        if (live) setTick((t) => t + 1);
      })
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [load]);
  if (!match || !load) return <NotFound />;
  const Page = loaded.get(load);
  if (error) return <ErrorBox error={new Error('This page failed to load. Please reload.')} />;
  if (!Page) return <Spinner />;
  return <Page params={match.params} location={location} />;
}

function Header({ location }: { location: Location }) {
  const user = useStore(session);
  const currentCart = useStore(cart);
  const [q, setQ] = useState(location.path === '/search' ? (location.search.get('q') ?? '') : '');
  useEffect(() => {
    if (location.path === '/search') setQ(location.search.get('q') ?? '');
  }, [location.href]);
  const count = currentCart?.itemCount ?? 0;
  const activeCategory = location.path.startsWith('/c/') ? location.path.slice(3) : '';
  return (
    <header class="site-header">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="bar container">
        <a class="logo" href="/" aria-label="Cartwheel home">
          <span class="logo-mark" aria-hidden="true" />
          Cartwheel
        </a>
        <search class="search-slot">
          <form
            class="search-form"
            onSubmit={(event) => {
              event.preventDefault();
              const term = q.trim();
              navigate(term ? `/search?q=${encodeURIComponent(term)}` : '/search');
            }}
          >
            <label class="sr-only" for="site-search">
              Search products
            </label>
            <input
              id="site-search"
              type="search"
              name="q"
              placeholder="Search books, hoodies, headphones…"
              value={q}
              onInput={(event) => setQ(event.currentTarget.value)}
              autoComplete="off"
            />
            <button type="submit" class="btn btn-primary">
              Search
            </button>
          </form>
        </search>
        <nav class="account-nav" aria-label="Account">
          {user ? (
            <>
              <a href="/orders">Orders</a>
              <span class="user-name" title={user.name}>
                Hi, {user.name}
              </span>
              <button
                type="button"
                class="link-button"
                onClick={() => {
                  void signOut().then(() => navigate('/'));
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <a href={`/signin?next=${encodeURIComponent(location.href)}`}>Sign in</a>
          )}
          <a class="cart-link" href="/cart">
            <svg class="cart-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path
                fill="none"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
                stroke-linejoin="round"
                d="M3 4h2l2.4 10.2a2 2 0 0 0 2 1.5h7.7a2 2 0 0 0 1.9-1.4L21 8H6.2M10 20h.01M17 20h.01"
              />
            </svg>
            Cart
            <span class="badge" data-testid="cart-count">
              {count}
            </span>
            <span class="sr-only">{count === 1 ? 'item' : 'items'}</span>
          </a>
        </nav>
      </div>
      <nav class="categories" aria-label="Categories">
        <ul class="container">
          {categories.map((category) => (
            <li key={category}>
              <a
                href={`/c/${category}`}
                aria-current={activeCategory === category ? 'page' : undefined}
                class={activeCategory === category ? 'active' : undefined}
              >
                {categoryLabel(category)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

function App() {
  const location = useLocation();
  const message = useStore(announcement);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // move focus to the new page's heading so screen readers and keyboards start there
    const timer = setTimeout(() => {
      const heading = document.querySelector<HTMLElement>('#main h1');
      const target = heading ?? document.getElementById('main');
      if (target) {
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
        target.focus({ preventScroll: true });
      }
    }, 60);
    return () => clearTimeout(timer);
  }, [location.path]);
  return (
    <>
      <Header location={location} />
      <main id="main" class="container" tabIndex={-1}>
        <FlashNotice path={location.path} />
        <RouteView location={location} />
      </main>
      <footer class="site-footer">
        <div class="container">
          <p>Cartwheel · live stock, secure checkout · prices include tax</p>
        </div>
      </footer>
      <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {message}
      </div>
    </>
  );
}

startRouter();
// the product page's data is fetched while its chunk downloads
const productMatch = matchPath('/p/:id', window.location.pathname);
if (productMatch?.id) prefetch(`/products/${encodeURIComponent(productMatch.id)}`);
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
if (session.get()) void refreshCart();
