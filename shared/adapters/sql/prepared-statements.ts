import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

export interface PreparedStatementPoolOptions {
  maxStatements?: number;
  /**
   * Told of a connection's error that no query is waiting for: an idle client whose server
   * went away (a failover, `pg_terminate_backend`, a dropped database), or a checked-out client
   * between two statements. Without a listener, pg re-throws such an error and the process
   * dies; with one, the pool drops that client and the next query opens another. By default
   * it is written to stderr.
   */
  onError?(error: Error): void;
  /** How long `end()` waits for the server to close a connection before cutting it (5 s). */
  closeTimeoutMs?: number;
}

/**
 * A pg Pool for Kysely whose parameterised queries run as named prepared statements: each
 * connection parses and plans a statement once and then only binds and executes it, about 1.5
 * times the cart's throughput (bench/results/design-measurements.md). Not for a pooler in transaction mode
 * (PgBouncer), which cannot keep statements per session; Azure runs on Azure SQL anyway.
 *
 * `end()` (what Kysely's `destroy()` calls) resolves only once every connection is closed, by
 * the server too: pg's own `Pool.end()` resolves as soon as the last client is released, while
 * the clients are still sending Terminate, so a database dropped right after could still find
 * sessions (and `drop ... with (force)` then kills them under a live client). Requests still
 * waiting for a connection when it is called fail at once instead of waiting forever.
 */
export function preparedStatementPool(
  pool: pg.Pool,
  options: PreparedStatementPoolOptions = {},
): PostgresPool {
  const names = new Map<string, string>();
  const maxStatements = options.maxStatements ?? 1000;
  const onError =
    options.onError ??
    ((error: Error) =>
      process.stderr.write(`pg pool: a connection failed (it is dropped): ${error.message}\n`));
  // Statement text -> name, one name per text for the process. Past the cap (queries whose text
  // varies, like IN lists of every length) statements run unnamed, as before.
  const nameFor = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < maxStatements) {
      name = `kysely_${names.size}`;
      names.set(text, name);
    }
    return name;
  };

  // An idle client's error reaches the pool ('error') and the client; a checked-out client's
  // error with no query running reaches only the client. Each is logged once; pg then discards
  // that client.
  const reported = new WeakSet<Error>();
  const report = (error: Error) => {
    if (reported.has(error)) return;
    reported.add(error);
    onError(error);
  };
  pool.on('error', report);
  // Every connection, until its socket has closed.
  const open = new Map<pg.PoolClient, Promise<void>>();
  pool.on('connect', (client) => {
    client.on('error', report);
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    open.set(client as pg.PoolClient, ended);
    void ended.then(() => open.delete(client as pg.PoolClient));
  });

  let ending: Promise<void> | undefined;
  const waiting = new Set<(error: Error) => void>();

  // Kysely keeps one connection object per client object: hand out the same wrapper each time.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect() {
      if (ending) throw new Error('The database pool is closed.');
      const client = await new Promise<pg.PoolClient>((resolve, reject) => {
        let abandoned = false;
        const abandon = (error: Error) => {
          abandoned = true;
          reject(error);
        };
        waiting.add(abandon);
        pool.connect().then(
          (c) => {
            waiting.delete(abandon);
            if (abandoned) c.release();
            else resolve(c);
          },
          (error) => {
            waiting.delete(abandon);
            reject(error);
          },
        );
      });
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = preparingClient(client, nameFor);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end() {
      ending ??= (async () => {
        // pg's pool never serves a request still queued when it ends: fail those now.
        const closed = new Error('The database pool closed before a connection was free.');
        for (const abandon of [...waiting]) abandon(closed);
        // Waits for checked-out clients to be released, then ends them all...
        await pool.end();
        // ...and this waits until each one's socket has really closed (a server that does not
        // answer has its connection cut).
        const all = Promise.all(open.values());
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), options.closeTimeoutMs ?? 5000);
        });
        if ((await Promise.race([all, late])) === 'late') {
          for (const client of open.keys())
            (
              client as unknown as { connection?: { stream?: { destroy(): void } } }
            ).connection?.stream?.destroy();
          await all;
        }
        clearTimeout(timer);
      })();
      return ending;
    },
  };
}

function preparingClient(
  client: pg.PoolClient,
  nameFor: (text: string) => string | undefined,
): PostgresPoolClient {
  const query = (textOrCursor: unknown, values?: readonly unknown[]) => {
    if (typeof textOrCursor === 'string' && values && values.length > 0) {
      const name = nameFor(textOrCursor);
      if (name) return client.query({ name, text: textOrCursor, values: [...values] });
    }
    return client.query(textOrCursor as string, values as unknown[] | undefined);
  };
  return {
    query,
    release: (destroy?: boolean) => client.release(destroy),
    // Kysely reads the backend pid from here to cancel a query.
    get processID() {
      return (client as unknown as { processID?: number }).processID;
    },
  } as unknown as PostgresPoolClient;
}
