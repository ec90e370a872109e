import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresSkipReason } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { ensureUser } from '../identity/users.repository';
import { releaseExpiredHolds, removeLine, setLineQuantity } from './cart.service';
import { cartDeps } from './cart-deps';

/** held = the sum of what cart lines hold, and 0 <= held <= on_hand, for every SKU. */
async function assertInvariant(shop: TestShop) {
  const db = shop.services.sql.db;
  const inventory = await db.selectFrom('inventory').select(['sku', 'on_hand', 'held']).execute();
  const lines = await db.selectFrom('cart_lines').select(['sku', 'held_quantity']).execute();
  const heldByLines = new Map<string, number>();
  for (const line of lines) heldByLines.set(line.sku, (heldByLines.get(line.sku) ?? 0) + line.held_quantity);
  for (const row of inventory) {
    expect(row.held, row.sku).toBe(heldByLines.get(row.sku) ?? 0);
    expect(row.held).toBeGreaterThanOrEqual(0);
    expect(row.held).toBeLessThanOrEqual(row.on_hand);
  }
}

function cartConcurrency(
  name: string,
  env: () => Promise<Record<string, string> | undefined>,
  skipReason?: string,
) {
  describe.skipIf(skipReason !== undefined)(
    `cart holds under concurrency: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      let drop: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const extra = await env();
        shop = await startTestShop({ products: 12, host: false, env: extra });
        for (let i = 0; i < 200; i++) {
          await ensureUser(shop.services.sql.db, {
            userId: `u${i}`,
            email: `u${i}@example.test`,
            name: `U${i}`,
            roles: [],
          });
        }
      }, 180_000);
      afterAll(async () => {
        await shop?.close();
        await drop?.();
      });

      it('200 shoppers race for 50 units: exactly 50 holds, 150 clean 409s, held = 50', async () => {
        const product = shop.products[0]!;
        await shop.services.sql.db
          .updateTable('inventory')
          .set({ on_hand: 50, held: 0 })
          .where('sku', '=', product.sku)
          .execute();
        const deps = cartDeps(shop.services);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 200 }, (_, i) => setLineQuantity(deps, `u${i}`, product.id, { quantity: 1 })),
        );
        const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
        const refused = outcomes.filter(
          (o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'out_of_stock',
        ).length;
        expect({ ok, refused }).toEqual({ ok: 50, refused: 150 });
        const row = await shop.services.sql.db
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', product.sku)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ on_hand: 50, held: 50 });
        await assertInvariant(shop);
      }, 120_000);

      it('a storm of adds, decreases and deletes keeps the invariant', async () => {
        const deps = cartDeps(shop.services);
        const hot = shop.products.slice(1, 4);
        for (const p of hot)
          await shop.services.sql.db
            .updateTable('inventory')
            .set({ on_hand: 25, held: 0 })
            .where('sku', '=', p.sku)
            .execute();
        let seed = 42;
        const random = () => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed / 0x7fffffff;
        };
        const operations = Array.from({ length: 400 }, () => {
          const user = `u${Math.floor(random() * 40)}`;
          const product = hot[Math.floor(random() * hot.length)]!;
          const roll = random();
          if (roll < 0.2) return () => removeLine(deps, user, product.id);
          return () => setLineQuantity(deps, user, product.id, { quantity: 1 + Math.floor(random() * 6) });
        });
        const results = await Promise.allSettled(operations.map((op) => op()));
        const unexpected = results.filter(
          (r) => r.status === 'rejected' && (r.reason as { code?: string }).code !== 'out_of_stock',
        );
        expect(unexpected).toEqual([]);
        await assertInvariant(shop);
      }, 120_000);

      it('expiry releases exactly the lapsed holds, once, with two sweepers racing', async () => {
        const db = shop.services.sql.db;
        const deps = cartDeps(shop.services);
        const product = shop.products[5]!;
        await db
          .updateTable('inventory')
          .set({ on_hand: 30, held: 0 })
          .where('sku', '=', product.sku)
          .execute();
        for (let i = 100; i < 110; i++) await setLineQuantity(deps, `u${i}`, product.id, { quantity: 2 });
        // Half the carts were abandoned 20 minutes ago; the others are live.
        const past = new Date(Date.now() - 20 * 60_000);
        await db
          .updateTable('cart_lines')
          .set({ hold_expires_at: past })
          .where('product_id', '=', product.id)
          .where('user_id', 'in', ['u100', 'u101', 'u102', 'u103', 'u104'])
          .execute();
        const [first, second] = await Promise.all([
          releaseExpiredHolds({ db }, new Date()),
          releaseExpiredHolds({ db }, new Date()),
        ]);
        expect(first.length + second.length).toBe(5);
        const row = await db
          .selectFrom('inventory')
          .select(['held'])
          .where('sku', '=', product.sku)
          .executeTakeFirstOrThrow();
        expect(row.held).toBe(10);
        const lapsed = await db
          .selectFrom('cart_lines')
          .select(['user_id', 'held_quantity', 'quantity'])
          .where('product_id', '=', product.id)
          .where('held_quantity', '=', 0)
          .execute();
        expect(lapsed.map((l) => l.user_id).sort()).toEqual(['u100', 'u101', 'u102', 'u103', 'u104']);
        expect(lapsed.every((l) => l.quantity === 2)).toBe(true); // the line stays, shown as lapsed
        expect(await releaseExpiredHolds({ db }, new Date())).toEqual([]); // idempotent
        await assertInvariant(shop);

        // A lapsed line that is touched again re-acquires its stock.
        const cart = await setLineQuantity(deps, 'u100', product.id, { quantity: 2 });
        expect(cart.cart.lines.find((l) => l.productId === product.id)?.holdStatus).toBe('held');
        await assertInvariant(shop);
      }, 120_000);
    },
  );

  return {
    setDrop(fn: () => Promise<void>) {
      void fn;
    },
  };
}

cartConcurrency('PGlite', async () => undefined);

let database: Awaited<ReturnType<typeof createTestDatabase>>;
cartConcurrency(
  'PostgreSQL (real server, real concurrency)',
  async () => {
    database = await createTestDatabase();
    return { DATABASE_URL: database!.url };
  },
  process.env.TEST_DATABASE_URL ? undefined : postgresSkipReason,
);
afterAll(async () => {
  await database?.drop();
});
