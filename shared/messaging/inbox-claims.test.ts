import { pgliteAndPostgres } from '../../test/support/postgres';
import { portableInboxClaims, postgresInboxClaims } from './inbox-claims';
import { type InboxClaimsImplementation, inboxClaimsContract } from './inbox-claims.contract';

// Both implementations on PGlite and PostgreSQL; in the `azure-sql-path` project (every store
// runs as Azure SQL there) only the portable one, whose every statement is compiled as T-SQL.
const implementations: InboxClaimsImplementation[] = [
  ...(process.env.TSQL_RECORDING
    ? []
    : [
        {
          name: 'postgresInboxClaims (shared statements)',
          kind: 'postgres' as const,
          create: postgresInboxClaims,
        },
      ]),
  {
    name: 'portableInboxClaims (transactions, the Azure SQL path)',
    kind: 'portable',
    create: portableInboxClaims,
  },
];

for (const target of pgliteAndPostgres())
  for (const implementation of implementations) inboxClaimsContract(target, implementation);
