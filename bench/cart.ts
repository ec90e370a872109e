import pg from 'pg';
import WebSocket from 'ws';
import { type LoadResult, load } from './support/load';
import { startProcess, stopProcess } from './support/processes';
import { startShopOnPostgres, type WritePath } from './support/shop-on-postgres';

/** Raw conditional updates through a pg Pool(10), 50 callers: the ceiling for a hold. */
async function rawHolds(url: string, skus: string[], seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  let done = 0;
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sku = skus[n++ % skus.length]!;
      // Alternate +1/-1 so stock never runs out: the same shape as set-quantity 1 <-> 2.
      const sign = n % 2 === 0 ? 1 : -1;
      await pool.query(
        sign > 0
          ? 'update inventory set held = held + 1, version = version + 1 where sku = $1 and on_hand - held >= 1'
          : 'update inventory set held = held - 1, version = version + 1 where sku = $1 and held >= 1',
        [sku],
      );
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 50 }, worker));
  await pool.end();
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * The n-th request of the load: each shopper works on 4 items of their own (or the one hot
 * item), alternating quantity 1 and 2 so every request changes a hold.
 */
function shopperStep(n: number, users: number, items: number) {
  const user = n % users;
  const round = Math.floor(n / users);
  return { user, item: (user * 4 + (round % 4)) % items, quantity: 1 + (Math.floor(round / 4) % 2) };
}

export async function runCartBench(adminUrl: string, writePath: WritePath = 'one-statement') {
  const shop = await startShopOnPostgres(adminUrl, 'cart', writePath);
  const { base, db, stock: rows } = shop;
  try {
    const users = 500;
    const tokens: string[] = [];
    for (let i = 0; i < users; i++) {
      const response = await fetch(`${base}/api/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: `bench${i}` }),
      });
      tokens.push(((await response.json()) as { access_token: string }).access_token);
    }
    const cartRequests = (productIds: string[]) => {
      let n = 0;
      return [
        {
          method: 'PUT',
          setupRequest: (req: Record<string, unknown>) => {
            const step = shopperStep(n++, users, productIds.length);
            return {
              ...req,
              path: `/api/cart/items/${productIds[step.item]}`,
              headers: { authorization: `Bearer ${tokens[step.user]}`, 'content-type': 'application/json' },
              body: JSON.stringify({ quantity: step.quantity }),
            };
          },
        },
      ];
    };
    const spreadIds = rows.map((r) => r.product_id);
    const hotId = rows[0]!.product_id;
    // Long enough to touch all 2,000 products once: their first read goes to the embedded
    // Cosmos server, on the host's own thread, which is not what the spread run measures.
    await load('warm-up', base, {
      connections: 50,
      durationSeconds: 6,
      requests: cartRequests(spreadIds) as never,
    });
    const spread = await load('PUT /api/cart/items (2,000 SKUs)', base, {
      connections: 50,
      requests: cartRequests(spreadIds) as never,
    });
    const hot = await load('PUT /api/cart/items (one hot SKU)', base, {
      connections: 50,
      requests: cartRequests([hotId]) as never,
    });
    const rawSpread = await rawHolds(
      shop.databaseUrl,
      rows.map((r) => r.sku),
      10,
    );
    const rawHot = await rawHolds(shop.databaseUrl, [rows[0]!.sku], 10);
    // What one statement (or transaction) per add reaches here with no app code at all; the
    // shop passes these by sharing statements between concurrent adds.
    const ceilings: LoadResult[] = [];
    for (const roundTrips of ['statement', '5', '1']) {
      const bare = await startProcess(
        'bench/support/bare-cart-server.ts',
        { DATABASE_URL: shop.databaseUrl, ROUND_TRIPS: roundTrips },
        /LISTENING (\d+)/,
      );
      try {
        let n = 0;
        const bareRequests = [
          {
            setupRequest: (req: Record<string, unknown>) => {
              const step = shopperStep(n++, users, rows.length);
              return { ...req, path: `/bench${step.user}/${rows[step.item]!.sku}/${step.quantity}` };
            },
          },
        ];
        ceilings.push(
          await load(
            {
              statement: "reference: bare Node http + the shop's statement, one per add, no app code",
              '5': "reference: bare Node http + the portable transaction's 5 round trips (the Azure SQL path)",
              '1': 'reference: bare Node http + the conditional update alone, one per add',
            }[roundTrips]!,
            `http://127.0.0.1:${bare.match[1]}`,
            { connections: 50, requests: bareRequests as never },
          ),
        );
      } finally {
        await stopProcess(bare.child);
      }
    }

    // Live update latency: one page subscribed, a shopper changes their hold 40 times.
    const negotiated = (await (await fetch(`${base}/api/realtime/negotiate?productIds=${hotId}`)).json()) as {
      url: string;
    };
    const socket = new WebSocket(negotiated.url);
    await new Promise((resolve) => socket.once('open', resolve));
    // A shopper of its own, with no line yet, so every one of its PUTs (1, 2, 1, ...) moves the
    // count; a loaded shopper's line may already hold the first quantity, which pushes nothing.
    const liveShopper = (await (
      await fetch(`${base}/api/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'bench-live' }),
      })
    ).json()) as { access_token: string };
    const latencies: number[] = [];
    let missed = 0;
    for (let i = 0; i < 40; i++) {
      const got = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2_000);
        socket.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      const sent = performance.now();
      const put = await fetch(`${base}/api/cart/items/${hotId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${liveShopper.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1 + (i % 2) }),
      });
      if (!put.ok) throw new Error(`live-update PUT answered ${put.status}`);
      if (await got) latencies.push(performance.now() - sent);
      else missed++;
    }
    socket.close();
    latencies.sort((a, b) => a - b);
    const live = {
      samples: latencies.length,
      missed,
      p50Ms: Math.round((latencies[Math.floor(latencies.length * 0.5)] ?? Number.NaN) * 10) / 10,
      p95Ms: Math.round((latencies[Math.floor(latencies.length * 0.95)] ?? Number.NaN) * 10) / 10,
      maxMs: Math.round(latencies.at(-1)! * 10) / 10,
    };

    const { rows: check } = await db.query<{ bad: string }>(
      'select count(*) as bad from inventory where held < 0 or held > on_hand',
    );
    const rowsOut: Array<LoadResult & { rawRequestsPerSecond: number; ratioToRaw: number }> = [
      {
        ...spread,
        rawRequestsPerSecond: rawSpread,
        ratioToRaw: Math.round((spread.requestsPerSecond / rawSpread) * 1000) / 1000,
      },
      {
        ...hot,
        rawRequestsPerSecond: rawHot,
        ratioToRaw: Math.round((hot.requestsPerSecond / rawHot) * 1000) / 1000,
      },
      ...ceilings.map((ceiling) => ({
        ...ceiling,
        rawRequestsPerSecond: rawSpread,
        ratioToRaw: Math.round((ceiling.requestsPerSecond / rawSpread) * 1000) / 1000,
      })),
    ];
    console.log('| what | req/s | p50 ms | p99 ms | raw conditional updates/s (pg) | ratio | non-2xx |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rowsOut)
      console.log(
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.rawRequestsPerSecond} | ${r.ratioToRaw} | ${r.non2xx} |`,
      );
    console.log(
      `live update (hold -> WebSocket message): p50 ${live.p50Ms} ms, p95 ${live.p95Ms} ms, max ${live.maxMs} ms, missed ${live.missed}`,
    );
    console.log(`invariant violations after the run: ${check[0]!.bad}`);
    return {
      writePath,
      database: 'PostgreSQL 15 (machine server)',
      connections: 50,
      durationSeconds: 10,
      rows: rowsOut,
      liveUpdate: live,
      invariantViolations: Number(check[0]!.bad),
    };
  } finally {
    await shop.stop();
  }
}
