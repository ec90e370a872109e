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

const SESSION_KEY = 'cartwheel.session';

function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > Date.now() + 5_000 ? session : null;
  } catch {
    return null;
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
  if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(SESSION_KEY);
  session.set(next);
  if (!next) cart.set(null);
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
    setSession(null);
    const here = currentLocation();
    if (!here.path.startsWith('/signin')) navigate(`/signin?next=${encodeURIComponent(here.href)}`);
  },
);

/** Local issuer: a name becomes the subject; the token lives in sessionStorage. */
export async function signInLocal(name: string): Promise<Session> {
  const sub =
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'shopper';
  const issued = await api<{ access_token: string; expires_in: number }>('/dev/token', {
    method: 'POST',
    body: { sub, name: name.trim(), email: `${sub}@example.test` },
  });
  const next: Session = {
    token: issued.access_token,
    name: name.trim(),
    sub,
    mode: 'local',
    expiresAt: Date.now() + issued.expires_in * 1000,
  };
  setSession(next);
  void refreshCart();
  return next;
}

/** Entra External ID through MSAL, which is only downloaded in entra mode. */
export async function signInEntra(): Promise<Session | null> {
  const config = await clientConfig();
  if (config.auth.mode !== 'entra') throw new Error('Entra sign-in is not configured.');
  const { signInWithEntra } = await import('./auth-entra');
  const next = await signInWithEntra(config.auth);
  if (next) {
    setSession(next);
    void refreshCart();
  }
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
