import { createHash } from 'node:crypto';

/** A strong ETag for a response body. */
export function etagOf(text: string): string {
  return `"${createHash('sha1').update(text).digest('base64url').slice(0, 20)}"`;
}
