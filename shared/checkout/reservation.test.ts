import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, payNow, visa } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import type { Db } from '../adapters/sql/schema';
import { insertCartLine } from '../cart/cart.repository';
import type { Principal } from '../identity/principal';
import { ensureUser } from '../identity/users.repository';
import type { CheckoutDeps } from './checkout.service';
import { checkoutDeps } from './checkout-deps';
import { portableReservation, postgresReservation, type Reservation } from './reservation';
import { compensationHooks } from './reserve.step';

/** One implementation of the Reservation port. */
interface ReservationImplementation {
  name: string;
  kind: Reservation['kind'];
  create(db: Db): Reservation;
}

// Both implementations on PGlite and PostgreSQL; in the `azure-sql-path` project (every store
// runs as Azure SQL there) only the portable one, whose every statement is compiled as T-SQL.
const implementations: ReservationImplementation[] = [
  ...(process.env.TSQL_RECORDING
    ? []
    : [
        {
          name: 'postgresReservation (one statement)',
          kind: 'postgres' as const,
          create: postgresReservation,
        },
      ]),
  {
    name: 'portableReservation (transactions, the Azure SQL path)',
    kind: 'portable',
    create: portableReservation,
  },
];

const declinedCard = { provider: 'stripe', paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' };

/**
 * The Reservation contract: Pay Now's reservation and settlement, checked row by row, for each
 * implementation of the port (PostgreSQL's single statements, the portable transactions Azure
 * SQL runs), driven through checkout as the app drives it.
 */
function reservation({ name, env, skipReason }: DatabaseTarget, implementation: ReservationImplementation) {
  // The shop's other writes follow the same path (SQL_PORTABLE_WRITES).
  const SQL_PORTABLE_WRITES = implementation.kind === 'portable' ? 'true' : 'false';
  describe.skipIf(skipReason !== undefined)(
    `Reservation contract: ${implementation.name} on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      beforeAll(async () => {
        shop = await startTestShop({
          products: 8,
          host: false,
          env: { ...(await env()), SQL_PORTABLE_WRITES },
        });
        // The lines below are priced 100 * (index + 1): make those the products' current prices
        // (checkout charges the current price and refuses any other).
        for (const [index, product] of shop.products.entries()) {
          product.priceMinor = 100 * (index + 1);
          await shop.services.products.upsert(product);
        }
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      const deps = (): CheckoutDeps => ({
        ...checkoutDeps(shop.services),
        reservation: implementation.create(shop.services.sql.db),
      });
      const db = () => shop.services.sql.db;
      async function shopper(userId: string): Promise<Principal> {
        const principal = { userId, email: `${userId}@example.test`, name: userId, roles: [] };
        await ensureUser(db(), principal);
        return principal;
      }
      async function line(userId: string, index: number, quantity: number, held: boolean, currency = 'USD') {
        const product = shop.products[index]!;
        await insertCartLine(db(), {
          userId,
          productId: product.id,
          sku: product.sku,
          name: product.name,
          unitPriceMinor: 100 * (index + 1),
          currency,
          quantity,
          heldQuantity: held ? quantity : 0,
          holdExpiresAt: new Date(Date.now() + (held ? 600_000 : -600_000)),
          addedAt: new Date(Date.now() + index),
        });
        return product;
      }
      const setStock = (sku: string, onHand: number, held: number) =>
        db().updateTable('inventory').set({ on_hand: onHand, held }).where('sku', '=', sku).execute();
      const stock = (sku: string) =>
        db()
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', sku)
          .executeTakeFirstOrThrow();

      it('is the implementation services pick for SQL_PORTABLE_WRITES', () => {
        expect(shop.services.reservation.kind).toBe(implementation.kind);
      });

      it('sells held and lapsed lines, empties the cart, writes the order, its event and the kept answer', async () => {
        const ada = await shopper(`ada-${SQL_PORTABLE_WRITES}`);
        const held = await line(ada.userId, 0, 2, true);
        const lapsed = await line(ada.userId, 1, 1, false);
        await setStock(held.sku, 10, 2);
        await setStock(lapsed.sku, 5, 0);
        const key = randomUUID();
        const paid = await payNow(deps(), ada, key, { shippingAddress: address, payment: visa });
        expect(paid.status).toBe(201);
        const order = paid.body as { id: string; totalMinor: number; lines: Array<{ productId: string }> };
        expect(order.totalMinor).toBe(2 * 100 + 1 * 200);
        expect(order.lines.map((l) => l.productId)).toEqual([held.id, lapsed.id]);
        // Only the re-acquired line moved availability: announced by SKU, or with its new level.
        const { changedSkus, levels = [], eventsWritten } = paid.aftermath;
        expect({ eventsWritten, announced: [...changedSkus, ...levels.map((l) => l.sku)] }).toEqual({
          eventsWritten: true,
          announced: [lapsed.sku],
        });
        for (const level of levels) expect(level).toMatchObject({ productId: lapsed.id, available: 4 });
        expect(await stock(held.sku)).toEqual({ on_hand: 8, held: 0 });
        expect(await stock(lapsed.sku)).toEqual({ on_hand: 4, held: 0 });
        expect(
          await db()
            .selectFrom('cart_lines')
            .select('product_id')
            .where('user_id', '=', ada.userId)
            .execute(),
        ).toEqual([]);
        const rows = await db()
          .selectFrom('order_lines')
          .select(['line_no', 'sku', 'quantity', 'unit_price_minor'])
          .where('order_id', '=', order.id)
          .orderBy('line_no')
          .execute();
        expect(rows).toEqual([
          { line_no: 1, sku: held.sku, quantity: 2, unit_price_minor: 100 },
          { line_no: 2, sku: lapsed.sku, quantity: 1, unit_price_minor: 200 },
        ]);
        expect(
          await db()
            .selectFrom('orders')
            .select(['status', 'total_minor', 'currency', 'ship_city'])
            .where('id', '=', order.id)
            .executeTakeFirstOrThrow(),
        ).toEqual({ status: 'paid', total_minor: 400, currency: 'USD', ship_city: 'London' });
        const events = await db()
          .selectFrom('outbox')
          .select(['type', 'body'])
          .where('correlation_id', '=', order.id)
          .execute();
        expect(events.map((e) => e.type)).toEqual(['OrderPaid']);
        expect(JSON.parse(events[0]!.body)).toMatchObject({
          orderId: order.id,
          totalMinor: 400,
          lines: [
            { sku: held.sku, quantity: 2 },
            { sku: lapsed.sku, quantity: 1 },
          ],
        });
        const kept = await db()
          .selectFrom('idempotency_keys')
          .select(['order_id', 'response_status', 'response_body'])
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow();
        expect(kept.order_id).toBe(order.id);
        // The typed outcome is kept (the trigger words it as HTTP); response_status is only set
        // on rows kept before typed outcomes.
        expect(kept.response_status).toBeNull();
        const stored = JSON.parse(kept.response_body!);
        expect({ kind: stored.kind, order: stored.order }).toEqual({ kind: 'order', order: paid.body });

        // The same key replays the answer and writes nothing more.
        const again = await payNow(deps(), ada, key, { shippingAddress: address, payment: visa });
        expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: paid.body });
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', ada.userId).execute(),
        ).toHaveLength(1);
      });

      it('refuses a short line with 409 naming it, and changes nothing', async () => {
        const bo = await shopper(`bo-${SQL_PORTABLE_WRITES}`);
        const plenty = await line(bo.userId, 2, 1, true);
        const scarce = await line(bo.userId, 3, 3, false);
        await setStock(plenty.sku, 10, 1);
        await setStock(scarce.sku, 4, 2);
        const refused = await payNow(deps(), bo, randomUUID(), { shippingAddress: address, payment: visa });
        expect(refused.status).toBe(409);
        expect(refused.body).toMatchObject({
          code: 'out_of_stock',
          lines: [{ productId: scarce.id, requested: 3, available: 2 }],
        });
        expect(await stock(plenty.sku)).toEqual({ on_hand: 10, held: 1 });
        expect(await stock(scarce.sku)).toEqual({ on_hand: 4, held: 2 });
        expect(
          await db().selectFrom('cart_lines').select('product_id').where('user_id', '=', bo.userId).execute(),
        ).toHaveLength(2);
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', bo.userId).execute(),
        ).toEqual([]);
      });

      it('refuses an empty cart and a cart in two currencies with 422', async () => {
        const cy = await shopper(`cy-${SQL_PORTABLE_WRITES}`);
        const empty = await payNow(deps(), cy, randomUUID(), { shippingAddress: address, payment: visa });
        expect({ status: empty.status, code: (empty.body as { code: string }).code }).toEqual({
          status: 422,
          code: 'cart_empty',
        });
        const dollars = await line(cy.userId, 4, 1, true);
        const euros = await line(cy.userId, 5, 1, true, 'EUR');
        await shop.services.products.upsert({ ...euros, currency: 'EUR' }); // sold in euros
        await setStock(dollars.sku, 5, 1);
        await setStock(euros.sku, 5, 1);
        const mixed = await payNow(deps(), cy, randomUUID(), { shippingAddress: address, payment: visa });
        expect({ status: mixed.status, code: (mixed.body as { code: string }).code }).toEqual({
          status: 422,
          code: 'mixed_currencies',
        });
        expect(await stock(dollars.sku)).toEqual({ on_hand: 5, held: 1 });
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', cy.userId).execute(),
        ).toEqual([]);
      });

      it('answers a used key with key_taken and writes nothing more', async () => {
        const di = await shopper(`di-${SQL_PORTABLE_WRITES}`);
        const product = await line(di.userId, 6, 1, true);
        await setStock(product.sku, 5, 1);
        const key = randomUUID();
        const claim = { userId: di.userId, key, requestHash: 'h' };
        const draft = (id: string) => ({
          id,
          user_id: di.userId,
          status: 'pending_payment' as const,
          email: di.email,
          ship_name: 'D',
          ship_line1: '1 St',
          ship_line2: '',
          ship_city: 'London',
          ship_postal_code: 'N1',
          ship_country: 'GB',
          payment_provider: 'stripe' as const,
          payment_method_ref: 'pm_card_visa',
          payment_reference: null,
          card_brand: null,
          card_last4: null,
          decline_reason: null,
          created_at: new Date(),
          updated_at: new Date(),
          paid_at: null,
          receipt_sent_at: null,
          shipped_at: null,
        });
        const port = deps().reservation;
        const first = await port.reserve(draft(`ord_${randomUUID().slice(0, 8)}`), claim);
        expect(first).toMatchObject({ outcome: 'reserved', order: { total_minor: 700, currency: 'USD' } });
        await line(di.userId, 6, 1, true); // the shopper adds it again and pays with the same key
        await setStock(product.sku, 4, 1);
        expect(await port.reserve(draft(`ord_${randomUUID().slice(0, 8)}`), claim)).toEqual({
          outcome: 'key_taken',
        });
        expect(await stock(product.sku)).toEqual({ on_hand: 4, held: 1 });
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', di.userId).execute(),
        ).toHaveLength(1);
      });

      // Two connections are needed (the shopper's change commits while the compensation's
      // transaction is open): the real server only; PGlite has one connection.
      it.skipIf(name === 'PGlite')(
        "a declined payment's units go back to a cart line the shopper keeps changing meanwhile, none leaked",
        async () => {
          const ed = await shopper(`ed-${SQL_PORTABLE_WRITES}`);
          const product = shop.products[7]!;
          await setStock(product.sku, 20, 0);
          const setLine = (quantity: number) =>
            shop.services.cartWrites.setLine({
              userId: ed.userId,
              product,
              quantity,
              now: new Date(),
              holdExpiresAt: new Date(Date.now() + 600_000),
              maxLines: 50,
            });
          expect(await setLine(2)).toMatchObject({ outcome: 'changed' });
          // Pay Now empties the cart; the shopper adds the product again in another tab before the
          // decline, and changes that line while the compensation runs (before each of its writes
          // of the line: a read-then-compare-and-set would lose every time).
          let changes = 0;
          compensationHooks.beforeLineWrite = async (userId, sku) => {
            if (userId !== ed.userId || sku !== product.sku || changes >= 6) return;
            changes++;
            expect(await setLine(2 + changes)).toMatchObject({ outcome: 'changed' });
          };
          try {
            const declined = await payNow(
              { ...deps(), hooks: { afterReserve: async () => void (await setLine(1)) } },
              ed,
              randomUUID(),
              { shippingAddress: address, payment: declinedCard },
            );
            expect(declined.status).toBe(402);
          } finally {
            compensationHooks.beforeLineWrite = undefined;
          }
          expect(changes).toBeGreaterThanOrEqual(1);
          const cartLine = await db()
            .selectFrom('cart_lines')
            .select(['quantity', 'held_quantity'])
            .where('user_id', '=', ed.userId)
            .where('product_id', '=', product.id)
            .executeTakeFirstOrThrow();
          // The shopper's last change, plus the 2 units the failed order gave back, all held.
          expect(cartLine).toEqual({ quantity: 2 + changes + 2, held_quantity: 2 + changes + 2 });
          // held = the sum of the lines' holds (no unit held by no line), nothing sold.
          const heldByLines = await db()
            .selectFrom('cart_lines')
            .select((eb) => eb.fn.sum<string>('held_quantity').as('held'))
            .where('sku', '=', product.sku)
            .executeTakeFirstOrThrow();
          expect(await stock(product.sku)).toEqual({ on_hand: 20, held: Number(heldByLines.held) });
          expect(
            await db().selectFrom('orders').select('status').where('user_id', '=', ed.userId).execute(),
          ).toEqual([{ status: 'payment_failed' }]);
        },
      );
    },
  );
}

for (const target of pgliteAndPostgres())
  for (const implementation of implementations) reservation(target, implementation);
