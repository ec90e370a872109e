import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { Kysely, MssqlDialect } from 'kysely';
import * as tarn from 'tarn';
import * as tedious from 'tedious';
import type { SqlConfig } from '../../platform/config';
import type { Database } from './schema';

/**
 * Azure SQL through Kysely's MSSQL dialect, authenticated with the app's managed identity
 * (no password anywhere). `readOnly` connects with ApplicationIntent=ReadOnly, which Azure
 * routes to the read scale-out replica.
 */
export function createMssqlDatabase(
  config: Extract<SqlConfig, { kind: 'mssql' }>,
  readOnly: boolean,
  credential: TokenCredential = new DefaultAzureCredential(),
) {
  return new Kysely<Database>({
    dialect: new MssqlDialect({
      // A request waits at most 10 s for a connection (tarn's default is 30 s): long enough to
      // ride out a failover's reconnect, short enough that an outage answers instead of hanging.
      tarn: {
        ...tarn,
        options: { min: 0, max: 10, acquireTimeoutMillis: 10_000, createTimeoutMillis: 10_000 },
      },
      tedious: {
        ...tedious,
        connectionFactory: () =>
          new tedious.Connection({
            server: config.server,
            authentication: { type: 'token-credential', options: { credential } },
            options: {
              database: config.database,
              encrypt: true,
              port: 1433,
              connectTimeout: 8_000,
              readOnlyIntent: readOnly,
              trustServerCertificate: false,
            },
          }),
      },
    }),
  });
}
