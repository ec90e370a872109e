import { pgliteAndPostgres } from '../../test/support/postgres';
import { portableCartWrites, postgresCartWrites } from './cart-writes';
import { type CartWritesImplementation, cartWritesContract } from './cart-writes.contract';

// Both implementations on PGlite and PostgreSQL; in the `azure-sql-path` project (every store
// runs as Azure SQL there) only the portable one, whose every statement is compiled as T-SQL.
const implementations: CartWritesImplementation[] = [
  ...(process.env.TSQL_RECORDING
    ? []
    : [
        { name: 'postgresCartWrites (one statement)', kind: 'postgres' as const, create: postgresCartWrites },
      ]),
  {
    name: 'portableCartWrites (transactions, the Azure SQL path)',
    kind: 'portable',
    create: portableCartWrites,
  },
];

for (const target of pgliteAndPostgres())
  for (const implementation of implementations) cartWritesContract(target, implementation);
