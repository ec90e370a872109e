import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClientConfig } from '../api';
import { errorMessage, Spinner } from '../components';
import type { StripeCard } from '../payments/stripe';

export type Method = 'sandbox' | 'stripe' | 'paypal';

export const testCards: Array<{ id: string; label: string; hint: string }> = [
  { id: 'pm_card_visa', label: 'Visa •••• 4242', hint: 'Succeeds' },
  { id: 'pm_card_mastercard', label: 'Mastercard •••• 4444', hint: 'Succeeds' },
  { id: 'pm_card_chargeDeclined', label: 'Visa •••• 0002', hint: 'Declined' },
  { id: 'pm_card_chargeDeclinedInsufficientFunds', label: 'Visa •••• 9995', hint: 'Insufficient funds' },
  { id: 'pm_card_authenticationRequired', label: 'Visa •••• 3184', hint: '3-D Secure authentication' },
];

/** The methods /client-config offers, in the order they are shown. */
export function availableMethods(config: ClientConfig | null): Array<{ id: Method; label: string }> {
  const methods: Array<{ id: Method; label: string }> = [];
  if (config?.stripePublishableKey) methods.push({ id: 'stripe', label: 'Card' });
  if (config?.paypalClientId) methods.push({ id: 'paypal', label: 'PayPal' });
  if (config?.payments.sandbox) methods.push({ id: 'sandbox', label: 'Test card (sandbox)' });
  return methods;
}

export function preferredMethod(config: ClientConfig): Method {
  return config.payments.sandbox ? 'sandbox' : config.stripePublishableKey ? 'stripe' : 'paypal';
}

/** Stripe Elements' card form, mounted while shown; `card` holds it for paying. */
function StripeCardField({
  publishableKey,
  card,
}: {
  publishableKey: string;
  card: RefObject<StripeCard | null>;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!container.current) return;
    let cancelled = false;
    setReady(false);
    import('../payments/stripe')
      .then(({ mountStripeCard }) =>
        mountStripeCard(publishableKey, container.current as HTMLElement, setError),
      )
      .then((mounted) => {
        if (cancelled) mounted.destroy();
        else {
          card.current = mounted;
          setReady(true);
        }
      })
      .catch((e: unknown) => setError(errorMessage(e)));
    return () => {
      cancelled = true;
      card.current?.destroy();
      card.current = null;
    };
  }, [publishableKey]);
  return (
    <div class="field">
      <span class="label" id="card-label">
        Card details
      </span>
      <div class="stripe-card" ref={container} />
      {!ready && !error && <Spinner label="Loading secure card form…" />}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * PayPal's button. It is rendered once per amount, not once per render, so its callbacks read
 * the latest `onApproved` and `onError` through a ref: an address edited after the button
 * appeared is the one sent (issue #16: the button used to keep the address of its first render).
 */
export function PayPalButton(props: {
  clientId: string;
  amountMinor: number;
  currency: string;
  onApproved: (orderId: string) => Promise<void>;
  onError: (message: string) => void;
}) {
  const { clientId, amountMinor, currency } = props;
  const latest = useRef(props);
  latest.current = props;
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!container.current || amountMinor <= 0) return;
    let close: (() => void) | undefined;
    let cancelled = false;
    import('../payments/paypal')
      .then(({ renderPayPalButton }) =>
        renderPayPalButton({
          clientId,
          container: container.current as HTMLElement,
          amountMinor,
          currency,
          onApproved: (orderId) => latest.current.onApproved(orderId),
          onError: (message) => latest.current.onError(message),
        }),
      )
      .then((c) => {
        if (cancelled) c();
        else close = c;
      })
      .catch((e: unknown) => latest.current.onError(errorMessage(e)));
    return () => {
      cancelled = true;
      close?.();
      if (container.current) container.current.textContent = '';
    };
  }, [clientId, amountMinor, currency]);
  return (
    <div>
      <p class="muted small">Fill in the shipping address, then pay with PayPal.</p>
      <div ref={container} class="paypal-button" />
    </div>
  );
}

/** A radio button inside its label; `className` gets ' selected' added while it is chosen. */
function RadioLabel<T extends string>(props: {
  className?: string;
  name: string;
  value: T;
  selected: T;
  onSelect: (value: T) => void;
  children: ComponentChildren;
}) {
  const { className, name, value, selected, onSelect, children } = props;
  const chosen = selected === value;
  const classes = [className, chosen ? 'selected' : ''].filter(Boolean).join(' ');
  return (
    <label class={classes || undefined}>
      <input type="radio" name={name} value={value} checked={chosen} onChange={() => onSelect(value)} />
      {children}
    </label>
  );
}

/** The payment fieldset: the method choice and the chosen method's own fields. */
export function PaymentFields({
  config,
  method,
  onMethod,
  card,
  onCard,
  stripeCard,
  paypal,
}: {
  config: ClientConfig | null;
  method: Method;
  onMethod: (method: Method) => void;
  /** The chosen sandbox test card. */
  card: string;
  onCard: (id: string) => void;
  stripeCard: RefObject<StripeCard | null>;
  /** The PayPal button's amount and callbacks. */
  paypal: Omit<Parameters<typeof PayPalButton>[0], 'clientId'>;
}) {
  const methods = availableMethods(config);
  return (
    <fieldset class="panel">
      <legend>Payment</legend>
      {methods.length === 0 && (
        <p class="notice notice-warning">Payments are not configured for this shop.</p>
      )}
      {methods.length > 1 && (
        <div class="segmented" role="radiogroup" aria-label="Payment method">
          {methods.map((m) => (
            <RadioLabel key={m.id} name="method" value={m.id} selected={method} onSelect={onMethod}>
              {m.label}
            </RadioLabel>
          ))}
        </div>
      )}
      {method === 'sandbox' && config?.payments.sandbox && (
        <div class="test-cards" role="radiogroup" aria-labelledby="test-cards-label">
          <p id="test-cards-label" class="muted small">
            Sandbox: no real money moves. Choose a test card:
          </p>
          {testCards.map((c) => (
            <RadioLabel
              key={c.id}
              className="test-card"
              name="test-card"
              value={c.id}
              selected={card}
              onSelect={onCard}
            >
              <span class="test-card-label">{c.label}</span>
              <span class="test-card-hint">{c.hint}</span>
            </RadioLabel>
          ))}
        </div>
      )}
      {method === 'stripe' && config?.stripePublishableKey && (
        <StripeCardField publishableKey={config.stripePublishableKey} card={stripeCard} />
      )}
      {method === 'paypal' && config?.paypalClientId && (
        <PayPalButton clientId={config.paypalClientId} {...paypal} />
      )}
    </fieldset>
  );
}
