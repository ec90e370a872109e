import type { Role } from '../identity/principal';

/** Who may use the operations API and page: on-call engineers, and admins as well. */
export const operationsRoles: readonly Role[] = ['operations', 'admin'];
