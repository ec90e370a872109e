import { useEffect, useState } from 'preact/hooks';
import { api, type OrderSummary, type Page, query } from '../api';
import { Empty, ErrorBox, Price, SignInPrompt, Spinner, useTitle } from '../components';
import { formatDate, statusLabels } from '../format';
import type { PageProps } from '../main';
import { session, useStore } from '../store';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{statusLabels[status] ?? status}</span>;
}

export default function Orders({ location }: PageProps) {
  const user = useStore(session);
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  const [token, setToken] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useTitle('Your orders');

  useEffect(() => {
    if (!user) return;
    setLoading(true);
    setError(null);
    api<Page<OrderSummary>>(`/orders${query({ limit: 20 })}`, { auth: true })
      .then((page) => {
        setOrders(page.items);
        setToken(page.continuationToken);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, [user?.sub, attempt]);

  const loadMore = async () => {
    if (!token) return;
    setMore(true);
    try {
      const page = await api<Page<OrderSummary>>(`/orders${query({ limit: 20, continuationToken: token })}`, {
        auth: true,
      });
      setOrders((o) => [...o, ...page.items]);
      setToken(page.continuationToken);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  if (!user) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>Your orders</h1>
        <SignInPrompt next={location.href} message="Sign in to see your orders." />
      </section>
    );
  }
  return (
    <section class="page narrow">
      <h1 tabIndex={-1}>Your orders</h1>
      {loading ? (
        <Spinner label="Loading your orders…" />
      ) : error && orders.length === 0 ? (
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
      ) : orders.length === 0 ? (
        <Empty title="No orders yet">
          <p>When you buy something, it will show up here.</p>
          <a class="btn btn-primary" href="/">
            Start shopping
          </a>
        </Empty>
      ) : (
        <>
          <ul class="order-list" aria-label="Orders">
            {orders.map((order) => (
              <li key={order.id} data-order-id={order.id}>
                <a href={`/orders/${encodeURIComponent(order.id)}`} class="order-row">
                  <span class="order-id">Order {order.id}</span>
                  <span class="muted">{formatDate(order.createdAt)}</span>
                  <span class="muted">
                    {order.itemCount} {order.itemCount === 1 ? 'item' : 'items'}
                  </span>
                  <StatusBadge status={order.status} />
                  <Price minor={order.totalMinor} currency={order.currency} />
                </a>
              </li>
            ))}
          </ul>
          {error ? <ErrorBox error={error} /> : null}
          {token && (
            <div class="pager">
              <button type="button" class="btn btn-secondary" onClick={loadMore} disabled={more}>
                {more ? 'Loading…' : 'Show older orders'}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
