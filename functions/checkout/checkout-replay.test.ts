import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutDeps } from '../../shared/checkout/checkout-deps';
import { checkoutRequestSchema } from '../../shared/checkout/checkout-request';
import { requestHash } from '../../shared/checkout/idempotency';
import { AppError } from '../../shared/platform/errors';
import { parseWith } from '../../shared/platform/http';
import { address, payNow, visa } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres, writePaths } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

/**
 * The Idempotency-Key keeps Pay Now's typed outcome and the trigger words it as HTTP
 * (checkout-response.ts): a replay must be the first answer, byte for byte (status, headers and
 * body), even when the world changed in between so that a fresh attempt would be answered
 * differently. On each database and write path (the kept outcome is written by different
 * statements on each).
 */
function replays({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined).each(writePaths)(
    `Pay Now replays: ${name}, $path${skipReason ? ` (skipped: ${skipReason})` : ''}`,
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
      const setStock = (sku: string, onHand: number) =>
        db().updateTable('inventory').set({ on_hand: onHand, held: 0 }).where('sku', '=', sku).execute();
      const wire = (answer: { status: number; headers: Record<string, string>; body: unknown }) => ({
        status: answer.status,
        headers: answer.headers,
        body: answer.body,
      });

      it('a refusal (409 out_of_stock) is replayed as it was, though the stock came back since', async () => {
        const product = shop.products[0]!;
        const shopper = await signUpShopper(db(), `oos-${SQL_PORTABLE_WRITES}`);
        await setStock(product.sku, 1);
        await putLapsedLine(db(), shopper.userId, product, 3);
        const key = randomUUID();
        const body = { shippingAddress: address, payment: visa };
        const first = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(first).toMatchObject({
          status: 409,
          headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
          body: { code: 'out_of_stock', lines: [{ productId: product.id, requested: 3, available: 1 }] },
        });

        await setStock(product.sku, 10); // a new key would now be sold the 3 units
        const again = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(wire(again)).toEqual(wire(first));
        expect(
          await db().selectFrom('orders').select('id').where('user_id', '=', shopper.userId).execute(),
        ).toEqual([]);
      });

      it('a paid order (201) is replayed as answered, though the order has shipped since', async () => {
        const product = shop.products[1]!;
        const shopper = await signUpShopper(db(), `paid-${SQL_PORTABLE_WRITES}`);
        await setStock(product.sku, 10);
        await putLapsedLine(db(), shopper.userId, product, 2);
        const key = randomUUID();
        const body = { shippingAddress: address, payment: visa };
        const first = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(first).toMatchObject({
          status: 201,
          body: { status: 'paid', totalMinor: 2 * product.priceMinor },
        });
        expect(first.headers['content-type']).toBe('application/json');

        const orderId = (first.body as { id: string }).id;
        await db().updateTable('orders').set({ status: 'shipped' }).where('id', '=', orderId).execute();
        const again = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(wire(again)).toEqual(wire(first));
      });

      it("a declined payment (402) is replayed with the gateway's decline code", async () => {
        const product = shop.products[1]!;
        const shopper = await signUpShopper(db(), `declined-${SQL_PORTABLE_WRITES}`);
        await setStock(product.sku, 10);
        await putLapsedLine(db(), shopper.userId, product, 1);
        const key = randomUUID();
        const body = {
          shippingAddress: address,
          payment: { provider: 'stripe', paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' },
        };
        const first = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(first).toMatchObject({
          status: 402,
          headers: { 'content-type': 'application/problem+json' },
          body: { code: 'payment_declined', declineCode: 'insufficient_funds' },
        });
        const again = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(wire(again)).toEqual(wire(first));
      });

      it('a 202 pending_payment (gateway unreachable) is replayed the same while the order waits, and so is the 409 payment_pending it causes', async () => {
        const product = shop.products[2]!;
        const shopper = await signUpShopper(db(), `pending-${SQL_PORTABLE_WRITES}`);
        await setStock(product.sku, 10);
        await putLapsedLine(db(), shopper.userId, product, 1);
        const unreachable = {
          ...checkoutDeps(shop.services),
          gateway: {
            ...shop.services.payments,
            charge: async () => {
              throw new AppError(502, 'payment_gateway_unavailable', 'The payment provider did not answer.');
            },
          },
        };
        const key = randomUUID();
        const body = { shippingAddress: address, payment: visa };
        const first = await payNow(unreachable, shopper, key, body);
        expect(first).toMatchObject({
          status: 202,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          body: { status: 'pending_payment', order: { status: 'pending_payment' } },
        });
        const again = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(wire(again)).toEqual(wire(first));

        // A second Pay Now meanwhile is refused with a time in it (kept as a date, replayed as one).
        await putLapsedLine(db(), shopper.userId, product, 1);
        const secondKey = randomUUID();
        const refused = await payNow(checkoutDeps(shop.services), shopper, secondKey, body);
        expect(refused).toMatchObject({
          status: 409,
          body: { code: 'payment_pending', retryAfter: expect.any(String) },
        });
        const refusedAgain = await payNow(checkoutDeps(shop.services), shopper, secondKey, body);
        expect(wire(refusedAgain)).toEqual(wire(refused));
      });

      it('a key kept before typed outcomes (its HTTP answer in response_status/response_body) is replayed as stored', async () => {
        const shopper = await signUpShopper(db(), `legacy-${SQL_PORTABLE_WRITES}`);
        const body = { shippingAddress: address, payment: visa };
        const key = randomUUID();
        // As the previous code kept a refusal: the status and the problem body it sent.
        const problem = {
          type: 'https://errors.storefront.example/out_of_stock',
          title: 'Conflict',
          status: 409,
          code: 'out_of_stock',
          detail: 'Not enough stock for 1 line(s); nothing was charged.',
          lines: [{ productId: 'p-legacy', requested: 2, available: 0 }],
        };
        await db()
          .insertInto('idempotency_keys')
          .values({
            user_id: shopper.userId,
            idempotency_key: key,
            request_hash: requestHash(parseWith(checkoutRequestSchema, body)),
            order_id: null,
            response_status: 409,
            response_body: JSON.stringify(problem),
            created_at: new Date(),
          })
          .execute();
        // The cart is empty now: a fresh attempt would be 422 cart_empty.
        const replay = await payNow(checkoutDeps(shop.services), shopper, key, body);
        expect(wire(replay)).toEqual({
          status: 409,
          headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
          body: problem,
        });
      });
    },
  );
}

for (const target of pgliteAndPostgres()) replays(target);
