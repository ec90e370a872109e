import { AppError, type FieldErrors, validationFailed } from '../platform/errors';
import type { ChargeInput, PaymentProvider, WebhookHeaders } from './payment-gateway.port';

/** Largest amount we accept: Stripe's own ceiling is 99,999,999 minor units for most currencies. */
export const MAX_AMOUNT_MINOR = 99_999_999;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A one-line token (ids, references): NUL, CR/LF and other control characters never pass. */
function isOneLine(value: unknown): boolean {
  return typeof value === 'string' && !controlCharacter.test(value);
}

/** Rejects malformed input before anything reaches a gateway (400, nothing charged). */
export function validateChargeInput(input: ChargeInput): void {
  const errors: FieldErrors = {};
  if (
    typeof input.orderId !== 'string' ||
    input.orderId.trim() === '' ||
    input.orderId.length > 200 ||
    !isOneLine(input.orderId)
  ) {
    errors.orderId = [
      'orderId must be a non-empty string of at most 200 characters, without control characters.',
    ];
  }
  if (
    !Number.isSafeInteger(input.amountMinor) ||
    input.amountMinor <= 0 ||
    input.amountMinor > MAX_AMOUNT_MINOR
  ) {
    errors.amountMinor = [`amountMinor must be an integer from 1 to ${MAX_AMOUNT_MINOR}.`];
  }
  if (typeof input.currency !== 'string' || !/^[A-Za-z]{3}$/.test(input.currency)) {
    errors.currency = ['currency must be a three-letter ISO 4217 code.'];
  }
  const method = input.method;
  if (method?.provider === 'stripe') {
    if (typeof method.paymentMethodId !== 'string' || method.paymentMethodId.trim() === '') {
      errors['method.paymentMethodId'] = ['paymentMethodId is required for Stripe.'];
    } else if (!isOneLine(method.paymentMethodId) || method.paymentMethodId.length > 200) {
      errors['method.paymentMethodId'] = ['paymentMethodId must be one line of at most 200 characters.'];
    }
  } else if (method?.provider === 'paypal') {
    if (typeof method.orderId !== 'string' || method.orderId.trim() === '') {
      errors['method.orderId'] = ['orderId (the PayPal order id) is required for PayPal.'];
    } else if (!isOneLine(method.orderId) || method.orderId.length > 200) {
      errors['method.orderId'] = [
        'orderId (the PayPal order id) must be one line of at most 200 characters.',
      ];
    }
  } else {
    errors['method.provider'] = ["provider must be 'stripe' or 'paypal'."];
  }
  if (Object.keys(errors).length > 0)
    throw validationFailed(errors, 'The payment request has invalid fields.');
}

const exponents = new Map<string, number>();

/** Digits after the decimal point for a currency (JPY 0, EUR 2, KWD 3), from ICU (asked once per currency). */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let exponent = exponents.get(code);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits as number;
    exponents.set(code, exponent);
  }
  return exponent;
}

/** 1999 EUR -> "19.99"; 500 JPY -> "500". PayPal amounts are decimal strings. */
export function minorToDecimalString(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return String(amountMinor);
  const digits = String(amountMinor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** "19.99" EUR -> 1999; undefined when the string is not an exact amount in that currency. */
export function decimalStringToMinor(value: string, currency: string): number | undefined {
  const exponent = currencyExponent(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(exponent, '0');
  if (fraction.length > exponent) return undefined;
  return Number(match[1]) * 10 ** exponent + Number(fraction || '0');
}

/** Case-insensitive header read (Functions and node lower-case names, tests may not). */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export function invalidSignature(detail: string): AppError {
  return new AppError(400, 'invalid_signature', detail);
}

/** The outcome is unknown (network error, 5xx): keep the order pending; recovery will look it up. */
export function gatewayUnavailable(provider: PaymentProvider, detail: string): AppError {
  return new AppError(502, 'payment_gateway_unavailable', `${provider}: ${detail}`, { provider });
}

/** The same order id was charged before with a different amount, currency or method. */
export function idempotencyConflict(orderId: string): AppError {
  return new AppError(
    409,
    'idempotency_conflict',
    `Order '${orderId}' was already charged with different parameters; a new attempt needs a new order.`,
  );
}

/** Key for webhook replay protection: event ids are unique per provider. */
export function webhookDedupKey(event: { provider: PaymentProvider; eventId: string }): string {
  return `${event.provider}:${event.eventId}`;
}
