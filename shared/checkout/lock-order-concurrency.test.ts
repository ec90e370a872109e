import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, payNow as answerTo, visa } from '../../test/support/pay-now';
import { createTestDatabase, postgresSkipReason, writePaths } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { releaseExpiredHolds, removeLine, setLineQuantity } from '../cart/cart.service';
import { cartDeps } from '../cart/cart-deps';
import { ensureUser } from '../identity/users.repository';
import { isAppError } from '../platform/errors';
import { checkoutDeps } from './checkout-deps';

/**
 * Deadlocks need real concurrency (PGlite is one connection), so this runs on the machine's
 * PostgreSQL only, on both write paths. Shoppers fill, empty and pay for carts over the same
 * few SKUs in opposite orders at once: cart lines set in one order and removed in the other,
 * carts that list the SKUs in opposite orders checked out together, payments declined (their
 * units go back to the cart) while the same lines are being changed, and the expiry sweeper
 * releasing holds all the while. Every answer must be a
 * success or a clean 4xx, never a deadlock's 500, and the stock must add up afterwards.
 */
const declined = { provider: 'stripe', paymentMethodId: 'pm_card_chargeDeclined' };
const startingStock = 100_000;

describe.skipIf(!process.env.TEST_DATABASE_URL).each(writePaths)(
  `one lock order, and deadlock victims retried: PostgreSQL (real server), $path${
    process.env.TEST_DATABASE_URL ? '' : ` (skipped: ${postgresSkipReason})`
  }`,
  ({ SQL_PORTABLE_WRITES }) => {
    let shop: TestShop;
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      database = await createTestDatabase();
      shop = await startTestShop({
        products: 6,
        host: false,
        env: { DATABASE_URL: database!.url, SQL_PORTABLE_WRITES },
      });
    }, 120_000);
    afterAll(async () => {
      await shop?.close();
      await database?.drop();
    });

    it('shoppers adding, removing and paying over the same SKUs in opposite orders get no 5xx, and stock adds up', async () => {
      const db = shop.services.sql.db;
      const hot = shop.products.slice(0, 4);
      await db
        .updateTable('inventory')
        .set({ on_hand: startingStock, held: 0 })
        .where(
          'sku',
          'in',
          hot.map((p) => p.sku),
        )
        .execute();
      const cart = cartDeps(shop.services);
      const pay = checkoutDeps(shop.services);
      const shoppers = Array.from({ length: 24 }, (_, i) => ({
        userId: `lock-${SQL_PORTABLE_WRITES}-${i}`,
        email: `lock${i}@example.test`,
        name: `Lock ${i}`,
        roles: [] as [],
        // Half list the SKUs one way, half the other: their carts, and so their checkouts, too.
        order: i % 2 === 0 ? hot : [...hot].reverse(),
      }));
      for (const s of shoppers) await ensureUser(db, s);

      const unexpected: unknown[] = [];
      const answers = new Map<number, number>();
      // A success or a refusal the API documents (4xx) is fine; anything else is what a shopper
      // would have seen as a 500.
      const attempt = async (work: () => Promise<unknown>) => {
        try {
          await work();
        } catch (error) {
          if (!isAppError(error) || error.status >= 500) unexpected.push(error);
          else answers.set(error.status, (answers.get(error.status) ?? 0) + 1);
        }
      };
      const set = (userId: string, productId: string, quantity: number) =>
        attempt(() => setLineQuantity(cart, userId, productId, { quantity }));
      const remove = (userId: string, productId: string) =>
        attempt(() => removeLine(cart, userId, productId));
      const payNow = (s: (typeof shoppers)[number], card: typeof visa) =>
        attempt(async () => {
          const answer = await answerTo(pay, s, randomUUID(), { shippingAddress: address, payment: card });
          answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500) unexpected.push(answer);
        });

      const round = async (s: (typeof shoppers)[number], r: number, index: number) => {
        const { userId, order } = s;
        // Fill the cart in this shopper's order (its lines are listed, and were sold, in that order).
        for (const p of order) await set(userId, p.id, 1 + ((r + index) % 3));
        // Change every line and remove every line at once, the removals in the opposite order.
        await Promise.all([
          ...order.map((p) => set(userId, p.id, 2)),
          ...[...order].reverse().map((p) => remove(userId, p.id)),
        ]);
        for (const p of order) await set(userId, p.id, 1);
        // Pay (half the payments are declined: the units go back into the cart) while the
        // same cart's first line grows and its last is removed.
        await Promise.all([
          payNow(s, (r + index) % 2 === 0 ? declined : visa),
          set(userId, order[0]!.id, 3),
          remove(userId, order[order.length - 1]!.id),
        ]);
        // A declined payment's units are held in the cart again: change them while another shopper
        // pays for the same SKUs.
        await Promise.all(order.map((p, k) => (k % 2 === 0 ? set(userId, p.id, 2) : remove(userId, p.id))));
      };
      // Meanwhile the expiry sweeper releases holds as if an hour had passed (line, then stock).
      const sweeper = async (running: () => boolean) => {
        while (running()) {
          await attempt(() => releaseExpiredHolds({ db }, new Date(Date.now() + 3_600_000), 50));
          // The sweeper's pace (it runs beside the shoppers), not a wait for something.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      for (let r = 0; r < 4; r++) {
        let running = true;
        const sweeping = sweeper(() => running);
        await Promise.all(shoppers.map((s, i) => round(s, r, i)));
        running = false;
        await sweeping;
      }

      expect(unexpected).toEqual([]);
      // It did what it says: orders were paid and declined. (Some checkouts answer 409
      // cart_changed on the portable path, whose reservation compares the lines it read.)
      expect(answers.get(201) ?? 0).toBeGreaterThan(0);
      expect(answers.get(402) ?? 0).toBeGreaterThan(0);

      // 0 <= held <= on_hand; held is what the carts hold; on_hand fell by what was sold.
      const inventory = await db
        .selectFrom('inventory')
        .select(['sku', 'on_hand', 'held'])
        .where(
          'sku',
          'in',
          hot.map((p) => p.sku),
        )
        .execute();
      const lines = await db.selectFrom('cart_lines').select(['sku', 'held_quantity']).execute();
      const sold = await db
        .selectFrom('order_lines')
        .innerJoin('orders', 'orders.id', 'order_lines.order_id')
        .select(['order_lines.sku', 'order_lines.quantity'])
        .where('orders.status', '<>', 'payment_failed')
        .execute();
      for (const row of inventory) {
        expect(row.held, row.sku).toBeGreaterThanOrEqual(0);
        expect(row.held, row.sku).toBeLessThanOrEqual(row.on_hand);
        const held = lines.filter((l) => l.sku === row.sku).reduce((sum, l) => sum + l.held_quantity, 0);
        expect(row.held, row.sku).toBe(held);
        const out = sold.filter((l) => l.sku === row.sku).reduce((sum, l) => sum + l.quantity, 0);
        expect(row.on_hand, row.sku).toBe(startingStock - out);
      }
    }, 180_000);

    it('the database saw no deadlock at all: every write path takes its locks in one order', async () => {
      // Counted by PostgreSQL per database; a backend reports its count at the latest when it
      // exits, so close the shop's pool first.
      await shop.close();
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        const name = new URL(database!.url).pathname.slice(1);
        const { rows } = await admin.query<{ deadlocks: string }>(
          'select deadlocks from pg_stat_database where datname = $1',
          [name],
        );
        expect(Number(rows[0]?.deadlocks ?? 0)).toBe(0);
      } finally {
        await admin.end();
      }
      shop = undefined as unknown as TestShop;
    });
  },
);
