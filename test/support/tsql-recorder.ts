import {
  CompiledQuery,
  type DatabaseConnection,
  type DeleteQueryNode,
  type Driver,
  type InsertQueryNode,
  Kysely,
  type KyselyPlugin,
  LimitNode,
  MssqlAdapter,
  MssqlQueryCompiler,
  type OperationNode,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryId,
  type QueryResult,
  RawNode,
  ReferenceNode,
  ReturningNode,
  type RootOperationNode,
  SelectionNode,
  type SelectQueryNode,
  type TransactionSettings,
  type UnknownRow,
  type UpdateQueryNode,
  ValueNode,
} from 'kysely';
import type { RelationalStore } from '../../shared/adapters/sql/database';
import type { Database } from '../../shared/adapters/sql/schema';
import { tsqlSyntaxError } from './mssql-recorder';

/**
 * The Azure SQL path, run for real on PostgreSQL/PGlite, with every statement also compiled to
 * T-SQL and recorded. The store's handle carries Kysely's MssqlAdapter, so the app believes it
 * is on Azure SQL (`isMssql` true, `writesInOneStatement` false) and builds exactly the queries it
 * builds there (`top`, `output inserted.*`, its collation). Each query is compiled twice: with
 * MssqlQueryCompiler (recorded, syntax-checked later) and, after the few MSSQL-only forms are
 * turned into their PostgreSQL twins (top -> limit, output -> returning, the collation), with
 * the PostgreSQL compiler, which runs it. A form the translation does not know fails the test
 * loudly instead of passing silently. Complete by construction: nothing the app sends escapes it.
 */

export interface RecordedStatement {
  sql: string;
  /** The first app frame that built it (file:line), for the report. */
  origin: string;
  /** Why it cannot run on Azure SQL, when known before parsing. */
  problem?: string;
}

export interface RecordOptions {
  /** Record the statements tests build themselves too (the recorder's own test). */
  recordTestCode?: boolean;
}

const recorded = new Map<string, RecordedStatement>();

/** Every distinct statement the app issued on the Azure SQL path in this process. */
export function recordedStatements(): RecordedStatement[] {
  return [...recorded.values()];
}

/** Each recorded statement that is not valid T-SQL, with the reason. */
export function tsqlProblems(): Array<RecordedStatement & { problem: string }> {
  return recordedStatements().flatMap((s) => {
    const problem = s.problem ?? tsqlSyntaxError(s.sql);
    return problem ? [{ ...s, problem }] : [];
  });
}

function record(statement: RecordedStatement): void {
  const known = recorded.get(statement.sql);
  if (!known || (statement.problem && !known.problem)) recorded.set(statement.sql, statement);
}

/**
 * Where a statement comes from: the first frame outside Kysely and this file. Statements a test
 * or its support code builds itself (assertions, seeding) and the local twins that never run in
 * Azure (the local bus keeps its queue in the same database) are not the Azure SQL path.
 */
function appOrigin(stack: string | undefined, options: RecordOptions): string | 'not the app' | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const file = /(?:\(|at )((?:\/|file:\/\/)[^()\s]+):\d+:\d+\)?$/.exec(line.trim())?.[1];
    if (!file || /node_modules|node:|tsql-recorder/.test(file)) continue;
    if (/\/shared\/adapters\/bus\/local-bus/.test(file)) return 'not the app';
    if (!options.recordTestCode && /\.test\.ts$|\/test\/support\//.test(file)) return 'not the app';
    return line
      .trim()
      .replace(/^at\s+/, '')
      .replaceAll(`${process.cwd()}/`, '');
  }
  return undefined;
}

const mssqlCompiler = new MssqlQueryCompiler();
/** Queries that went through the plugin below (the rest reached the driver pre-compiled). */
const compiledHere = new WeakSet<object>();

/** Turns the MSSQL-only forms the app builds on Azure SQL into what PostgreSQL runs. */
class ToPostgres extends OperationNodeTransformer {
  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    const out = super.transformSelectQuery(node, queryId);
    if (!out.top) return out;
    if (out.top.modifiers || out.limit) throw new Error('tsql-recorder: cannot translate this TOP');
    return { ...out, top: undefined, limit: LimitNode.create(ValueNode.create(Number(out.top.expression))) };
  }
  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    return withReturning(super.transformUpdateQuery(node, queryId));
  }
  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    return withReturning(super.transformInsertQuery(node, queryId));
  }
  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    return withReturning(super.transformDeleteQuery(node, queryId));
  }
  protected override transformRaw(node: RawNode, queryId?: QueryId): RawNode {
    const out = super.transformRaw(node, queryId);
    // refreshHolds' code-point order: Latin1_General_BIN2 on Azure SQL is "C" on PostgreSQL.
    const fragments = out.sqlFragments.map((f) =>
      f.replace(/\bcollate Latin1_General_BIN2\b/g, 'collate "C"'),
    );
    return { ...out, sqlFragments: fragments };
  }
}

/** OUTPUT inserted.x (the row after the write) is PostgreSQL's RETURNING x. */
function withReturning<T extends UpdateQueryNode | InsertQueryNode | DeleteQueryNode>(node: T): T {
  if (!node.output) return node;
  const selections = node.output.selections.map((selection: OperationNode) => {
    const inner = SelectionNode.is(selection) ? selection.selection : selection;
    const table = ReferenceNode.is(inner) ? inner.table?.table.identifier.name : undefined;
    const afterWrite = node.kind === 'DeleteQueryNode' ? 'deleted' : 'inserted';
    if (!ReferenceNode.is(inner) || table !== afterWrite)
      throw new Error(`tsql-recorder: cannot translate OUTPUT ${JSON.stringify(selection)}`);
    return SelectionNode.create({ ...inner, table: undefined });
  });
  return { ...node, output: undefined, returning: ReturningNode.create(selections) };
}

const toPostgres = new ToPostgres();

const recordingPlugin = (options: RecordOptions): KyselyPlugin => ({
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    const origin = appOrigin(new Error().stack, options) ?? 'unknown';
    if (origin !== 'not the app') {
      record({
        sql: mssqlCompiler.compileQuery(node, queryId).sql,
        origin,
        // A whole statement written as `sql` text is one engine's SQL, not built for the dialect.
        problem: RawNode.is(node)
          ? 'hand-written SQL (a `sql` template) ran on the Azure SQL path'
          : undefined,
      });
    }
    const translated = toPostgres.transformNode(node, queryId);
    compiledHere.add(translated);
    return translated;
  },
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  },
});

/** Kysely's MSSQL adapter, except that the statement PostgreSQL runs returns rows by RETURNING. */
class MssqlOnPostgresAdapter extends MssqlAdapter {
  override get supportsReturning(): boolean {
    return true;
  }
}

type HeldConnection = DatabaseConnection & {
  release(): void;
  control(query: CompiledQuery): Promise<unknown>;
};

/** A driver whose connections are connections of an existing (PostgreSQL) Kysely. */
function driverOver(inner: Kysely<Database>, options: RecordOptions): Driver {
  // Transaction control goes straight to PostgreSQL: Azure SQL's driver has its own calls for it.
  const run = (connection: DatabaseConnection, text: string) =>
    (connection as HeldConnection).control(CompiledQuery.raw(text));
  return {
    async init() {},
    acquireConnection: () =>
      new Promise<DatabaseConnection>((resolve, reject) => {
        let release!: () => void;
        const released = new Promise<void>((r) => {
          release = r;
        });
        inner
          .connection()
          .execute(async (held) => {
            const connection: HeldConnection = {
              release,
              control: (query) => held.executeQuery(query),
              async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
                if (!compiledHere.has(query.query)) {
                  // Pre-compiled text (CompiledQuery.raw): PostgreSQL's own SQL with $n parameters.
                  // Its async stack may not reach the caller: unknown origins count as the app's.
                  const origin = appOrigin(new Error().stack, options) ?? 'unknown (pre-compiled)';
                  if (origin !== 'not the app')
                    record({
                      sql: query.sql,
                      origin,
                      problem: 'pre-compiled PostgreSQL statement (CompiledQuery) ran on the Azure SQL path',
                    });
                }
                return held.executeQuery<R>(query);
              },
              // biome-ignore lint/correctness/useYield: never streams
              async *streamQuery() {
                throw new Error('tsql-recorder: no streaming');
              },
            };
            resolve(connection);
            await released;
          })
          .catch(reject);
      }),
    async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
      const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
      await run(connection, `begin${isolation}${settings.accessMode ? ` ${settings.accessMode}` : ''}`);
    },
    async commitTransaction(connection: DatabaseConnection) {
      await run(connection, 'commit');
    },
    async rollbackTransaction(connection: DatabaseConnection) {
      await run(connection, 'rollback');
    },
    async releaseConnection(connection: DatabaseConnection) {
      (connection as HeldConnection).release();
    },
    async destroy() {},
  };
}

/** The Azure SQL twin of one PostgreSQL handle: MSSQL adapter, recorded, run on PostgreSQL. */
function asAzureSql(inner: Kysely<Database>, options: RecordOptions): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new MssqlOnPostgresAdapter(),
      createDriver: () => driverOver(inner, options),
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    },
    plugins: [recordingPlugin(options)],
  });
}

/** relationalStoreHooks.wrap: the store with its handles replaced by their Azure SQL twins. */
export function recordAsAzureSql(store: RelationalStore, options: RecordOptions = {}): RelationalStore {
  const db = asAzureSql(store.db, options);
  const readDb = store.readDb === store.db ? db : asAzureSql(store.readDb, options);
  return { ...store, db, readDb, describe: `${store.describe} (as Azure SQL, T-SQL recorded)` };
}
