import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LocalIssuer } from '../shared/adapters/identity/local-issuer';
import { type LoadResult, load } from './support/load';
import { startShopOnPostgres, type WritePath } from './support/shop-on-postgres';

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

export async function runCheckoutBench(adminUrl: string, writePath: WritePath = 'one-statement') {
  const shop = await startShopOnPostgres(adminUrl, 'checkout', writePath);
  const { base, db, dataDir, stock: rows } = shop;
  try {
    const issuer = await LocalIssuer.open(dataDir, 'storefront-api');
    // Cart lines carry each product's current price: Pay Now refuses any other (409 price_changed).
    const prices = new Map<string, { priceMinor: number; currency: string }>();
    const priceOf = async (productId: string) => {
      let price = prices.get(productId);
      if (!price) {
        const response = await fetch(`${base}/api/products/${productId}`);
        if (!response.ok) throw new Error(`GET /api/products/${productId}: ${response.status}`);
        price = (await response.json()) as { priceMinor: number; currency: string };
        prices.set(productId, { priceMinor: price.priceMinor, currency: price.currency });
      }
      return price;
    };
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
        const priced: Array<{ priceMinor: number; currency: string }> = [];
        for (const p of products) priced.push(await priceOf(p.product_id));
        await db.query(
          `insert into cart_lines (user_id, product_id, sku, name, unit_price_minor, currency, quantity, held_quantity, hold_expires_at, added_at)
           select u, p, s, 'Bench item', m, c, 1, 0, now(), now()
           from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) as t(u, p, s, m, c)`,
          [
            ids,
            products.map((p) => p.product_id),
            products.map((p) => p.sku),
            priced.map((p) => p.priceMinor),
            priced.map((p) => p.currency),
          ],
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
    const spread = await load('POST /api/checkout (2,000 SKUs)', base, {
      connections: 50,
      requests: requestsFor(spreadTokens) as never,
    });
    const spreadDrain = await drainSeconds(db);
    const hotTokens = await prepare('hot', 12_000, () => rows[0]!);
    const hot = await load('POST /api/checkout (one hot SKU)', base, {
      connections: 50,
      requests: requestsFor(hotTokens) as never,
    });
    const hotDrain = await drainSeconds(db);
    const rawSpread = await rawCheckouts(
      shop.databaseUrl,
      rows.map((r) => r.sku),
      10,
    );
    const rawHot = await rawCheckouts(shop.databaseUrl, [rows[0]!.sku], 10);
    const { rows: paid } = await db.query<{ n: string }>(
      "select count(*) as n from orders where status = 'paid'",
    );
    const { rows: bad } = await db.query<{ n: string }>(
      'select count(*) as n from inventory where held < 0 or held > on_hand or on_hand < 0',
    );
    // End to end: orders over the load plus the time the consumers needed to catch up.
    const endToEnd = (r: LoadResult, drain: number) => Math.round((r.requestsPerSecond * 10) / (10 + drain));
    const out: Array<
      LoadResult & {
        rawPerSecond: number;
        ratioToRaw: number;
        consumersCaughtUpSeconds: number;
        endToEndPerSecond: number;
      }
    > = [
      {
        ...spread,
        consumersCaughtUpSeconds: spreadDrain,
        endToEndPerSecond: endToEnd(spread, spreadDrain),
        rawPerSecond: rawSpread,
        ratioToRaw: Math.round((spread.requestsPerSecond / rawSpread) * 1000) / 1000,
      },
      {
        ...hot,
        consumersCaughtUpSeconds: hotDrain,
        endToEndPerSecond: endToEnd(hot, hotDrain),
        rawPerSecond: rawHot,
        ratioToRaw: Math.round((hot.requestsPerSecond / rawHot) * 1000) / 1000,
      },
    ];
    console.log(
      '| what | orders/s | p50 ms | p99 ms | raw checkout-like tx/s (pg) | ratio | non-2xx | consumers caught up after | end-to-end orders/s |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of out)
      console.log(
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.rawPerSecond} | ${r.ratioToRaw} | ${r.non2xx} | ${r.consumersCaughtUpSeconds} s | ${r.endToEndPerSecond} |`,
      );
    console.log(`paid orders: ${paid[0]!.n}; inventory invariant violations: ${bad[0]!.n}`);
    return {
      writePath,
      database: 'PostgreSQL 15 (machine server)',
      gateway: 'sandbox',
      connections: 50,
      durationSeconds: 10,
      rows: out,
      paidOrders: Number(paid[0]!.n),
      invariantViolations: Number(bad[0]!.n),
    };
  } finally {
    await shop.stop();
  }
}
