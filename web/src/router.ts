import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  search: URLSearchParams;
  href: string;
}

type Listener = (location: Location) => void;
const listeners = new Set<Listener>();

export function currentLocation(): Location {
  return {
    path: window.location.pathname,
    search: new URLSearchParams(window.location.search),
    href: window.location.pathname + window.location.search,
  };
}

function emit(): void {
  const location = currentLocation();
  for (const listener of listeners) listener(location);
}

type Arrival = 'load' | 'push' | 'pop';
let arrival: Arrival = 'load';

/**
 * How the current entry was reached: 'pop' is Back/Forward, when a page should show what the
 * shopper left (list-memory.ts) rather than start over.
 */
export function arrivedBy(): Arrival {
  return arrival;
}

/** The scroll position is kept in each history entry, so Back returns to the same place. */
function saveScroll(): void {
  const state = (window.history.state ?? {}) as Record<string, unknown>;
  window.history.replaceState({ ...state, scrollY: window.scrollY }, '');
}

/** Client-side navigation with the history API. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === currentLocation().href && !options.replace) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else {
    saveScroll();
    window.history.pushState(null, '', href);
  }
  arrival = 'push';
  window.scrollTo(0, 0);
  emit();
}

let restoring = 0;
/**
 * After Back/Forward: scroll to where the shopper was once the page is tall enough (its content
 * loads asynchronously), giving up after 3 s or when the shopper scrolls first.
 */
function restoreScroll(y: number): void {
  const attempt = ++restoring;
  const started = Date.now();
  const step = () => {
    if (attempt !== restoring) return;
    const reachable = document.documentElement.scrollHeight - window.innerHeight;
    if (reachable >= y || Date.now() - started > 3_000) {
      window.scrollTo(0, Math.min(y, Math.max(0, reachable)));
      return;
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const listener: Listener = (next) => setLocation(next);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return location;
}

/** Intercepts same-origin <a> clicks so links route without a reload. */
export function startRouter(): void {
  // the SPA restores scroll itself: the browser's restore runs before the content is back
  window.history.scrollRestoration = 'manual';
  window.addEventListener('popstate', (event) => {
    arrival = 'pop';
    emit();
    const y = (event.state as { scrollY?: unknown } | null)?.scrollY;
    if (typeof y === 'number' && y > 0) restoreScroll(y);
  });
  // a reload, or Back from another site, keeps the place too
  window.addEventListener('pagehide', saveScroll);
  const y = (window.history.state as { scrollY?: unknown } | null)?.scrollY;
  if (typeof y === 'number' && y > 0) restoreScroll(y);
  window.addEventListener('wheel', () => restoring++, { passive: true });
  window.addEventListener('touchstart', () => restoring++, { passive: true });
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    if (url.hash && url.pathname === window.location.pathname) return; // in-page anchors (skip link)
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

/** Matches "/p/:id" style patterns; returns params or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const part = a[i] as string;
    const value = b[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}
