/**
 * Buying a size (issue #17 point 1) in real Chromium against the real local host: the product page
 * picks a variant (natural size order, sold-out sizes marked and not selectable), the hold is per
 * variant, and a second shopper's page sees that size's live count move while other sizes stay put.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
import { compareSizes } from '../../shared/catalogue/variants';
import { startTestShop, type TestShop } from '../support/test-shop';
import {
  ensureWebBuilt,
  hasChromium,
  launchChromium,
  newShopper,
  screenshot,
  signIn,
  skipReason,
} from './support';

describe.skipIf(!hasChromium)(`variants in Chromium${hasChromium ? '' : ` (skipped: ${skipReason})`}`, () => {
  let shop: TestShop;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let hoodie: Product;

  beforeAll(async () => {
    const staticDir = await ensureWebBuilt();
    [shop, { browser, close: closeBrowser }] = await Promise.all([
      startTestShop({ products: 30, variants: true, staticDir }),
      launchChromium(),
    ]);
    hoodie = shop.products.find((p) => p.category === 'apparel' && (p.variants?.length ?? 0) >= 3)!;
    const stock = [5, 3, ...hoodie.variants!.slice(2).map(() => 0)];
    for (const [i, variant] of hoodie.variants!.entries())
      await shop.services.sql.db
        .updateTable('inventory')
        .set({ on_hand: stock[i]!, held: 0 })
        .where('sku', '=', variant.sku)
        .execute();
  }, 240_000);
  afterAll(async () => {
    await closeBrowser?.();
    await shop?.close();
  });

  it('buys a size: its live count moves on another page within seconds, the other sizes stay put', async () => {
    const [first, second, soldOut] = hoodie.variants! as [
      NonNullable<Product['variants']>[number],
      NonNullable<Product['variants']>[number],
      NonNullable<Product['variants']>[number],
    ];
    const buyer = await newShopper(browser, shop.url);
    const watcher = await newShopper(browser, shop.url);
    try {
      await signIn(buyer.page, 'Vera Variant', `/p/${hoodie.id}`);
      await buyer.page.waitForURL(`**/p/${hoodie.id}`);
      await watcher.page.goto(`/p/${hoodie.id}`);
      const option = (page: typeof buyer.page, sku: string) =>
        page.locator(`label.variant-option[data-sku="${sku}"]`);
      await option(watcher.page, first.sku).waitFor();

      // Sizes in their natural order; the sold-out one is marked and cannot be chosen.
      const sizes = await buyer.page.locator('label.variant-option .variant-size').allTextContents();
      expect(sizes).toEqual(hoodie.variants!.map((v) => v.options.size));
      expect(sizes).toEqual([...sizes].sort(compareSizes));
      await expect.poll(() => option(buyer.page, soldOut.sku).textContent()).toContain('Sold out');
      expect(await option(buyer.page, soldOut.sku).locator('input').isDisabled()).toBe(true);
      expect(await watcher.page.getByTestId('available').getAttribute('data-available')).toBe('8');

      // Add to cart without a size asks for one.
      await buyer.page.getByRole('button', { name: 'Add to cart' }).click();
      await buyer.page.getByRole('alert').filter({ hasText: 'Choose a size' }).waitFor();

      await option(buyer.page, first.sku).click();
      await expect.poll(() => buyer.page.getByTestId('available').getAttribute('data-available')).toBe('5');
      await buyer.page.getByRole('button', { name: 'Add to cart' }).click();
      // The notice, not the screen reader's announcer, which says the same for a moment.
      await buyer.page
        .locator('.notice-success')
        .getByText(`Added 1 × ${hoodie.name} (${first.options.size})`)
        .waitFor();

      // The watcher's page: that size 5 -> 4 and the product 8 -> 7; the other size stays at 3.
      await expect
        .poll(() => option(watcher.page, first.sku).getAttribute('data-available'), { timeout: 5_000 })
        .toBe('4');
      expect(await option(watcher.page, second.sku).getAttribute('data-available')).toBe('3');
      expect(await watcher.page.getByTestId('available').getAttribute('data-available')).toBe('7');
      await screenshot(watcher.page, 'variants-live');

      // The cart names the size.
      await buyer.page.goto('/cart');
      const line = buyer.page.locator(`li.cart-line[data-sku="${first.sku}"]`);
      await line.waitFor();
      expect(await line.getByTestId('line-variant').textContent()).toBe(
        `Size ${first.options.size}, ${first.options.colour}`,
      );
      expect([...buyer.errors, ...watcher.errors]).toEqual([]);
    } finally {
      await buyer.context.close();
      await watcher.context.close();
    }
  }, 180_000);
});
