import { sql } from 'kysely';
import type { SqlDialectName } from './schema';

/** Column types that differ between PostgreSQL/PGlite and Azure SQL. */
export function columnTypes(dialect: SqlDialectName) {
  const mssql = dialect === 'mssql';
  return {
    id: sql`varchar(64)`,
    shortText: mssql ? sql`nvarchar(200)` : sql`varchar(200)`,
    longText: mssql ? sql`nvarchar(max)` : sql`text`,
    timestamp: mssql ? sql`datetimeoffset(3)` : sql`timestamptz(3)`,
    serial: mssql ? sql`int identity(1,1)` : sql`serial`,
  };
}
