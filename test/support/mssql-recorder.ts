import {
  type CompiledQuery,
  type DatabaseConnection,
  Kysely,
  MssqlAdapter,
  MssqlIntrospector,
  MssqlQueryCompiler,
  type QueryResult,
} from 'kysely';
import { Parser } from 'node-sql-parser';
import type { Database } from '../../shared/adapters/sql/schema';

/**
 * A Kysely that compiles with the MSSQL dialect and records the T-SQL instead of sending it:
 * there is no SQL Server here, so this is how store queries are checked for Azure SQL.
 */
export function mssqlRecorder(): { db: Kysely<Database>; statements: string[] } {
  const statements: string[] = [];
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      statements.push(query.sql);
      return { rows: [], numAffectedRows: 0n };
    },
    // biome-ignore lint/correctness/useYield: never streams
    async *streamQuery() {
      throw new Error('no streaming');
    },
  };
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new MssqlAdapter(),
      createQueryCompiler: () => new MssqlQueryCompiler(),
      createIntrospector: (k) => new MssqlIntrospector(k),
      createDriver: () => ({
        init: async () => {},
        acquireConnection: async () => connection,
        beginTransaction: async () => {
          statements.push('begin transaction');
        },
        commitTransaction: async () => {
          statements.push('commit');
        },
        rollbackTransaction: async () => {
          statements.push('rollback');
        },
        releaseConnection: async () => {},
        destroy: async () => {},
      }),
    },
  });
  return { db, statements };
}

const parser = new Parser();

/** What Kysely emits for other dialects and SQL Server rejects (FACTS.md: silently invalid T-SQL). */
const notTsql: Array<[RegExp, string]> = [
  [/\blimit\s+[@\d]/i, 'LIMIT is not T-SQL (use top or offset/fetch)'],
  [/\breturning\b/i, 'RETURNING is not T-SQL (use output)'],
  [/\bon conflict\b/i, 'ON CONFLICT is not T-SQL (use merge)'],
  [/\bilike\b/i, 'ILIKE is not T-SQL'],
  [/::/, 'PostgreSQL casts are not T-SQL'],
  [/\b(timestamptz|serial|bytea|jsonb)\b/i, 'PostgreSQL type'],
];

/**
 * Checks one statement: the constructs above, then a T-SQL parse. The parser knows no
 * OFFSET/FETCH or UPDATE ... OUTPUT, so a trailing `offset @n rows fetch next @m rows only` is checked by shape
 * and removed before parsing.
 */
export function tsqlSyntaxError(statement: string): string | undefined {
  if (statement === 'begin transaction' || statement === 'commit' || statement === 'rollback')
    return undefined;
  for (const [pattern, message] of notTsql) if (pattern.test(statement)) return message;
  const parsable = statement
    .replace(/\s+offset @\d+ rows fetch next @\d+ rows only$/i, '')
    // nor OUTPUT in an UPDATE: check the clause's shape, then parse the rest.
    .replace(/ output (?:"(?:inserted|deleted)"\."\w+"(?:, )?)+(?= where | from |$)/i, ' ')
    // nor every inline column REFERENCES clause.
    .replace(/ references "\w+" \("\w+"\)/gi, '');
  try {
    parser.astify(parsable, { database: 'TransactSQL' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 300) : String(error);
  }
}
