import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../schema';

/** `addresses` was never read or written (orders keep their own shipping address): gone. */
export function dropAddresses(_dialect: SqlDialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Its index (addresses_user) goes with it, on PostgreSQL and Azure SQL alike.
      await db.schema.dropTable('addresses').execute();
    },
  };
}
