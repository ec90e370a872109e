/**
 * The warehouse journey (issue #18) in real Chromium against the real local host: a shopper pays
 * for a hoodie in one size (through the API); a warehouse user finds the order on /warehouse,
 * opens its pick slip (printed alone: the app's chrome is hidden in print media), is held back by
 * the mark-shipped form's validation, then marks it shipped with carrier and tracking number. The
 * shopper's order page and the shipping email show both. A shopper gets 403 from the pick-list
 * API and the refusal on the page.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Product } from '../../shared/catalogue/product';
import { address, visa } from '../support/pay-now';
import { signUpShopper } from '../support/shoppers';
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
  `the warehouse picks and ships an order${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let hoodie: Product;
    let orderId: string;

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 30, variants: true, staticDir }),
        launchChromium(),
      ]);
      const db = shop.services.sql.db;
      hoodie = shop.products.find((p) => p.category === 'apparel' && (p.variants?.length ?? 0) >= 1)!;
      const size = hoodie.variants![0]!;
      await db.updateTable('inventory').set({ on_hand: 10, held: 0 }).where('sku', '=', size.sku).execute();
      // "Sam" signs in on the page as sub `sam`: the same shopper pays here through the API.
      await signUpShopper(db, 'sam');
      const token = await shop.token('sam');
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const added = await fetch(`${shop.url}/api/cart/items/${hoodie.id}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ quantity: 2, sku: size.sku }),
      });
      expect(added.status).toBe(200);
      const paid = await fetch(`${shop.url}/api/checkout`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ shippingAddress: address, payment: visa }),
      });
      expect(paid.status).toBe(201);
      orderId = ((await paid.json()) as { id: string }).id;
      // The fulfilment consumer turns the paid order into a pick request.
      await vi.waitFor(
        async () =>
          expect(
            await db.selectFrom('fulfilment_requests').select('id').where('order_id', '=', orderId).execute(),
          ).toHaveLength(1),
        { timeout: 30_000, interval: 100 },
      );
    }, 240_000);

    afterAll(async () => {
      await closeBrowser?.();
      await shop?.close();
    });

    it('a warehouse user finds the order, prints its pick slip and marks it shipped; the shopper sees carrier and tracking', async () => {
      const size = hoodie.variants![0]!;
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Wes', 'warehouse', '/warehouse');
        await page.getByRole('heading', { name: 'Warehouse', level: 1 }).waitFor();
        const row = page.locator(`tr[data-order="${orderId}"]`);
        await row.waitFor();
        const rowText = (await row.textContent()) ?? '';
        expect(rowText).toContain(`2 × ${hoodie.name}`);
        expect(rowText).toContain(`Size ${size.options.size}`);
        expect(rowText).toContain(address.name);
        expect(rowText).toContain(address.postalCode);

        // Filters: a day before the order hides it, today's shows it again.
        const today = new Date().toISOString().slice(0, 10);
        await page.getByLabel('Placed to').fill('2020-01-01');
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await row.waitFor({ state: 'detached' });
        await page.getByLabel('Placed to').fill(today);
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await row.waitFor();

        // The pick slip: its own view, printed alone, focus back on its button afterwards.
        await page.evaluate(() => {
          (window as unknown as { printed: number }).printed = 0;
          window.print = () => {
            (window as unknown as { printed: number }).printed++;
          };
        });
        await row.getByRole('button', { name: `Print pick slip for order ${orderId}` }).click();
        const slip = page.getByTestId('pick-slip');
        await slip.getByRole('heading', { name: `Pick slip — order ${orderId}` }).waitFor();
        expect(await focusedId(page)).toBe('pick-slip-title');
        const slipText = (await slip.textContent()) ?? '';
        expect(slipText).toContain(size.sku);
        expect(slipText).toContain(`Size ${size.options.size}`);
        expect(slipText).toContain(address.line1);
        await slip.getByRole('button', { name: 'Print' }).click();
        expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
        await page.emulateMedia({ media: 'print' });
        const visibility = await page.evaluate(() => ({
          header: getComputedStyle(document.querySelector('header')!).visibility,
          title: getComputedStyle(document.getElementById('pick-slip-title')!).visibility,
          buttons: getComputedStyle(document.querySelector('.pick-slip-actions')!).display,
        }));
        expect(visibility).toEqual({ header: 'hidden', title: 'visible', buttons: 'none' });
        await screenshot(page, 'warehouse-pick-slip-print');
        await page.emulateMedia({ media: 'screen' });
        await slip.getByRole('button', { name: 'Back to the pick list' }).click();
        await row.waitFor();
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-slip-for'))).toBeTruthy();

        // Mark shipped: validation first (focus on the first field in error), then the real thing.
        await row.getByRole('button', { name: `Mark order ${orderId} shipped` }).click();
        const dialog = page.getByRole('dialog', { name: `Mark order ${orderId} shipped` });
        await dialog.waitFor();
        expect(await focusedId(page)).toBe('ship-carrier');
        await dialog.getByRole('button', { name: 'Mark shipped' }).click();
        await dialog.getByText('Choose a carrier, or type its name.').waitFor();
        await dialog.getByText('Enter the tracking number from the label.').waitFor();
        expect(await focusedId(page)).toBe('ship-carrier');
        expect(await dialog.getByLabel('Carrier', { exact: true }).getAttribute('aria-invalid')).toBe('true');
        await dialog.getByLabel('Carrier', { exact: true }).selectOption('Royal Mail');
        await dialog.getByLabel('Tracking number').fill('RM#1');
        await dialog.getByRole('button', { name: 'Mark shipped' }).click();
        await dialog.getByText('Tracking number is letters, digits, spaces and hyphens.').waitFor();
        expect(await focusedId(page)).toBe('ship-tracking');
        await screenshot(page, 'warehouse-ship-validation');
        expect(
          (
            await shop.services.sql.db
              .selectFrom('orders')
              .select('status')
              .where('id', '=', orderId)
              .executeTakeFirstOrThrow()
          ).status,
        ).toBe('paid');
        await dialog.getByLabel('Tracking number').fill('RM 1234-5678 GB');
        await dialog.getByRole('button', { name: 'Mark shipped' }).click();
        await dialog.waitFor({ state: 'detached' });
        const result = page.getByTestId('ship-result');
        expect(await result.textContent()).toContain(
          `Order ${orderId} marked shipped with Royal Mail, tracking RM 1234-5678 GB`,
        );
        await vi.waitFor(async () =>
          expect(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))).toContain(
            'data-testid="ship-result"',
          ),
        );
        await row.waitFor({ state: 'detached' }); // no longer pending

        // The shipped view lists it with its shipment.
        await page.getByLabel('Status').selectOption('shipped');
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await row.waitFor();
        expect(await row.textContent()).toContain('Royal Mail · RM 1234-5678 GB');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }

      // The shopper's order page shows carrier and tracking number.
      const shopper = await newShopper(browser, shop.url);
      try {
        await signIn(shopper.page, 'Sam', `/orders/${orderId}`);
        const shipment = shopper.page.getByTestId('shipment');
        await shipment.waitFor();
        expect(await shipment.textContent()).toContain('Royal Mail');
        expect(await shopper.page.getByTestId('tracking-number').textContent()).toBe('RM 1234-5678 GB');
        await screenshot(shopper.page, 'warehouse-shopper-order-shipped');
        expect(shopper.errors).toEqual([]);
      } finally {
        await shopper.context.close();
      }

      // The shipping email, to the shopper, carries the tracking number.
      const email = await vi.waitFor(
        async () => {
          const list = (await (await fetch(`${shop.url}/api/dev/outbox`)).json()) as {
            items: Array<{ name: string; to: string }>;
          };
          const found = list.items.find((m) => m.name === `shipped-${orderId}.eml`);
          expect(found).toBeDefined();
          return found!;
        },
        { timeout: 30_000, interval: 200 },
      );
      expect(email.to).toContain('sam@example.test');
      const text = await (await fetch(`${shop.url}/api/dev/outbox/${encodeURIComponent(email.name)}`)).text();
      expect(text).toContain('RM 1234-5678 GB');
      expect(text).toContain('Royal Mail');
    });

    it('a shopper gets 403 from the pick-list API and the refusal on the page', async () => {
      const token = await shop.token('sam');
      const response = await fetch(`${shop.url}/api/fulfilment/requests`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signIn(page, 'Sam', '/warehouse');
        const refused = page.getByTestId('refused');
        await refused.waitFor();
        expect(await refused.textContent()).toContain('does not have the warehouse or admin role');
        expect(await page.getByTestId('pick-list').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
