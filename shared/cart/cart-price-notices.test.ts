import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueAdminDeps } from '../../functions/admin/admin-products';
import { address, payNow, visa } from '../../test/support/pay-now';
import { type DatabaseTarget, pgliteAndPostgres } from '../../test/support/postgres';
import { signUpShopper } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { deleteProduct, putProduct } from '../catalogue/catalogue-admin.service';
import type { Product } from '../catalogue/product';
import { checkoutDeps } from '../checkout/checkout-deps';
import { getCart, removeLine, setLineQuantity } from './cart.service';
import { cartDeps } from './cart-deps';

/**
 * Issue #15 point 4, "show price changes in the cart": GET /cart compares each line with the
 * catalogue, so a shopper sees a new price or a withdrawn product before pressing Pay Now, and
 * setting the line again takes the new price.
 */
function cartNotices({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined)(
    `the cart shows price changes and withdrawn products: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      beforeAll(async () => {
        shop = await startTestShop({ products: 4, host: false, env: await env() });
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });
      const shopper = (id: string) => signUpShopper(shop.services.sql.db, `${id}-${randomUUID()}`);
      const reprice = (product: Product, priceMinor: number) => {
        const { id, createdAt: _c, updatedAt: _u, ...input } = product;
        return putProduct(catalogueAdminDeps(shop.services), id, { ...input, priceMinor });
      };

      it('an admin raises a price: GET /cart shows the new one beside the old, Pay Now would refuse, setting the line again takes it', async () => {
        const product = shop.products[0]!;
        const ada = await shopper('ada');
        await setLineQuantity(cartDeps(shop.services), ada.userId, product.id, { quantity: 2 });
        expect((await getCart(cartDeps(shop.services), ada.userId)).lines[0]).not.toHaveProperty(
          'currentPrice',
        );

        const newPrice = product.priceMinor * 3;
        await reprice(product, newPrice);
        const flagged = await getCart(cartDeps(shop.services), ada.userId);
        expect(flagged.lines).toEqual([
          expect.objectContaining({
            productId: product.id,
            unitPriceMinor: product.priceMinor,
            currentPrice: { unitPriceMinor: newPrice, currency: product.currency },
          }),
        ]);
        expect(flagged.lines[0]).not.toHaveProperty('unavailable');

        // Taking the new price is setting the line again (what the cart page's button does).
        const taken = await setLineQuantity(cartDeps(shop.services), ada.userId, product.id, { quantity: 2 });
        expect(taken.cart.totalMinor).toBe(2 * newPrice);
        const after = await getCart(cartDeps(shop.services), ada.userId);
        expect(after.lines[0]).toMatchObject({ unitPriceMinor: newPrice });
        expect(after.lines[0]).not.toHaveProperty('currentPrice');

        const paid = await payNow(checkoutDeps(shop.services), ada, randomUUID(), {
          shippingAddress: address,
          payment: visa,
        });
        expect(paid).toMatchObject({ status: 201, body: { totalMinor: 2 * newPrice } });
      });

      it('a withdrawn product is shown as unavailable; removing it leaves a cart that can be paid', async () => {
        const [gone, kept] = [shop.products[1]!, shop.products[2]!];
        const bo = await shopper('bo');
        await setLineQuantity(cartDeps(shop.services), bo.userId, gone.id, { quantity: 1 });
        await setLineQuantity(cartDeps(shop.services), bo.userId, kept.id, { quantity: 1 });
        await deleteProduct(catalogueAdminDeps(shop.services), gone.id);

        const cart = await getCart(cartDeps(shop.services), bo.userId);
        const byId = new Map(cart.lines.map((line) => [line.productId, line]));
        expect(byId.get(gone.id)).toMatchObject({ unavailable: true });
        expect(byId.get(kept.id)).not.toHaveProperty('unavailable');
        expect(byId.get(kept.id)).not.toHaveProperty('currentPrice');

        const pay = () =>
          payNow(checkoutDeps(shop.services), bo, randomUUID(), {
            shippingAddress: address,
            payment: visa,
          });
        expect(await pay()).toMatchObject({ status: 409, body: { code: 'product_unavailable' } });
        const removed = await removeLine(cartDeps(shop.services), bo.userId, gone.id);
        expect(removed.cart.lines.map((line) => line.productId)).toEqual([kept.id]);
        expect(await pay()).toMatchObject({ status: 201, body: { totalMinor: kept.priceMinor } });
      });
    },
  );
}

for (const target of pgliteAndPostgres()) cartNotices(target);
