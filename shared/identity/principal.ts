export const roles = ['shopper', 'admin', 'warehouse', 'marketing', 'operations'] as const;
export type Role = (typeof roles)[number];

/** Who is calling, from a validated token. */
export interface Principal {
  userId: string;
  email: string;
  name: string;
  roles: Role[];
}
