import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { setLineQuery } from '../../shared/cart/cart.repository';

/*
 * References for add-to-cart on this machine: bare Node http and a pg Pool(10) issuing, for
 * each request on its own (without the statement sharing the shop does), the SQL
 * an add-to-cart issues, with no routing, auth, validation, query builder, cache or response
 * body. ROUND_TRIPS=statement: the shop's own one statement on PostgreSQL (named, as the shop
 * runs it); ROUND_TRIPS=5: the portable transaction's shape (BEGIN, the cart's lines, the line's
 * compare-and-set, the inventory's conditional update, COMMIT), what Azure SQL runs;
 * ROUND_TRIPS=1: the conditional update alone. Each request names a user, a SKU and the line's
 * new quantity in its path: /<user>/<sku>/<quantity>.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const mode = process.env.ROUND_TRIPS ?? '5';
const hold =
  'update inventory set held = held + 1, version = version + 1 where sku = $1 and on_hand - held >= 1';
const release = 'update inventory set held = held - 1, version = version + 1 where sku = $1 and held >= 1';
const productOf = new Map<string, string>();
// Only compiles statements (never connects): the shop's text for its one-statement add.
const compiler = new Kysely<never>({ dialect: new PostgresDialect({ pool }) });

async function addToCart(user: string, sku: string, quantity: number): Promise<void> {
  const increase = quantity === 2;
  if (mode === 'statement') {
    const now = Date.now();
    // The shop's statement text and parameters, compiled as the shop compiles them.
    const query = setLineQuery(
      {
        userId: user,
        productId: productOf.get(sku)!,
        sku,
        quantity,
        name: 'bench',
        unitPriceMinor: 100,
        currency: 'USD',
        holdExpiresAt: new Date(now + 900_000),
        addedAt: new Date(now),
      },
      { maxLines: 50, refreshHoldsBefore: new Date(now + 840_000) },
    ).compile(compiler);
    await pool.query({ name: 'set_line', text: query.sql, values: [...query.parameters] });
    return;
  }
  if (mode === '1') {
    await pool.query(increase ? hold : release, [sku]);
    return;
  }
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(
      'select product_id, sku, quantity, held_quantity, hold_expires_at from cart_lines where user_id = $1 order by added_at, product_id',
      [user],
    );
    await client.query(
      'update cart_lines set quantity = quantity, hold_expires_at = $3 where user_id = $1 and sku = $2 and held_quantity = held_quantity',
      [user, sku, new Date(Date.now() + 900_000)],
    );
    await client.query(increase ? hold : release, [sku]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  const [, user = '', sku = '', quantity = '1'] = (req.url ?? '').split('/');
  addToCart(user, sku, Number(quantity)).then(
    () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
    (error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    },
  );
});
async function start(): Promise<void> {
  const { rows } = await pool.query<{ sku: string; product_id: string }>(
    'select sku, product_id from inventory',
  );
  for (const row of rows) productOf.set(row.sku, row.product_id);
  server.listen(0, '127.0.0.1', () => {
    console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
  });
}

start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
