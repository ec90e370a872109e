import type { HttpRequest } from '@azure/functions';
import type { Services } from '../platform/services';
import type { Principal, Role } from './principal';
import { authenticate, requireRole } from './token-verifier';

/**
 * The signed-in caller (401 otherwise), optionally required to hold a role, or any one of a
 * list of roles (403 otherwise).
 */
export async function signedIn(
  request: HttpRequest,
  services: Pick<Services, 'verifyToken'>,
  role?: Role | readonly Role[],
): Promise<Principal> {
  const principal = await authenticate(request, services.verifyToken);
  if (role) requireRole(principal, role);
  return principal;
}
