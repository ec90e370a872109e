import type { Cart, CartLine } from '../api';

/** A line at the price Pay Now charges: the catalogue's current one when it changed. */
export function lineNow(line: CartLine): { minor: number; currency: string } {
  const price = line.currentPrice ?? { unitPriceMinor: line.unitPriceMinor, currency: line.currency };
  return { minor: price.unitPriceMinor * line.quantity, currency: price.currency };
}

/** What Pay Now would charge: current prices, without the items no longer sold. */
export function payableTotal(cart: Cart): number {
  return cart.lines.reduce((sum, line) => (line.unavailable ? sum : sum + lineNow(line).minor), 0);
}
