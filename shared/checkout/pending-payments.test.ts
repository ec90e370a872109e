import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, payNow } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres, writePaths } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper, stockOf } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { checkoutDeps } from './checkout-deps';
import { recoverStuckPayments } from './payment-recovery';

const authenticationRequired = { provider: 'stripe', paymentMethodId: 'pm_card_authenticationRequired' };

/**
 * Issue #15 point 6: one shopper locking stock through 3-D Secure. Three checkouts of 10 units
 * with an authentication-required card (the sandbox gateway) used to take all 30 units for 60
 * minutes. Now a shopper has at most one payment pending, and an unfinished authentication ends
 * with the hold time. On each database and write path.
 */
function pendingPayments({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined).each(writePaths)(
    `3-D Secure cannot lock stock: ${name}, $path${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    ({ SQL_PORTABLE_WRITES }) => {
      let shop: TestShop;
      beforeAll(async () => {
        shop = await startTestShop({
          products: 4,
          host: false,
          env: { ...(await env()), SQL_PORTABLE_WRITES },
        });
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });
      const db = () => shop.services.sql.db;
      const stock = (sku: string) => stockOf(db(), sku);
      const shopper = (userId: string) => signUpShopper(db(), userId);
      /** 10 units in the cart, hold lapsed: Pay Now re-acquires them. */
      async function tenInCart(userId: string) {
        await putLapsedLine(db(), userId, shop.products[2]!, 10);
      }

      it('three 10-unit checkouts through 3-D Secure: the 2nd and 3rd are refused (409 payment_pending), the 1st is abandoned when the hold time ends', async () => {
        const product = shop.products[2]!;
        await db()
          .updateTable('inventory')
          .set({ on_hand: 30, held: 0 })
          .where('sku', '=', product.sku)
          .execute();
        const mallory = await shopper(`mallory-${SQL_PORTABLE_WRITES}`);
        const deps = checkoutDeps(shop.services);

        await tenInCart(mallory.userId);
        const first = await payNow(deps, mallory, randomUUID(), {
          shippingAddress: address,
          payment: authenticationRequired,
        });
        expect(first.status).toBe(202);
        const orderId = (first.body as { order: { id: string } }).order.id;
        expect(await stock(product.sku)).toEqual({ on_hand: 20, held: 0 });

        for (const attempt of [2, 3]) {
          await db().deleteFrom('cart_lines').where('user_id', '=', mallory.userId).execute();
          await tenInCart(mallory.userId);
          const refused = await payNow(deps, mallory, randomUUID(), {
            shippingAddress: address,
            payment: authenticationRequired,
          });
          expect({ attempt, status: refused.status, body: refused.body }).toMatchObject({
            attempt,
            status: 409,
            body: { code: 'payment_pending', orderIds: [orderId] },
          });
        }
        // Nothing more was sold or ordered: 20 units stay available to everyone else.
        expect(await stock(product.sku)).toEqual({ on_hand: 20, held: 0 });
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', mallory.userId).execute(),
        ).toEqual([{ id: orderId }]);

        await db().deleteFrom('cart_lines').where('user_id', '=', mallory.userId).execute();
        // The authentication window is the hold time, counted from the reservation.
        const { created_at: reservedAt } = await db()
          .selectFrom('orders')
          .select('created_at')
          .where('id', '=', orderId)
          .executeTakeFirstOrThrow();
        const holdMs = deps.holdMinutes * 60_000;
        await recoverStuckPayments(deps, new Date(reservedAt.getTime() + holdMs - 30_000));
        expect(
          await db()
            .selectFrom('orders')
            .select('status')
            .where('id', '=', orderId)
            .executeTakeFirstOrThrow(),
        ).toEqual({ status: 'requires_action' });
        await recoverStuckPayments(deps, new Date(reservedAt.getTime() + holdMs + 30_000));
        expect(
          await db()
            .selectFrom('orders')
            .select(['status', 'decline_reason'])
            .where('id', '=', orderId)
            .executeTakeFirstOrThrow(),
        ).toEqual({ status: 'payment_failed', decline_reason: 'The payment was never authenticated.' });
        // Its 10 units went back to the shopper's cart as a hold (released by the cart's expiry).
        expect(await stock(product.sku)).toEqual({ on_hand: 30, held: 10 });

        // With nothing pending, the shopper may pay again.
        const again = await payNow(deps, mallory, randomUUID(), {
          shippingAddress: address,
          payment: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
        });
        expect(again.status).toBe(201);
        expect(await stock(product.sku)).toEqual({ on_hand: 20, held: 0 });
      });
    },
  );
}

for (const target of pgliteAndPostgres()) pendingPayments(target);
