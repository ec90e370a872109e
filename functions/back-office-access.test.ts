import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../shared/adapters/sql/schema';
import type { HttpFunction, HttpMethod } from '../shared/platform/function-definition';
import { pgliteAndPostgres } from '../test/support/postgres';
import { startTestShop, type TestShop } from '../test/support/test-shop';
import { allFunctions } from './definitions';

/**
 * Issue #18: a shopper gets 403 on every back-office API. The routes are enumerated from the one
 * list both hosts serve (functions/definitions.ts), so a back-office route added without a role
 * check fails here without anyone having to remember to add a case.
 */

const backOfficePrefixes = ['admin', 'marketing', 'operations', 'fulfilment', 'warehouse'];
/** Every other first route segment, classified on purpose: a new one must be added to a list. */
const publicPrefixes = [
  'health',
  'products',
  'search',
  'me',
  'client-config',
  'cart',
  'realtime',
  'checkout',
  'orders',
  'webhooks',
  'dev',
];
/** Known back-office routes, so an enumeration that broke cannot pass with nothing to check. */
const knownBackOffice = [
  'GET admin/dead-letters',
  'PUT admin/products/{id}',
  'DELETE admin/products/{id}',
  'GET admin/inventory',
  'GET marketing/sales-windows',
  'POST marketing/sales-windows',
  'GET operations/overview',
  'GET fulfilment/requests',
  'POST fulfilment/requests/{id}/shipped',
];
/** The tables the app owns (schema.ts's Database), checked present in the catalogue snapshot. */
const ownedTables = [
  'users',
  'inventory',
  'cart_lines',
  'orders',
  'order_lines',
  'idempotency_keys',
  'outbox',
  'inbox',
  'fulfilment_requests',
  'webhook_events',
  'low_stock_alerts',
  'local_bus_messages',
  'cache_invalidations',
  'sales_windows',
  'sales_window_changes',
  'component_heartbeats',
] as const satisfies ReadonlyArray<keyof Database>;

const httpFunctions = allFunctions.filter((f): f is HttpFunction => f.kind === 'http');
const firstSegment = (route: string) => route.split('/')[0] ?? '';
const backOffice = httpFunctions.filter((f) => backOfficePrefixes.includes(firstSegment(f.route)));
const cases: Array<{ method: HttpMethod; route: string }> = backOffice.flatMap((f) =>
  f.methods.map((method) => ({ method, route: f.route })),
);

describe('the back-office route list (enumerated from functions/definitions.ts)', () => {
  it('contains at least the known back-office routes', () => {
    const listed = cases.map((c) => `${c.method} ${c.route}`);
    expect(listed.length).toBeGreaterThanOrEqual(knownBackOffice.length);
    expect(listed).toEqual(expect.arrayContaining(knownBackOffice));
  });

  it('classifies every HTTP route as back office or public, so a new area cannot slip past the sweep', () => {
    const unclassified = httpFunctions
      .map((f) => f.route)
      .filter((route) => ![...backOfficePrefixes, ...publicPrefixes].includes(firstSegment(route)));
    expect(unclassified).toEqual([]);
  });
});

describe('the back-office pages are lazy chunks (web/src/main.tsx, no build needed)', () => {
  it('loads /admin, /warehouse, /marketing and /operations by dynamic import only', async () => {
    const main = await fs.readFile(path.join(__dirname, '../web/src/main.tsx'), 'utf8');
    for (const page of ['admin', 'warehouse', 'marketing', 'operations']) {
      expect(main).toContain(`{ pattern: '/${page}', load: () => import('./pages/${page}') }`);
      // A static import would put the page into the shoppers' entry chunk.
      expect(main).not.toMatch(new RegExp(`^import[^;]*from '\\./pages/${page}'`, 'm'));
    }
  });
});

interface Snapshot {
  tables: Record<string, { rows: number; sha256: string }>;
  productCount: number;
  productsSha256: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Row counts and a checksum of every table in the shop's schema (from the catalogue), and the product store. */
async function snapshot(shop: TestShop): Promise<Snapshot> {
  const db = shop.services.sql.db;
  const names = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(db);
  const tables: Snapshot['tables'] = {};
  for (const { table_name } of names.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db);
    const lines = rows.rows.map((row) => JSON.stringify(row)).sort();
    tables[table_name] = { rows: lines.length, sha256: sha256(lines.join('\n')) };
  }
  const products = await shop.services.products.getMany(shop.products.map((p) => p.id));
  return {
    tables,
    productCount: await shop.services.products.count(),
    productsSha256: sha256(JSON.stringify(products)),
  };
}

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `every back-office API refuses a stranger (401) and a shopper (403) and changes nothing: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      let shopper: string;
      let before: Snapshot;

      beforeAll(async () => {
        // HTTP functions only: no timers or consumers writing heartbeats between the snapshots.
        shop = await startTestShop({ products: 5, env: await env(), definitions: httpFunctions });
        shopper = await shop.token('sam');
        before = await snapshot(shop);
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      /** Plausible parameters: a product that exists, so a refusal cannot be a 404 in disguise. */
      const fill = (route: string) => {
        const product = shop.products[0]!;
        return route
          .replace(/^admin\/products\/\{id\}/, `admin/products/${encodeURIComponent(product.id)}`)
          .replace('{sku}', encodeURIComponent(product.sku))
          .replace(/\{[^}]+\}/g, 'x');
      };
      const call = (method: HttpMethod, route: string, token?: string) => {
        const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
        return fetch(`${shop.url}/api/${fill(route)}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            // A valid-looking body, so a refusal is due to the role, not the body.
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          body: hasBody ? '{}' : undefined,
        });
      };
      const expectProblem = async (response: Response, status: number) => {
        const text = await response.text();
        expect({ status: response.status, body: text }).toMatchObject({ status });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = JSON.parse(text) as { code?: unknown };
        expect(typeof problem.code).toBe('string');
        expect(problem.code).not.toBe('');
      };

      it.each(cases)('$method $route without a token → 401 problem+json', async ({ method, route }) => {
        await expectProblem(await call(method, route), 401);
      });

      it.each(cases)(
        '$method $route as a shopper → 403 problem+json (before any 400/404)',
        async ({ method, route }) => {
          await expectProblem(await call(method, route, shopper), 403);
        },
      );

      it('left every SQL table and the product store unchanged', async () => {
        const after = await snapshot(shop);
        expect(Object.keys(before.tables)).toEqual(expect.arrayContaining([...ownedTables]));
        expect(after).toEqual(before);
      });
    },
  );
}
