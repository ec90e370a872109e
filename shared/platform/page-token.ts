import { validationFailed } from './errors';

/**
 * Continuation tokens for keyset paging: the position after the last item, as base64url JSON.
 * Opaque to clients; a token this API did not issue is a 400, never a 500.
 */
export function encodePageToken(position: object): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** `read` returns the position if the decoded value is one this query issued, else undefined. */
export function decodePageToken<T>(raw: string, read: (value: unknown) => T | undefined): T {
  let position: T | undefined;
  try {
    position = read(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown);
  } catch {
    position = undefined;
  }
  if (position === undefined)
    throw validationFailed({
      continuationToken: ['continuationToken is not one this API issued for this query.'],
    });
  return position;
}

/** The usual keyset position: a timestamp and the id that breaks ties. */
export interface TimeKey {
  createdAt: Date;
  id: string;
}

export function encodeTimeKey(key: { createdAt: Date | string; id: string }): string {
  const createdAt = typeof key.createdAt === 'string' ? key.createdAt : key.createdAt.toISOString();
  return encodePageToken({ c: createdAt, i: key.id });
}

export function decodeTimeKey(raw: string): TimeKey {
  return decodePageToken(raw, (value) => {
    const { c, i } = (value ?? {}) as { c?: unknown; i?: unknown };
    if (typeof c !== 'string' || typeof i !== 'string') return undefined;
    const createdAt = new Date(c);
    return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id: i };
  });
}
