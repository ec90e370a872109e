import net from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresSkipReason } from '../../../test/support/postgres';
import {
  createScratchDatabase,
  type ScratchDatabase,
  sessionsOn,
} from '../../../test/support/scratch-database';
import type { Logger } from '../../platform/logging';
import { openRelationalStore, type RelationalStore } from './database';

/**
 * A store's close() leaves no session behind, whatever was going on, and the test harness
 * refuses to drop a database a session still uses. (A CI run once failed on an unhandled
 * `57P01 terminating connection due to administrator command`: the scratch database was
 * dropped `with (force)` while the store's connections were still closing.)
 */
const adminUrl = process.env.TEST_DATABASE_URL;

/**
 * A loopback TCP proxy in front of PostgreSQL that can hold back what the client sends (a slow
 * network, or a busy server that has not read it yet), in order and including the end of it.
 */
async function startDelayingProxy(target: URL) {
  let delayMs = 0;
  const sockets = new Set<net.Socket>();
  // Half-open allowed: the client's end reaches the server only when the proxy passes it on.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    let last = Promise.resolve();
    // The delay is the scenario (a slow network), not a wait for something to happen.
    const later = (work: () => void) => {
      const wait = delayMs;
      last = last.then(() => new Promise<void>((resolve) => setTimeout(resolve, wait))).then(work);
    };
    client.on('data', (chunk) => later(() => upstream.write(chunk)));
    client.on('end', () => later(() => upstream.end()));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    urlFor(databaseUrl: string) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    delay(ms: number) {
      delayMs = ms;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!adminUrl)(
  `closing the relational store: PostgreSQL (real server)${adminUrl ? '' : ` (skipped: ${postgresSkipReason})`}`,
  () => {
    let admin: pg.Client;
    const databases: ScratchDatabase[] = [];
    const stores: RelationalStore[] = [];
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
    });
    afterEach(async () => {
      // Whatever a test left open is closed before its database goes.
      for (const store of stores.splice(0)) await store.close().catch(() => {});
      for (const database of databases.splice(0)) await database.drop();
    });
    afterAll(async () => {
      await admin?.end();
    });

    async function scratch(): Promise<ScratchDatabase> {
      const database = await createScratchDatabase(adminUrl!, 'shop_close');
      databases.push(database);
      return database;
    }
    async function open(url: string, log?: Logger): Promise<RelationalStore> {
      const store = await openRelationalStore(
        { kind: 'postgres', url, readUrl: '' },
        { log, applicationName: 'close-test' },
      );
      stores.push(store);
      return store;
    }
    /** Right after close() resolved: no waiting, no grace. */
    const sessionsNow = (database: ScratchDatabase) => sessionsOn(admin, database.name);

    it('names its sessions (application_name), so a leaked one says whose it is', async () => {
      const database = await scratch();
      const store = await open(database.url);
      await sql`select 1`.execute(store.db);
      expect((await sessionsNow(database)).map((s) => s.application_name)).toEqual(['close-test:primary']);
      await store.close();
      expect(await sessionsNow(database)).toEqual([]);
    });

    it('returns from close() only once the server has ended every session, however slowly it hears of it', async () => {
      // The CI failure's cause: pg's Pool.end() resolves once the clients are released, while
      // their Terminate is still on its way, so the database was dropped (with force) under
      // live sessions. Here the proxy holds the Terminate back for 400 ms.
      const database = await scratch();
      const proxy = await startDelayingProxy(new URL(database.url));
      try {
        const store = await open(proxy.urlFor(database.url));
        await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(store.db)));
        expect((await sessionsNow(database)).length).toBeGreaterThan(0);
        proxy.delay(400);
        await store.close();
        expect(await sessionsNow(database)).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('waits for a query in flight, and for an open transaction, then leaves no session', async () => {
      const database = await scratch();
      const store = await open(database.url);
      const slow = sql`select pg_sleep(0.3)`.execute(store.db);
      let commit!: () => void;
      const gate = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let inTransaction!: () => void;
      const started = new Promise<void>((resolve) => {
        inTransaction = resolve;
      });
      const transaction = store.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        inTransaction();
        await gate;
        await sql`select 2`.execute(trx);
        return 'committed';
      });
      await started;
      const closed = store.close();
      // The transaction commits 200 ms after close() was called: close must wait for it.
      setTimeout(commit, 200);
      await closed;
      await expect(slow).resolves.toBeDefined();
      await expect(transaction).resolves.toBe('committed');
      expect(await sessionsNow(database)).toEqual([]);
      await expect(sql`select 1`.execute(store.db)).rejects.toThrow();
    });

    it('fails the requests still waiting for a connection instead of leaving them hanging', async () => {
      const database = await scratch();
      const store = await open(database.url);
      // 30 queries for 10 connections: 20 wait for one when close() is called.
      const queries = Promise.allSettled(
        Array.from({ length: 30 }, () => sql`select pg_sleep(0.1)`.execute(store.db)),
      );
      // close() once every connection is busy (10 sessions run pg_sleep), so 20 queries wait.
      await vi.waitFor(async () => expect((await sessionsNow(database)).length).toBe(10), {
        timeout: 2_000,
        interval: 5,
      });
      await store.close();
      const outcomes = await queries;
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(outcomes.length - failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) expect(String((f as PromiseRejectedResult).reason)).toMatch(/closed/);
      expect(await sessionsNow(database)).toEqual([]);
    });

    it('after errors (a failed statement, a rolled-back transaction, a session killed by the server) logs, keeps working and leaves nothing', async () => {
      const database = await scratch();
      const logged: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
      const store = await open(database.url, (level, message, fields) =>
        logged.push({ level, message, fields }),
      );
      await expect(sql`select * from no_such_table`.execute(store.db)).rejects.toThrow(/no_such_table/);
      await expect(
        store.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      // Idle connections killed by the server: each one's error reaches the pool with no query
      // waiting for it. It is logged, and the process lives on.
      await Promise.all(Array.from({ length: 3 }, () => sql`select pg_sleep(0.05)`.execute(store.db)));
      const killed = await admin.query<{ killed: boolean }>(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity
         where datname = $1 and application_name = 'close-test:primary'`,
        [database.name],
      );
      expect(killed.rows.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(logged.length).toBe(killed.rows.length), {
        timeout: 5_000,
        interval: 20,
      });
      expect(logged[0]).toMatchObject({ level: 'warn', fields: { code: '57P01' } });
      // New connections replace them.
      expect((await sql<{ ok: number }>`select 1 as ok`.execute(store.db)).rows).toEqual([{ ok: 1 }]);
      await store.close();
      expect(await sessionsNow(database)).toEqual([]);
    });

    it('refuses to drop a database a session still uses, naming it, and drops it once it is gone', async () => {
      const database = await createScratchDatabase(adminUrl!, 'shop_close');
      const leaked = new pg.Client({ connectionString: database.url, application_name: 'leaky-test-client' });
      leaked.on('error', () => {});
      await leaked.connect();
      await leaked.query('select 1');
      const refused = await database.drop({ graceMs: 200 }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(refused).toMatch(new RegExp(`Scratch database ${database.name} still has 1 session`));
      expect(refused).toMatch(/application_name 'leaky-test-client'/);
      // The leaked client was not killed under its owner: it still answers.
      expect((await leaked.query('select 2 as n')).rows).toEqual([{ n: 2 }]);
      await leaked.end();
      await database.drop();
      const left = await admin.query('select 1 from pg_database where datname = $1', [database.name]);
      expect(left.rows).toEqual([]);
    });
  },
);
