import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `pi_3Nq8...`-style ids in base 62, like Stripe's. Hex would be shorter to write, but hex ids
 * often hold long digit runs, which card-number scanners (our "no PAN stored" tests) flag.
 */
export function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}${id}`;
}
