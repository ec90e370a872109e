// Sign-in never loses the shopper's action (issue #17, point 3): an Add to cart made while
// signed out, or while the session has expired, is remembered in this tab, and after sign-in it
// is performed and the shopper lands back on the product with the outcome shown.
import { ApiError, api, type Cart } from './api';
import { navigate } from './router';
import { cart, type Session, session, setBeforeSignInRedirect, setSession, showFlash } from './store';

/** An add to cart waiting for sign-in. `sku` names the variant when the product has variants. */
export interface PendingAdd {
  kind: 'add-to-cart';
  productId: string;
  quantity: number;
  sku?: string;
  name?: string;
  /** Where the shopper was (the product page), so they land back there. */
  returnTo: string;
  savedAt: number;
}

export type AddRequest = Pick<PendingAdd, 'productId' | 'quantity' | 'sku' | 'name'>;

// Per tab (sessionStorage): the tab that asked performs the add, not every open tab.
const KEY = 'cartwheel.pending';
/** An intent older than this is stale: the shopper has moved on. */
const MAX_AGE_MS = 30 * 60_000;
const MAX_PER_LINE = 10;

function safePath(href: string): string {
  return href.startsWith('/') && !href.startsWith('//') ? href : '/';
}

export function readPending(): PendingAdd | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const pending = JSON.parse(raw) as PendingAdd;
    if (pending.kind !== 'add-to-cart' || typeof pending.productId !== 'string') return null;
    if (!(pending.savedAt > Date.now() - MAX_AGE_MS)) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return pending;
  } catch {
    return null;
  }
}

function savePending(add: AddRequest, returnTo: string): void {
  const quantity = Math.max(1, Math.min(MAX_PER_LINE, Math.floor(add.quantity) || 1));
  const pending: PendingAdd = {
    kind: 'add-to-cart',
    ...add,
    quantity,
    returnTo: safePath(returnTo),
    savedAt: Date.now(),
  };
  try {
    sessionStorage.setItem(KEY, JSON.stringify(pending));
  } catch {
    // storage full or blocked: the shopper signs in and adds again, as before
  }
}

export function clearPending(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing to clear
  }
}

function usable(current: Session | null): current is Session {
  // an Entra token near expiry is renewed silently by the token provider (store.ts)
  return !!current && (current.mode === 'entra' || current.expiresAt > Date.now() + 5_000);
}

// The add being sent right now: if the API answers 401 (expired or revoked token) it is kept.
// It is over once the cart changes (the add landed) or after 15 s, so a later 401 on some other
// request cannot replay an add that already happened.
let inFlight: { add: AddRequest; returnTo: string; at: number } | null = null;
cart.subscribe(() => {
  inFlight = null;
});
setBeforeSignInRedirect(() => {
  if (inFlight && inFlight.at > Date.now() - 15_000) savePending(inFlight.add, inFlight.returnTo);
  inFlight = null;
});

/**
 * Call before adding to the cart. Signed in: true (go ahead). Otherwise the add is remembered and
 * the shopper is sent to sign-in with the reason; false.
 */
export function signedInOrRemember(add: AddRequest, returnTo: string): boolean {
  const current = session.get();
  if (usable(current)) {
    inFlight = { add, returnTo, at: Date.now() };
    return true;
  }
  savePending(add, returnTo);
  const reason = current ? 'expired' : 'add';
  if (current) setSession(null); // expired: sign out cleanly before asking again
  navigate(`/signin?next=${encodeURIComponent(safePath(returnTo))}&reason=${reason}`);
  return false;
}

function lineQuantity(current: Cart | null, add: PendingAdd): number {
  const line = current?.lines.find(
    (l) => l.productId === add.productId && (!add.sku || (l as { sku?: string }).sku === add.sku),
  );
  return line?.quantity ?? 0;
}

/**
 * After sign-in: performs the remembered add (if any), then lands on the product with the outcome
 * as a flash message. Returns false when nothing was pending (the caller goes where it meant to).
 */
export async function resumePending(): Promise<boolean> {
  const pending = readPending();
  if (!pending || !session.get()) return false;
  clearPending(); // once: a reload must not add it twice
  const label = pending.name ?? 'this item';
  try {
    const current = await api<Cart>('/cart', { auth: true }).catch(() => cart.get());
    const already = lineQuantity(current, pending);
    const wanted = Math.min(MAX_PER_LINE, already + pending.quantity);
    const body: { quantity: number; sku?: string } = { quantity: wanted };
    if (pending.sku) body.sku = pending.sku;
    const next = await api<Cart>(`/cart/items/${encodeURIComponent(pending.productId)}`, {
      method: 'PUT',
      body,
      auth: true,
    });
    cart.set(next);
    const added = wanted - already;
    showFlash(
      pending.returnTo,
      added > 0
        ? { tone: 'success', text: `Added to cart: ${added} × ${label}.` }
        : {
            tone: 'info',
            text: `Your cart already holds the most of ${label} one order can take (${MAX_PER_LINE}).`,
          },
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // the fresh session was refused: keep the intent for the next attempt
      savePending(pending, pending.returnTo);
      return true;
    }
    let text = `Sorry, ${label} could not be added to your cart. Please try again.`;
    if (error instanceof ApiError && error.code === 'out_of_stock') {
      const left = typeof error.body.available === 'number' ? error.body.available : 0;
      text =
        left > 0
          ? `Sorry, only ${left} of ${label} ${left === 1 ? 'is' : 'are'} available, so nothing was added. Choose a smaller quantity.`
          : `Sorry, ${label} is now out of stock, so it was not added to your cart.`;
    } else if (error instanceof ApiError && error.code === 'variant_required') {
      text = `Choose an option (size or colour) for ${label}, then add it to your cart.`;
    } else if (error instanceof ApiError && error.code === 'unknown_variant') {
      text = `Sorry, that option of ${label} is no longer sold, so it was not added to your cart.`;
    } else if (error instanceof ApiError && error.status === 404) {
      text = `Sorry, ${label} is no longer sold, so it was not added to your cart.`;
    }
    showFlash(pending.returnTo, { tone: 'error', text });
  }
  navigate(pending.returnTo, { replace: true });
  return true;
}
