import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import type { Role } from '../../identity/principal';

export const localIssuerName = 'urn:storefront:local-issuer';

export interface DevTokenRequest {
  sub: string;
  email: string;
  name: string;
  roles: Role[];
  /** Lifetime in seconds (negative gives an already-expired token, for tests). */
  expiresIn?: number;
}

/**
 * The dev-only token issuer. Its signing key is made on first use and kept under the data
 * folder, so tokens survive a restart. It exists only where no Entra issuer is configured.
 */
export class LocalIssuer {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwks: JSONWebKeySet,
    readonly audience: string,
  ) {}

  static async open(dataDir: string, audience: string): Promise<LocalIssuer> {
    const file = path.join(dataDir, 'dev-issuer-key.json');
    let stored: { privateJwk: JWK; publicJwk: JWK };
    try {
      stored = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = `dev-${Date.now().toString(36)}`;
      stored = {
        privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
        publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      };
      await fs.mkdir(dataDir, { recursive: true });
      await fs.writeFile(file, JSON.stringify(stored), { mode: 0o600 });
    }
    const privateKey = (await importJWK(stored.privateJwk, 'ES256')) as CryptoKey;
    return new LocalIssuer(privateKey, { keys: [stored.publicJwk] }, audience);
  }

  keySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.jwks);
  }

  async issue(request: DevTokenRequest): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = request.expiresIn ?? 3600;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ email: request.email, name: request.name, roles: request.roles })
      .setProtectedHeader({ alg: 'ES256', kid: this.jwks.keys[0]?.kid })
      .setIssuer(localIssuerName)
      .setAudience(this.audience)
      .setSubject(request.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(this.privateKey);
    return { token, expiresIn };
  }
}
