import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  type Cart,
  type ClientConfig,
  clientConfig,
  type Order,
  type PaymentInput,
  type RequiresAction,
  type ShippingAddress,
  uuid,
} from '../api';
import { Empty, ErrorBox, errorMessage, Price, SignInPrompt, Spinner, useTitle } from '../components';
import { formatMoney } from '../format';
import type { PageProps } from '../main';
import type { StripeCard } from '../payments/stripe';
import { navigate } from '../router';
import { announce, cart, refreshCart, session, useStore } from '../store';
import { isLapsed } from './cart';

type Field = keyof ShippingAddress;

const fields: Array<{ name: Field; label: string; autoComplete: string; optional?: boolean }> = [
  { name: 'name', label: 'Full name', autoComplete: 'shipping name' },
  { name: 'line1', label: 'Address', autoComplete: 'shipping address-line1' },
  { name: 'line2', label: 'Apartment, suite, etc.', autoComplete: 'shipping address-line2', optional: true },
  { name: 'city', label: 'City', autoComplete: 'shipping address-level2' },
  { name: 'postalCode', label: 'Postal code', autoComplete: 'shipping postal-code' },
];

const countries: Array<[string, string]> = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['CA', 'Canada'],
  ['IE', 'Ireland'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['SE', 'Sweden'],
  ['AU', 'Australia'],
  ['NZ', 'New Zealand'],
  ['JP', 'Japan'],
];

export const testCards: Array<{ id: string; label: string; hint: string }> = [
  { id: 'pm_card_visa', label: 'Visa •••• 4242', hint: 'Succeeds' },
  { id: 'pm_card_mastercard', label: 'Mastercard •••• 4444', hint: 'Succeeds' },
  { id: 'pm_card_chargeDeclined', label: 'Visa •••• 0002', hint: 'Declined' },
  { id: 'pm_card_chargeDeclinedInsufficientFunds', label: 'Visa •••• 9995', hint: 'Insufficient funds' },
  { id: 'pm_card_authenticationRequired', label: 'Visa •••• 3184', hint: '3-D Secure authentication' },
];

type Method = 'sandbox' | 'stripe' | 'paypal';

function defaultCountry(): string {
  const region = (navigator.language.split('-')[1] ?? '').toUpperCase();
  return countries.some(([code]) => code === region) ? region : 'US';
}

/** Client-side checks that mirror the server's; the server stays the authority. */
function validate(address: ShippingAddress): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!address.name.trim()) errors.name = 'Enter the name of the person receiving the order.';
  if (!address.line1.trim()) errors.line1 = 'Enter the street address.';
  if (!address.city.trim()) errors.city = 'Enter the city or town.';
  const postal = address.postalCode.trim();
  if (!postal) errors.postalCode = 'Enter the postal code.';
  else if (!/^[A-Za-z0-9][A-Za-z0-9 -]{1,10}$/.test(postal)) errors.postalCode = 'Enter a valid postal code.';
  if (!address.country) errors.country = 'Choose a country.';
  return errors;
}

const FIX_FIELDS = 'Please correct the highlighted fields.';

const declineMessages: Record<string, string> = {
  insufficient_funds: 'Your card has insufficient funds.',
  card_declined: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  authentication_failed: 'The card could not be authenticated.',
  incorrect_cvc: 'The security code (CVC) is incorrect.',
  processing_error: 'The card could not be processed.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export default function Checkout({ location }: PageProps) {
  const user = useStore(session);
  const current = useStore(cart);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [address, setAddress] = useState<ShippingAddress>({
    name: user?.name ?? '',
    line1: '',
    line2: '',
    city: '',
    postalCode: '',
    country: defaultCountry(),
  });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [method, setMethod] = useState<Method>('sandbox');
  const [card, setCard] = useState(testCards[0]?.id ?? 'pm_card_visa');
  const [paying, setPaying] = useState(false);
  const [status, setStatus] = useState('');
  const [payError, setPayError] = useState<string | null>(null);
  const [stockLines, setStockLines] = useState<
    Array<{ productId: string; requested: number; available: number }>
  >([]);
  const [challenge, setChallenge] = useState<RequiresAction | null>(null);
  const [stripeError, setStripeError] = useState<string | null>(null);
  const [stripeReady, setStripeReady] = useState(false);
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const stripeCard = useRef<StripeCard | null>(null);
  const stripeContainer = useRef<HTMLDivElement>(null);
  const paypalContainer = useRef<HTMLDivElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const errorBox = useRef<HTMLDivElement>(null);
  useTitle('Checkout');

  useEffect(() => {
    if (!user) {
      setLoading(false);
      return;
    }
    setLoading(true);
    Promise.all([clientConfig(), api<Cart>('/cart', { auth: true })])
      .then(([cfg, c]) => {
        setConfig(cfg);
        cart.set(c);
        setMethod(cfg.payments.sandbox ? 'sandbox' : cfg.stripePublishableKey ? 'stripe' : 'paypal');
      })
      .catch(setLoadError)
      .finally(() => setLoading(false));
  }, [user?.sub]);

  // Stripe Elements, only with a publishable key and only when chosen
  useEffect(() => {
    const key = config?.stripePublishableKey;
    if (method !== 'stripe' || !key || !stripeContainer.current) return;
    let cancelled = false;
    setStripeReady(false);
    import('../payments/stripe')
      .then(({ mountStripeCard }) =>
        mountStripeCard(key, stripeContainer.current as HTMLElement, setStripeError),
      )
      .then((mounted) => {
        if (cancelled) mounted.destroy();
        else {
          stripeCard.current = mounted;
          setStripeReady(true);
        }
      })
      .catch((e: unknown) => setStripeError(errorMessage(e)));
    return () => {
      cancelled = true;
      stripeCard.current?.destroy();
      stripeCard.current = null;
    };
  }, [method, config?.stripePublishableKey]);

  // PayPal button, only with a client id and only when chosen
  const total = current?.totalMinor ?? 0;
  const currency = current?.currency ?? 'USD';
  useEffect(() => {
    const clientId = config?.paypalClientId;
    if (method !== 'paypal' || !clientId || !paypalContainer.current || total <= 0) return;
    let close: (() => void) | undefined;
    let cancelled = false;
    import('../payments/paypal')
      .then(({ renderPayPalButton }) =>
        renderPayPalButton({
          clientId,
          container: paypalContainer.current as HTMLElement,
          amountMinor: total,
          currency,
          onApproved: async (orderId) => {
            await pay({ provider: 'paypal', orderId });
          },
          onError: setPayError,
        }),
      )
      .then((c) => {
        if (cancelled) c();
        else close = c;
      })
      .catch((e: unknown) => setPayError(errorMessage(e)));
    return () => {
      cancelled = true;
      close?.();
      if (paypalContainer.current) paypalContainer.current.textContent = '';
    };
  }, [method, config?.paypalClientId, total, currency]);

  const clientErrors = validate(address);
  const fieldError = (name: string): string | undefined =>
    serverErrors[name] ?? (touched[name] ? clientErrors[name] : undefined);

  const update = (name: Field, value: string) => {
    const next = { ...address, [name]: value };
    setAddress(next);
    if (serverErrors[name]) setServerErrors(({ [name]: _, ...rest }) => rest);
    // the summary goes away once every field is fixed
    if (payError === FIX_FIELDS && Object.keys(validate(next)).length === 0) setPayError(null);
  };

  const showError = (message: string) => {
    setPayError(message);
    announce(message);
    setTimeout(() => errorBox.current?.focus(), 0);
  };

  const finishPaid = (order: Order) => {
    attempt.current = null;
    cart.set(null);
    void refreshCart();
    navigate(`/orders/${encodeURIComponent(order.id)}?placed=1`);
  };

  const pollOrder = async (orderId: string): Promise<Order> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const order = await api<Order>(`/orders/${encodeURIComponent(orderId)}`, { auth: true });
      if (order.status !== 'pending_payment' || Date.now() > deadline) return order;
      await sleep(1000);
    }
  };

  const settleAfterAction = async (orderId: string) => {
    setStatus('Confirming your payment…');
    try {
      const order = await pollOrder(orderId);
      if (order.status === 'paid' || order.status === 'shipped') finishPaid(order);
      else if (order.status === 'payment_failed') {
        await refreshCart();
        showError(
          `${order.declineReason ? `${order.declineReason}. ` : ''}The payment was not completed and you were not charged. Try again or use another card.`,
        );
      } else showError('Your payment is still being confirmed. Check your orders in a minute.');
    } catch (e) {
      showError(errorMessage(e));
    } finally {
      setStatus('');
      setPaying(false);
    }
  };

  const pay = async (payment: PaymentInput) => {
    const shippingAddress = {
      ...address,
      name: address.name.trim(),
      line1: address.line1.trim(),
      line2: address.line2.trim(),
      city: address.city.trim(),
      postalCode: address.postalCode.trim(),
    };
    const body = JSON.stringify({ shippingAddress, payment });
    // a fresh key per attempt; the same key only when retrying this very attempt after a network error
    const key = attempt.current && attempt.current.body === body ? attempt.current.key : uuid();
    attempt.current = { key, body };
    setPaying(true);
    setPayError(null);
    setStockLines([]);
    setStatus('Processing your payment…');
    let keepPaying = false;
    try {
      const result = await api<Order | RequiresAction>('/checkout', {
        method: 'POST',
        body: { shippingAddress, payment },
        headers: { 'Idempotency-Key': key },
        auth: true,
      });
      attempt.current = null;
      if (result.status === 'requires_action') {
        const action = result as RequiresAction;
        keepPaying = true;
        if (action.clientSecret && stripeCard.current) {
          setStatus('Waiting for your bank…');
          try {
            await stripeCard.current.handleNextAction(action.clientSecret);
          } catch (e) {
            showError(errorMessage(e));
          }
          await settleAfterAction(action.order.id);
        } else {
          setStatus('Your bank needs you to confirm this payment.');
          setChallenge(action);
        }
        return;
      }
      finishPaid(result as Order);
    } catch (e) {
      if (!(e instanceof ApiError)) {
        attempt.current = null;
        showError(errorMessage(e));
      } else if (e.isNetwork) {
        // keep attempt.current: pressing Pay Now again retries with the same key, so no double charge
        showError(
          'We could not reach the shop, so we do not know whether the payment went through. Press Pay Now again to retry safely — you will not be charged twice.',
        );
      } else {
        attempt.current = null;
        if (e.code === 'validation_failed') {
          const mapped: Record<string, string> = {};
          const other: string[] = [];
          for (const [field, messages] of Object.entries(e.errors)) {
            const message = messages.join(' ');
            if (field.startsWith('shippingAddress.'))
              mapped[field.slice('shippingAddress.'.length)] = message;
            else other.push(message);
          }
          setServerErrors(mapped);
          showError(other.length ? other.join(' ') : FIX_FIELDS);
          const first = Object.keys(mapped)[0];
          if (first) setTimeout(() => document.getElementById(`ship-${first}`)?.focus(), 0);
        } else if (e.code === 'payment_declined') {
          const code = typeof e.body.declineCode === 'string' ? e.body.declineCode : '';
          const reason = typeof e.body.reason === 'string' ? e.body.reason : '';
          showError(
            `${declineMessages[code] ?? (reason || 'Your payment was declined.')} You were not charged. Your items are still held — try another card.`,
          );
          void refreshCart();
        } else if (e.code === 'out_of_stock') {
          const lines = Array.isArray(e.body.lines)
            ? (e.body.lines as Array<{ productId: string; requested: number; available: number }>)
            : [];
          setStockLines(lines);
          showError(
            'Some items sold out before you paid. Nothing was charged. Update your cart and try again.',
          );
          void refreshCart();
        } else if (e.code === 'cart_empty') {
          showError('Your cart is empty.');
          void refreshCart();
        } else if (e.code === 'price_changed' || e.code === 'product_unavailable') {
          // The cart now carries the current prices: show them and the new total before paying again.
          showError(errorMessage(e));
          void refreshCart();
        } else {
          showError(errorMessage(e));
        }
      }
    } finally {
      if (!keepPaying) {
        setPaying(false);
        setStatus('');
      }
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (paying) return;
    const errors = validate(address);
    if (Object.keys(errors).length > 0) {
      setTouched({ name: true, line1: true, city: true, postalCode: true, country: true });
      showError(FIX_FIELDS);
      const first = Object.keys(errors)[0];
      setTimeout(() => document.getElementById(`ship-${first}`)?.focus(), 0);
      return;
    }
    if (method === 'sandbox') return pay({ provider: 'stripe', paymentMethodId: card });
    if (method === 'stripe') {
      if (!stripeCard.current) return showError('The card form is still loading.');
      try {
        setPaying(true);
        const paymentMethodId = await stripeCard.current.createPaymentMethod(address.name);
        return pay({ provider: 'stripe', paymentMethodId });
      } catch (e) {
        setPaying(false);
        return showError(errorMessage(e));
      }
    }
  };

  // the local 3-D Secure challenge
  useEffect(() => {
    if (challenge && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [challenge]);

  const authenticate = async (succeed: boolean) => {
    if (!challenge) return;
    const action = challenge;
    dialog.current?.close();
    setChallenge(null);
    try {
      await api(`/dev/payments/${encodeURIComponent(action.reference)}/authenticate`, {
        method: 'POST',
        body: { succeed },
        auth: true,
      });
    } catch (e) {
      // the order poll tells the truth either way
      if (!(e instanceof ApiError) || e.status >= 500) showError(errorMessage(e));
    }
    await settleAfterAction(action.order.id);
  };

  if (!user) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>Checkout</h1>
        <SignInPrompt next={location.href} message="Sign in to check out." />
      </section>
    );
  }
  if (loading) {
    return (
      <section class="page">
        <h1 tabIndex={-1}>Checkout</h1>
        <Spinner label="Preparing checkout…" />
      </section>
    );
  }
  if (loadError) {
    return (
      <section class="page">
        <h1 tabIndex={-1}>Checkout</h1>
        <ErrorBox error={loadError} onRetry={() => window.location.reload()} />
      </section>
    );
  }
  if (!current || current.lines.length === 0) {
    return (
      <section class="page narrow">
        <h1 tabIndex={-1}>Checkout</h1>
        <Empty title="Your cart is empty">
          <a class="btn btn-primary" href="/">
            Continue shopping
          </a>
        </Empty>
      </section>
    );
  }

  const methods: Array<{ id: Method; label: string }> = [];
  if (config?.stripePublishableKey) methods.push({ id: 'stripe', label: 'Card' });
  if (config?.paypalClientId) methods.push({ id: 'paypal', label: 'PayPal' });
  if (config?.payments.sandbox) methods.push({ id: 'sandbox', label: 'Test card (sandbox)' });
  const now = Date.now();
  const lapsed = current.lines.filter((l) => isLapsed(l, now));
  const nameOf = (productId: string) =>
    current.lines.find((l) => l.productId === productId)?.name ?? productId;
  const showErrors = Object.keys(clientErrors).filter((f) => fieldError(f));

  return (
    <section class="page">
      <h1 tabIndex={-1}>Checkout</h1>
      <form class="checkout-layout" onSubmit={submit} noValidate aria-describedby="pay-status">
        <div class="checkout-main">
          <div ref={errorBox} tabIndex={-1} aria-live="assertive" class="error-anchor">
            {payError && (
              <div class="notice notice-error" role="alert" data-testid="pay-error">
                <p>{payError}</p>
                {stockLines.length > 0 && (
                  <ul>
                    {stockLines.map((line) => (
                      <li key={line.productId}>
                        {nameOf(line.productId)}: you asked for {line.requested}, {line.available} left.
                      </li>
                    ))}
                  </ul>
                )}
                {stockLines.length > 0 && <a href="/cart">Update your cart</a>}
                {showErrors.length > 0 && (
                  <ul>
                    {showErrors.map((f) => (
                      <li key={f}>
                        <a href={`#ship-${f}`}>{fieldError(f)}</a>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </div>
          {current.lines.some((l) => l.currentPrice || l.unavailable) && (
            <div class="notice notice-warning" role="status" data-testid="cart-changed-notice">
              {current.lines.some((l) => l.unavailable)
                ? 'An item in your cart is no longer sold. '
                : 'A price in your cart has changed since you added the item. '}
              <a href="/cart">Review your cart</a> before you pay.
            </div>
          )}
          {lapsed.length > 0 && (
            <div class="notice notice-warning" role="status">
              Some items are no longer held for you; we'll try to reserve them again when you pay.
            </div>
          )}
          <fieldset class="panel">
            <legend>Shipping address</legend>
            {fields.map((f) => {
              const error = fieldError(f.name);
              const id = `ship-${f.name}`;
              return (
                <div class={`field${error ? ' has-error' : ''}`} key={f.name}>
                  <label for={id}>
                    {f.label}
                    {f.optional ? <span class="muted"> (optional)</span> : null}
                  </label>
                  <input
                    id={id}
                    name={f.name}
                    autoComplete={f.autoComplete}
                    value={address[f.name]}
                    required={!f.optional}
                    aria-invalid={error ? 'true' : undefined}
                    aria-describedby={error ? `${id}-error` : undefined}
                    onInput={(e) => update(f.name, e.currentTarget.value)}
                    onBlur={() => setTouched((t) => ({ ...t, [f.name]: true }))}
                  />
                  {error && (
                    <p class="field-error" id={`${id}-error`}>
                      {error}
                    </p>
                  )}
                </div>
              );
            })}
            <div class={`field${fieldError('country') ? ' has-error' : ''}`}>
              <label for="ship-country">Country</label>
              <select
                id="ship-country"
                name="country"
                autoComplete="shipping country"
                value={address.country}
                aria-invalid={fieldError('country') ? 'true' : undefined}
                aria-describedby={fieldError('country') ? 'ship-country-error' : undefined}
                onChange={(e) => update('country', e.currentTarget.value)}
              >
                {countries.map(([code, name]) => (
                  <option key={code} value={code}>
                    {name}
                  </option>
                ))}
              </select>
              {fieldError('country') && (
                <p class="field-error" id="ship-country-error">
                  {fieldError('country')}
                </p>
              )}
            </div>
          </fieldset>

          <fieldset class="panel">
            <legend>Payment</legend>
            {methods.length === 0 && (
              <p class="notice notice-warning">Payments are not configured for this shop.</p>
            )}
            {methods.length > 1 && (
              <div class="segmented" role="radiogroup" aria-label="Payment method">
                {methods.map((m) => (
                  <label key={m.id} class={method === m.id ? 'selected' : undefined}>
                    <input
                      type="radio"
                      name="method"
                      value={m.id}
                      checked={method === m.id}
                      onChange={() => setMethod(m.id)}
                    />
                    {m.label}
                  </label>
                ))}
              </div>
            )}
            {method === 'sandbox' && config?.payments.sandbox && (
              <div class="test-cards" role="radiogroup" aria-labelledby="test-cards-label">
                <p id="test-cards-label" class="muted small">
                  Sandbox: no real money moves. Choose a test card:
                </p>
                {testCards.map((c) => (
                  <label key={c.id} class={`test-card${card === c.id ? ' selected' : ''}`}>
                    <input
                      type="radio"
                      name="test-card"
                      value={c.id}
                      checked={card === c.id}
                      onChange={() => setCard(c.id)}
                    />
                    <span class="test-card-label">{c.label}</span>
                    <span class="test-card-hint">{c.hint}</span>
                  </label>
                ))}
              </div>
            )}
            {method === 'stripe' && config?.stripePublishableKey && (
              <div class="field">
                <span class="label" id="card-label">
                  Card details
                </span>
                <div class="stripe-card" ref={stripeContainer} />
                {!stripeReady && !stripeError && <Spinner label="Loading secure card form…" />}
                {stripeError && (
                  <p class="field-error" role="alert">
                    {stripeError}
                  </p>
                )}
              </div>
            )}
            {method === 'paypal' && config?.paypalClientId && (
              <div>
                <p class="muted small">Fill in the shipping address, then pay with PayPal.</p>
                <div ref={paypalContainer} class="paypal-button" />
              </div>
            )}
          </fieldset>
        </div>

        <aside class="summary" aria-labelledby="order-summary-heading">
          <h2 id="order-summary-heading">Order summary</h2>
          <ul class="summary-lines">
            {current.lines.map((line) => (
              <li key={line.productId}>
                <span>
                  {line.quantity} × {line.name}
                </span>
                <Price minor={line.lineTotalMinor} currency={line.currency} />
              </li>
            ))}
          </ul>
          <dl>
            <div class="total">
              <dt>Total</dt>
              <dd>
                <Price minor={current.totalMinor} currency={current.currency} />
              </dd>
            </div>
          </dl>
          {method !== 'paypal' && (
            <button
              type="submit"
              class="btn btn-primary btn-large btn-block"
              disabled={paying || methods.length === 0}
            >
              {paying ? 'Processing…' : `Pay ${formatMoney(current.totalMinor, current.currency)} now`}
            </button>
          )}
          <p id="pay-status" class="muted small" role="status" aria-live="polite">
            {status}
          </p>
          <a href="/cart" class="small">
            Back to cart
          </a>
        </aside>
      </form>

      <dialog
        ref={dialog}
        class="dialog"
        aria-labelledby="challenge-title"
        onCancel={(e) => e.preventDefault()}
      >
        <h2 id="challenge-title">Authenticate your payment</h2>
        <p>
          Your bank asks you to confirm a payment of{' '}
          <strong>
            {challenge ? formatMoney(challenge.order.totalMinor, challenge.order.currency) : ''}
          </strong>{' '}
          to Cartwheel.
        </p>
        <p class="muted small">Sandbox 3-D Secure: choose what the bank should answer.</p>
        <div class="dialog-actions">
          <button type="button" class="btn btn-primary" onClick={() => void authenticate(true)}>
            Authenticate
          </button>
          <button type="button" class="btn btn-secondary" onClick={() => void authenticate(false)}>
            Fail authentication
          </button>
        </div>
      </dialog>
    </section>
  );
}
