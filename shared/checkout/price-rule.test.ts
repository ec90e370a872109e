import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, payNow, visa } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres, writePaths } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper, stockOf } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { getCart, setLineQuantity } from '../cart/cart.service';
import { cartDeps } from '../cart/cart-deps';
import { getProduct } from '../catalogue/catalogue.service';
import type { Principal } from '../identity/principal';
import { checkoutDeps } from './checkout-deps';

/**
 * Issue #15 point 4, the price rule: Pay Now charges the product's current price from the
 * product store (Cosmos, never the cache), and never one the shopper has not seen: a changed
 * price is refused with 409 price_changed and the new totals (the cart now shows them), and the
 * next Pay Now charges it. A deleted product cannot be bought. On each database and write path.
 */
function priceRule({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined).each(writePaths)(
    `checkout's price rule: ${name}, $path${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    ({ SQL_PORTABLE_WRITES }) => {
      let shop: TestShop;
      beforeAll(async () => {
        shop = await startTestShop({
          products: 6,
          host: false,
          env: { ...(await env()), SQL_PORTABLE_WRITES },
        });
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });
      const db = () => shop.services.sql.db;
      const stock = (sku: string) => stockOf(db(), sku);
      const orders = (userId: string) =>
        db().selectFrom('orders').select(['id', 'total_minor']).where('user_id', '=', userId).execute();
      const shopper = (userId: string) => signUpShopper(db(), `${userId}-${SQL_PORTABLE_WRITES}`);
      const pay = (who: Principal) =>
        payNow(checkoutDeps(shop.services), who, randomUUID(), { shippingAddress: address, payment: visa });

      it('an admin raises a price tenfold while the cache still shows the old one: 409 price_changed with the new total, the cart shows it, the next Pay Now charges it', async () => {
        const product = shop.products[1]!;
        const ada = await shopper('ada');
        // Added through the cart, which reads the product through the cache (and warms it).
        await setLineQuantity(cartDeps(shop.services), ada.userId, product.id, { quantity: 2 });
        const before = await stock(product.sku);
        const newPrice = product.priceMinor * 10;
        await shop.services.products.upsert({ ...product, priceMinor: newPrice });
        // The cache still has the old price: charging from it would take the old one.
        expect((await getProduct(cartDeps(shop.services).catalogue, product.id)).priceMinor).toBe(
          product.priceMinor,
        );

        const refused = await pay(ada);
        expect({ status: refused.status, body: refused.body }).toMatchObject({
          status: 409,
          body: {
            code: 'price_changed',
            totalMinor: 2 * newPrice,
            previousTotalMinor: 2 * product.priceMinor,
            currency: product.currency,
            lines: [
              {
                productId: product.id,
                quantity: 2,
                previousUnitPriceMinor: product.priceMinor,
                unitPriceMinor: newPrice,
              },
            ],
          },
        });
        expect(await stock(product.sku)).toEqual(before); // nothing sold, the hold kept
        expect(await orders(ada.userId)).toEqual([]);
        const cart = await getCart(cartDeps(shop.services), ada.userId);
        expect(cart).toMatchObject({ totalMinor: 2 * newPrice, lines: [{ unitPriceMinor: newPrice }] });

        const paid = await pay(ada);
        expect(paid.status).toBe(201);
        expect(paid.body).toMatchObject({ totalMinor: 2 * newPrice, lines: [{ unitPriceMinor: newPrice }] });
      });

      it('a lapsed line re-acquired at checkout does not keep its old price', async () => {
        const product = shop.products[2]!;
        const bo = await shopper('bo');
        const oldPrice = product.priceMinor;
        await putLapsedLine(db(), bo.userId, product);
        await shop.services.products.upsert({ ...product, priceMinor: oldPrice + 500 });
        const refused = await pay(bo);
        expect({ status: refused.status, body: refused.body }).toMatchObject({
          status: 409,
          body: { code: 'price_changed', totalMinor: oldPrice + 500 },
        });
        const paid = await pay(bo);
        expect(paid.status).toBe(201);
        expect(await orders(bo.userId)).toEqual([
          { id: (paid.body as { id: string }).id, total_minor: oldPrice + 500 },
        ]);
      });

      it('a product the admin deleted cannot be bought: 409 product_unavailable, nothing sold, nothing ordered', async () => {
        const product = shop.products[3]!;
        const cy = await shopper('cy');
        await setLineQuantity(cartDeps(shop.services), cy.userId, product.id, { quantity: 1 });
        const before = await stock(product.sku);
        expect(await shop.services.products.remove(product.id)).toBe(true);
        const refused = await pay(cy);
        expect({ status: refused.status, body: refused.body }).toMatchObject({
          status: 409,
          body: { code: 'product_unavailable', lines: [{ productId: product.id }] },
        });
        expect(await stock(product.sku)).toEqual(before);
        expect(await orders(cy.userId)).toEqual([]);
      });
    },
  );
}

for (const target of pgliteAndPostgres()) priceRule(target);
