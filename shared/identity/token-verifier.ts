import type { HttpRequest } from '@azure/functions';
import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError, forbidden, unauthenticated } from '../platform/errors';
import { type Principal, type Role, roles } from './principal';

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** A remote JWKS (Entra External ID) or the local issuer's key set: same verification either way. */
  keySet: JWTVerifyGetKey;
  clockToleranceSeconds: number;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

function stringClaim(payload: JWTPayload, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === 'string' && value !== '') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators. PostgreSQL refuses NUL
// in text outright, and CR/LF in a display name end up in e-mail headers and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A display claim (name, e-mail) made safe to store: control characters become spaces, runs collapse. */
export function sanitizeClaimText(value: string, maxLength = 200): string {
  return value.replace(controlCharacters, ' ').replace(/\s+/g, ' ').trim().slice(0, maxLength);
}

/**
 * Maps standard and Entra claim names to a principal; unknown roles are dropped. Display
 * claims are sanitised here, at the boundary (control characters removed), so a hostile or
 * broken name never reaches the user's rows; a subject with control characters is refused
 * (401): an id cannot be cleaned without colliding with another.
 */
export function principalFromClaims(payload: JWTPayload): Principal {
  const userId = stringClaim(payload, 'oid', 'sub');
  if (!userId) throw unauthenticated('The token names no subject.');
  if (userId.replace(controlCharacters, '') !== userId || userId.length > 200) {
    throw unauthenticated('The token subject is not a valid id.');
  }
  const email = sanitizeClaimText(stringClaim(payload, 'email', 'emails', 'preferred_username') ?? '');
  const name = sanitizeClaimText(stringClaim(payload, 'name') ?? '');
  const claimedRoles = Array.isArray(payload.roles) ? payload.roles : [];
  return {
    userId,
    email,
    name: name || email || userId,
    roles: claimedRoles.filter((role): role is Role => roles.includes(role as Role)),
  };
}

/** 503: the identity provider's signing keys (JWKS) could not be fetched; the token was not judged. */
export function identityUnavailable(detail: string): AppError {
  return new AppError(
    503,
    'identity_unavailable',
    `The sign-in keys could not be fetched (${detail}); try again shortly.`,
    { retryAfterSeconds: 5 },
  );
}

class KeySetUnavailable extends Error {}

/**
 * Wraps a key set so that failing to fetch it (network error, timeout, a non-200 or a body
 * that is no JWKS) is told apart from a token that names no known key: the first is the
 * provider's outage (503), the second the token's fault (401).
 */
function guardedKeySet(keySet: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (protectedHeader, token) => {
    try {
      return await keySet(protectedHeader, token);
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys ||
        error instanceof joseErrors.JOSENotSupported ||
        error instanceof joseErrors.JWSInvalid ||
        error instanceof joseErrors.JWTInvalid
      ) {
        throw error;
      }
      const reason =
        error instanceof joseErrors.JWKSTimeout
          ? 'timed out'
          : error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error);
      throw new KeySetUnavailable(reason);
    }
  };
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A token is immutable: once its signature checked out, only its expiry can change the answer.
  const keySet = guardedKeySet(options.keySet);
  const verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: 20_000 });
  return async (token) => {
    const known = verified.get(token);
    if (known && Date.now() < known.expiresAtMs + options.clockToleranceSeconds * 1000)
      return known.principal;
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      const principal = principalFromClaims(payload);
      verified.set(token, { principal, expiresAtMs: Number(payload.exp) * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof KeySetUnavailable) throw identityUnavailable(error.message);
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired.');
      if (error instanceof joseErrors.JOSEError)
        throw unauthenticated(`The token is not valid (${error.code}).`);
      throw error;
    }
  };
}

/** The caller's principal from `Authorization: Bearer ...`, or 401. */
export async function authenticate(request: HttpRequest, verify: TokenVerifier): Promise<Principal> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated();
  return verify(match[1]!);
}

/** 403 unless the principal has the role (or, given a list, any one of them). */
export function requireRole(principal: Principal, role: Role | readonly Role[]): void {
  const accepted: readonly Role[] = typeof role === 'string' ? [role] : role;
  if (!accepted.some((r) => principal.roles.includes(r)))
    throw forbidden(`This needs the ${accepted.map((r) => `'${r}'`).join(' or ')} role.`);
}
