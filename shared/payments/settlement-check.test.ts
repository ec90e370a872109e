import { describe, expect, it } from 'vitest';
import { checkSettlement, type SettlementTarget } from './settlement-check';

const stripeOrder: SettlementTarget = {
  id: 'ord_1',
  payment_provider: 'stripe',
  payment_method_ref: 'pm_card_authenticationRequired',
  payment_reference: 'pi_own',
  total_minor: 4200,
  currency: 'USD',
};
const paypalOrder: SettlementTarget = {
  ...stripeOrder,
  payment_provider: 'paypal',
  payment_method_ref: 'PP-OWN',
  payment_reference: null,
};
const paid = { status: 'succeeded', amountMinor: 4200, currency: 'usd' } as const;

describe('checkSettlement: only the order’s own payment settles it', () => {
  it('accepts the order’s provider, reference, total and currency (any case)', () => {
    expect(
      checkSettlement(stripeOrder, { ...paid, provider: 'stripe', reference: 'pi_own' }),
    ).toBeUndefined();
    expect(
      checkSettlement(paypalOrder, { ...paid, provider: 'paypal', reference: 'PP-OWN', currency: 'USD' }),
    ).toBeUndefined();
  });

  it('refuses another provider, another reference, another amount or currency, and (when required) no amount', () => {
    const code = (
      order: SettlementTarget,
      outcome: Parameters<typeof checkSettlement>[1],
      requireAmount = false,
    ) => checkSettlement(order, outcome, { requireAmount })?.code;
    expect(code(stripeOrder, { ...paid, provider: 'paypal', reference: 'PP-OTHER' })).toBe(
      'provider_mismatch',
    );
    expect(code(stripeOrder, { ...paid, provider: 'stripe', reference: 'pi_other' })).toBe(
      'reference_mismatch',
    );
    expect(code(paypalOrder, { ...paid, provider: 'paypal', reference: 'PP-OTHER' })).toBe(
      'reference_mismatch',
    );
    expect(code(stripeOrder, { ...paid, provider: 'stripe', reference: 'pi_own', amountMinor: 1 })).toBe(
      'amount_mismatch',
    );
    expect(code(stripeOrder, { ...paid, provider: 'stripe', reference: 'pi_own', currency: 'eur' })).toBe(
      'currency_mismatch',
    );
    expect(code(stripeOrder, { status: 'succeeded', provider: 'stripe', reference: 'pi_own' }, true)).toBe(
      'amount_missing',
    );
    // A failure or a 3-D Secure prompt about another payment moves nothing either.
    expect(
      code(stripeOrder, {
        status: 'declined',
        provider: 'stripe',
        reference: 'pi_other',
        code: 'x',
        reason: 'x',
      }),
    ).toBe('reference_mismatch');
  });
});
