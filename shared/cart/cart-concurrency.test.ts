import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseTarget, pgliteAndPostgres, writePaths } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { ensureUser } from '../identity/users.repository';
import { getCart, releaseExpiredHolds, removeLine, setLineQuantity } from './cart.service';
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

function cartConcurrency({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined).each(writePaths)(
    `cart holds under concurrency: ${name}, $path${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    ({ SQL_PORTABLE_WRITES }) => {
      let shop: TestShop;
      beforeAll(async () => {
        const extra = await env();
        shop = await startTestShop({ products: 12, host: false, env: { ...extra, SQL_PORTABLE_WRITES } });
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

      it('answers with the cart as stored, refreshes stale holds, and refuses a full cart or short stock without a trace', async () => {
        const db = shop.services.sql.db;
        const deps = {
          ...cartDeps(shop.services),
          settings: { ...cartDeps(shop.services).settings, maxLines: 3 },
        };
        const [a, b, c, d] = shop.products.slice(6, 10);
        await db
          .updateTable('inventory')
          .set({ on_hand: 5, held: 0 })
          .where('sku', 'in', [a!.sku, b!.sku, c!.sku, d!.sku])
          .execute();
        await setLineQuantity(deps, 'u150', a!.id, { quantity: 2 });
        await setLineQuantity(deps, 'u150', b!.id, { quantity: 1 });
        // b's hold is about to lapse; activity on the cart keeps it.
        await db
          .updateTable('cart_lines')
          .set({ hold_expires_at: new Date(Date.now() + 30_000) })
          .where('user_id', '=', 'u150')
          .where('product_id', '=', b!.id)
          .execute();
        const answered = await setLineQuantity(deps, 'u150', c!.id, { quantity: 3 });
        const stored = await getCart(deps, 'u150');
        expect(answered.cart).toEqual(stored);
        expect(stored.lines.map((l) => [l.productId, l.quantity, l.holdStatus])).toEqual([
          [a!.id, 2, 'held'],
          [b!.id, 1, 'held'],
          [c!.id, 3, 'held'],
        ]);
        expect(new Date(stored.lines[1]!.holdExpiresAt).getTime()).toBeGreaterThan(Date.now() + 60_000);
        expect(answered.levels).toMatchObject([{ sku: c!.sku, available: 2 }]);

        await expect(setLineQuantity(deps, 'u150', d!.id, { quantity: 1 })).rejects.toMatchObject({
          status: 422,
          code: 'cart_full',
        });
        await expect(setLineQuantity(deps, 'u150', a!.id, { quantity: 6 })).rejects.toMatchObject({
          status: 409,
          code: 'out_of_stock',
          extra: { available: 5 },
        });
        expect(await getCart(deps, 'u150')).toEqual(stored);
        const decreased = await setLineQuantity(deps, 'u150', a!.id, { quantity: 1 });
        expect(decreased.levels).toMatchObject([{ sku: a!.sku, available: 4 }]);
        expect(decreased.cart).toEqual(await getCart(deps, 'u150'));
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
}

for (const target of pgliteAndPostgres()) cartConcurrency(target);
