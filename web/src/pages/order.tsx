import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Order } from '../api';
import { ErrorBox, Price, SignInPrompt, Spinner, useTitle } from '../components';
import { formatDate } from '../format';
import type { PageProps } from '../main';
import { session, useStore } from '../store';
import { StatusBadge } from './orders';

const steps = [
  { status: 'pending_payment', label: 'Placed' },
  { status: 'paid', label: 'Paid' },
  { status: 'shipped', label: 'Shipped' },
];

export default function OrderPage({ params, location }: PageProps) {
  const id = params.id ?? '';
  const placed = location.search.get('placed') === '1';
  const user = useStore(session);
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useTitle(placed ? 'Thank you' : `Order ${id}`);

  useEffect(() => {
    if (!user) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api<Order>(`/orders/${encodeURIComponent(id)}`, { auth: true });
        if (stopped) return;
        setOrder(next);
        setError(null);
        // keep an eye on orders still settling
        if (next.status === 'pending_payment') timer = setTimeout(load, 2000);
      } catch (e) {
        if (!stopped) setError(e);
      }
    };
    void load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, user?.sub, attempt]);

  if (!user) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>Order</h1>
        <SignInPrompt next={location.href} message="Sign in to see this order." />
      </section>
    );
  }
  if (error) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>
          {error instanceof ApiError && error.status === 404 ? 'Order not found' : 'Could not load the order'}
        </h1>
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
        <a href="/orders">All orders</a>
      </section>
    );
  }
  if (!order) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>{placed ? 'Thank you!' : 'Order'}</h1>
        <Spinner label="Loading the order…" />
      </section>
    );
  }
  const reached = order.status === 'payment_failed' ? 0 : steps.findIndex((s) => s.status === order.status);
  return (
    <section class="page narrow order-detail">
      {placed && order.status !== 'payment_failed' ? (
        <div class="confirmation" data-testid="confirmation">
          <div class="confirmation-mark" aria-hidden="true">
            ✓
          </div>
          <h1 tabIndex={-1}>Thank you for your order!</h1>
          <p>
            Order <strong>{order.id}</strong> is confirmed. A receipt is on its way to your inbox.
          </p>
        </div>
      ) : (
        <h1 tabIndex={-1}>Order {order.id}</h1>
      )}
      <div class="order-meta">
        <p>
          Status: <StatusBadge status={order.status} />
        </p>
        <p class="muted">Placed {formatDate(order.createdAt)}</p>
      </div>
      {order.status === 'payment_failed' ? (
        <p class="notice notice-error">
          Payment failed{order.declineReason ? `: ${order.declineReason}` : ''}. You were not charged.
        </p>
      ) : (
        <ol class="progress" aria-label="Order progress">
          {steps.map((step, i) => (
            <li
              key={step.status}
              class={i <= reached ? 'done' : undefined}
              aria-current={i === reached ? 'step' : undefined}
            >
              <span class="progress-dot" aria-hidden="true" />
              {step.label}
              {step.status === 'paid' && order.paidAt ? <small>{formatDate(order.paidAt)}</small> : null}
              {step.status === 'shipped' && order.shippedAt ? (
                <small>{formatDate(order.shippedAt)}</small>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {order.status === 'shipped' && (order.carrier || order.trackingNumber) ? (
        <dl class="shipment" data-testid="shipment">
          {order.carrier ? (
            <>
              <dt>Carrier</dt>
              <dd>{order.carrier}</dd>
            </>
          ) : null}
          {order.trackingNumber ? (
            <>
              <dt>Tracking number</dt>
              <dd data-testid="tracking-number">{order.trackingNumber}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
      <table class="order-lines">
        <caption class="sr-only">Items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="num">
              Qty
            </th>
            <th scope="col" class="num">
              Price
            </th>
            <th scope="col" class="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={line.sku}>
              <td>
                <a href={`/p/${encodeURIComponent(line.productId)}`}>{line.name}</a>
                {line.variantLabel && (
                  <span class="line-variant" data-testid="line-variant">
                    {line.variantLabel}
                  </span>
                )}
              </td>
              <td class="num">{line.quantity}</td>
              <td class="num">
                <Price minor={line.unitPriceMinor} currency={order.currency} />
              </td>
              <td class="num">
                <Price minor={line.lineTotalMinor} currency={order.currency} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td class="num" data-testid="order-total">
              <Price minor={order.totalMinor} currency={order.currency} />
            </td>
          </tr>
        </tfoot>
      </table>
      <div class="order-columns">
        <section>
          <h2>Shipping to</h2>
          <address>
            {order.shippingAddress.name}
            <br />
            {order.shippingAddress.line1}
            {order.shippingAddress.line2 ? (
              <>
                <br />
                {order.shippingAddress.line2}
              </>
            ) : null}
            <br />
            {order.shippingAddress.postalCode} {order.shippingAddress.city}
            <br />
            {order.shippingAddress.country}
          </address>
        </section>
        <section>
          <h2>Payment</h2>
          <p>
            {order.payment
              ? `${order.payment.brand ? `${order.payment.brand} ` : ''}${order.payment.last4 ? `•••• ${order.payment.last4}` : order.payment.provider}`
              : 'No payment recorded'}
          </p>
          {order.receiptSentAt && <p class="muted small">Receipt sent {formatDate(order.receiptSentAt)}</p>}
          {order.attempts && order.attempts.length > 0 && (
            <div data-testid="payment-attempts">
              <h3>Earlier attempts</h3>
              <ul class="muted small">
                {order.attempts.map((attempt) => (
                  <li key={attempt.orderId}>
                    {formatDate(attempt.createdAt)}: declined
                    {attempt.declineReason ? ` (${attempt.declineReason})` : ''}; you were not charged.
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      </div>
      <p>
        <a href="/orders">All orders</a> · <a href="/">Continue shopping</a>
      </p>
    </section>
  );
}
