import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { ApiError, type ProductSummary } from './api';
import { categoryLabel, formatMoney } from './format';
import { flash, useStore } from './store';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isNetwork) return error.detail;
    if (error.status === 404) return error.detail || 'We could not find that.';
    if (error.status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
    return error.detail || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" class="btn btn-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-art" aria-hidden="true">
        ◌
      </div>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Price({ minor, currency }: { minor: number; currency: string }) {
  return <span class="price">{formatMoney(minor, currency)}</span>;
}

export function ProductCard({ product }: { product: ProductSummary }) {
  return (
    <li class="card">
      <a class="card-link" href={`/p/${encodeURIComponent(product.id)}`}>
        <div class="card-media">
          <img src={product.imageUrl} alt="" loading="lazy" decoding="async" width={320} height={320} />
        </div>
        <div class="card-body">
          <span class="card-category">{categoryLabel(product.category)}</span>
          <span class="card-title">{product.name}</span>
          <span class="card-brand">{product.brand}</span>
          <Price minor={product.priceMinor} currency={product.currency} />
        </div>
      </a>
    </li>
  );
}

export function ProductGrid({ products, label }: { products: ProductSummary[]; label: string }) {
  return (
    <ul class="grid" aria-label={label}>
      {products.map((product) => (
        <ProductCard key={product.id} product={product} />
      ))}
    </ul>
  );
}

export function SkeletonGrid({ count = 8 }: { count?: number }) {
  return (
    <ul class="grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <li class="card skeleton" key={i}>
          <div class="card-media" />
          <div class="card-body">
            <span class="sk-line" />
            <span class="sk-line short" />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Sets the document title for a page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Cartwheel` : 'Cartwheel';
  }, [title]);
}

export function SignInPrompt({ next, message }: { next: string; message: string }) {
  return (
    <Empty title="Please sign in">
      <p>{message}</p>
      <a class="btn btn-primary" href={`/signin?next=${encodeURIComponent(next)}`}>
        Sign in
      </a>
    </Empty>
  );
}

/**
 * The outcome of something done on the shopper's behalf (an add resumed after sign-in, an expired
 * sign-in), shown on the page it belongs to until the shopper goes elsewhere.
 */
export function FlashNotice({ path }: { path: string }) {
  const message = useStore(flash);
  useEffect(() => {
    if (message && message.path !== path) flash.set(null);
  }, [path]);
  if (!message || message.path !== path) return null;
  return (
    // not a live region itself: showFlash already announces the text once (store.ts)
    <div class={`notice notice-${message.tone} flash`} data-testid="flash">
      <p>
        {message.text} {message.tone === 'success' && <a href="/cart">View cart</a>}
      </p>
      <button type="button" class="link-button" onClick={() => flash.set(null)} aria-label="Dismiss message">
        ×
      </button>
    </div>
  );
}
