import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Cart, clientConfig, setTokenProvider } from './api';
import { currentLocation, navigate } from './router';

/** A tiny observable value. */
export class Store<T> {
  private listeners = new Set<(value: T) => void>();
  constructor(private value: T) {}
  get(): T {
    return this.value;
  }
  set(value: T): void {
    this.value = value;
    for (const listener of this.listeners) listener(value);
  }
  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(setValue);
  }, [store]);
  return value;
}

export interface Session {
  token: string;
  name: string;
  sub: string;
  mode: 'local' | 'entra';
  expiresAt: number;
}

// localStorage, not sessionStorage: a new tab of the shop must see the same signed-in shopper
// (issue #17); the `storage` event below keeps open tabs in step on sign-in and sign-out.
const SESSION_KEY = 'cartwheel.session';

function parseSession(raw: string | null): Session | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Session;
    if (typeof parsed?.token !== 'string' || typeof parsed.expiresAt !== 'number') return null;
    // an Entra session past its expiry is kept: MSAL renews it silently (refreshEntraToken)
    return parsed.mode === 'entra' || parsed.expiresAt > Date.now() + 5_000 ? parsed : null;
  } catch {
    return null;
  }
}

let expiredAtLoad = false;

function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    const loaded = parseSession(raw);
    if (raw && !loaded) {
      localStorage.removeItem(SESSION_KEY); // expired: signed out cleanly, and told so
      expiredAtLoad = true;
    }
    return loaded;
  } catch {
    return null; // storage blocked: signed out
  }
}

export const session = new Store<Session | null>(loadSession());
export const cart = new Store<Cart | null>(null);
/** Announcements for the global aria-live region. */
export const announcement = new Store<string>('');

export function announce(message: string): void {
  announcement.set('');
  setTimeout(() => announcement.set(message), 50);
}

export function setSession(next: Session | null): void {
  try {
    if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // storage blocked: the session lives in this tab only
  }
  applySession(next);
}

function applySession(next: Session | null): void {
  const before = session.get();
  session.set(next);
  if (!next) cart.set(null);
  else if (before?.sub !== next.sub) void refreshCart();
  scheduleExpiry(next);
}

// Another tab signed in or out (or renewed its token): follow it. The event fires only in the
// other tabs of this origin, never in the tab that wrote.
window.addEventListener('storage', (event) => {
  if (event.key !== SESSION_KEY && event.key !== null) return;
  const next = parseSession(event.newValue);
  const before = session.get();
  if (before?.token === next?.token) return;
  applySession(next);
});

/** A message shown once on the page it is meant for (main.tsx renders it above the page). */
export interface Flash {
  path: string;
  tone: 'success' | 'info' | 'error';
  text: string;
}
export const flash = new Store<Flash | null>(null);

export function showFlash(path: string, message: Omit<Flash, 'path'>): void {
  flash.set({ path: new URL(path, window.location.origin).pathname, ...message });
  announce(message.text);
}

const EXPIRED = 'Your sign-in has expired. Sign in again to continue.';

// A local token that runs out while the page is open: sign out cleanly (the header says so)
// rather than fail the shopper's next click with a 401.
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleExpiry(current: Session | null): void {
  clearTimeout(expiryTimer);
  if (current?.mode !== 'local') return;
  const left = current.expiresAt - Date.now();
  if (left > 2 ** 31 - 1) return; // beyond setTimeout's range
  expiryTimer = setTimeout(
    () => {
      if (session.get()?.token !== current.token) return;
      setSession(null);
      showFlash(window.location.pathname, { tone: 'info', text: EXPIRED });
    },
    Math.max(0, left),
  );
}
scheduleExpiry(session.get());
if (expiredAtLoad) showFlash(window.location.pathname, { tone: 'info', text: EXPIRED });

let beforeSignInRedirect: () => void = () => {};
/** pending-action.ts keeps an add that a 401 interrupted. */
export function setBeforeSignInRedirect(hook: () => void): void {
  beforeSignInRedirect = hook;
}

setTokenProvider(
  async () => {
    const current = session.get();
    if (!current) return undefined;
    if (current.mode === 'entra' && current.expiresAt < Date.now() + 60_000) {
      const { refreshEntraToken } = await import('./auth-entra');
      const refreshed = await refreshEntraToken();
      if (refreshed) {
        setSession(refreshed);
        return refreshed.token;
      }
    }
    return current.token;
  },
  () => {
    // the API refused the token (expired or revoked): sign out, keep what the shopper was doing
    beforeSignInRedirect();
    setSession(null);
    const here = currentLocation();
    if (!here.path.startsWith('/signin'))
      navigate(`/signin?next=${encodeURIComponent(here.href)}&reason=expired`);
  },
);

/** Roles the local sign-in page offers (the local issuer's token carries them; shared/identity/principal.ts). */
export const localRoles = ['shopper', 'admin', 'warehouse', 'marketing', 'operations'] as const;
export type LocalRole = (typeof localRoles)[number];

/** Local issuer: a name becomes the subject; the token lives in localStorage (shared by the shop's tabs). */
export async function signInLocal(name: string, roles: readonly LocalRole[] = ['shopper']): Promise<Session> {
  const sub =
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'shopper';
  const issued = await api<{ access_token: string; expires_in: number }>('/dev/token', {
    method: 'POST',
    body: { sub, name: name.trim(), email: `${sub}@example.test`, roles },
  });
  const next: Session = {
    token: issued.access_token,
    name: name.trim(),
    sub,
    mode: 'local',
    expiresAt: Date.now() + issued.expires_in * 1000,
  };
  setSession(next); // loads the cart
  return next;
}

/** Entra External ID through MSAL, which is only downloaded in entra mode. */
export async function signInEntra(): Promise<Session | null> {
  const config = await clientConfig();
  if (config.auth.mode !== 'entra') throw new Error('Entra sign-in is not configured.');
  const { signInWithEntra } = await import('./auth-entra');
  const next = await signInWithEntra(config.auth);
  if (next) setSession(next); // loads the cart
  return next;
}

export async function signOut(): Promise<void> {
  const current = session.get();
  setSession(null);
  if (current?.mode === 'entra') {
    const { signOutOfEntra } = await import('./auth-entra');
    await signOutOfEntra();
  }
}

/** Loads the cart into the store (quietly: the header badge must never break a page). */
export async function refreshCart(): Promise<Cart | null> {
  if (!session.get()) {
    cart.set(null);
    return null;
  }
  try {
    const next = await api<Cart>('/cart', { auth: true });
    cart.set(next);
    return next;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    return cart.get();
  }
}
