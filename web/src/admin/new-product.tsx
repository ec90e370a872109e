// "New product": the fields a product needs before the editor can take over (id, SKU, category,
// brand, currency), sent as PUT /admin/products/{id}, which creates it.
import { useRef, useState } from 'preact/hooks';
import { categories } from '../../../shared/catalogue/product';
import { ApiError } from '../api';
import { errorMessage } from '../components';
import { type Product, saveProduct } from './api';
import { priceHelp, toMinor } from './product-editor';

const fields = [
  { key: 'id', label: 'Product id', hint: 'letters, digits, - and _ (e.g. p-lantern-1)' },
  { key: 'sku', label: 'SKU', hint: '' },
  { key: 'name', label: 'Name', hint: '' },
  { key: 'brand', label: 'Brand', hint: '' },
  { key: 'price', label: 'Price', hint: 'e.g. 49.99' },
] as const;
type Key = (typeof fields)[number]['key'];

export function NewProduct({ onCreated }: { onCreated: (product: Product) => void }) {
  const [values, setValues] = useState<Record<Key, string>>({
    id: '',
    sku: '',
    name: '',
    brand: '',
    price: '',
  });
  const [category, setCategory] = useState<string>(categories[0]);
  const [currency, setCurrency] = useState('USD');
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const focusFirstError = () =>
    setTimeout(
      () =>
        (
          form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
          form.current?.querySelector<HTMLElement>('[data-form-error]')
        )?.focus(),
      0,
    );

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Partial<Record<Key, string>> = {};
    if (!/^[\w-]{1,64}$/.test(values.id.trim())) found.id = 'Enter an id of letters, digits, - or _.';
    if (!values.sku.trim()) found.sku = 'Enter a SKU.';
    if (!values.name.trim()) found.name = 'Enter a name.';
    if (!values.brand.trim()) found.brand = 'Enter a brand.';
    if (toMinor(values.price) === undefined) found.price = priceHelp;
    setErrors(found);
    setFormError('');
    if (Object.keys(found).length > 0) return focusFirstError();
    setBusy(true);
    try {
      const created = await saveProduct(values.id.trim(), {
        sku: values.sku.trim(),
        category: category as Product['category'],
        name: values.name.trim(),
        brand: values.brand.trim(),
        description: '',
        priceMinor: toMinor(values.price)!,
        currency,
        attributes: {},
      });
      onCreated(created);
    } catch (error) {
      // The server's field errors go beside their fields; anything else above the form.
      const server: Partial<Record<Key, string>> = {};
      if (error instanceof ApiError)
        for (const [path, messages] of Object.entries(error.errors)) {
          const key = path === 'priceMinor' ? 'price' : (path as Key);
          if (fields.some((f) => f.key === key)) server[key] = messages.join(' ');
        }
      setErrors(server);
      if (Object.keys(server).length === 0) setFormError(errorMessage(error));
      focusFirstError();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} class="admin-editor" onSubmit={submit} noValidate aria-labelledby="new-product-heading">
      <h2 id="new-product-heading">New product</h2>
      {formError && (
        <p class="field-error" role="alert" tabIndex={-1} data-form-error>
          {formError}
        </p>
      )}
      {fields.map((f) => {
        const id = `new-${f.key}`;
        const error = errors[f.key];
        return (
          <div class={`field${error ? ' has-error' : ''}`} key={f.key}>
            <label for={id}>
              {f.label}
              {f.hint ? <span class="muted"> ({f.hint})</span> : null}
            </label>
            <input
              id={id}
              value={values[f.key]}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onInput={(e) => setValues((v) => ({ ...v, [f.key]: e.currentTarget.value }))}
            />
            {error && (
              <p class="field-error" id={`${id}-error`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div class="field">
        <label for="new-category">Category</label>
        <select id="new-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
          {categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="new-currency">Currency</label>
        <select id="new-currency" value={currency} onChange={(e) => setCurrency(e.currentTarget.value)}>
          {['USD', 'GBP', 'EUR'].map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create product'}
      </button>
    </form>
  );
}
