/**
 * What an Azure adapter does to its service, as Azure RBAC names it (an action or data action,
 * e.g. `Microsoft.Search/searchServices/indexes/documents/read`), and when: at start-up (a
 * missing role stops the app from starting) or at run time (a missing role fails requests).
 * Each adapter declares its own list beside its code; the Azure-shaped start-up test checks
 * that the roles Bicep grants the Function App cover every one, and grant nothing unused.
 */
export interface AzureOperation {
  /** The resource type the operation is performed on (the role assignment's scope). */
  resourceType: string;
  operation: string;
  when: 'startup' | 'runtime';
  why: string;
}
