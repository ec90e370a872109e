import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
        {
          id: orderId,
          user_id: 'picky',
          status: 'paid',
          total_minor: product.priceMinor * (i + 1),
          currency: product.currency,
          email: 'picky@example.test',
          ship_name: `Shopper ${i}`,
          ship_line1: '1 Main St',
          ship_line2: '',
          ship_city: 'Leeds',
          ship_postal_code: 'LS1 1AA',
          ship_country: 'GB',
          payment_provider: 'stripe',
          payment_method_ref: 'pm_card_visa',
          payment_reference: `pi_${i}`,
          card_brand: null,
          card_last4: null,
          decline_reason: null,
          created_at: at,
          updated_at: at,
          paid_at: at,
          receipt_sent_at: null,
          shipped_at: null,
        },
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
});
