import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import type { ChargeInput } from './payment-gateway.port';
import {
  currencyExponent,
  decimalStringToMinor,
  headerValue,
  minorToDecimalString,
  validateChargeInput,
  webhookDedupKey,
} from './payment-input';

describe('money conversions', () => {
  it('knows currency exponents', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('jpy')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('formats minor units as PayPal decimal strings', () => {
    expect(minorToDecimalString(1999, 'EUR')).toBe('19.99');
    expect(minorToDecimalString(5, 'USD')).toBe('0.05');
    expect(minorToDecimalString(500, 'JPY')).toBe('500');
    expect(minorToDecimalString(1234, 'KWD')).toBe('1.234');
  });

  it('parses decimal strings back exactly, refusing extra precision', () => {
    expect(decimalStringToMinor('19.99', 'EUR')).toBe(1999);
    expect(decimalStringToMinor('19.9', 'EUR')).toBe(1990);
    expect(decimalStringToMinor('20', 'EUR')).toBe(2000);
    expect(decimalStringToMinor('19.999', 'EUR')).toBeUndefined();
    expect(decimalStringToMinor('1.5', 'JPY')).toBeUndefined();
    expect(decimalStringToMinor('-1', 'EUR')).toBeUndefined();
  });
});

describe('validateChargeInput', () => {
  const good: ChargeInput = {
    orderId: 'o1',
    amountMinor: 100,
    currency: 'EUR',
    method: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
  };

  it('accepts a well-formed charge', () => {
    expect(() => validateChargeInput(good)).not.toThrow();
  });

  it('names every bad field', () => {
    const bad = {
      orderId: '',
      amountMinor: -1,
      currency: 'EURO',
      method: { provider: 'bitcoin' },
    } as unknown as ChargeInput;
    const error = (() => {
      try {
        validateChargeInput(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect(Object.keys((error as AppError).extra.errors as object).sort()).toEqual([
      'amountMinor',
      'currency',
      'method.provider',
      'orderId',
    ]);
  });

  it('requires the provider-specific id', () => {
    expect(() => validateChargeInput({ ...good, method: { provider: 'paypal', orderId: ' ' } })).toThrow(
      AppError,
    );
    expect(() =>
      validateChargeInput({ ...good, method: { provider: 'stripe', paymentMethodId: '' } }),
    ).toThrow(AppError);
  });
});

describe('helpers', () => {
  it('reads headers case-insensitively', () => {
    expect(headerValue({ 'Stripe-Signature': 'x' }, 'stripe-signature')).toBe('x');
    expect(headerValue({}, 'stripe-signature')).toBeUndefined();
  });

  it('keys webhook dedup by provider and event id', () => {
    expect(webhookDedupKey({ provider: 'stripe', eventId: 'evt_1' })).toBe('stripe:evt_1');
    expect(webhookDedupKey({ provider: 'paypal', eventId: 'evt_1' })).not.toBe('stripe:evt_1');
  });
});
