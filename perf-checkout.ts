import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LocalIssuer } from './shared/adapters/identity/local-issuer';
import { type LoadResult, load } from './bench/support/load';
import { startShopOnPostgres } from './bench/support/shop-on-postgres';

/** The checkout-like transaction through pg directly: conditional stock update + order insert. */
async function rawCheckouts(url: string, skus: string[], seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(
    'create table if not exists bench_orders (id text primary key, sku text not null, quantity int not null, created_at timestamptz not null)',
  );
  let done = 0;
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sku = skus[n++ % skus.length]!;
      const client = await pool.connect();
      try {
        await client.query('begin');
        const updated = await client.query(
          'update inventory set on_hand = on_hand - 1, version = version + 1 where sku = $1 and on_hand - held >= 1',
          [sku],
        );
        if (updated.rowCount === 1)
          await client.query('insert into bench_orders values ($1, $2, 1, now())', [randomUUID(), sku]);
        await client.query('commit');
        done++;
      } finally {
        client.release();
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 50 }, worker));
  await pool.end();
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * Waits until the consumers have caught up with every paid order (receipt sent, pick request
 * made), so the next measurement starts clean; returns how long that took.
 */
async function drainSeconds(db: pg.Client, timeoutSeconds = 300): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from orders o where o.status = 'paid' and (o.receipt_sent_at is null
         or not exists (select 1 from fulfilment_requests f where f.order_id = o.id))`,
    );
    const seconds = (performance.now() - started) / 1000;
    if (Number(rows[0]!.n) === 0) return Math.round(seconds * 10) / 10;
    if (seconds > timeoutSeconds) throw new Error(`consumers still behind by ${rows[0]!.n} orders`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runCheckoutBench(adminUrl: string) {
  const shop = await startShopOnPostgres(adminUrl, 'checkout');
  const { base, db, dataDir, stock: rows } = shop;
  try {
    const issuer = await LocalIssuer.open(dataDir, 'storefront-api');
    // Shoppers with one unit in the cart each (their hold lapsed: checkout re-acquires stock).
    const prepare = async (
      prefix: string,
      count: number,
      productOf: (i: number) => { sku: string; product_id: string },
    ) => {
      const tokens: string[] = [];
      for (let start = 0; start < count; start += 500) {
        const ids = Array.from({ length: Math.min(500, count - start) }, (_, k) => `${prefix}${start + k}`);
        await db.query(
          `insert into users (id, email, display_name, created_at) select x, x || '@example.test', x, now() from unnest($1::text[]) as x`,
          [ids],
        );
        const products = ids.map((_, k) => productOf(start + k));
        await db.query(
          `insert into cart_lines (user_id, product_id, sku, name, unit_price_minor, currency, quantity, held_quantity, hold_expires_at, added_at)
           select u, p, s, 'Bench item', 1999, 'USD', 1, 0, now(), now() from unnest($1::text[], $2::text[], $3::text[]) as t(u, p, s)`,
          [ids, products.map((p) => p.product_id), products.map((p) => p.sku)],
        );
        for (const id of ids)
          tokens.push(
            (await issuer.issue({ sub: id, email: `${id}@example.test`, name: id, roles: ['shopper'] }))
              .token,
          );
      }
      return tokens;
    };
    const requestsFor = (tokens: string[]) => {
      let n = 0;
      return [
        {
          method: 'POST',
          setupRequest: (req: Record<string, unknown>) => ({
            ...req,
            path: '/api/checkout',
            headers: {
              authorization: `Bearer ${tokens[n++ % tokens.length]}`,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({
              shippingAddress: {
                name: 'Bench',
                line1: '1 Load St',
                city: 'Leeds',
                postalCode: 'LS1 1AA',
                country: 'GB',
              },
              payment: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
            }),
          }),
        },
      ];
    };
    const warm = await prepare('warm', 1500, (i) => rows[i % rows.length]!);
    await load('warm-up', base, {
      connections: 50,
      durationSeconds: 3,
      requests: requestsFor(warm) as never,
    });
    const spreadTokens = await prepare('spread', 12_000, (i) => rows[i % rows.length]!);
    if (process.env.VAC) await db.query('vacuum analyze');
    const spread = await load('POST /api/checkout (2,000 SKUs)', base, {
      connections: 50,
      requests: requestsFor(spreadTokens) as never,
    });
    console.log(JSON.stringify(spread));
    return;
  } finally {
    await shop.stop();
  }
}

runCheckoutBench('postgres://postgres@127.0.0.1:5432/test');
