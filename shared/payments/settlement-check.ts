import type { LookupOutcome, PaymentProvider } from './payment-gateway.port';

/** What a settlement is checked against: the order as we wrote it. */
export interface SettlementTarget {
  id: string;
  payment_provider: PaymentProvider;
  /** PayPal: PayPal's order id the buyer approved. Stripe: the PaymentMethod id. */
  payment_method_ref: string | null;
  /** Stripe: the PaymentIntent id, once the charge returned one (3-D Secure, decline). */
  payment_reference: string | null;
  total_minor: number;
  currency: string;
}

export type SettlementRefusalCode =
  | 'provider_mismatch'
  | 'reference_mismatch'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'amount_missing';

export interface SettlementRefusal {
  code: SettlementRefusalCode;
  detail: string;
}

/**
 * The provider reference a settlement of this order must carry, when we know it: PayPal's order
 * id (given at Pay Now), or Stripe's PaymentIntent id once a charge returned it.
 */
export function expectedReference(order: SettlementTarget): string | undefined {
  if (order.payment_provider === 'paypal') return order.payment_method_ref ?? undefined;
  return order.payment_reference ?? undefined;
}

/**
 * Whether a provider's word may settle this order. It must come from the order's provider, name
 * the order's payment reference (when we know one) and, when it says money moved, for exactly the
 * order's total in the order's currency. `requireAmount`: a succeeded outcome that states no
 * amount is refused too (webhooks, whose amounts the real providers always state).
 * Anything else is refused: an order id alone (Stripe metadata, PayPal custom_id) proves nothing,
 * since a buyer can put ours on a PayPal order of their own.
 */
export function checkSettlement(
  order: SettlementTarget,
  outcome: LookupOutcome,
  options: { requireAmount?: boolean } = {},
): SettlementRefusal | undefined {
  if (outcome.provider !== order.payment_provider) {
    return {
      code: 'provider_mismatch',
      detail: `a ${outcome.provider} payment cannot settle a ${order.payment_provider} order`,
    };
  }
  if (outcome.status === 'not_found') return undefined;
  const expected = expectedReference(order);
  const given = outcome.reference;
  if (expected !== undefined && given !== undefined && given !== expected) {
    return { code: 'reference_mismatch', detail: `payment ${given} is not this order's payment ${expected}` };
  }
  if (outcome.status !== 'succeeded') return undefined;
  if (outcome.amountMinor === undefined || outcome.currency === undefined) {
    return options.requireAmount
      ? { code: 'amount_missing', detail: 'the payment states no amount or currency' }
      : undefined;
  }
  if (outcome.currency.toUpperCase() !== order.currency.toUpperCase()) {
    return {
      code: 'currency_mismatch',
      detail: `paid in ${outcome.currency.toUpperCase()}, the order is in ${order.currency.toUpperCase()}`,
    };
  }
  if (outcome.amountMinor !== order.total_minor) {
    return {
      code: 'amount_mismatch',
      detail: `paid ${outcome.amountMinor}, the order total is ${order.total_minor} (minor units)`,
    };
  }
  return undefined;
}
