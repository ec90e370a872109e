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

/** The pipeline's backlog at one moment: what each consumer (and the relay) still has to do. */
interface Backlog {
  /** Seconds since the load started. */
  t: number;
  /** Events in the outbox not yet published to the bus, and the oldest one's age in seconds. */
  unpublished: number;
  unpublishedAgeS: number;
  /** Per subscription: messages waiting (ready, locked or held back) and the oldest one's age. */
  subscriptions: Record<string, { waiting: number; oldestAgeS: number }>;
  /** Paid orders without a receipt, and without a pick request. */
  withoutReceipt: number;
  withoutPickRequest: number;
}

async function backlog(db: pg.Client, startedAt: number): Promise<Backlog> {
  const { rows } = await db.query<{ k: string; n: number; age: number | null }>(
    `select 'outbox' as k, count(*)::int as n, extract(epoch from now() - min(created_at))::float8 as age
       from outbox where published_at is null
     union all
     select subscription, count(*)::int, extract(epoch from now() - min(enqueued_at))::float8
       from local_bus_messages where state = 'active' group by subscription
     union all
     select 'receipt', count(*)::int, null from orders where status = 'paid' and receipt_sent_at is null
     union all
     select 'pick', count(*)::int, null from orders o where o.status = 'paid'
       and not exists (select 1 from fulfilment_requests f where f.order_id = o.id)`,
  );
  const round = (x: number | null) => Math.round((x ?? 0) * 10) / 10;
  const sample: Backlog = {
    t: round((performance.now() - startedAt) / 1000),
    unpublished: 0,
    unpublishedAgeS: 0,
    subscriptions: {
      receipts: { waiting: 0, oldestAgeS: 0 },
      inventory: { waiting: 0, oldestAgeS: 0 },
      fulfilment: { waiting: 0, oldestAgeS: 0 },
    },
    withoutReceipt: 0,
    withoutPickRequest: 0,
  };
  for (const row of rows) {
    if (row.k === 'outbox') {
      sample.unpublished = row.n;
      sample.unpublishedAgeS = round(row.age);
    } else if (row.k === 'receipt') sample.withoutReceipt = row.n;
    else if (row.k === 'pick') sample.withoutPickRequest = row.n;
    else sample.subscriptions[row.k] = { waiting: row.n, oldestAgeS: round(row.age) };
  }
  return sample;
}

function caughtUp(b: Backlog): boolean {
  return (
    b.unpublished === 0 &&
    b.withoutReceipt === 0 &&
    b.withoutPickRequest === 0 &&
    Object.values(b.subscriptions).every((s) => s.waiting === 0)
  );
}

/** What the backlog samples say about one load: the worst lag and when everything was done. */
interface LagSummary {
  /** Most messages waiting on any one subscription (or events unpublished), and where. */
  maxWaiting: number;
  maxWaitingOn: string;
  /** Oldest waiting message seen, in seconds (the lag an order's effects had at worst). */
  maxAgeS: number;
  /** Seconds after the load ended until every effect of every order was done. */
  caughtUpAfterS: number;
  /** Every sample, one each 500 ms from the start of the load to catching up. */
  samples: Array<{
    t: number;
    outbox: number;
    receipts: number;
    inventory: number;
    fulfilment: number;
    oldestS: number;
  }>;
}

/**
 * Samples the backlog every 500 ms from the start of a load (`run`) until the consumers have
 * caught up with every paid order (outbox published, every subscription empty, receipt sent and
 * pick request made), so the next measurement starts clean.
 */
async function withLag<T>(
  db: pg.Client,
  run: () => Promise<T>,
  options: { beforeDrain?: () => Promise<void>; timeoutSeconds?: number } = {},
): Promise<{ result: T; lag: LagSummary }> {
  const startedAt = performance.now();
  const samples: Backlog[] = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      samples.push(await backlog(db, startedAt));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const result = await run();
  loading = false;
  await sampler;
  await options.beforeDrain?.();
  const endedAt = performance.now();
  for (;;) {
    const sample = await backlog(db, startedAt);
    samples.push(sample);
    const seconds = (performance.now() - endedAt) / 1000;
    if (caughtUp(sample)) {
      const waiting = (b: Backlog) => [
        ['outbox', b.unpublished] as const,
        ...Object.entries(b.subscriptions).map(([k, v]) => [k, v.waiting] as const),
      ];
      let maxWaiting = 0;
      let maxWaitingOn = '-';
      for (const b of samples)
        for (const [k, n] of waiting(b))
          if (n > maxWaiting) {
            maxWaiting = n;
            maxWaitingOn = k;
          }
      return {
        result,
        lag: {
          maxWaiting,
          maxWaitingOn,
          maxAgeS: Math.max(
            0,
            ...samples.flatMap((b) => [
              b.unpublishedAgeS,
              ...Object.values(b.subscriptions).map((s) => s.oldestAgeS),
            ]),
          ),
          caughtUpAfterS: Math.round(seconds * 10) / 10,
          samples: samples.map((b) => ({
            t: b.t,
            outbox: b.unpublished,
            receipts: b.subscriptions.receipts?.waiting ?? 0,
            inventory: b.subscriptions.inventory?.waiting ?? 0,
            fulfilment: b.subscriptions.fulfilment?.waiting ?? 0,
            oldestS: Math.max(b.unpublishedAgeS, ...Object.values(b.subscriptions).map((s) => s.oldestAgeS)),
          })),
        },
      };
    }
    if (seconds > (options.timeoutSeconds ?? 300))
      throw new Error(`consumers still behind: ${JSON.stringify(sample)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Holds the consumers back without touching the shop: every message published while held is
 * scheduled an hour ahead (as a Service Bus scheduled message would be), so checkout and the
 * relay run alone. `release` makes them visible now; the consumers then work through the backlog.
 */
async function holdConsumers(db: pg.Client): Promise<{ release(): Promise<void> }> {
  await db.query(`create or replace function bench_hold_delivery() returns trigger language plpgsql as $$
    begin new.visible_at := now() + interval '1 hour'; return new; end $$`);
  await db.query(
    'create trigger bench_hold_delivery before insert on local_bus_messages for each row execute function bench_hold_delivery()',
  );
  return {
    async release() {
      await db.query('drop trigger bench_hold_delivery on local_bus_messages');
      await db.query(
        "update local_bus_messages set visible_at = now() where state = 'active' and visible_at > now() and lock_token is null",
      );
    },
  };
}

export async function runCheckoutBench(adminUrl: string, writePath: WritePath = 'one-statement') {
  const shop = await startShopOnPostgres(adminUrl, 'checkout', writePath);
  const { base, db, dataDir, stock: rows } = shop;
  try {
    const issuer = await LocalIssuer.open(dataDir, 'storefront-api');
    // Cart lines carry each SKU's current price (a variant's own price wins over its product's):
    // Pay Now refuses any other (409 price_changed).
    type Priced = {
      priceMinor: number;
      currency: string;
      variants?: Array<{ sku: string; priceMinor?: number }>;
    };
    const products = new Map<string, Priced>();
    const priceOf = async (productId: string, sku: string) => {
      let product = products.get(productId);
      if (!product) {
        const response = await fetch(`${base}/api/products/${productId}`);
        if (!response.ok) throw new Error(`GET /api/products/${productId}: ${response.status}`);
        product = (await response.json()) as Priced;
        products.set(productId, product);
      }
      const variant = product.variants?.find((v) => v.sku === sku);
      return { priceMinor: variant?.priceMinor ?? product.priceMinor, currency: product.currency };
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
        const lines = ids.map((_, k) => productOf(start + k));
        const priced: Array<{ priceMinor: number; currency: string }> = [];
        for (const p of lines) priced.push(await priceOf(p.product_id, p.sku));
        await db.query(
          `insert into cart_lines (user_id, product_id, sku, name, unit_price_minor, currency, quantity, held_quantity, hold_expires_at, added_at)
           select u, p, s, 'Bench item', m, c, 1, 0, now(), now()
           from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) as t(u, p, s, m, c)`,
          [
            ids,
            lines.map((p) => p.product_id),
            lines.map((p) => p.sku),
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
    // Why requests failed: status and problem type, counted (autocannon only counts non-2xx).
    const failures: Record<string, number> = {};
    const requestsFor = (tokens: string[]) => {
      let n = 0;
      return [
        {
          method: 'POST',
          onResponse: (status: number, body: string) => {
            if (status < 300) return;
            let reason = '';
            try {
              const problem = JSON.parse(body) as { type?: string; title?: string; detail?: string };
              reason = `${problem.type ?? ''} ${problem.title ?? ''}`.trim();
            } catch {
              reason = body.slice(0, 80);
            }
            const key = `${status} ${reason}`;
            failures[key] = (failures[key] ?? 0) + 1;
          },
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
    for (const key of Object.keys(failures)) delete failures[key]; // the warm-up's are not counted
    const spreadTokens = await prepare('spread', 12_000, (i) => rows[i % rows.length]!);
    const { result: spread, lag: spreadLag } = await withLag(db, () =>
      load('POST /api/checkout (2,000 SKUs)', base, {
        connections: 50,
        requests: requestsFor(spreadTokens) as never,
      }),
    );
    const spreadFailures = { ...failures };
    for (const key of Object.keys(failures)) delete failures[key];
    // The same load with the consumers held back: checkout's rate alone, then the consumers'
    // rate alone on the backlog it left.
    const heldTokens = await prepare('held', 12_000, (i) => rows[(i + 997) % rows.length]!);
    const hold = await holdConsumers(db);
    const { result: held, lag: heldLag } = await withLag(
      db,
      () =>
        load('POST /api/checkout (2,000 SKUs, consumers held)', base, {
          connections: 50,
          requests: requestsFor(heldTokens) as never,
        }),
      {
        beforeDrain: () => hold.release(),
      },
    );
    const heldFailures = { ...failures };
    for (const key of Object.keys(failures)) delete failures[key];
    // Orders the held load left, over the time the consumers took for them on their own.
    const consumersAlonePerSecond = Math.round(
      (held.requestsPerSecond * 10) / Math.max(0.1, heldLag.caughtUpAfterS),
    );
    const hotTokens = await prepare('hot', 12_000, () => rows[0]!);
    const { result: hot, lag: hotLag } = await withLag(db, () =>
      load('POST /api/checkout (one hot SKU)', base, {
        connections: 50,
        requests: requestsFor(hotTokens) as never,
      }),
    );
    const hotFailures = { ...failures };
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
    type Row = LoadResult & {
      rawPerSecond: number;
      ratioToRaw: number;
      consumersCaughtUpSeconds: number;
      endToEndPerSecond: number;
      endToEndRatio: number;
      failures: Record<string, number>;
      lag: LagSummary;
    };
    const row = (r: LoadResult, lag: LagSummary, raw: number, failed: Record<string, number>): Row => ({
      ...r,
      consumersCaughtUpSeconds: lag.caughtUpAfterS,
      endToEndPerSecond: endToEnd(r, lag.caughtUpAfterS),
      endToEndRatio: Math.round((endToEnd(r, lag.caughtUpAfterS) / r.requestsPerSecond) * 100) / 100,
      rawPerSecond: raw,
      ratioToRaw: Math.round((r.requestsPerSecond / raw) * 1000) / 1000,
      failures: failed,
      lag,
    });
    const out: Row[] = [
      row(spread, spreadLag, rawSpread, spreadFailures),
      row(hot, hotLag, rawHot, hotFailures),
    ];
    const heldRow = row(held, heldLag, rawSpread, heldFailures);
    console.log(
      '| what | orders/s | p50 ms | p99 ms | raw checkout-like tx/s (pg) | ratio | non-2xx | max waiting | oldest waiting | consumers caught up after | end-to-end orders/s | end-to-end / accepted |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of [...out, heldRow])
      console.log(
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.rawPerSecond} | ${r.ratioToRaw} | ${r.non2xx} | ${r.lag.maxWaiting} (${r.lag.maxWaitingOn}) | ${r.lag.maxAgeS} s | ${r.consumersCaughtUpSeconds} s | ${r.endToEndPerSecond} | ${r.endToEndRatio} |`,
      );
    for (const r of [...out, heldRow])
      if (Object.keys(r.failures).length > 0) console.log(`${r.name}: non-2xx ${JSON.stringify(r.failures)}`);
    console.log(
      `checkout with consumers held / running (2,000 SKUs): ${held.requestsPerSecond} / ${spread.requestsPerSecond} = ${Math.round((held.requestsPerSecond / spread.requestsPerSecond) * 100) / 100}; consumers alone: ${consumersAlonePerSecond} orders/s`,
    );
    const trace = (lag: LagSummary) =>
      lag.samples.map((x) => `${x.t}s:${x.outbox}/${x.receipts}/${x.inventory}/${x.fulfilment}`).join(' ');
    console.log(`backlog (outbox/receipts/inventory/fulfilment) 2,000 SKUs: ${trace(spreadLag)}`);
    console.log(`backlog one hot SKU: ${trace(hotLag)}`);
    console.log(`paid orders: ${paid[0]!.n}; inventory invariant violations: ${bad[0]!.n}`);
    return {
      writePath,
      database: 'PostgreSQL 15 (machine server)',
      gateway: 'sandbox',
      connections: 50,
      durationSeconds: 10,
      rows: out,
      consumersHeld: { ...heldRow, consumersAlonePerSecond },
      paidOrders: Number(paid[0]!.n),
      invariantViolations: Number(bad[0]!.n),
    };
  } finally {
    await shop.stop();
  }
}
