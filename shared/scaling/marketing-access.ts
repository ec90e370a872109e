import type { Principal, Role } from '../identity/principal';

/** The roles that may read and change the sales calendar: marketing, and admins. */
export const marketingRoles: readonly Role[] = ['marketing', 'admin'];

/** Who made a change, as the audit records it. */
export function auditName(principal: Principal): string {
  return principal.email ? `${principal.email} (${principal.userId})` : principal.userId;
}
