import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { paidOrderRow } from '../../test/support/orders';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { ensureUser } from '../identity/users.repository';
import { insertOrder } from '../orders/orders.repository';
import { listPickRequests } from './warehouse.service';

/**
 * Issue #16 point 5: the warehouse's pick list is paged (keyset on creation time, then id) and
 * costs the same few queries for any page size, instead of one query per order.
 */
describe('the pick list (GET /api/fulfilment/requests)', () => {
  let shop: TestShop;
  const requestIds: string[] = [];
  beforeAll(async () => {
    shop = await startTestShop({ products: 3 });
    const db = shop.services.sql.db;
    await ensureUser(db, { userId: 'picky', email: 'picky@example.test', name: 'Picky', roles: [] });
    const product = shop.products[0]!;
    // Seven paid orders; three share one creation time, so the id must break the tie.
    const base = Date.parse('2026-11-27T08:00:00Z');
    for (let i = 0; i < 7; i++) {
      const at = new Date(base + Math.max(0, i - 2) * 60_000);
      const orderId = `ord-pick-${i}`;
      await insertOrder(
        db,
        paidOrderRow(
          {
            id: orderId,
            userId: 'picky',
            totalMinor: product.priceMinor * (i + 1),
            email: 'picky@example.test',
            at,
          },
          {
            currency: product.currency,
            ship_name: `Shopper ${i}`,
            ship_line1: '1 Main St',
            payment_reference: `pi_${i}`,
          },
        ),
        [
          {
            order_id: orderId,
            line_no: 1,
            product_id: product.id,
            sku: product.sku,
            name: product.name,
            quantity: i + 1,
            unit_price_minor: product.priceMinor,
          },
        ],
      );
      const id = `pick-${String.fromCharCode(103 - i)}`; // ids run against time: g, f, e, ...
      await db
        .insertInto('fulfilment_requests')
        .values({
          id,
          order_id: orderId,
          status: 'pending',
          carrier: null,
          tracking_number: null,
          created_at: at,
          shipped_at: null,
        })
        .execute();
      requestIds.push(id);
    }
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  it('pages through every pending request once, oldest first, ties by id, each with its order lines and address, in three queries a page', async () => {
    let statements = 0;
    const counted = shop.services.sql.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const seen: Array<{ id: string; orderId: string; quantity: number; name: string }> = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      statements = 0;
      const page = await listPickRequests(counted, {
        status: 'pending',
        limit: '3',
        ...(token ? { continuationToken: token } : {}),
      });
      expect(statements).toBeLessThanOrEqual(3);
      pageSizes.push(page.items.length);
      for (const item of page.items)
        seen.push({
          id: item.id,
          orderId: item.orderId,
          quantity: item.lines[0]!.quantity,
          name: item.shippingAddress.name,
        });
      token = page.continuationToken ?? undefined;
    } while (token);
    expect(pageSizes).toEqual([3, 3, 1]);
    // The three that share a time come in id order (e, f, g), then the rest by time.
    expect(seen.map((item) => item.id)).toEqual([
      'pick-e',
      'pick-f',
      'pick-g',
      'pick-d',
      'pick-c',
      'pick-b',
      'pick-a',
    ]);
    for (const item of seen) {
      const i = Number(item.orderId.slice('ord-pick-'.length));
      expect(item).toMatchObject({ quantity: i + 1, name: `Shopper ${i}` });
    }
    expect(new Set(seen.map((item) => item.id))).toEqual(new Set(requestIds));
  });

  it('refuses a token it did not issue and a bad limit with 400 validation_failed, over HTTP', async () => {
    const token = await shop.token('wendy', ['warehouse']);
    const get = (query: string) =>
      fetch(`${shop.url}/api/fulfilment/requests?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (const query of ['continuationToken=not-a-token', 'limit=0', 'limit=101', 'status=lost']) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('validation_failed');
    }
    const ok = (await (await get('limit=2')).json()) as { items: unknown[]; continuationToken: string };
    expect(ok.items).toHaveLength(2);
    expect(typeof ok.continuationToken).toBe('string');
  });
  it('filters by placing time (a bare day is the whole day, a date-time is exact) and refuses from after to', async () => {
    const token = await shop.token('wendy', ['warehouse']);
    const ids = async (query: string) => {
      const response = await fetch(`${shop.url}/api/fulfilment/requests?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, query).toBe(200);
      return ((await response.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
    };
    expect(await ids('createdFrom=2026-11-27T08:02:00Z&createdTo=2026-11-27T08:03:00Z')).toEqual([
      'pick-c',
      'pick-b',
    ]);
    expect(await ids('createdTo=2026-11-27')).toHaveLength(7);
    expect(await ids('createdFrom=2026-11-28')).toEqual([]);
    expect(await ids('createdTo=2026-11-26')).toEqual([]);
    for (const query of ['createdFrom=2026-11-28&createdTo=2026-11-27', 'createdFrom=yesterday']) {
      const response = await fetch(`${shop.url}/api/fulfilment/requests?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, query).toBe(400);
      const problem = (await response.json()) as { code: string; errors: Record<string, string[]> };
      expect(problem.code).toBe('validation_failed');
      expect(Object.keys(problem.errors)).toEqual(['createdFrom']);
    }
  });

  it('mark shipped needs a carrier and a one-line tracking number (400 per field, nothing changed), refuses a shopper (403), and the order page and shipping email then show both', async () => {
    const db = shop.services.sql.db;
    const orderId = 'ord-pick-6'; // request pick-a
    const post = async (token: string, body: unknown) =>
      fetch(`${shop.url}/api/fulfilment/requests/pick-a/shipped`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const warehouse = await shop.token('wendy', ['warehouse']);
    const refusals: Array<[unknown, string[]]> = [
      [{}, ['carrier', 'trackingNumber']],
      [{ carrier: '  ', trackingNumber: 'JD0146' }, ['carrier']],
      [{ carrier: 'DPD', trackingNumber: 'JD01\n46' }, ['trackingNumber']],
      [{ carrier: 'DPD', trackingNumber: '<script>' }, ['trackingNumber']],
      [{ carrier: 'x'.repeat(51), trackingNumber: 'JD0146' }, ['carrier']],
    ];
    for (const [body, fields] of refusals) {
      const response = await post(warehouse, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { code: string; errors: Record<string, string[]> };
      expect(problem.code).toBe('validation_failed');
      expect(Object.keys(problem.errors).sort()).toEqual(fields);
    }
    const shopper = await shop.token('picky');
    expect((await post(shopper, { carrier: 'DPD', trackingNumber: 'JD0146' })).status).toBe(403);
    expect(
      (
        await fetch(`${shop.url}/api/fulfilment/requests`, {
          headers: { authorization: `Bearer ${shopper}` },
        })
      ).status,
    ).toBe(403);
    // Nothing changed by any refusal.
    const before = await db
      .selectFrom('fulfilment_requests')
      .selectAll()
      .where('id', '=', 'pick-a')
      .executeTakeFirstOrThrow();
    expect(before).toMatchObject({
      status: 'pending',
      carrier: null,
      tracking_number: null,
      shipped_at: null,
    });
    expect(
      (await db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow())
        .status,
    ).toBe('paid');
    expect(await db.selectFrom('outbox').select('id').where('type', '=', 'OrderShipped').execute()).toEqual(
      [],
    );

    // An admin may stand in for the warehouse.
    const admin = await shop.token('ann', ['admin']);
    const shipped = await post(admin, { carrier: ' DPD ', trackingNumber: 'JD0146-0000-1234' });
    expect(shipped.status).toBe(200);
    expect(await shipped.json()).toMatchObject({
      orderId,
      status: 'shipped',
      carrier: 'DPD',
      trackingNumber: 'JD0146-0000-1234',
    });

    const order = (await (
      await fetch(`${shop.url}/api/orders/${orderId}`, { headers: { authorization: `Bearer ${shopper}` } })
    ).json()) as { status: string; carrier?: string; trackingNumber?: string };
    expect(order).toMatchObject({ status: 'shipped', carrier: 'DPD', trackingNumber: 'JD0146-0000-1234' });
    const paid = (await (
      await fetch(`${shop.url}/api/orders/ord-pick-5`, { headers: { authorization: `Bearer ${shopper}` } })
    ).json()) as { status: string; carrier?: string };
    expect(paid.status).toBe('paid');
    expect(paid.carrier).toBeUndefined();

    const listed = (await (
      await fetch(`${shop.url}/api/fulfilment/requests?status=shipped`, {
        headers: { authorization: `Bearer ${warehouse}` },
      })
    ).json()) as { items: Array<{ id: string; carrier?: string; trackingNumber?: string }> };
    expect(listed.items).toEqual([
      expect.objectContaining({ id: 'pick-a', carrier: 'DPD', trackingNumber: 'JD0146-0000-1234' }),
    ]);

    await vi.waitFor(
      async () => {
        const response = await fetch(`${shop.url}/api/dev/outbox/shipped-${orderId}.eml`);
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).toContain('JD0146-0000-1234');
        expect(text).toContain('DPD');
      },
      { timeout: 30_000, interval: 200 },
    );
  });
});
