import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvocationContext } from '@azure/functions';
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import { errorToResponse } from '../platform/http';
import { createTokenVerifier, principalFromClaims, sanitizeClaimText } from './token-verifier';

const issuer = 'https://issuer.test/v2.0';
const audience = 'storefront-api';

let privateKey: CryptoKey;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
});

function sign(claims: Record<string, unknown>, kid = 'k1'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A JWKS endpoint on a fixed loopback port that can be taken down and brought back. */
class JwksServer {
  server: http.Server | undefined;
  mode: 'keys' | 'error' = 'keys';
  constructor(readonly port: number) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}/discovery/keys`;
  }
  static async freePort(): Promise<number> {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }
  async up(): Promise<void> {
    this.server = http.createServer((_req, res) => {
      if (this.mode === 'error') {
        res.statusCode = 500;
        res.end('down');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('token verifier: the JWKS is an outside dependency (503), not the token’s fault (401)', () => {
  const servers: JwksServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.down();
  });

  it('gives 503 identity_unavailable while the JWKS URL is unreachable or failing, and recovers by itself when it is back', async () => {
    const jwks = new JwksServer(await JwksServer.freePort());
    servers.push(jwks);
    const verify = createTokenVerifier({
      issuer,
      audience,
      keySet: createRemoteJWKSet(new URL(jwks.url), { timeoutDuration: 2_000 }),
      clockToleranceSeconds: 0,
    });
    const token = await sign({ sub: 'u-1', name: 'Una' });

    // Nothing listens on the port: connection refused.
    const refused = await failure(verify(token));
    expect(refused.status).toBe(503);
    expect(refused.code).toBe('identity_unavailable');
    expect(refused.extra.retryAfterSeconds).toBeGreaterThan(0);
    // As every handler maps it: problem+json with a code and Retry-After, never a 500.
    const response = errorToResponse(refused, new InvocationContext({ invocationId: 't' }));
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '5',
    });
    expect(JSON.parse(String(response.body)).code).toBe('identity_unavailable');

    // Listening but answering 500.
    jwks.mode = 'error';
    await jwks.up();
    const erroring = await failure(verify(token));
    expect([erroring.status, erroring.code]).toEqual([503, 'identity_unavailable']);

    // Back: the same verifier, the same token, verified.
    jwks.mode = 'keys';
    await expect(verify(token)).resolves.toMatchObject({ userId: 'u-1', name: 'Una' });

    // A token whose key the (reachable) JWKS does not have is still the token's fault: 401.
    const foreign = await failure(verify(await sign({ sub: 'u-2' }, 'unknown-kid')));
    expect([foreign.status, foreign.code]).toEqual([401, 'unauthenticated']);
  });

  it('gives 503, not 500, when the JWKS answers 200 with something that is not a key set', async () => {
    const server = http.createServer((_req, res) => res.end('<html>captive portal</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const verify = createTokenVerifier({
        issuer,
        audience,
        keySet: createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/keys`)),
        clockToleranceSeconds: 0,
      });
      const error = await failure(verify(await sign({ sub: 'u-3' })));
      expect([error.status, error.code]).toEqual([503, 'identity_unavailable']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('token claims at the boundary: control characters never reach the user’s rows', () => {
  it('strips NUL, CR/LF and other control characters from the name and e-mail claims', () => {
    const principal = principalFromClaims({
      sub: 'u-9',
      name: 'Eve\u0000\r\nBcc: all@example.com\u0007',
      email: 'eve\u0000@example.com',
    });
    expect(principal.name).toBe('Eve Bcc: all@example.com');
    expect(principal.email).toBe('eve @example.com');
    expect([...principal.name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
  });

  it('falls back to the e-mail, then the id, when the name is nothing but control characters', () => {
    expect(principalFromClaims({ sub: 'u-8', name: '\u0000\u0001' }).name).toBe('u-8');
    expect(principalFromClaims({ sub: 'u-8', name: '\u0000', email: 'a@b.c' }).name).toBe('a@b.c');
  });

  it('refuses (401) a subject with control characters: an id cannot be cleaned without colliding', () => {
    for (const sub of ['u\u00001', 'u\n1', 'x'.repeat(201)]) {
      let error: unknown;
      try {
        principalFromClaims({ sub });
      } catch (e) {
        error = e;
      }
      expect((error as AppError).status, JSON.stringify(sub)).toBe(401);
    }
  });

  it('sanitizeClaimText collapses whitespace and bounds the length', () => {
    expect(sanitizeClaimText('  a \t\u0085 b  ')).toBe('a b');
    expect(sanitizeClaimText('x'.repeat(500))).toHaveLength(200);
  });

  it('a verified token with a NUL in its name claim gives a clean principal', async () => {
    const local = createTokenVerifier({
      issuer,
      audience,
      keySet: createLocalJWKSet({ keys: [publicJwk] }),
      clockToleranceSeconds: 0,
    });
    await expect(local(await sign({ sub: 'u-7', name: 'Nul\u0000Name' }))).resolves.toMatchObject({
      userId: 'u-7',
      name: 'Nul Name',
    });
  });
});
