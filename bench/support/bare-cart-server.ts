import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/*
 * The ceiling for add-to-cart on this machine: bare Node http and a pg Pool(10) issuing the SQL
 * an add-to-cart issues (ROUND_TRIPS=5: BEGIN, the cart's lines, the line's compare-and-set, the
 * inventory's conditional update, COMMIT; ROUND_TRIPS=1: the conditional update alone;
 * ROUND_TRIPS=function: the same three statements inside one PL/pgSQL function, one call), with
 * no routing, auth, validation, query builder, cache or response body. Each request names a user
 * and a SKU in its path: /<user>/<sku>/<+1|-1>.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const mode = process.env.ROUND_TRIPS ?? '5';
const hold =
  'update inventory set held = held + 1, version = version + 1 where sku = $1 and on_hand - held >= 1';
const release = 'update inventory set held = held - 1, version = version + 1 where sku = $1 and held >= 1';

// Bench-only: the shop's schema has no functions; this one exists in the scratch database.
const createFunction = `
create or replace function bench_add_to_cart(p_user text, p_sku text, p_delta int, p_expires timestamptz)
returns int language plpgsql as $$
declare lines int; changed int;
begin
  select count(*) into lines from cart_lines where user_id = p_user;
  update cart_lines set quantity = quantity, hold_expires_at = p_expires
    where user_id = p_user and sku = p_sku and held_quantity = held_quantity;
  if p_delta > 0 then
    update inventory set held = held + p_delta, version = version + 1 where sku = p_sku and on_hand - held >= p_delta;
  else
    update inventory set held = held + p_delta, version = version + 1 where sku = p_sku and held >= -p_delta;
  end if;
  get diagnostics changed = row_count;
  return changed;
end $$`;

async function addToCart(user: string, sku: string, increase: boolean): Promise<void> {
  if (mode === 'function') {
    await pool.query('select bench_add_to_cart($1, $2, $3, $4)', [
      user,
      sku,
      increase ? 1 : -1,
      new Date(Date.now() + 900_000),
    ]);
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
async function start(): Promise<void> {
  if (mode === 'function') await pool.query(createFunction);
  server.listen(0, '127.0.0.1', () => {
    console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
  });
}

start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
