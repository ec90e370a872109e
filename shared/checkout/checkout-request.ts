import * as z from 'zod';
import { postalCodeMessage, postalCodePattern } from './postal-code';

/**
 * ISO 3166-1 alpha-2: the 249 officially assigned codes (ISO 3166 Maintenance Agency). A
 * static list, not ICU's region names, which also name reserved and user-assigned codes (EU,
 * UK, EZ, UN, XK, ZZ "Unknown Region"): none of those is a country an order can ship to.
 */
export const countryCodes: ReadonlySet<string> = new Set(
  `
  AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
  BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
  CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
  DE DJ DK DM DO DZ
  EC EE EG EH ER ES ET
  FI FJ FK FM FO FR
  GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
  HK HM HN HR HT HU
  ID IE IL IM IN IO IQ IR IS IT
  JE JM JO JP
  KE KG KH KI KM KN KP KR KW KY KZ
  LA LB LC LI LK LR LS LT LU LV LY
  MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
  NA NC NE NF NG NI NL NO NP NR NU NZ
  OM
  PA PE PF PG PH PK PL PM PN PR PS PT PW PY
  QA
  RE RO RS RU RW
  SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
  TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
  UA UG UM US UY UZ
  VA VC VE VG VI VN VU
  WF WS
  YE YT
  ZA ZM ZW
  `
    .trim()
    .split(/\s+/),
);

function isCountryCode(code: string): boolean {
  return countryCodes.has(code);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** NUL, CR/LF, tab, other C0/C1 controls or a Unicode line separator: never in a one-line field. */
function hasControlCharacter(text: string): boolean {
  return controlCharacter.test(text);
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
    )
    .refine(
      (value) => !hasControlCharacter(value),
      `${label} must be one line of text, without control characters (line breaks, tabs, NUL)`,
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
      .regex(postalCodePattern, postalCodeMessage),
    country: z
      .string({ message: 'country is required' })
      .trim()
      .toUpperCase()
      .refine(isCountryCode, 'country must be an ISO 3166 two-letter code like GB or US'),
  }),
  /**
   * Where the receipt and the shipping email go. The checkout page asks for it, prefilled from
   * the identity; an API client that sends none gets the identity's email.
   */
  email: z
    .string({ message: 'email must be text' })
    .trim()
    .max(200, 'email may be at most 200 characters')
    .pipe(z.email('email must be an email address, like you@example.com'))
    .optional(),
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
