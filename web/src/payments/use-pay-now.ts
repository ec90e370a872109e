// Pay Now: one POST /checkout per attempt, and everything the answer can ask of the page
// (3-D Secure, polling, declines, stock and price changes, field errors).
import type { RefObject } from 'preact';
import { useRef, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  type Order,
  type PaymentInput,
  type RequiresAction,
  type ShippingAddress,
  uuid,
} from '../api';
import { trimAddress } from '../checkout/shipping-address';
import { errorMessage } from '../components';
import { navigate } from '../router';
import { announce, cart, refreshCart } from '../store';
import type { StripeCard } from './stripe';

export interface StockLine {
  productId: string;
  requested: number;
  available: number;
}

export const FIX_FIELDS = 'Please correct the highlighted fields.';

/** Who the order goes to: the shipping address, and the email the receipt is sent to. */
export interface Recipient {
  address: ShippingAddress;
  email: string;
}

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

/** Focuses the first shipping field named, after the render that shows its error. */
export function focusField(name: string | undefined): void {
  if (name) setTimeout(() => document.getElementById(`ship-${name}`)?.focus(), 0);
}

export interface PayNow {
  paying: boolean;
  /** What is happening now, for the polite live region. */
  status: string;
  /** The message of the error box, or null. */
  error: string | null;
  /** Lines that sold out (out_of_stock), listed under the error. */
  stockLines: StockLine[];
  /** The server's messages per shipping field (validation_failed), until the field is edited. */
  fieldErrors: Record<string, string>;
  /** The local 3-D Secure challenge to show, or null. */
  challenge: RequiresAction | null;
  /** The error box: the hook focuses it when it shows an error. */
  errorBox: RefObject<HTMLDivElement | null>;
  /**
   * Sends the order. `payment` may be a function (Stripe Elements creates the payment method
   * first): the button shows Processing while it runs.
   */
  pay(recipient: Recipient, payment: PaymentInput | (() => Promise<PaymentInput>)): Promise<void>;
  /** The sandbox bank's answer to the challenge. */
  authenticate(succeed: boolean): Promise<void>;
  showError(message: string): void;
  clearError(): void;
  clearFieldError(name: string): void;
}

/**
 * `stripeCard` is the mounted Stripe card form, when there is one: it handles Stripe's 3-D
 * Secure. Without it a requires_action answer opens the local (sandbox) challenge.
 */
export function usePayNow(stripeCard: RefObject<StripeCard | null>): PayNow {
  const [paying, setPaying] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [stockLines, setStockLines] = useState<StockLine[]>([]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [challenge, setChallenge] = useState<RequiresAction | null>(null);
  // the attempt in flight: its body and Idempotency-Key
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const errorBox = useRef<HTMLDivElement>(null);

  const showError = (message: string) => {
    setError(message);
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

  const showProblem = (e: ApiError) => {
    if (e.code === 'validation_failed') {
      const mapped: Record<string, string> = {};
      const other: string[] = [];
      for (const [field, messages] of Object.entries(e.errors)) {
        const message = messages.join(' ');
        if (field.startsWith('shippingAddress.')) mapped[field.slice('shippingAddress.'.length)] = message;
        else if (field === 'email') mapped.email = message;
        else other.push(message);
      }
      setFieldErrors(mapped);
      showError(other.length ? other.join(' ') : FIX_FIELDS);
      focusField(Object.keys(mapped)[0]);
    } else if (e.code === 'payment_declined') {
      const code = typeof e.body.declineCode === 'string' ? e.body.declineCode : '';
      const reason = typeof e.body.reason === 'string' ? e.body.reason : '';
      showError(
        `${declineMessages[code] ?? (reason || 'Your payment was declined.')} You were not charged. Your items are still held — try another card.`,
      );
      void refreshCart();
    } else if (e.code === 'out_of_stock') {
      setStockLines(Array.isArray(e.body.lines) ? (e.body.lines as StockLine[]) : []);
      showError('Some items sold out before you paid. Nothing was charged. Update your cart and try again.');
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
  };

  const send = async (recipient: Recipient, payment: PaymentInput) => {
    const shippingAddress = trimAddress(recipient.address);
    const email = recipient.email.trim();
    const body = JSON.stringify({ shippingAddress, email, payment });
    // a fresh key per attempt; the same key only when retrying this very attempt after a network error
    const key = attempt.current && attempt.current.body === body ? attempt.current.key : uuid();
    attempt.current = { key, body };
    setPaying(true);
    setError(null);
    setStockLines([]);
    setStatus('Processing your payment…');
    let keepPaying = false;
    try {
      const result = await api<Order | RequiresAction>('/checkout', {
        method: 'POST',
        body: { shippingAddress, email, payment },
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
        showProblem(e);
      }
    } finally {
      if (!keepPaying) {
        setPaying(false);
        setStatus('');
      }
    }
  };

  const pay = async (recipient: Recipient, payment: PaymentInput | (() => Promise<PaymentInput>)) => {
    if (typeof payment !== 'function') return send(recipient, payment);
    let input: PaymentInput;
    try {
      setPaying(true);
      input = await payment();
    } catch (e) {
      setPaying(false);
      return showError(errorMessage(e));
    }
    return send(recipient, input);
  };

  const authenticate = async (succeed: boolean) => {
    if (!challenge) return;
    const action = challenge;
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

  return {
    paying,
    status,
    error,
    stockLines,
    fieldErrors,
    challenge,
    errorBox,
    pay,
    authenticate,
    showError,
    clearError: () => setError(null),
    clearFieldError: (name) => {
      if (fieldErrors[name]) setFieldErrors(({ [name]: _, ...rest }) => rest);
    },
  };
}
