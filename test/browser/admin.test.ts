/**
 * The admin journey (issue #18) in real Chromium against the real local host: an admin finds a
 * product on /admin, is held back by the price field's validation, changes the price, sets one
 * size's stock to 0, opens (and cancels) the delete confirmation; a shopper then sees the new
 * price and that size sold out on the product page. A shopper on /admin gets the refusal.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
import { startTestShop, type TestShop } from '../support/test-shop';
import {
  ensureWebBuilt,
  focusedId,
  hasChromium,
  launchChromium,
  newShopper,
  screenshot,
  signIn,
  signInAs,
  skipReason,
} from './support';

describe.skipIf(!hasChromium)(
  `an admin edits a product's price and stock${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let product: Product;

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 30, variants: true, staticDir }),
        launchChromium(),
      ]);
      // Sizes two and on sell at the product's price, so the page shows it once size one is sold out.
      product = shop.products.find(
        (p) =>
          (p.variants?.length ?? 0) >= 3 && p.variants!.slice(1).every((v) => v.priceMinor === undefined),
      )!;
      expect(product).toBeDefined();
      for (const v of product.variants!) {
        await shop.services.sql.db
          .updateTable('inventory')
          .set({ on_hand: 7, held: 0 })
          .where('sku', '=', v.sku)
          .execute();
      }
    }, 240_000);

    afterAll(async () => {
      await closeBrowser?.();
      await shop?.close();
    });

    it('an admin finds a product, changes its price and sets a size to 0; the shopper sees both', async () => {
      const first = product.variants![0]!;
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Ada', 'admin', '/admin');
        await page.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
        await page.getByLabel('Find a product').fill(product.name);
        await page.getByRole('button', { name: 'Find', exact: true }).click();
        const row = page.locator(`tr[data-product="${product.id}"]`);
        await row.waitFor();
        // The category filter keeps the search: another category hides the product, its own shows it.
        const other = product.category === 'books' ? 'toys' : 'books';
        await page.getByLabel('Category').selectOption(other);
        await page.getByTestId('admin-products').getByText(`in ${other}`).waitFor();
        expect(await row.count()).toBe(0);
        await page.getByLabel('Category').selectOption(product.category);
        await page.getByTestId('admin-products').getByText(`in ${product.category}`).waitFor();
        await row.waitFor();
        await row.getByRole('button', { name: `Edit ${product.name}` }).click();
        await page.getByRole('heading', { name: `Edit ${product.name}`, level: 2 }).waitFor();

        // Validation: the error sits beside the field, which takes focus; nothing is saved.
        const priceField = page.getByLabel(`Price (${product.currency})`);
        await priceField.fill('12,x');
        await page.getByRole('button', { name: 'Save product' }).click();
        await page.getByText('Enter a price like 49.99.').waitFor();
        expect(await focusedId(page)).toBe('admin-price');
        expect(await priceField.getAttribute('aria-invalid')).toBe('true');
        expect(await priceField.getAttribute('aria-describedby')).toBe('admin-price-error');

        // Vendor attributes: change one, add one; both are stored with their kinds.
        const attributeNames = Object.keys(product.attributes);
        const firstText = attributeNames.find((k) => typeof product.attributes[k] === 'string');
        if (firstText) await page.getByLabel(`${firstText} value`).fill('Edited by Ada');
        await page.getByRole('button', { name: 'Add attribute' }).click();
        const newRow = attributeNames.length + 1;
        await page.getByLabel(`Attribute ${newRow} name`).fill('warrantyYears');
        await page.getByLabel('warrantyYears value').fill('2');

        await priceField.fill('123.45');
        await page.getByRole('button', { name: 'Save product' }).click();
        await page.getByTestId('admin-status').getByText(`Saved ${product.name}.`).waitFor();
        const stored = await shop.services.products.get(product.id);
        expect(stored?.priceMinor).toBe(12345);
        expect(stored?.attributes.warrantyYears).toBe('2');
        if (firstText) expect(stored?.attributes[firstText]).toBe('Edited by Ada');
        for (const name of attributeNames.filter((k) => k !== firstText))
          expect(stored?.attributes[name]).toEqual(product.attributes[name]);

        // Stock: on hand, held and available per SKU; size one goes to 0.
        const stockRow = page.locator(`[data-testid="stock"] tr[data-sku="${first.sku}"]`);
        await stockRow.waitFor();
        expect(await page.getByLabel(`On hand for ${first.sku}`).inputValue()).toBe('7');
        expect(await stockRow.locator('[data-field="held"]').textContent()).toBe('0');
        await page.getByLabel(`On hand for ${first.sku}`).fill('-1');
        await stockRow.getByRole('button', { name: `Set on hand for ${first.sku}` }).click();
        await stockRow.getByText('Enter a whole number of units, 0 or more.').waitFor();
        expect(await focusedId(page)).toBe(`stock-${first.sku}`);
        await page.getByLabel(`On hand for ${first.sku}`).fill('0');
        await stockRow.getByRole('button', { name: `Set on hand for ${first.sku}` }).click();
        await vi.waitFor(async () =>
          expect(await stockRow.locator('[data-field="available"]').textContent()).toBe('0'),
        );
        await screenshot(page, 'admin-product-edited');

        // Delete asks first, says what happens to carts, starts on Cancel; Escape keeps the product.
        const opener = page.getByRole('button', { name: 'Delete product' });
        await opener.click();
        const dialog = page.getByRole('dialog', { name: `Delete ${product.name}?` });
        await dialog.waitFor();
        expect(await dialog.textContent()).toContain(
          'Carts that hold it keep the line, shown as no longer sold',
        );
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Delete product');
        expect(await shop.services.products.get(product.id)).toBeTruthy();
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }

      const shopper = await newShopper(browser, shop.url);
      try {
        await shopper.page.goto(`/p/${product.id}`);
        await shopper.page.getByRole('heading', { name: product.name, level: 1 }).waitFor();
        await vi.waitFor(async () =>
          expect(await shopper.page.locator('.product-price').textContent()).toContain('123.45'),
        );
        const size = shopper.page.locator(`label[data-sku="${first.sku}"]`);
        expect(await size.textContent()).toContain('Sold out');
        expect(await size.locator('input').isDisabled()).toBe(true);
        await screenshot(shopper.page, 'admin-shopper-product');
        expect(shopper.errors).toEqual([]);
      } finally {
        await shopper.context.close();
      }
    }, 120_000);

    it('an admin creates a product from the page; shoppers find it', async () => {
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Ada', 'admin', '/admin');
        await page.getByRole('button', { name: 'New product' }).click();
        await page.getByLabel('Product id').fill('p-lantern-1');
        await page.getByLabel('SKU', { exact: true }).fill('SKU-LANTERN-1');
        await page.getByLabel('Name', { exact: true }).fill('Harbour Storm Lantern');
        await page.getByLabel('Brand').fill('Lumen');
        await page.getByLabel('Price').fill('2x');
        await page.getByRole('button', { name: 'Create product' }).click();
        // A bad price stays in the form, beside its field, with focus; nothing is created.
        await page.locator('#new-price-error').waitFor();
        expect(await focusedId(page)).toBe('new-price');
        expect(await shop.services.products.get('p-lantern-1')).toBeUndefined();

        await page.getByLabel('Price').fill('34.50');
        await page.locator('#new-category').selectOption('home');
        await page.getByRole('button', { name: 'Create product' }).click();
        await page.getByTestId('admin-status').getByText('Created Harbour Storm Lantern.').waitFor();
        await page.getByRole('heading', { name: 'Edit Harbour Storm Lantern', level: 2 }).waitFor();
        expect(await shop.services.products.get('p-lantern-1')).toMatchObject({
          sku: 'SKU-LANTERN-1',
          category: 'home',
          priceMinor: 3450,
        });

        const shopper = await newShopper(browser, shop.url);
        try {
          await shopper.page.goto('/p/p-lantern-1');
          await shopper.page.getByRole('heading', { name: 'Harbour Storm Lantern' }).waitFor();
        } finally {
          await shopper.context.close();
        }
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);

    it('a shopper on /admin gets the refusal', async () => {
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signIn(page, 'Sam', '/admin');
        const refused = page.getByTestId('refused');
        await refused.waitFor();
        expect(await refused.textContent()).toContain('does not have the admin role');
        expect(await page.getByLabel('Find a product').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 60_000);
  },
);
