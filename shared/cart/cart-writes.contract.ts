import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import type { Db } from '../adapters/sql/schema';
import type { Product, Variant } from '../catalogue/product';
import { ensureUser } from '../identity/users.repository';
import { insertMissingInventory } from '../inventory/inventory.repository';
import { setLineInOneStatement, setLinesInOneStatement } from './cart.repository';
import { type CartDeps, getCart, releaseExpiredHolds, removeLine, setLineQuantity } from './cart.service';
import { cartDeps as cartDepsOf } from './cart-deps';
import { type CartWrites, lineWriteRequest } from './cart-writes';

/** One implementation of the CartWrites port, and the SQL_PORTABLE_WRITES its shop runs with. */
export interface CartWritesImplementation {
  name: string;
  kind: CartWrites['kind'];
  create(db: Db): CartWrites;
}

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

/**
 * The CartWrites contract: what every implementation must do, under concurrency too (cart
 * holds never oversell, the invariant below holds, a refused change leaves no trace). Run by
 * cart-writes.test.ts for each implementation on PGlite and PostgreSQL, and in the
 * `azure-sql-path` project, where the portable one's statements are compiled as T-SQL.
 */
export function cartWritesContract(
  { name, env, skipReason }: DatabaseTarget,
  writes: CartWritesImplementation,
) {
  describe.skipIf(skipReason !== undefined)(
    `CartWrites contract: ${writes.name} on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      // The shop's services run the same implementation (checkout there follows SQL_PORTABLE_WRITES).
      const SQL_PORTABLE_WRITES = writes.kind === 'portable' ? 'true' : 'false';
      const cartDeps = (services: TestShop['services']): CartDeps => ({
        ...cartDepsOf(services),
        writes: writes.create(services.sql.db),
      });
      beforeAll(async () => {
        const extra = await env();
        shop = await startTestShop({ products: 24, host: false, env: { ...extra, SQL_PORTABLE_WRITES } });
        expect(shop.services.cartWrites.kind, 'the implementation services pick for this setting').toBe(
          writes.kind,
        );
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

      it('a storm spread over many SKUs and shoppers (adds share statements on PostgreSQL) keeps the invariant', async () => {
        const deps = cartDeps(shop.services);
        const spread = shop.products.slice(12, 20);
        for (const p of spread)
          await shop.services.sql.db
            .updateTable('inventory')
            .set({ on_hand: 40, held: 0 })
            .where('sku', '=', p.sku)
            .execute();
        let seed = 7;
        const random = () => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed / 0x7fffffff;
        };
        const operations = Array.from({ length: 600 }, () => {
          const user = `u${Math.floor(random() * 120)}`;
          const product = spread[Math.floor(random() * spread.length)]!;
          if (random() < 0.15) return () => removeLine(deps, user, product.id);
          return () => setLineQuantity(deps, user, product.id, { quantity: 1 + Math.floor(random() * 4) });
        });
        const results = await Promise.allSettled(operations.map((op) => op()));
        const unexpected = results.filter(
          (r) => r.status === 'rejected' && (r.reason as { code?: string }).code !== 'out_of_stock',
        );
        expect(unexpected).toEqual([]);
        expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(150);
        await assertInvariant(shop);
      }, 120_000);

      it.runIf(writes.kind === 'postgres')(
        'one statement for many adds answers and writes exactly what one statement per add does (PostgreSQL implementation only; Azure SQL does not batch)',
        async () => {
          const db = shop.services.sql.db;
          const [p0, p1, p2, p3, p4, p5, other1, other2] = shop.products.slice(16, 24) as [
            (typeof shop.products)[number],
            ...Array<(typeof shop.products)[number]>,
          ];
          const now = new Date('2026-12-02T10:00:00.000Z');
          const minutes = (m: number) => new Date(now.getTime() + m * 60_000);
          const users = ['u180', 'u181', 'u182', 'u183', 'u184', 'u185'];
          const products = [p0, p1, p2, p3, p4, p5, other1!, other2!];
          const skus = products.map((p) => p!.sku);
          const line = (user: string, product: typeof p0, quantity: number, holdExpiresAt = minutes(10)) => ({
            user_id: user,
            product_id: product.id,
            sku: product.sku,
            name: product.name,
            unit_price_minor: product.priceMinor,
            currency: product.currency,
            quantity,
            held_quantity: quantity,
            hold_expires_at: holdExpiresAt,
            added_at: minutes(-5),
          });
          // The same starting point for both runs: stock 5 of each, and these carts.
          const arrange = async () => {
            await db.deleteFrom('cart_lines').where('user_id', 'in', users).execute();
            await db.deleteFrom('cart_lines').where('sku', 'in', skus).execute();
            await db
              .updateTable('inventory')
              .set({ on_hand: 5, held: 0, version: 0, updated_at: now })
              .where('sku', 'in', skus)
              .execute();
            const lines = [
              line('u181', p1!, 1),
              line('u182', p2!, 3),
              line('u184', other1!, 1),
              line('u184', other2!, 1),
              line('u184', p0, 1),
              line('u185', p5!, 2),
              line('u185', other1!, 1, minutes(1)), // about to lapse: refreshed by activity
            ];
            await db.insertInto('cart_lines').values(lines).execute();
            for (const sku of skus) {
              const held = lines.filter((l) => l.sku === sku).reduce((sum, l) => sum + l.held_quantity, 0);
              await db.updateTable('inventory').set({ held }).where('sku', '=', sku).execute();
            }
          };
          // As the service asks for them: holds to now + 15 min, refreshing those before now + 14.
          const request = (user: string, product: typeof p0, quantity: number) =>
            lineWriteRequest({
              userId: user,
              product,
              quantity,
              now,
              holdExpiresAt: minutes(15),
              maxLines: 3,
            });
          const requests = [
            request('u180', p0, 2), // a new line
            request('u181', p1!, 3), // more
            request('u182', p2!, 1), // less
            request('u183', p3!, 9), // more than there is
            request('u184', p4!, 1), // a fourth product in a cart of at most 3
            request('u185', p5!, 2), // no change, but the stale hold is refreshed
          ];
          const state = async () => ({
            lines: await db
              .selectFrom('cart_lines')
              .selectAll()
              .where('user_id', 'in', users)
              .orderBy('user_id')
              .orderBy('product_id')
              .execute(),
            stock: await db
              .selectFrom('inventory')
              .selectAll()
              .where('sku', 'in', skus)
              .orderBy('sku')
              .execute(),
          });

          await arrange();
          const together = await setLinesInOneStatement(db, requests);
          const afterTogether = await state();
          await arrange();
          const oneByOne: Awaited<ReturnType<typeof setLineInOneStatement>>[] = [];
          for (const r of requests) oneByOne.push(await setLineInOneStatement(db, r.line, r.options));
          const afterOneByOne = await state();

          expect(together.map((w) => w.outcome)).toEqual([
            'changed',
            'changed',
            'changed',
            'out_of_stock',
            'cart_full',
            'changed',
          ]);
          expect(together).toEqual(oneByOne);
          expect(afterTogether).toEqual(afterOneByOne);
          const refreshed = afterTogether.lines.find(
            (l) => l.user_id === 'u185' && l.product_id === other1!.id,
          );
          expect(refreshed?.hold_expires_at).toEqual(minutes(15));
          expect(afterTogether.stock.find((s) => s.sku === p3!.sku)?.held).toBe(0);
          await db.deleteFrom('cart_lines').where('user_id', 'in', users).execute();
          await db.updateTable('inventory').set({ held: 0 }).where('sku', 'in', skus).execute();
          await assertInvariant(shop);
        },
        120_000,
      );

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

      it('one hold rule: any change (a set or a removal) renews every hold still in force to the same expiry', async () => {
        const db = shop.services.sql.db;
        const deps = cartDeps(shop.services);
        const [e, f, g] = shop.products.slice(10, 13);
        // Stock to spare, leaving what other cases' carts hold as it is.
        await db
          .updateTable('inventory')
          .set((eb) => ({ on_hand: eb('held', '+', 9) }))
          .where('sku', 'in', [e!.sku, f!.sku, g!.sku])
          .execute();
        for (const product of [e!, f!, g!]) await setLineQuantity(deps, 'u160', product.id, { quantity: 1 });
        // Half a minute has passed on two lines: a change now must bring them level with it.
        const aged = (ids: string[]) =>
          db
            .updateTable('cart_lines')
            .set({ hold_expires_at: new Date(Date.now() + 14.5 * 60_000) })
            .where('user_id', '=', 'u160')
            .where('product_id', 'in', ids)
            .execute();
        const expiries = async () => (await getCart(deps, 'u160')).lines.map((l) => l.holdExpiresAt);

        await aged([e!.id, f!.id]);
        const before = Date.now();
        await setLineQuantity(deps, 'u160', g!.id, { quantity: 2 });
        const afterSet = await expiries();
        expect(new Set(afterSet).size, afterSet.join(', ')).toBe(1);
        expect(Date.parse(afterSet[0]!)).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1_000);

        await aged([e!.id, g!.id]);
        const removed = Date.now();
        await removeLine(deps, 'u160', f!.id);
        const afterRemove = await expiries();
        expect(afterRemove).toHaveLength(2);
        expect(new Set(afterRemove).size, afterRemove.join(', ')).toBe(1);
        expect(Date.parse(afterRemove[0]!)).toBeGreaterThanOrEqual(removed + 15 * 60_000 - 1_000);
        await assertInvariant(shop);
      }, 60_000);

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

      it('sells a product with variants per SKU: a line per size, each holding its own stock and price', async () => {
        const db = shop.services.sql.db;
        const base = shop.products[23]!;
        const product: Product = {
          ...base,
          id: `${base.id}-v-${writes.kind}`,
          sku: `${base.sku}-V-${writes.kind.toUpperCase()}`,
          variants: [
            { sku: `${base.sku}-V-${writes.kind.toUpperCase()}-S`, options: { size: 'S', colour: 'navy' } },
            {
              sku: `${base.sku}-V-${writes.kind.toUpperCase()}-XL`,
              options: { size: 'XL', colour: 'navy' },
              priceMinor: base.priceMinor + 200,
            },
          ],
        };
        const [small, large] = product.variants! as [Variant, Variant];
        await shop.services.products.upsert(product);
        await insertMissingInventory(db, [
          { sku: small.sku, productId: product.id, onHand: 3 },
          { sku: large.sku, productId: product.id, onHand: 1 },
        ]);
        for (const userId of ['vs1', 'vs2', 'vs3'])
          await ensureUser(db, { userId, email: `${userId}@example.test`, name: userId, roles: [] });
        const deps = cartDeps(shop.services);
        const code = (promise: Promise<unknown>) =>
          promise.then(
            () => 'ok',
            (error: { code?: string }) => error.code,
          );
        expect(await code(setLineQuantity(deps, 'vs1', product.id, { quantity: 1 }))).toBe(
          'variant_required',
        );
        expect(await code(setLineQuantity(deps, 'vs1', product.id, { quantity: 1, sku: base.sku }))).toBe(
          'unknown_variant',
        );

        await setLineQuantity(deps, 'vs1', product.id, { quantity: 2, sku: small.sku });
        const both = await setLineQuantity(deps, 'vs1', product.id, { quantity: 1, sku: large.sku });
        expect(
          both.cart.lines.map(({ sku, variantLabel, unitPriceMinor, quantity }) => ({
            sku,
            variantLabel,
            unitPriceMinor,
            quantity,
          })),
        ).toEqual([
          { sku: small.sku, variantLabel: 'Size S, navy', unitPriceMinor: base.priceMinor, quantity: 2 },
          {
            sku: large.sku,
            variantLabel: 'Size XL, navy',
            unitPriceMinor: base.priceMinor + 200,
            quantity: 1,
          },
        ]);
        expect(both.levels.map((l) => [l.sku, l.available])).toEqual([[large.sku, 0]]);
        // The other size's stock is its own: XL is sold out, S is not.
        const short = await setLineQuantity(deps, 'vs2', product.id, { quantity: 1, sku: large.sku }).catch(
          (error: { code?: string; extra?: unknown }) => error,
        );
        expect(short).toMatchObject({ code: 'out_of_stock' });
        await setLineQuantity(deps, 'vs2', product.id, { quantity: 1, sku: small.sku });
        const stock = async () =>
          Object.fromEntries(
            (
              await db
                .selectFrom('inventory')
                .select(['sku', 'held'])
                .where('product_id', '=', product.id)
                .execute()
            ).map((r) => [r.sku, r.held]),
          );
        expect(await stock()).toEqual({ [small.sku]: 3, [large.sku]: 1 });
        await assertInvariant(shop);

        // DELETE with ?sku= drops that size; without it, every line of the product.
        const removed = await removeLine(deps, 'vs1', product.id, small.sku);
        expect(removed.cart.lines.map((l) => l.sku)).toEqual([large.sku]);
        expect(await stock()).toEqual({ [small.sku]: 1, [large.sku]: 1 });
        await setLineQuantity(deps, 'vs1', product.id, { quantity: 1, sku: small.sku });
        expect((await removeLine(deps, 'vs1', product.id)).cart.lines).toEqual([]);
        expect(await stock()).toEqual({ [small.sku]: 1, [large.sku]: 0 });
        await assertInvariant(shop);

        // A variant's own price change shows as that line's current price, the other size's not.
        await setLineQuantity(deps, 'vs3', product.id, { quantity: 1, sku: large.sku });
        await shop.services.products.upsert({
          ...product,
          variants: [small, { ...large, priceMinor: base.priceMinor + 500 }],
        });
        await shop.services.cache.invalidate([`product:${product.id}`]);
        await setLineQuantity(deps, 'vs3', product.id, { quantity: 1, sku: small.sku });
        const cart = await getCart(deps, 'vs3');
        expect(cart.lines.map((l) => [l.sku, l.unitPriceMinor, l.currentPrice?.unitPriceMinor])).toEqual([
          [large.sku, base.priceMinor + 200, base.priceMinor + 500],
          [small.sku, base.priceMinor, undefined],
        ]);
        await assertInvariant(shop);
      }, 120_000);
    },
  );
}
