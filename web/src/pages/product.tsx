import { useEffect, useRef, useState } from 'preact/hooks';
import { sortVariants } from '../../../shared/catalogue/variants';
import { ApiError, api, apiOnce, type Cart, type Product } from '../api';
import { ErrorBox, errorMessage, Price, Spinner, useTitle } from '../components';
import { categoryLabel, describeAttribute, formatDate } from '../format';
import { type LiveMode, watchAvailability } from '../live';
import type { PageProps } from '../main';
import { signedInOrRemember } from '../pending-action';
import { announce, cart } from '../store';

const MAX_PER_LINE = 10;

function stockText(available: number): string {
  if (available <= 0) return 'Out of stock';
  if (available <= 5) return `Only ${available} left`;
  return `${available} in stock`;
}

function markShown(): void {
  if (performance.getEntriesByName('available-shown', 'mark').length === 0) {
    performance.mark('available-shown');
  }
}

export default function ProductPage({ params, location }: PageProps) {
  const id = params.id ?? '';
  const [product, setProduct] = useState<Product | null>(null);
  const [available, setAvailable] = useState<number | null>(null);
  const [mode, setMode] = useState<LiveMode>('connecting');
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [quantity, setQuantity] = useState(1);
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  // A product with variants: each variant's live count, and the one chosen (by SKU).
  const [variantCounts, setVariantCounts] = useState<Record<string, number>>({});
  const [sku, setSku] = useState<string | null>(null);
  useTitle(product?.name ?? 'Product');

  useEffect(() => {
    const controller = new AbortController();
    setProduct(null);
    setAvailable(null);
    setError(null);
    setAdded(null);
    setAddError(null);
    setQuantity(1);
    setSku(null);
    setVariantCounts({});
    apiOnce<Product>(`/products/${encodeURIComponent(id)}`, { signal: controller.signal })
      .then((p) => {
        setProduct(p);
        setAvailable(p.available);
        setVariantCounts(Object.fromEntries((p.variants ?? []).map((v) => [v.sku, v.available])));
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e);
      });
    return () => controller.abort();
  }, [id, attempt]);

  // live stock once the product is known
  const known = product?.id;
  useEffect(() => {
    if (!known) return;
    return watchAvailability([known], {
      onMode: setMode,
      onAvailability: (update) => {
        // the newest message wins: server clocks (database vs host) are not compared here
        if (update.productId !== known) return;
        if (update.variants) {
          // the polling fallback: every variant's count, and their sum
          setVariantCounts(Object.fromEntries(update.variants.map((v) => [v.sku, v.available])));
          setAvailable(update.available);
        } else if (update.sku && update.sku in variantCountsRef.current) {
          // a live message about one variant: the product's count is the sum
          const next = { ...variantCountsRef.current, [update.sku]: update.available };
          setVariantCounts(next);
          setAvailable(Object.values(next).reduce((sum, n) => sum + n, 0));
        } else setAvailable(update.available);
      },
    });
  }, [known]);

  useEffect(() => {
    if (available !== null) markShown();
  }, [available !== null]);

  const variantCountsRef = useRef(variantCounts);
  variantCountsRef.current = variantCounts;
  const variants = product?.variants?.length ? sortVariants(product.variants) : null;
  const chosen = variants?.find((v) => v.sku === sku) ?? null;

  const inCart = useRef(0);
  const currentCart = cart.get();
  inCart.current =
    currentCart?.lines.find((l) => l.productId === id && (!variants || l.sku === sku))?.quantity ?? 0;

  const addToCart = async () => {
    if (!product) return;
    if (variants && !chosen) {
      setAddError(
        `Choose a ${variants.some((v) => v.options.colour) && colours(variants) > 1 ? 'size and colour' : 'size'} first.`,
      );
      return;
    }
    const variantSku = chosen?.sku;
    // signed out or expired: remembered, and performed after sign-in (pending-action.ts)
    if (
      !signedInOrRemember(
        { productId: product.id, quantity, name: product.name, ...(variantSku && { sku: variantSku }) },
        location.href,
      )
    )
      return;
    setAdding(true);
    setAddError(null);
    setAdded(null);
    const wanted = Math.min(MAX_PER_LINE, inCart.current + quantity);
    try {
      const next = await api<Cart>(`/cart/items/${encodeURIComponent(product.id)}`, {
        method: 'PUT',
        body: variantSku ? { quantity: wanted, sku: variantSku } : { quantity: wanted },
        auth: true,
      });
      cart.set(next);
      const message = `Added ${quantity} × ${product.name}${chosen ? ` (${optionText(chosen.options, variants!)})` : ''} to your cart.`;
      setAdded(message);
      announce(message);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'out_of_stock') {
        const left = typeof e.body.available === 'number' ? e.body.available : null;
        if (left !== null && inCart.current === 0) {
          if (variantSku) setVariantCounts((counts) => ({ ...counts, [variantSku]: Math.max(0, left) }));
          else setAvailable(Math.max(0, left));
        }
        setAddError(
          left === null || left <= 0
            ? 'Sorry, this is now out of stock.'
            : `Sorry, only ${left} ${left === 1 ? 'is' : 'are'} available${inCart.current ? ' beyond what is already in your cart' : ''}. Choose a smaller quantity.`,
        );
      } else if (e instanceof ApiError && e.status === 401) {
        setAddError('Please sign in again to add to your cart.');
      } else {
        setAddError(errorMessage(e));
      }
    } finally {
      setAdding(false);
    }
  };

  if (error) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>
          {error instanceof ApiError && error.status === 404 ? 'Product not found' : 'Could not load product'}
        </h1>
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
        <a href="/">Back to the shop</a>
      </section>
    );
  }
  if (!product) {
    return (
      <section class="page">
        <h1 class="sr-only" tabIndex={-1}>
          Loading product
        </h1>
        <Spinner label="Loading product…" />
      </section>
    );
  }

  const total = available ?? product.available;
  // With a variant chosen, its count and price; before that, the product's.
  const count = chosen ? (variantCounts[chosen.sku] ?? chosen.available) : total;
  const price = chosen?.priceMinor ?? product.priceMinor;
  const attributes = Object.entries(product.attributes);

  return (
    <article class="page product">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/">Home</a> <span aria-hidden="true">/</span>{' '}
        <a href={`/c/${product.category}`}>{categoryLabel(product.category)}</a>{' '}
        <span aria-hidden="true">/</span> <span aria-current="page">{product.name}</span>
      </nav>
      <div class="product-layout">
        <div class="product-media">
          <img src={product.imageUrl} alt={product.name} width={560} height={560} />
        </div>
        <div class="product-info">
          <p class="brand">{product.brand}</p>
          <h1 tabIndex={-1}>{product.name}</h1>
          <p class="product-price">
            <Price minor={price} currency={product.currency} />
          </p>
          <div
            class={`stock ${count <= 0 ? 'stock-out' : count <= 5 ? 'stock-low' : 'stock-ok'}`}
            aria-live="polite"
            aria-atomic="true"
          >
            <span class="stock-dot" aria-hidden="true" />
            <span data-testid="available" data-available={count}>
              {stockText(count)}
            </span>
            <span class="stock-mode">
              {mode === 'live' ? '· live' : mode === 'polling' ? '· updates every few seconds' : ''}
            </span>
          </div>
          <form
            class="buy"
            onSubmit={(event) => {
              event.preventDefault();
              void addToCart();
            }}
          >
            {variants && (
              <fieldset class="variants">
                <legend>{colours(variants) > 1 ? 'Size and colour' : 'Size'}</legend>
                <div class="variant-options">
                  {variants.map((v) => {
                    const left = variantCounts[v.sku] ?? v.available;
                    const soldOut = left <= 0;
                    return (
                      <label
                        key={v.sku}
                        class={`variant-option${soldOut ? ' sold-out' : ''}${v.sku === sku ? ' selected' : ''}`}
                        data-sku={v.sku}
                        data-available={left}
                      >
                        <input
                          type="radio"
                          name="variant"
                          value={v.sku}
                          checked={v.sku === sku}
                          disabled={soldOut}
                          onChange={() => {
                            setSku(v.sku);
                            setAddError(null);
                          }}
                        />
                        <span class="variant-size">{optionText(v.options, variants)}</span>
                        {soldOut && <span class="variant-note">Sold out</span>}
                      </label>
                    );
                  })}
                </div>
              </fieldset>
            )}
            <label class="qty">
              <span>Quantity</span>
              <select
                value={quantity}
                onChange={(e) => setQuantity(Number(e.currentTarget.value))}
                disabled={count <= 0}
              >
                {Array.from({ length: MAX_PER_LINE }, (_, i) => i + 1).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" class="btn btn-primary btn-large" disabled={adding || count <= 0}>
              {adding ? 'Adding…' : count <= 0 ? 'Out of stock' : 'Add to cart'}
            </button>
          </form>
          <div aria-live="assertive">
            {addError && (
              <p class="notice notice-error" role="alert">
                {addError}
              </p>
            )}
          </div>
          {added && (
            <p class="notice notice-success">
              {added} <a href="/cart">View cart</a>
            </p>
          )}
          <p class="description">{product.description}</p>
        </div>
      </div>
      <section class="details" aria-labelledby="details-heading">
        <h2 id="details-heading">Product details</h2>
        <table class="attributes">
          <tbody>
            <tr>
              <th scope="row">Brand</th>
              <td>{product.brand}</td>
            </tr>
            <tr>
              <th scope="row">Category</th>
              <td>{categoryLabel(product.category)}</td>
            </tr>
            {attributes.map(([key, value]) => (
              <tr key={key} data-attribute={key}>
                <th scope="row">{describeAttribute(key, value)[0]}</th>
                <td>
                  {Array.isArray(value) ? (
                    <ul class="tags">
                      {value.map((v) => (
                        <li key={v}>{v}</li>
                      ))}
                    </ul>
                  ) : (
                    describeAttribute(key, value)[1]
                  )}
                </td>
              </tr>
            ))}
            <tr>
              <th scope="row">SKU</th>
              <td>{chosen?.sku ?? product.sku}</td>
            </tr>
            <tr>
              <th scope="row">Listed</th>
              <td>{formatDate(product.createdAt)}</td>
            </tr>
          </tbody>
        </table>
      </section>
    </article>
  );
}

/** How many colours the variants come in (one: the picker shows sizes only). */
function colours(variants: NonNullable<Product['variants']>): number {
  return new Set(variants.map((v) => v.options.colour ?? '')).size;
}

/** A variant's button text: the size, and the colour when the product comes in several. */
function optionText(
  options: { size: string; colour?: string },
  variants: NonNullable<Product['variants']>,
): string {
  return colours(variants) > 1 && options.colour ? `${options.size} · ${options.colour}` : options.size;
}
