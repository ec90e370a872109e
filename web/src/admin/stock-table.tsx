import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorMessage } from '../components';
import { announce } from '../store';
import { type Product, readStock, type StockRow, saveStock } from './api';

/** The label a SKU goes by on the page: its size (and colour), or "one SKU". */
function skuLabel(product: Product, sku: string): string {
  const variant = product.variants?.find((v) => v.sku === sku);
  if (!variant) return sku === product.sku ? 'The product' : 'No longer sold';
  return [variant.options.size, variant.options.colour].filter(Boolean).join(' / ');
}

/**
 * Stock per SKU: on hand (editable), held in carts, available. Setting on hand below what is held
 * is refused by the server (409 below_held); its message sits beside the field.
 */
export function StockTable({ product, onSaved }: { product: Product; onSaved?: () => void }) {
  const [rows, setRows] = useState<StockRow[] | null>(null);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const [busySku, setBusySku] = useState('');

  const load = () =>
    readStock(product.id)
      .then((answer) => {
        setRows(answer.items);
        setDrafts(Object.fromEntries(answer.items.map((r) => [r.sku, String(r.onHand)])));
      })
      .catch(setLoadError);

  // Reloaded when the product is saved (a new variant gets its stock row then).
  useEffect(() => {
    void load();
  }, [product.id, product.updatedAt]);

  async function save(sku: string) {
    const id = `stock-${sku}`;
    const text = (drafts[sku] ?? '').trim();
    const onHand = /^\d{1,8}$/.test(text) ? Number(text) : undefined;
    if (onHand === undefined) {
      setErrors({ [sku]: 'Enter a whole number of units, 0 or more.' });
      document.getElementById(id)?.focus();
      return;
    }
    setErrors({});
    setBusySku(sku);
    try {
      await saveStock(sku, onHand);
      await load();
      onSaved?.();
      announce(`Stock of ${sku} set to ${onHand} on hand.`);
    } catch (e) {
      const message =
        e instanceof ApiError && e.errors.onHand?.[0]
          ? e.errors.onHand[0]
          : `${errorMessage(e)} Nothing was changed.`;
      setErrors({ [sku]: message });
      document.getElementById(id)?.focus();
    } finally {
      setBusySku('');
    }
  }

  if (loadError) return <p class="notice notice-error">{errorMessage(loadError)}</p>;
  if (!rows) return <p>Loading stock…</p>;
  return (
    <table class="data-table admin-stock" data-testid="stock">
      <caption>Stock per SKU (held: in shoppers' carts; available = on hand − held)</caption>
      <thead>
        <tr>
          <th scope="col">SKU</th>
          <th scope="col">Variant</th>
          <th scope="col">On hand</th>
          <th scope="col">Held</th>
          <th scope="col">Available</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const id = `stock-${row.sku}`;
          const error = errors[row.sku];
          return (
            <tr key={row.sku} data-sku={row.sku}>
              <th scope="row">{row.sku}</th>
              <td>{skuLabel(product, row.sku)}</td>
              <td class={error ? 'has-error' : undefined}>
                <form
                  class="admin-stock-form"
                  noValidate
                  onSubmit={(e) => {
                    e.preventDefault();
                    void save(row.sku);
                  }}
                >
                  <label class="sr-only" for={id}>
                    On hand for {row.sku}
                  </label>
                  <input
                    id={id}
                    inputMode="numeric"
                    size={6}
                    value={drafts[row.sku] ?? ''}
                    onInput={(e) => setDrafts((all) => ({ ...all, [row.sku]: e.currentTarget.value }))}
                    aria-invalid={error ? 'true' : undefined}
                    aria-describedby={error ? `${id}-error` : undefined}
                  />
                  <button type="submit" class="btn btn-secondary" disabled={busySku === row.sku}>
                    Set<span class="sr-only"> on hand for {row.sku}</span>
                  </button>
                  {error ? (
                    <p class="field-error" id={`${id}-error`}>
                      {error}
                    </p>
                  ) : null}
                </form>
              </td>
              <td data-field="held">{row.held}</td>
              <td data-field="available">{row.available}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
