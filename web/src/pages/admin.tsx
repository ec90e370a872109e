import '../operations/operations.css';
import '../admin/admin.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { categories } from '../../../shared/catalogue/product';
import { checkAdmin, findProducts, type Product, pageSize, readProduct, removeProduct } from '../admin/api';
import { ChangeLog } from '../admin/change-log';
import { NewProduct } from '../admin/new-product';
import { ProductEditor } from '../admin/product-editor';
import { StockTable } from '../admin/stock-table';
import type { SearchResult } from '../api';
import { ErrorBox, errorMessage, Spinner, useTitle } from '../components';
import { formatMoney } from '../format';
import type { PageProps } from '../main';
import { ConfirmDialog, type ConfirmRequest } from '../operations/confirm-dialog';
import { navigate } from '../router';
import { needsStaffAccess, StaffAccess } from '../staff-access';
import { announce, session, useStore } from '../store';

function href(q: string, page: number, product?: string, category = ''): string {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (category) params.set('category', category);
  if (page > 1) params.set('page', String(page));
  if (product) params.set('product', product);
  const text = params.toString();
  return text ? `/admin?${text}` : '/admin';
}

/** `/admin`: products (search, paging, edit, delete) and stock per SKU, for the admin role. */
export default function AdminPage({ location }: PageProps) {
  useTitle('Admin');
  const user = useStore(session);
  const q = location.search.get('q') ?? '';
  const page = Math.max(1, Number(location.search.get('page')) || 1);
  const category = location.search.get('category') ?? '';
  const productId = location.search.get('product') ?? '';
  const [admitted, setAdmitted] = useState(false);
  const [accessError, setAccessError] = useState<unknown>(null);
  const [term, setTerm] = useState(q);
  const [results, setResults] = useState<SearchResult | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [product, setProduct] = useState<Product | null>(null);
  const [productError, setProductError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const statusRef = useRef<HTMLParagraphElement>(null);
  const [listTick, setListTick] = useState(0);
  const [creating, setCreating] = useState(false);
  // Bumped after each save on this page, so the product's recent changes are read again.
  const [changesTick, setChangesTick] = useState(0);

  useEffect(() => {
    if (!user) return;
    checkAdmin()
      .then(() => setAdmitted(true))
      .catch(setAccessError);
  }, [user?.token]);

  useEffect(() => {
    if (!admitted) return;
    setTerm(q);
    setListError(null);
    findProducts(q, page, category).then(setResults).catch(setListError);
  }, [admitted, q, page, category, listTick]);

  useEffect(() => {
    setProduct(null);
    setProductError(null);
    if (!admitted || !productId) return;
    readProduct(productId).then(setProduct).catch(setProductError);
  }, [admitted, productId]);

  // A result of a save or delete is announced and takes focus, so keyboard users hear it.
  useEffect(() => {
    if (status) statusRef.current?.focus();
  }, [status]);

  if (!user || needsStaffAccess(user.name, accessError)) {
    return (
      <StaffAccess
        title="Admin"
        userName={user?.name}
        next={location.href}
        signInMessage="Sign in with an admin account to edit products and stock."
        refusal={(name) =>
          `This page is for admins. Your account (${name}) does not have the admin role, so nothing here is shown or changed.`
        }
      />
    );
  }
  if (accessError) return <ErrorBox error={accessError} />;
  if (!admitted) return <Spinner />;

  const pages = results ? Math.max(1, Math.ceil(results.total / pageSize)) : 1;

  const askDelete = (p: Product) =>
    setConfirm({
      title: `Delete ${p.name}?`,
      message: `${p.name} (SKU ${p.sku}) leaves the catalogue and search at once. Carts that hold it keep the line, shown as no longer sold, and Pay Now refuses those carts (product unavailable) until the shopper removes it. Orders already placed are not changed. This cannot be undone.`,
      confirmLabel: 'Delete product',
      run: async () => {
        await removeProduct(p.id);
        setStatus(`Deleted ${p.name}.`);
        announce(`Deleted ${p.name}.`);
        navigate(href(q, page, undefined, category));
        setListTick((t) => t + 1);
      },
    });

  return (
    <section class="page admin-page">
      <h1 tabIndex={-1}>Admin</h1>
      <p
        ref={statusRef}
        tabIndex={-1}
        class={status ? 'notice notice-success' : 'sr-only'}
        data-testid="admin-status"
      >
        {status}
      </p>
      <section aria-labelledby="products-heading">
        <h2 id="products-heading" tabIndex={-1}>
          Products
        </h2>
        <search>
          <form
            class="admin-search"
            onSubmit={(e) => {
              e.preventDefault();
              navigate(href(term.trim(), 1, undefined, category));
            }}
          >
            <label for="admin-q">Find a product</label>
            <input
              id="admin-q"
              type="search"
              value={term}
              placeholder="Name, brand, SKU words…"
              onInput={(e) => setTerm(e.currentTarget.value)}
            />
            <label for="admin-category">Category</label>
            <select
              id="admin-category"
              value={category}
              onChange={(e) => navigate(href(term.trim(), 1, undefined, e.currentTarget.value))}
            >
              <option value="">All categories</option>
              {categories.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <button type="submit" class="btn btn-primary">
              Find
            </button>
          </form>
        </search>
        <p>
          <button
            type="button"
            class="btn btn-secondary"
            aria-expanded={creating}
            onClick={() => setCreating((open) => !open)}
          >
            New product
          </button>
        </p>
        {creating && (
          <NewProduct
            onCreated={(created) => {
              setCreating(false);
              setStatus(`Created ${created.name}.`);
              announce(`Created ${created.name}.`);
              setListTick((t) => t + 1);
              navigate(href(q, page, created.id, category));
            }}
          />
        )}
        {listError ? <ErrorBox error={listError} /> : null}
        {!results && !listError ? <Spinner /> : null}
        {results ? (
          <>
            <table class="data-table" data-testid="admin-products">
              <caption>
                {results.total} {results.total === 1 ? 'product' : 'products'}
                {q ? ` matching “${q}”` : ''}
                {category ? ` in ${category}` : ''}, page {results.page} of {pages}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Brand</th>
                  <th scope="col">Category</th>
                  <th scope="col">Price</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {results.items.map((item) => (
                  <tr
                    key={item.id}
                    data-product={item.id}
                    aria-current={item.id === productId ? 'true' : undefined}
                  >
                    <th scope="row">{item.name}</th>
                    <td>{item.brand}</td>
                    <td>{item.category}</td>
                    <td>{formatMoney(item.priceMinor, item.currency)}</td>
                    <td>
                      <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        onClick={() => {
                          setStatus('');
                          navigate(href(q, page, item.id, category));
                        }}
                      >
                        Edit<span class="sr-only"> {item.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav class="admin-paging" aria-label="Product pages">
              <button
                type="button"
                class="btn btn-secondary"
                disabled={page <= 1}
                onClick={() => navigate(href(q, page - 1, undefined, category))}
              >
                Previous page
              </button>
              <button
                type="button"
                class="btn btn-secondary"
                disabled={page >= pages}
                onClick={() => navigate(href(q, page + 1, undefined, category))}
              >
                Next page
              </button>
            </nav>
          </>
        ) : null}
      </section>
      {productId ? (
        <section aria-labelledby="editor-heading" class="admin-product">
          {productError ? (
            <ErrorBox error={new Error(`Product ${productId}: ${errorMessage(productError)}`)} />
          ) : !product ? (
            <Spinner />
          ) : (
            <>
              <h2 id="editor-heading" tabIndex={-1}>
                Edit {product.name}
              </h2>
              <p>
                <a href={`/p/${product.id}`}>View on the shop</a>
              </p>
              <ProductEditor
                key={product.updatedAt}
                product={product}
                onSaved={(saved) => {
                  setProduct({
                    ...saved,
                    available: product.available,
                    availableUpdatedAt: product.availableUpdatedAt,
                  });
                  setStatus(`Saved ${saved.name}.`);
                  announce(`Saved ${saved.name}.`);
                  setListTick((t) => t + 1);
                  setChangesTick((t) => t + 1);
                }}
              />
              <h3>Stock</h3>
              <StockTable product={product} onSaved={() => setChangesTick((t) => t + 1)} />
              <h3>Recent changes</h3>
              <ChangeLog productId={product.id} tick={changesTick} />
              <div class="admin-danger">
                <button type="button" class="btn btn-danger" onClick={() => askDelete(product)}>
                  Delete product
                </button>
              </div>
            </>
          )}
        </section>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          request={confirm}
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setBusy(true);
            confirm
              .run()
              .catch((e: unknown) => setStatus(`${errorMessage(e)} Nothing was deleted.`))
              .finally(() => {
                setBusy(false);
                setConfirm(null);
              });
          }}
        />
      ) : null}
    </section>
  );
}
