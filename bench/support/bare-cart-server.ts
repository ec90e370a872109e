import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/*
 * The ceiling for add-to-cart on this machine: bare Node http and a pg Pool(10) issuing the SQL
 * an add-to-cart issues (ROUND_TRIPS=5: BEGIN, the cart's lines, the line's compare-and-set, the
 * inventory's conditional update, COMMIT; ROUND_TRIPS=1: the conditional update alone), with no
 * routing, auth, validation, query builder, cache or response body. Each request names a user
 * and a SKU in its path: /<user>/<sku>/<+1|-1>.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const roundTrips = Number(process.env.ROUND_TRIPS ?? 5);
const hold =
  'update inventory set held = held + 1, version = version + 1 where sku = $1 and on_hand - held >= 1';
const release = 'update inventory set held = held - 1, version = version + 1 where sku = $1 and held >= 1';

async function addToCart(user: string, sku: string, increase: boolean): Promise<void> {
  if (roundTrips === 1) {
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
  const [, user = '', sku = '', sign = '+1'] = (req.url ?? '').split('/');
  addToCart(user, sku, sign === '+1').then(
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
server.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
});
