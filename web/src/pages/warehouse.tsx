import '../warehouse/warehouse.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorBox, Spinner, useTitle } from '../components';
import { formatDate } from '../format';
import type { PageProps } from '../main';
import { needsStaffAccess, StaffAccess } from '../staff-access';
import { announce, session, useStore } from '../store';
import { listPickList, type PickListFilters, type PickListPage, type PickRequest } from '../warehouse/api';
import { PickSlip } from '../warehouse/pick-slip';
import { ShipDialog } from '../warehouse/ship-dialog';

const noFilters: PickListFilters = { status: 'pending', createdFrom: '', createdTo: '' };

function ShipTo({ address }: { address: PickRequest['shippingAddress'] }) {
  return (
    <address class="ship-to-cell">
      {address.name}
      <br />
      {address.line1}
      {address.line2 ? `, ${address.line2}` : ''}
      <br />
      {address.city} {address.postalCode}, {address.country}
    </address>
  );
}

/** The filter form: applied on submit, so typing a date does not reload the list mid-way. */
function Filters({
  value,
  errors,
  onApply,
}: {
  value: PickListFilters;
  errors: Record<string, string[]>;
  onApply: (filters: PickListFilters) => void;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const fieldError = (name: 'createdFrom' | 'createdTo') =>
    errors[name]?.[0] ? (
      <p class="field-error" id={`filter-${name}-error`}>
        {errors[name]?.[0]}
      </p>
    ) : null;
  return (
    <form
      class="filters"
      aria-label="Filter the pick list"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <div class="field">
        <label for="filter-status">Status</label>
        <select
          id="filter-status"
          value={draft.status}
          onChange={(event) =>
            setDraft({ ...draft, status: event.currentTarget.value as PickListFilters['status'] })
          }
        >
          <option value="pending">To pick (pending)</option>
          <option value="shipped">Shipped</option>
        </select>
      </div>
      {(['createdFrom', 'createdTo'] as const).map((name) => (
        <div class={`field${errors[name] ? ' has-error' : ''}`} key={name}>
          <label for={`filter-${name}`}>{name === 'createdFrom' ? 'Placed from' : 'Placed to'}</label>
          <input
            id={`filter-${name}`}
            type="date"
            value={draft[name]}
            onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
            aria-invalid={errors[name] ? 'true' : undefined}
            aria-describedby={errors[name] ? `filter-${name}-error` : undefined}
          />
          {fieldError(name)}
        </div>
      ))}
      <button type="submit" class="btn btn-primary">
        Apply filters
      </button>
      <button type="button" class="btn btn-secondary" onClick={() => onApply(noFilters)}>
        Clear
      </button>
    </form>
  );
}

export default function Warehouse({ location }: PageProps) {
  const user = useStore(session);
  const [filters, setFilters] = useState<PickListFilters>(noFilters);
  // The tokens of the pages before this one: "Previous" pops, "Next" pushes.
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const [data, setData] = useState<PickListPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [slip, setSlip] = useState<PickRequest | null>(null);
  const [shipping, setShipping] = useState<PickRequest | null>(null);
  const [result, setResult] = useState('');
  const resultRef = useRef<HTMLParagraphElement>(null);
  const lastSlip = useRef<string | null>(null);
  const token = tokens.at(-1);
  useTitle(slip ? `Pick slip ${slip.orderId}` : 'Warehouse');

  const load = async () => {
    setLoading(true);
    try {
      setData(await listPickList(filters, token));
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (!user) return;
    void load();
  }, [user?.sub, filters, token]);

  // After shipping, the row leaves the pending list: focus goes to the confirmation instead
  // (after the dialog has closed and handed focus back to its opener).
  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  // Back from a pick slip: focus returns to the button that opened it.
  useEffect(() => {
    if (slip || !lastSlip.current) return;
    document.querySelector<HTMLElement>(`[data-slip-for="${CSS.escape(lastSlip.current)}"]`)?.focus();
    lastSlip.current = null;
  }, [slip]);

  if (!user || needsStaffAccess(user.name, error)) {
    return (
      <StaffAccess
        title="Warehouse"
        userName={user?.name}
        next={location.href}
        signInMessage="Sign in with a warehouse account to see the pick list."
        refusal={(name) =>
          `This page is for the warehouse. Your account (${name}) does not have the warehouse or admin role, so no orders are shown.`
        }
      />
    );
  }

  if (slip)
    return (
      <section class="page">
        <PickSlip request={slip} onClose={() => setSlip(null)} />
      </section>
    );

  const filterErrors =
    error instanceof ApiError && error.code === 'validation_failed'
      ? error.errors
      : ({} as Record<string, string[]>);
  const apply = (next: PickListFilters) => {
    setResult('');
    setTokens([undefined]);
    setFilters(next);
  };
  const pageNumber = tokens.length;
  const items = data?.items ?? [];
  const pending = filters.status === 'pending';

  return (
    <section class="page warehouse">
      <h1 tabIndex={-1}>Warehouse</h1>
      <p class="muted">
        Orders to pick, oldest first. Print a pick slip, pack the order, then mark it shipped.
      </p>
      <Filters value={filters} errors={filterErrors} onApply={apply} />
      {result ? (
        <p class="notice" tabIndex={-1} ref={resultRef} data-testid="ship-result">
          {result}
        </p>
      ) : null}
      {error && !Object.keys(filterErrors).length ? (
        <ErrorBox error={error} onRetry={() => void load()} />
      ) : null}
      {!data && loading ? <Spinner /> : null}
      {data ? (
        <>
          <table class="data-table" data-testid="pick-list" aria-busy={loading ? 'true' : undefined}>
            <caption>
              {pending ? 'Pick list: orders to ship' : 'Shipped orders'}, page {pageNumber}
            </caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Items</th>
                <th scope="col">Ship to</th>
                <th scope="col">{pending ? 'Actions' : 'Shipment'}</th>
              </tr>
            </thead>
            <tbody>
              {items.length === 0 ? (
                <tr>
                  <td colSpan={5}>
                    {pending
                      ? 'Nothing to pick: every order matching the filters has shipped.'
                      : 'No shipped orders match the filters.'}
                  </td>
                </tr>
              ) : null}
              {items.map((item) => (
                <tr key={item.id} data-order={item.orderId}>
                  <th scope="row">{item.orderId}</th>
                  <td>
                    <time dateTime={item.createdAt}>{formatDate(item.createdAt)}</time>
                  </td>
                  <td>
                    <ul class="pick-items">
                      {item.lines.map((line) => (
                        <li key={line.sku}>
                          {line.quantity} × {line.name}
                          {line.variantLabel ? ` — ${line.variantLabel}` : ''}{' '}
                          <span class="muted">({line.sku})</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ShipTo address={item.shippingAddress} />
                  </td>
                  <td>
                    <div class="row-actions">
                      <button
                        type="button"
                        class="btn btn-secondary"
                        data-slip-for={item.id}
                        aria-label={`Print pick slip for order ${item.orderId}`}
                        onClick={() => {
                          lastSlip.current = item.id;
                          setSlip(item);
                        }}
                      >
                        Print pick slip
                      </button>
                      {item.status === 'pending' ? (
                        <button
                          type="button"
                          class="btn btn-primary"
                          aria-label={`Mark order ${item.orderId} shipped`}
                          onClick={() => setShipping(item)}
                        >
                          Mark shipped
                        </button>
                      ) : (
                        <span>
                          {item.carrier ?? 'Carrier not recorded'}
                          {item.trackingNumber ? ` · ${item.trackingNumber}` : ''}
                          {item.shippedAt ? (
                            <>
                              <br />
                              <small>{formatDate(item.shippedAt)}</small>
                            </>
                          ) : null}
                        </span>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pick list pages">
            <button
              type="button"
              class="btn btn-secondary"
              disabled={pageNumber === 1 || loading}
              onClick={() => setTokens(tokens.slice(0, -1))}
            >
              Previous page
            </button>
            <span>Page {pageNumber}</span>
            <button
              type="button"
              class="btn btn-secondary"
              disabled={!data.continuationToken || loading}
              onClick={() => data.continuationToken && setTokens([...tokens, data.continuationToken])}
            >
              Next page
            </button>
          </nav>
        </>
      ) : null}
      {shipping ? (
        <ShipDialog
          request={shipping}
          onCancel={() => setShipping(null)}
          onShipped={(shipped) => {
            const message = `Order ${shipped.orderId} marked shipped${
              shipped.carrier ? ` with ${shipped.carrier}` : ''
            }${shipped.trackingNumber ? `, tracking ${shipped.trackingNumber}` : ''}. The shipping email is on its way to the shopper.`;
            setShipping(null);
            setResult(message);
            announce(message);
            void load();
          }}
        />
      ) : null}
    </section>
  );
}
