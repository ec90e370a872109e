import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Cart, type ClientConfig, clientConfig, type ShippingAddress } from '../api';
import { ChallengeDialog } from '../checkout/challenge-dialog';
import { OrderSummary } from '../checkout/order-summary';
import {
  availableMethods,
  type Method,
  PaymentFields,
  preferredMethod,
  testCards,
} from '../checkout/payment-fields';
import { ReceiptEmailField, validateEmail } from '../checkout/receipt-email-field';
import {
  type AddressField,
  defaultCountry,
  emptyAddress,
  validateAddress,
} from '../checkout/shipping-address';
import { ShippingAddressForm } from '../checkout/shipping-address-form';
import { payableTotal } from '../checkout/totals';
import { Empty, ErrorBox, SignInPrompt, Spinner, useTitle } from '../components';
import { formatMoney } from '../format';
import type { PageProps } from '../main';
import type { StripeCard } from '../payments/stripe';
import { FIX_FIELDS, focusField, type PayNow, type StockLine, usePayNow } from '../payments/use-pay-now';
import { cart, session, useStore } from '../store';
import { isLapsed } from './cart';

/** The error box: the message, the lines that sold out, links to the fields to fix. */
function PayErrorBox({
  payNow,
  current,
  fieldLinks,
}: {
  payNow: PayNow;
  current: Cart;
  fieldLinks: Array<[string, string]>;
}) {
  const nameOf = (line: StockLine) =>
    current.lines.find((l) => l.productId === line.productId)?.name ?? line.productId;
  const { error, stockLines } = payNow;
  return (
    <div ref={payNow.errorBox} tabIndex={-1} aria-live="assertive" class="error-anchor">
      {error && (
        <div class="notice notice-error" role="alert" data-testid="pay-error">
          <p>{error}</p>
          {stockLines.length > 0 && (
            <ul>
              {stockLines.map((line) => (
                <li key={line.productId}>
                  {nameOf(line)}: you asked for {line.requested}, {line.available} left.
                </li>
              ))}
            </ul>
          )}
          {stockLines.length > 0 && <a href="/cart">Update your cart</a>}
          {fieldLinks.length > 0 && (
            <ul>
              {fieldLinks.map(([field, message]) => (
                <li key={field}>
                  <a href={`#ship-${field}`}>{message}</a>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function CartNotices({ current }: { current: Cart }) {
  const now = Date.now();
  return (
    <>
      {current.lines.some((l) => l.currentPrice || l.unavailable) && (
        <div class="notice notice-warning" role="status" data-testid="cart-changed-notice">
          {current.lines.some((l) => l.unavailable)
            ? 'An item in your cart is no longer sold. '
            : 'A price in your cart has changed since you added the item. '}
          <a href="/cart">Review your cart</a> before you pay.
        </div>
      )}
      {current.lines.some((l) => isLapsed(l, now)) && (
        <div class="notice notice-warning" role="status">
          Some items are no longer held for you; we'll try to reserve them again when you pay.
        </div>
      )}
    </>
  );
}

export default function Checkout({ location }: PageProps) {
  const user = useStore(session);
  const current = useStore(cart);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [address, setAddress] = useState<ShippingAddress>(() =>
    emptyAddress(user?.name ?? '', defaultCountry(navigator.language)),
  );
  const [touched, setTouched] = useState<Partial<Record<AddressField | 'email', boolean>>>({});
  // Where the receipt goes: the identity's email until the shopper changes it.
  const [email, setEmail] = useState('');
  const [method, setMethod] = useState<Method>('sandbox');
  const [card, setCard] = useState(testCards[0]?.id ?? 'pm_card_visa');
  const stripeCard = useRef<StripeCard | null>(null);
  const payNow = usePayNow(stripeCard);
  useTitle('Checkout');

  useEffect(() => {
    if (!user) {
      setLoading(false);
      return;
    }
    setLoading(true);
    Promise.all([
      clientConfig(),
      api<Cart>('/cart', { auth: true }),
      api<{ email: string }>('/me', { auth: true }),
    ])
      .then(([cfg, c, me]) => {
        setConfig(cfg);
        cart.set(c);
        setMethod(preferredMethod(cfg));
        setEmail((typed) => typed || me.email);
      })
      .catch(setLoadError)
      .finally(() => setLoading(false));
  }, [user?.sub]);

  const clientErrors: Partial<Record<AddressField | 'email', string>> = {
    ...validateEmail(email),
    ...validateAddress(address),
  };
  const fieldError = (name: AddressField | 'email'): string | undefined =>
    payNow.fieldErrors[name] ?? (touched[name] ? clientErrors[name] : undefined);

  const update = (name: AddressField, value: string) => {
    const next = { ...address, [name]: value };
    setAddress(next);
    payNow.clearFieldError(name);
    // the summary goes away once every field is fixed
    if (payNow.error === FIX_FIELDS && Object.keys(validateAddress(next)).length === 0) payNow.clearError();
  };
  const recipient = { address, email };

  const submit = (event: Event) => {
    event.preventDefault();
    if (payNow.paying) return;
    const errors = { ...validateEmail(email), ...validateAddress(address) };
    if (Object.keys(errors).length > 0) {
      setTouched({ email: true, name: true, line1: true, city: true, postalCode: true, country: true });
      payNow.showError(FIX_FIELDS);
      focusField(Object.keys(errors)[0]);
      return;
    }
    if (method === 'sandbox')
      return void payNow.pay(recipient, { provider: 'stripe', paymentMethodId: card });
    if (method === 'stripe') {
      const mounted = stripeCard.current;
      if (!mounted) return payNow.showError('The card form is still loading.');
      return void payNow.pay(recipient, async () => ({
        provider: 'stripe',
        paymentMethodId: await mounted.createPaymentMethod(address.name),
      }));
    }
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

  const fieldLinks = (Object.keys(clientErrors) as Array<AddressField | 'email'>).flatMap(
    (f): Array<[string, string]> => {
      const message = fieldError(f);
      return message ? [[f, message]] : [];
    },
  );
  const noMethods = availableMethods(config).length === 0;

  return (
    <section class="page">
      <h1 tabIndex={-1}>Checkout</h1>
      <form class="checkout-layout" onSubmit={submit} noValidate aria-describedby="pay-status">
        <div class="checkout-main">
          <PayErrorBox payNow={payNow} current={current} fieldLinks={fieldLinks} />
          <CartNotices current={current} />
          <ReceiptEmailField
            email={email}
            error={fieldError('email')}
            onChange={(value) => {
              setEmail(value);
              payNow.clearFieldError('email');
              const fixed =
                Object.keys({ ...validateEmail(value), ...validateAddress(address) }).length === 0;
              if (payNow.error === FIX_FIELDS && fixed) payNow.clearError();
            }}
            onBlur={() => setTouched((t) => ({ ...t, email: true }))}
          />
          <ShippingAddressForm
            address={address}
            fieldError={fieldError}
            onChange={update}
            onBlur={(name) => setTouched((t) => ({ ...t, [name]: true }))}
          />
          <PaymentFields
            config={config}
            method={method}
            onMethod={setMethod}
            card={card}
            onCard={setCard}
            stripeCard={stripeCard}
            paypal={{
              amountMinor: payableTotal(current),
              currency: current.currency,
              // read at approval time: the address as it is then (PayPalButton keeps this current)
              onApproved: (orderId) => payNow.pay(recipient, { provider: 'paypal', orderId }),
              onError: payNow.showError,
            }}
          />
        </div>

        <OrderSummary cart={current}>
          {method !== 'paypal' && (
            <button
              type="submit"
              class="btn btn-primary btn-large btn-block"
              disabled={payNow.paying || noMethods}
            >
              {payNow.paying
                ? 'Processing…'
                : `Pay ${formatMoney(payableTotal(current), current.currency)} now`}
            </button>
          )}
          <p id="pay-status" class="muted small" role="status" aria-live="polite">
            {payNow.status}
          </p>
        </OrderSummary>
      </form>

      <ChallengeDialog
        challenge={payNow.challenge}
        onAnswer={(succeed) => void payNow.authenticate(succeed)}
      />
    </section>
  );
}
