import type { RelationalStore } from './database';

/**
 * Tests only: when set, every store openRelationalStore opens is passed through `wrap` after its
 * migrations. The Azure SQL path check (test/support/tsql-recorder.ts) uses it to run the app on
 * PostgreSQL as if it were Azure SQL and record the T-SQL of every statement. Never set in the app.
 */
export const relationalStoreHooks: { wrap?: (store: RelationalStore) => RelationalStore } = {};
