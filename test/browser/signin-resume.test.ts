/**
 * Sign-in never loses the shopper's action (issue #17, point 3), in real Chromium against the
 * real local host: an add made while signed out (or with an expired token) is performed after
 * sign-in, and the session is shared by the shop's tabs. The local issuer only; the Entra path
 * needs a real tenant and is not exercised here.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
import { startTestShop, type TestShop } from '../support/test-shop';
import { ensureWebBuilt, hasChromium, launchChromium, newShopper, signIn, skipReason } from './support';

const SESSION_KEY = 'cartwheel.session';

describe.skipIf(!hasChromium)(
  `sign-in keeps the shopper's add, and tabs share the session${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let inStock: Product[];

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 30, staticDir, env: { AUTH_CLOCK_TOLERANCE_SECONDS: '0' } }),
        launchChromium(),
      ]);
      inStock = [];
      for (const product of shop.products) {
        const row = await shop.services.sql.db
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', product.sku)
          .executeTakeFirst();
        if (row && row.on_hand - row.held >= 20) inStock.push(product);
      }
    });

    afterAll(async () => {
      await closeBrowser?.();
      await shop?.close();
    });

    const takeProduct = (): Product => {
      const product = inStock.shift();
      if (!product) throw new Error('no spare product with stock');
      return product;
    };

    async function setStock(product: Product, onHand: number): Promise<void> {
      const token = await shop.token('stock-admin', ['admin']);
      const response = await fetch(`${shop.url}/api/admin/inventory/${encodeURIComponent(product.sku)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ onHand }),
      });
      if (!response.ok) throw new Error(`admin inventory: ${response.status} ${await response.text()}`);
    }

    const cartCount = (page: Page) => page.getByTestId('cart-count').textContent();
    const account = (page: Page) => page.getByRole('navigation', { name: 'Account' });

    async function signInHere(page: Page, name: string): Promise<void> {
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }

    it('an add made while signed out says why it needs sign-in, and is in the cart after it, once', async () => {
      const product = takeProduct();
      const { context, page, errors } = await newShopper(browser, shop.url);
      await page.goto(`/p/${product.id}`);
      await page.getByTestId('available').waitFor();
      await page.getByLabel('Quantity').selectOption('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();

      await page.waitForURL('**/signin?*');
      await expect(page.getByTestId('signin-reason').textContent()).resolves.toContain(
        `Sign in to add this to your cart: 2 × ${product.name}`,
      );
      await signInHere(page, 'Rita Resume');

      await page.waitForURL(`**/p/${product.id}`);
      await page.getByTestId('flash').getByText(`Added to cart: 2 × ${product.name}.`).waitFor();
      await expect.poll(() => cartCount(page)).toBe('2');

      // a reload does not add it again
      await page.reload();
      await page.getByTestId('available').waitFor();
      await expect.poll(() => cartCount(page)).toBe('2');
      expect(await page.getByTestId('flash').count()).toBe(0);

      await page.goto('/cart');
      const line = page.locator(`li.cart-line[data-product-id="${product.id}"]`);
      await line.waitFor();
      await expect(line.getByLabel(`Quantity of ${product.name}`).inputValue()).resolves.toBe('2');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('an add that can no longer be made (sold out meanwhile) lands on the product with a clear message', async () => {
      const product = takeProduct();
      const { context, page, errors } = await newShopper(browser, shop.url);
      await page.goto(`/p/${product.id}`);
      await page.getByTestId('available').waitFor();
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.waitForURL('**/signin?*');
      await setStock(product, 0);
      await signInHere(page, 'Otto Outofstock');

      await page.waitForURL(`**/p/${product.id}`);
      await page
        .getByTestId('flash')
        .getByText(`Sorry, ${product.name} is now out of stock, so it was not added to your cart.`)
        .waitFor();
      await expect.poll(() => cartCount(page)).toBe('0');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a new tab sees the signed-in shopper and their cart; sign-out and sign-in follow across tabs', async () => {
      const product = takeProduct();
      const { context, page: first, errors } = await newShopper(browser, shop.url);
      await signIn(first, 'Tabitha Tabs', `/p/${product.id}`);
      await first.getByTestId('available').waitFor();
      await first.getByRole('button', { name: 'Add to cart' }).click();
      await expect.poll(() => cartCount(first)).toBe('1');

      const second = await context.newPage();
      second.on('pageerror', (error) => errors.push(String(error)));
      await second.goto('/');
      await account(second).getByText('Hi, Tabitha Tabs').waitFor();
      await expect.poll(() => cartCount(second)).toBe('1');

      // signing out in one tab signs the other out without a reload
      await first.getByRole('button', { name: 'Sign out' }).click();
      await account(second).getByRole('link', { name: 'Sign in' }).waitFor();
      await expect.poll(() => cartCount(second)).toBe('0');
      expect(await second.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();

      // and signing in in one tab signs the other in, cart included
      await signIn(second, 'Tabitha Tabs');
      await account(first).getByText('Hi, Tabitha Tabs').waitFor();
      await expect.poll(() => cartCount(first)).toBe('1');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a token the API refuses as expired signs out cleanly, keeps the add, and asks to sign in again', async () => {
      const product = takeProduct();
      const { context, page, errors } = await newShopper(browser, shop.url);
      // a real token that the server stops accepting in 20 s (a loaded machine can take seconds to
      // load the page), while the tab believes it has an hour
      const issued = Date.now();
      const token = await shop.token('exp-ed', ['shopper'], 20);
      const session = {
        token,
        name: 'Ed Expired',
        sub: 'exp-ed',
        mode: 'local',
        expiresAt: Date.now() + 3_600_000,
      };
      await context.addInitScript(
        ([key, value]) => {
          if (!sessionStorage.getItem('seeded')) {
            sessionStorage.setItem('seeded', '1');
            localStorage.setItem(key as string, value as string);
          }
        },
        [SESSION_KEY, JSON.stringify(session)],
      );
      await page.goto(`/p/${product.id}`);
      await page.getByTestId('available').waitFor();
      await account(page).getByText('Hi, Ed Expired').waitFor();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, issued + 21_000 - Date.now())));

      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.waitForURL('**/signin?*reason=expired*');
      await expect(page.getByTestId('signin-reason').textContent()).resolves.toBe(
        `Your sign-in has expired. Sign in again to continue and we will add ${product.name} to your cart.`,
      );
      await account(page).getByRole('link', { name: 'Sign in' }).waitFor();
      expect(await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();

      await signInHere(page, 'Ed Expired');
      await page.waitForURL(`**/p/${product.id}`);
      await page.getByTestId('flash').getByText(`Added to cart: 1 × ${product.name}.`).waitFor();
      await expect.poll(() => cartCount(page)).toBe('1');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('a session that runs out while the page is open, or before it loads, signs out with a message', async () => {
      const { context, page, errors } = await newShopper(browser, shop.url);
      const token = await shop.token('short-sue', ['shopper'], 60);
      const session = {
        token,
        name: 'Short Sue',
        sub: 'short-sue',
        mode: 'local',
        expiresAt: 0,
      };
      await page.goto('/');
      // 20 s from now by the page's clock (a loaded machine can take seconds to reload)
      await page.evaluate(
        ([key, value]) =>
          localStorage.setItem(
            key as string,
            JSON.stringify({ ...JSON.parse(value as string), expiresAt: Date.now() + 20_000 }),
          ),
        [SESSION_KEY, JSON.stringify(session)],
      );
      await page.reload();
      await account(page).getByText('Hi, Short Sue').waitFor();
      // the local expiry: the header signs out and says why (not a 401 on the next click)
      await page
        .getByTestId('flash')
        .getByText('Your sign-in has expired. Sign in again to continue.')
        .waitFor({ timeout: 40_000 });
      await account(page).getByRole('link', { name: 'Sign in' }).waitFor();

      // already expired when a tab opens: signed out, told so, no broken page
      await page.evaluate(
        ([key, value]) => localStorage.setItem(key as string, value as string),
        [SESSION_KEY, JSON.stringify({ ...session, expiresAt: Date.now() - 1_000 })],
      );
      await page.reload();
      await page.getByTestId('flash').getByText('Your sign-in has expired.', { exact: false }).waitFor();
      await account(page).getByRole('link', { name: 'Sign in' }).waitFor();
      expect(await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
