// The shipping address form's data and checks. Plain TypeScript (no Preact), so a node test can
// hold the client's rules against the server's schema (test/browser/checkout-address-rules.test.ts).
import { postalCodeMessage, postalCodePattern } from '../../../shared/checkout/postal-code';
import type { ShippingAddress } from '../api';

export type AddressField = keyof ShippingAddress;

export const addressFields: Array<{
  name: Exclude<AddressField, 'country'>;
  label: string;
  autoComplete: string;
  optional?: boolean;
}> = [
  { name: 'name', label: 'Full name', autoComplete: 'shipping name' },
  { name: 'line1', label: 'Address', autoComplete: 'shipping address-line1' },
  { name: 'line2', label: 'Apartment, suite, etc.', autoComplete: 'shipping address-line2', optional: true },
  { name: 'city', label: 'City', autoComplete: 'shipping address-level2' },
  { name: 'postalCode', label: 'Postal code', autoComplete: 'shipping postal-code' },
];

export const countries: Array<[string, string]> = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['CA', 'Canada'],
  ['IE', 'Ireland'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['SE', 'Sweden'],
  ['AU', 'Australia'],
  ['NZ', 'New Zealand'],
  ['JP', 'Japan'],
];

/** The browser's region when the shop ships there, else the US. */
export function defaultCountry(language: string): string {
  const region = (language.split('-')[1] ?? '').toUpperCase();
  return countries.some(([code]) => code === region) ? region : 'US';
}

export function emptyAddress(name: string, country: string): ShippingAddress {
  return { name, line1: '', line2: '', city: '', postalCode: '', country };
}

/** Client-side checks that mirror the server's; the server stays the authority. */
export function validateAddress(address: ShippingAddress): Partial<Record<AddressField, string>> {
  const errors: Partial<Record<AddressField, string>> = {};
  if (!address.name.trim()) errors.name = 'Enter the name of the person receiving the order.';
  if (!address.line1.trim()) errors.line1 = 'Enter the street address.';
  if (!address.city.trim()) errors.city = 'Enter the city or town.';
  const postal = address.postalCode.trim();
  if (!postal) errors.postalCode = 'Enter the postal code.';
  // the server's own rule and words (shared/checkout/postal-code.ts)
  else if (!postalCodePattern.test(postal)) errors.postalCode = postalCodeMessage;
  if (!address.country) errors.country = 'Choose a country.';
  return errors;
}

/** The address as it is sent: free-text fields trimmed, as the server would trim them. */
export function trimAddress(address: ShippingAddress): ShippingAddress {
  return {
    ...address,
    name: address.name.trim(),
    line1: address.line1.trim(),
    line2: address.line2.trim(),
    city: address.city.trim(),
    postalCode: address.postalCode.trim(),
  };
}
