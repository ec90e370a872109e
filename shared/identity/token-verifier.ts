import type { HttpRequest } from '@azure/functions';
import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { forbidden, unauthenticated } from '../platform/errors';
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

/** Maps standard and Entra claim names to a principal; unknown roles are dropped. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const userId = stringClaim(payload, 'oid', 'sub');
  if (!userId) throw unauthenticated('The token names no subject.');
  const email = stringClaim(payload, 'email', 'emails', 'preferred_username') ?? '';
  const claimedRoles = Array.isArray(payload.roles) ? payload.roles : [];
  return {
    userId,
    email,
    name: stringClaim(payload, 'name') ?? email ?? userId,
    roles: claimedRoles.filter((role): role is Role => roles.includes(role as Role)),
  };
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A token is immutable: once its signature checked out, only its expiry can change the answer.
  const verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: 20_000 });
  return async (token) => {
    const known = verified.get(token);
    if (known && Date.now() < known.expiresAtMs + options.clockToleranceSeconds * 1000)
      return known.principal;
    try {
      const { payload } = await jwtVerify(token, options.keySet, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      const principal = principalFromClaims(payload);
      verified.set(token, { principal, expiresAtMs: Number(payload.exp) * 1000 });
      return principal;
    } catch (error) {
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

/** 403 unless the principal has the role. */
export function requireRole(principal: Principal, role: Role): void {
  if (!principal.roles.includes(role)) throw forbidden(`This needs the '${role}' role.`);
}
