/**
 * Checkout asks where the receipt goes (issue 17, point 7): prefilled from the identity,
 * editable, checked before Pay Now, and the receipt is sent there. Real Chromium, real local host.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
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

describe.skipIf(!hasChromium)(
  `checkout's receipt email in Chromium${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let book: Product;

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 30, staticDir }),
        launchChromium(),
      ]);
      const books = shop.products.filter((p) => p.category === 'books');
      for (const candidate of books) {
        const row = await shop.services.sql.db
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', candidate.sku)
          .executeTakeFirst();
        if (row && row.on_hand - row.held >= 5) {
          book = candidate;
          break;
        }
      }
      if (!book) throw new Error('no book in stock in the test catalogue');
    });

    afterAll(async () => {
      await closeBrowser?.();
      await shop?.close();
    });

    it('prefills the identity email, refuses a blank one, and sends the receipt to the edited one', async () => {
      const { context, page, errors } = await newShopper(browser, shop.url);
      await signIn(page, 'Rita Receipt');
      await page.goto(`/p/${book.id}`);
      await page.getByTestId('available').waitFor();
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.locator('.notice-success').waitFor();

      await page.goto('/checkout');
      const email = page.getByLabel('Email for your receipt');
      await email.waitFor();
      // the identity's email (local sign-in makes <sub>@example.test)
      await vi.waitFor(async () => expect(await email.inputValue()).toMatch(/@example\.test$/));

      await page.getByLabel('Full name').fill('Rita Receipt');
      await page.getByLabel('Address', { exact: true }).fill('3 Post Road');
      await page.getByLabel('City').fill('York');
      await page.getByLabel('Postal code').fill('YO1 7HH');
      await page.getByLabel('Country').selectOption('GB');

      await email.fill('');
      await page.getByRole('button', { name: /^Pay .* now$/ }).click();
      await page
        .locator('#ship-email-error')
        .getByText('Enter the email address for your receipt.')
        .waitFor();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('ship-email');
      expect(await shop.services.sql.db.selectFrom('orders').select('id').execute()).toEqual([]);

      await email.fill('rita.receipts@example.com');
      await screenshot(page, 'checkout-email');
      await page.getByRole('button', { name: /^Pay .* now$/ }).click();
      await page.getByTestId('confirmation').waitFor({ timeout: 30_000 });
      const orderId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

      const receipt = await vi.waitFor(
        async () => {
          const list = (await (await fetch(`${shop.url}/api/dev/outbox`)).json()) as {
            items: Array<{ name: string; to: string }>;
          };
          const found = list.items.find((m) => m.name === `receipt-${orderId}.eml`);
          expect(found).toBeDefined();
          return found!;
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(receipt.to).toContain('rita.receipts@example.com');
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
