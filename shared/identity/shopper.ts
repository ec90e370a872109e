import type { HttpRequest } from '@azure/functions';
import { LRUCache } from 'lru-cache';
import type { Services } from '../platform/services';
import type { Principal } from './principal';
import { signedIn } from './require-principal';
import { ensureUser } from './users.repository';

// Users this process has already made sure exist: saves a query on every cart call.
const knownUsers = new LRUCache<string, true>({ max: 50_000 });

/** The signed-in caller, with their user row created on first sign-in. */
export async function signedInShopper(request: HttpRequest, services: Services): Promise<Principal> {
  const principal = await signedIn(request, services);
  if (!knownUsers.has(principal.userId)) {
    await ensureUser(services.sql.db, principal);
    knownUsers.set(principal.userId, true);
  }
  return principal;
}
