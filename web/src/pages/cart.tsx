import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Cart, type CartLine, query } from '../api';
import { lineNow, payableTotal } from '../checkout/totals';
import { Empty, ErrorBox, errorMessage, Price, SignInPrompt, Spinner, useTitle } from '../components';
import { formatCountdown } from '../format';
import type { PageProps } from '../main';
import { announce, cart, refreshCart, session, useStore } from '../store';

const MAX_PER_LINE = 10;

/** Ticks every second while mounted. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * A cart change (PUT) answers with the lines as stored, without the catalogue comparison GET
 * makes: keep the notices of lines whose price did not change in between.
 */
export function keepNotices(previous: Cart | null | undefined, next: Cart): Cart {
  if (!previous) return next;
  const before = new Map(previous.lines.map((line) => [line.sku, line]));
  return {
    ...next,
    lines: next.lines.map((line) => {
      const old = before.get(line.sku);
      if (!old || old.unitPriceMinor !== line.unitPriceMinor || old.currency !== line.currency) return line;
      return {
        ...line,
        ...(old.currentPrice && !line.currentPrice ? { currentPrice: old.currentPrice } : {}),
        ...(old.unavailable ? { unavailable: old.unavailable } : {}),
      };
    }),
  };
}

export function isLapsed(line: CartLine, now: number): boolean {
  return line.holdStatus === 'lapsed' || Date.parse(line.holdExpiresAt) <= now;
}

function Line({
  line,
  now,
  busy,
  error,
  onQuantity,
  onRemove,
}: {
  line: CartLine;
  now: number;
  busy: boolean;
  error?: string;
  onQuantity: (quantity: number) => void;
  onRemove: () => void;
}) {
  const lapsed = isLapsed(line, now);
  const left = Date.parse(line.holdExpiresAt) - now;
  const qtyId = `qty-${line.sku}`;
  return (
    <li class={`cart-line${lapsed ? ' lapsed' : ''}`} data-product-id={line.productId} data-sku={line.sku}>
      <img src={line.imageUrl} alt="" width={96} height={96} />
      <div class="line-main">
        <a class="line-name" href={`/p/${encodeURIComponent(line.productId)}`}>
          {line.name}
        </a>
        {line.variantLabel && (
          <span class="line-variant" data-testid="line-variant">
            {line.variantLabel}
          </span>
        )}
        <span class="muted">
          <Price minor={line.unitPriceMinor} currency={line.currency} /> each
        </span>
        {line.unavailable ? (
          <p class="notice notice-error line-notice" role="status" data-testid="line-unavailable">
            This item is no longer sold. Remove it to check out the rest.
          </p>
        ) : line.currentPrice ? (
          <p class="notice notice-warning line-notice" role="status" data-testid="price-changed">
            The price changed: now{' '}
            <Price minor={line.currentPrice.unitPriceMinor} currency={line.currentPrice.currency} /> each (was{' '}
            <Price minor={line.unitPriceMinor} currency={line.currency} />
            ).{' '}
            <button
              type="button"
              class="link-button"
              onClick={() => onQuantity(line.quantity)}
              disabled={busy}
            >
              Use the new price
            </button>
          </p>
        ) : null}
        {line.unavailable ? null : lapsed ? (
          <p class="hold hold-lapsed" role="status">
            Your hold on this item lapsed. It may sell out — we'll try to reserve it again at checkout.{' '}
            <button
              type="button"
              class="link-button"
              onClick={() => onQuantity(line.quantity)}
              disabled={busy}
            >
              Hold it again
            </button>
          </p>
        ) : (
          <p class="hold" data-testid="hold">
            Held for you for <span class="countdown">{formatCountdown(left)}</span>
          </p>
        )}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div class="line-actions">
        <label class="qty" for={qtyId}>
          <span>Qty</span>
        </label>
        <select
          id={qtyId}
          value={line.quantity}
          disabled={busy}
          aria-label={`Quantity of ${line.name}`}
          onChange={(e) => onQuantity(Number(e.currentTarget.value))}
        >
          {Array.from({ length: Math.max(MAX_PER_LINE, line.quantity) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="link-button danger"
          onClick={onRemove}
          disabled={busy}
          aria-label={`Remove ${line.name}`}
        >
          Remove
        </button>
      </div>
      <div class="line-total">
        <Price {...lineNow(line)} />
      </div>
    </li>
  );
}

export default function CartPage({ location }: PageProps) {
  const user = useStore(session);
  const current = useStore(cart);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const now = useNow();
  useTitle('Cart');

  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      cart.set(await api<Cart>('/cart', { auth: true }));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (user) void load();
    else setLoading(false);
  }, [user?.sub]);

  // when a countdown runs out, ask the server for the truth once
  const expiredCount = current?.lines.filter(
    (l) => l.holdStatus === 'held' && Date.parse(l.holdExpiresAt) <= now,
  ).length;
  useEffect(() => {
    if (expiredCount) void refreshCart();
  }, [expiredCount]);

  const change = async (line: CartLine, quantity: number | null) => {
    setBusy(line.sku);
    setLineErrors((errors) => ({ ...errors, [line.sku]: '' }));
    try {
      // One line per SKU: a variant's line names its SKU (docs/api.md, Cart).
      const path = `/cart/items/${encodeURIComponent(line.productId)}`;
      const next =
        quantity === null
          ? await api<Cart>(`${path}${line.options ? query({ sku: line.sku }) : ''}`, {
              method: 'DELETE',
              auth: true,
            })
          : await api<Cart>(path, {
              method: 'PUT',
              body: line.options ? { quantity, sku: line.sku } : { quantity },
              auth: true,
            });
      cart.set(keepNotices(cart.get(), next));
      announce(
        quantity === null
          ? `Removed ${line.name}${line.variantLabel ? ` (${line.variantLabel})` : ''} from your cart.`
          : `${line.name}: quantity ${quantity}.`,
      );
    } catch (e) {
      const message =
        e instanceof ApiError && e.code === 'out_of_stock'
          ? `Only ${String(e.body.available ?? 0)} available right now.`
          : errorMessage(e);
      setLineErrors((errors) => ({ ...errors, [line.sku]: message }));
    } finally {
      setBusy(null);
    }
  };

  if (!user) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>Your cart</h1>
        <SignInPrompt
          next={location.href}
          message="Sign in to see your cart and hold items while you shop."
        />
      </section>
    );
  }

  const lapsedLines = current?.lines.filter((l) => isLapsed(l, now) && !l.unavailable) ?? [];
  const repriced = current?.lines.filter((l) => l.currentPrice) ?? [];
  const unavailable = current?.lines.filter((l) => l.unavailable) ?? [];
  // What Pay Now would charge: current prices, without the items no longer sold.
  const totalNow = current ? payableTotal(current) : 0;

  return (
    <section class="page">
      <h1 tabIndex={-1}>Your cart</h1>
      {loading && !current ? (
        <Spinner label="Loading your cart…" />
      ) : error && !current ? (
        <ErrorBox error={error} onRetry={() => void load()} />
      ) : !current || current.lines.length === 0 ? (
        <Empty title="Your cart is empty">
          <p>Find something you like and it will be held here for you.</p>
          <a class="btn btn-primary" href="/">
            Start shopping
          </a>
        </Empty>
      ) : (
        <div class="cart-layout">
          <div>
            {lapsedLines.length > 0 && (
              <div class="notice notice-warning" role="status" data-testid="lapsed-notice">
                {lapsedLines.length === 1 ? 'One item is' : `${lapsedLines.length} items are`} no longer held
                for you. We'll try to reserve {lapsedLines.length === 1 ? 'it' : 'them'} again when you pay.
              </div>
            )}
            {repriced.length > 0 && (
              <div class="notice notice-warning" role="status" data-testid="price-notice">
                {repriced.length === 1
                  ? 'The price of one item has'
                  : `The prices of ${repriced.length} items have`}{' '}
                changed since you added {repriced.length === 1 ? 'it' : 'them'}. You pay the current price, as
                the total shows.
              </div>
            )}
            <ul class="cart-lines" aria-label="Items in your cart">
              {current.lines.map((line) => (
                <Line
                  key={line.sku}
                  line={line}
                  now={now}
                  busy={busy === line.sku}
                  error={lineErrors[line.sku]}
                  onQuantity={(q) => void change(line, q)}
                  onRemove={() => void change(line, null)}
                />
              ))}
            </ul>
          </div>
          <aside class="summary" aria-labelledby="summary-heading">
            <h2 id="summary-heading">Summary</h2>
            <dl>
              <div>
                <dt>Items</dt>
                <dd>{current.itemCount}</dd>
              </div>
              <div class="total">
                <dt>Total</dt>
                <dd data-testid="cart-total">
                  <Price minor={totalNow} currency={current.currency} />
                </dd>
              </div>
            </dl>
            <p class="muted small">
              Items are held for {current.holdMinutes} minutes from your last change; any change to your cart
              renews every hold.
            </p>
            {unavailable.length > 0 ? (
              <p class="notice notice-error" role="status">
                Remove {unavailable.length === 1 ? 'the item' : 'the items'} no longer sold to check out.
              </p>
            ) : (
              <a class="btn btn-primary btn-large btn-block" href="/checkout">
                Check out
              </a>
            )}
          </aside>
        </div>
      )}
    </section>
  );
}
