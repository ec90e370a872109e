import * as z from 'zod';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** ISO 3166-1 alpha-2, as the runtime's ICU knows it (an unknown code names itself). */
function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  try {
    return regionNames.of(code) !== code;
  } catch {
    return false;
  }
}

/** A run of 13-19 digits (spaces or dashes between) passing the Luhn check: a card number. */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(/\d(?:[ -]?\d){12,18}/g)) {
    const digits = match[0].replace(/\D/g, '');
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return true;
  }
  return false;
}

// Card details go to the payment provider, never here: a card number in any free-text field
// is refused rather than stored.
const freeText = (label: string, min: number, max: number) =>
  z
    .string({ message: `${label} is required` })
    .trim()
    .min(min, min > 0 ? `${label} is required` : undefined)
    .max(max, `${label} may be at most ${max} characters`)
    .refine(
      (value) => !containsCardNumber(value),
      `${label} looks like a card number; never type card details here`,
    );

export const checkoutRequestSchema = z.object({
  shippingAddress: z.object({
    name: freeText('name', 1, 100),
    line1: freeText('address line 1', 1, 200),
    line2: freeText('address line 2', 0, 200).default(''),
    city: freeText('city', 1, 100),
    postalCode: z
      .string({ message: 'postal code is required' })
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/, 'postal code must be 2-10 letters, digits, spaces or dashes'),
    country: z
      .string({ message: 'country is required' })
      .trim()
      .toUpperCase()
      .refine(isCountryCode, 'country must be an ISO 3166 two-letter code like GB or US'),
  }),
  payment: z.discriminatedUnion(
    'provider',
    [
      z.object({
        provider: z.literal('stripe'),
        paymentMethodId: z
          .string()
          .regex(/^pm_[A-Za-z0-9_]{1,100}$/, 'paymentMethodId must be a Stripe PaymentMethod id (pm_...)'),
      }),
      z.object({
        provider: z.literal('paypal'),
        orderId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'orderId must be the PayPal order id'),
      }),
    ],
    { message: "payment.provider must be 'stripe' or 'paypal'" },
  ),
});

export type CheckoutRequest = z.infer<typeof checkoutRequestSchema>;
