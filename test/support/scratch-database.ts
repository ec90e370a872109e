import pg from 'pg';

/** A session still connected to a scratch database, as pg_stat_activity shows it. */
export interface LeftoverSession {
  pid: number;
  application_name: string;
  state: string | null;
  query: string;
  backend_start: Date;
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /**
   * Drops the database, refusing (with an error naming them) while sessions other than its own
   * are still connected: a pool or client that was not closed is a leak to fix in the test that
   * made it, not something to terminate (a forced drop kills the session under a live client,
   * whose `57P01 terminating connection due to administrator command` then surfaces as an
   * unhandled error in whatever test runs next). Sessions that are closing get `graceMs` to go.
   */
  drop(options?: { graceMs?: number }): Promise<void>;
}

/** A fresh database on a PostgreSQL server (admin URL), with a unique name, and how to drop it. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name =
    `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`.toLowerCase();
  await withAdmin(adminUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop(options = {}) {
      await withAdmin(adminUrl, async (admin) => {
        const leftovers = await waitForSessionsToEnd(admin, name, options.graceMs ?? 2000);
        if (leftovers.length > 0) throw new Error(leakMessage(name, leftovers));
        try {
          // No `with (force)`: a session that connected after the check makes this fail, loudly,
          // rather than be killed under its client.
          await admin.query(`drop database if exists ${name}`);
        } catch (error) {
          if ((error as { code?: string }).code !== '55006') throw error; // object_in_use
          throw new Error(leakMessage(name, await sessionsOn(admin, name)));
        }
      });
    },
  };
}

/** The sessions connected to database `name`, other than the asking one. */
export async function sessionsOn(admin: pg.Client, name: string): Promise<LeftoverSession[]> {
  const { rows } = await admin.query<LeftoverSession>(
    `select pid, application_name, state, left(query, 200) as query, backend_start
     from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() order by backend_start`,
    [name],
  );
  return rows;
}

async function waitForSessionsToEnd(admin: pg.Client, name: string, graceMs: number) {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const sessions = await sessionsOn(admin, name);
    if (sessions.length === 0 || Date.now() >= deadline) return sessions;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function leakMessage(name: string, sessions: LeftoverSession[]): string {
  const list = sessions
    .map(
      (s) =>
        `pid ${s.pid} application_name '${s.application_name}' (${s.state ?? 'no state'}; last query: ${s.query.replace(/\s+/g, ' ').trim().slice(0, 120)}; connected ${s.backend_start.toISOString()})`,
    )
    .join('; ');
  return (
    `Scratch database ${name} still has ${sessions.length} session(s) connected, so it was not dropped: ` +
    `${list}. Close every store, pool and client of it (store.close(), db.destroy(), client.end()) ` +
    `before dropping it; the database is left for inspection (drop database ${name} with (force)).`
  );
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'scratch-database admin' });
  // The admin session's own failure is an error of the call, never an unhandled 'error' event.
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
