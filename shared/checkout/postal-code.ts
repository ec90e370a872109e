/**
 * The postal-code rule, in one place for the API's schema (checkout-request.ts) and the
 * storefront's form (web/src/checkout/shipping-address.ts). Plain constants, no zod: the web
 * bundle imports this file, and importing the zod schema instead took the checkout chunk from
 * 5.8 KB to 30.7 KB gzipped (`npm run build:web`, 2026-12-02).
 */

/** 2-10 characters after trimming: a letter or digit, then letters, digits, spaces or dashes. */
export const postalCodePattern = /^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/;

export const postalCodeMessage = 'postal code must be 2-10 letters, digits, spaces or dashes';
