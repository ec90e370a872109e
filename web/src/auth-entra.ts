/**
 * Entra External ID sign-in with MSAL. This module (and MSAL with it) is a separate chunk,
 * imported only when /client-config says `auth.mode` is `entra`.
 */
import { type AuthenticationResult, PublicClientApplication } from '@azure/msal-browser';
import { type AuthConfig, clientConfig } from './api';
import type { Session } from './store';

type EntraConfig = Extract<AuthConfig, { mode: 'entra' }>;

let app: PublicClientApplication | undefined;
let scopes: string[] = [];

async function client(config?: EntraConfig): Promise<PublicClientApplication | undefined> {
  if (app) return app;
  if (!config) {
    const loaded = (await clientConfig()).auth;
    if (loaded.mode !== 'entra') return undefined;
    config = loaded;
  }
  scopes = config.scopes;
  app = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      redirectUri: window.location.origin,
      postLogoutRedirectUri: window.location.origin,
    },
    // localStorage so a new tab can renew the shared session silently (store.ts keeps the session
    // itself in localStorage too). MSAL's table: sessionStorage is per tab, localStorage is shared
    // between tabs (learn.microsoft.com/entra/msal/javascript/browser/caching); msal-browser 5
    // encrypts that cache with a key in a browser-session cookie and syncs tabs over a
    // BroadcastChannel (src/cache/LocalStorage.ts), so tokens still end with the browser session.
    cache: { cacheLocation: 'localStorage' },
  });
  await app.initialize();
  return app;
}

function toSession(result: AuthenticationResult): Session {
  const claims = (result.idTokenClaims ?? {}) as Record<string, unknown>;
  return {
    token: result.accessToken,
    name: result.account.name ?? (typeof claims.name === 'string' ? claims.name : result.account.username),
    sub: result.account.localAccountId,
    mode: 'entra',
    expiresAt: result.expiresOn ? result.expiresOn.getTime() : Date.now() + 3_600_000,
  };
}

export async function signInWithEntra(config: EntraConfig): Promise<Session | null> {
  const msal = await client(config);
  if (!msal) return null;
  const result = await msal.loginPopup({ scopes: config.scopes });
  msal.setActiveAccount(result.account);
  return toSession(result);
}

export async function refreshEntraToken(): Promise<Session | null> {
  const msal = await client();
  const account = msal?.getActiveAccount() ?? msal?.getAllAccounts()[0];
  if (!msal || !account) return null;
  try {
    return toSession(await msal.acquireTokenSilent({ scopes, account }));
  } catch {
    return null;
  }
}

export async function signOutOfEntra(): Promise<void> {
  const msal = await client();
  if (msal) await msal.logoutPopup().catch(() => undefined);
}
