import { useEffect, useRef, useState } from 'preact/hooks';
import type { AttributeValue } from '../../../shared/catalogue/product';
import { ApiError } from '../api';
import { errorMessage } from '../components';
import { type Product, type ProductBody, saveProduct } from './api';

interface VariantDraft {
  /** Stored SKUs cannot change; a new row's SKU is typed. */
  sku: string;
  stored: boolean;
  size: string;
  colour: string;
  price: string;
}

/** Field errors by the id of the input they belong to (shown beside it). */
type Errors = Record<string, string>;

/** Minor units <-> the decimal text an admin types (two fraction digits, as every catalogue currency). */
const toText = (minor: number | undefined) => (minor === undefined ? '' : (minor / 100).toFixed(2));
export function toMinor(text: string): number | undefined {
  const t = text.trim();
  return /^\d{1,7}(\.\d{1,2})?$/.test(t) ? Math.round(Number(t) * 100) : undefined;
}

export const priceHelp = 'Enter a price like 49.99.';

/** A vendor attribute as edited: its text, and the kind of value it is saved back as. */
interface AttributeDraft {
  name: string;
  value: string;
  kind: 'text' | 'number' | 'boolean' | 'list';
}

function attributeDraft(name: string, value: AttributeValue): AttributeDraft {
  if (Array.isArray(value)) return { name, value: value.join(', '), kind: 'list' };
  if (typeof value === 'number') return { name, value: String(value), kind: 'number' };
  if (typeof value === 'boolean') return { name, value: String(value), kind: 'boolean' };
  return { name, value, kind: 'text' };
}

function attributeValue(a: AttributeDraft): AttributeValue {
  const text = a.value.trim();
  if (a.kind === 'number') return Number(text);
  if (a.kind === 'boolean') return text === 'true';
  if (a.kind === 'list')
    return text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  return text;
}

/** The id of the input a server field path (`variants.0.options.size`) belongs to. */
function inputFor(path: string): string | undefined {
  if (path === 'name') return 'admin-name';
  if (path === 'description') return 'admin-description';
  if (path === 'priceMinor') return 'admin-price';
  const m = /^variants\.(\d+)\.(sku|priceMinor|options)(?:\.(size|colour))?$/.exec(path);
  if (!m) return undefined;
  const field = m[2] === 'sku' ? 'sku' : m[2] === 'priceMinor' ? 'price' : (m[3] ?? 'size');
  return `variant-${m[1]}-${field}`;
}

/**
 * The edit form of one product: name, description, price and its variants (size, colour, price
 * override). Errors (checked here first, then the server's 400 per field) sit beside their
 * fields, and focus moves to the first of them.
 */
export function ProductEditor({ product, onSaved }: { product: Product; onSaved: (saved: Product) => void }) {
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description);
  const [price, setPrice] = useState(toText(product.priceMinor));
  const [variants, setVariants] = useState<VariantDraft[]>(
    (product.variants ?? []).map((v) => ({
      sku: v.sku,
      stored: true,
      size: v.options.size,
      colour: v.options.colour ?? '',
      price: toText(v.priceMinor),
    })),
  );
  const [attributes, setAttributes] = useState<AttributeDraft[]>(() =>
    Object.entries(product.attributes ?? {}).map(([key, value]) => attributeDraft(key, value)),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const [focusTick, setFocusTick] = useState(0);

  // After a refused save: focus the first field in error, in the order the form shows them.
  useEffect(() => {
    if (focusTick === 0) return;
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (first ?? form.current?.querySelector<HTMLElement>('[data-form-error]'))?.focus();
  }, [focusTick]);

  const setAttribute = (i: number, change: Partial<AttributeDraft>) =>
    setAttributes((all) => all.map((a, j) => (j === i ? { ...a, ...change } : a)));
  const setVariant = (i: number, change: Partial<VariantDraft>) =>
    setVariants((all) => all.map((v, j) => (j === i ? { ...v, ...change } : v)));

  function check(): Errors {
    const found: Errors = {};
    if (!name.trim()) found['admin-name'] = 'Enter a name.';
    if (toMinor(price) === undefined) found['admin-price'] = priceHelp;
    const names = new Set<string>();
    attributes.forEach((a, i) => {
      if (!/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(a.name.trim()))
        found[`attribute-${i}-name`] = 'Use letters and digits, starting with a letter.';
      else if (names.has(a.name.trim())) found[`attribute-${i}-name`] = 'This attribute is already listed.';
      names.add(a.name.trim());
      if (a.kind === 'number' && !Number.isFinite(Number(a.value.trim())))
        found[`attribute-${i}-value`] = 'Enter a number.';
    });
    variants.forEach((v, i) => {
      if (!/^[A-Z0-9][A-Z0-9-]{0,63}$/.test(v.sku))
        found[`variant-${i}-sku`] = 'SKU is upper-case letters, digits and dashes.';
      if (!v.size.trim()) found[`variant-${i}-size`] = 'Enter a size.';
      if (v.price.trim() && toMinor(v.price) === undefined) found[`variant-${i}-price`] = priceHelp;
    });
    return found;
  }

  async function submit(event: Event) {
    event.preventDefault();
    setFormError('');
    const found = check();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFocusTick((t) => t + 1);
      return;
    }
    const body: ProductBody = {
      sku: product.sku,
      category: product.category,
      name: name.trim(),
      brand: product.brand,
      description,
      priceMinor: toMinor(price)!,
      currency: product.currency,
      attributes: Object.fromEntries(attributes.map((a) => [a.name.trim(), attributeValue(a)])),
      variants: variants.map((v) => {
        const override = toMinor(v.price);
        return {
          sku: v.sku,
          options: { size: v.size.trim(), ...(v.colour.trim() && { colour: v.colour.trim() }) },
          ...(override !== undefined && { priceMinor: override }),
        };
      }),
      imageUrl: product.imageUrl,
    };
    setBusy(true);
    try {
      onSaved(await saveProduct(product.id, body));
    } catch (e) {
      const fromServer: Errors = {};
      const rest: string[] = [];
      if (e instanceof ApiError) {
        for (const [path, messages] of Object.entries(e.errors)) {
          const id = inputFor(path);
          if (id) fromServer[id] ??= messages[0] ?? 'Check this field.';
          else rest.push(...messages);
        }
      }
      setErrors(fromServer);
      const unplaced = rest.length > 0 || Object.keys(fromServer).length === 0;
      setFormError(unplaced ? `${rest.join(' ') || errorMessage(e)} Nothing was saved.` : '');
      setFocusTick((t) => t + 1);
    } finally {
      setBusy(false);
    }
  }

  const invalid = (id: string) => (errors[id] ? 'true' : undefined);
  const describedBy = (id: string) => (errors[id] ? `${id}-error` : undefined);
  const fieldError = (id: string) =>
    errors[id] ? (
      <p class="field-error" id={`${id}-error`}>
        {errors[id]}
      </p>
    ) : null;

  return (
    <form ref={form} class="admin-editor panel" noValidate onSubmit={(e) => void submit(e)}>
      <h3>
        Details <span class="muted">SKU {product.sku}</span>
      </h3>
      {formError ? (
        <p class="notice notice-error" role="alert" tabIndex={-1} data-form-error>
          {formError}
        </p>
      ) : null}
      <div class={`field${errors['admin-name'] ? ' has-error' : ''}`}>
        <label for="admin-name">Name</label>
        <input
          id="admin-name"
          value={name}
          maxLength={200}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={invalid('admin-name')}
          aria-describedby={describedBy('admin-name')}
        />
        {fieldError('admin-name')}
      </div>
      <div class={`field${errors['admin-description'] ? ' has-error' : ''}`}>
        <label for="admin-description">Description</label>
        <textarea
          id="admin-description"
          rows={4}
          value={description}
          maxLength={5000}
          onInput={(e) => setDescription(e.currentTarget.value)}
          aria-invalid={invalid('admin-description')}
          aria-describedby={describedBy('admin-description')}
        />
        {fieldError('admin-description')}
      </div>
      <div class={`field admin-price${errors['admin-price'] ? ' has-error' : ''}`}>
        <label for="admin-price">Price ({product.currency})</label>
        <input
          id="admin-price"
          inputMode="decimal"
          value={price}
          onInput={(e) => setPrice(e.currentTarget.value)}
          aria-invalid={invalid('admin-price')}
          aria-describedby={describedBy('admin-price')}
        />
        {fieldError('admin-price')}
      </div>
      <table class="data-table admin-attributes">
        <caption>Vendor attributes (a list is comma-separated)</caption>
        <thead>
          <tr>
            <th scope="col">Attribute</th>
            <th scope="col">Value</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {attributes.map((a, i) => (
            <tr key={i}>
              <td>
                <input
                  id={`attribute-${i}-name`}
                  aria-label={`Attribute ${i + 1} name`}
                  value={a.name}
                  onInput={(e) => setAttribute(i, { name: e.currentTarget.value })}
                  aria-invalid={invalid(`attribute-${i}-name`)}
                  aria-describedby={describedBy(`attribute-${i}-name`)}
                />
                {fieldError(`attribute-${i}-name`)}
              </td>
              <td>
                <input
                  id={`attribute-${i}-value`}
                  aria-label={`${a.name || `Attribute ${i + 1}`} value`}
                  value={a.value}
                  onInput={(e) => setAttribute(i, { value: e.currentTarget.value })}
                  aria-invalid={invalid(`attribute-${i}-value`)}
                  aria-describedby={describedBy(`attribute-${i}-value`)}
                />
                {fieldError(`attribute-${i}-value`)}
              </td>
              <td>
                <button
                  type="button"
                  class="btn btn-small btn-secondary"
                  onClick={() => setAttributes((all) => all.filter((_, j) => j !== i))}
                >
                  Remove<span class="sr-only"> {a.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button
          type="button"
          class="btn btn-small btn-secondary"
          onClick={() => setAttributes((all) => [...all, { name: '', value: '', kind: 'text' }])}
        >
          Add attribute
        </button>
      </p>
      <table class="data-table admin-variants">
        <caption>Variants (each its own SKU; an empty price uses the product's)</caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Size</th>
            <th scope="col">Colour</th>
            <th scope="col">Price override</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {variants.length === 0 ? (
            <tr>
              <td colSpan={5}>None: the product is sold as one SKU.</td>
            </tr>
          ) : null}
          {variants.map((v, i) => {
            const cell = (field: 'sku' | 'size' | 'colour' | 'price', label: string) => {
              const id = `variant-${i}-${field}`;
              return (
                <td class={errors[id] ? 'has-error' : undefined}>
                  <label class="sr-only" for={id}>
                    {label} of variant {i + 1}
                  </label>
                  <input
                    id={id}
                    value={v[field]}
                    readOnly={field === 'sku' && v.stored}
                    inputMode={field === 'price' ? 'decimal' : undefined}
                    onInput={(e) => setVariant(i, { [field]: e.currentTarget.value })}
                    aria-invalid={invalid(id)}
                    aria-describedby={describedBy(id)}
                  />
                  {fieldError(id)}
                </td>
              );
            };
            return (
              <tr key={i}>
                {cell('sku', 'SKU')}
                {cell('size', 'Size')}
                {cell('colour', 'Colour')}
                {cell('price', 'Price override')}
                <td>
                  <button
                    type="button"
                    class="btn btn-secondary"
                    onClick={() => setVariants((all) => all.filter((_, j) => j !== i))}
                  >
                    Remove<span class="sr-only"> variant {i + 1}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="admin-actions">
        <button
          type="button"
          class="btn btn-secondary"
          onClick={() =>
            setVariants((all) => [
              ...all,
              { sku: `${product.sku}-`, stored: false, size: '', colour: '', price: '' },
            ])
          }
        >
          Add a variant
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save product'}
        </button>
      </div>
    </form>
  );
}
