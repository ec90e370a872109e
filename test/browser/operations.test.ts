/**
 * The operations journey (issue #18) in real Chromium against the real local host: with the
 * receipts consumer failing, two paid orders leave two dead letters; an operations user sees
 * health, lag and heartbeats on /operations, replays one dead letter (the receipt then goes
 * out) and purges the other after confirming in the dialog (Escape cancels first). A shopper
 * gets 403 from the API and is refused on the page.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmailSender } from '../../shared/notifications/email-sender.port';
import { address, visa } from '../support/pay-now';
import { putLapsedLine, signUpShopper } from '../support/shoppers';
import { startTestShop, type TestShop } from '../support/test-shop';
import {
  ensureWebBuilt,
  hasChromium,
  launchChromium,
  newShopper,
  screenshot,
  signInAs,
  skipReason,
} from './support';

describe.skipIf(!hasChromium)(
  `operations watches the shop and settles dead letters${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    let realEmail: EmailSender;

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 3, staticDir }),
        launchChromium(),
      ]);
      // The receipts consumer fails every delivery: each paid order's receipt is dead-lettered.
      realEmail = shop.services.email;
      shop.services.email = {
        kind: 'outbox-folder',
        send: async () => {
          throw new Error('smtp relay refused');
        },
        close: async () => {},
      };
      const db = shop.services.sql.db;
      for (const [i, product] of shop.products.slice(0, 2).entries()) {
        const userId = `buyer-${i}`;
        await signUpShopper(db, userId);
        await putLapsedLine(db, userId, product);
        const response = await fetch(`${shop.url}/api/checkout`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await shop.token(userId)}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({ shippingAddress: address, payment: visa }),
        });
        expect(response.status).toBe(201);
      }
      await vi.waitFor(async () => expect(await shop.services.deadLetters.list()).toHaveLength(2), {
        timeout: 30_000,
        interval: 100,
      });
      shop.services.email = realEmail;
    }, 240_000);

    afterAll(async () => {
      await closeBrowser?.();
      await shop?.close();
    });

    it('an operations user sees health and lag, replays one dead letter and purges another after confirming', async () => {
      const [first, second] = await shop.services.deadLetters.list();
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Olive', 'operations', '/operations');
        await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();

        // Health of every dependency, outbox lag, consumer lag, heartbeats.
        const health = page.getByRole('table', { name: 'Every dependency, checked now' });
        await health.waitFor();
        for (const dependency of ['sql', 'products', 'cache', 'bus'])
          expect(await health.locator(`tr[data-dependency="${dependency}"]`).textContent()).toContain('up');
        expect(await page.getByTestId('outbox').textContent()).toContain('Unpublished events0');
        const consumers = page.getByRole('table', { name: /Consumer lag/ });
        const receipts = consumers.locator('tr[data-consumer="receipts"] td');
        expect(await receipts.nth(0).textContent()).toBe('2'); // waiting
        expect(await receipts.nth(3).textContent()).toBe('2'); // dead letters
        expect(await consumers.locator('tr[data-consumer="fulfilment"] td').nth(0).textContent()).toBe('0');
        const heartbeats = page.getByRole('table', { name: 'Last successful run of each timer' });
        expect(await heartbeats.locator('tr[data-component="relay-outbox"]').textContent()).toContain(
          '5 min',
        );

        // Dead letters grouped by subscription, with reason, deliveries and the body.
        const group = page.locator('section[data-subscription="receipts"]');
        expect(await group.getByRole('heading', { level: 3 }).textContent()).toBe('receipts (2)');
        const firstRow = group.locator(`tr[data-dead-letter="${first!.messageId}"]`);
        expect(await firstRow.textContent()).toContain('smtp relay refused');
        expect(await firstRow.locator('td').nth(1).textContent()).toBe(String(first!.deliveryCount));
        await firstRow.getByText('Message body').click();
        expect(await firstRow.locator('pre').textContent()).toContain(first!.messageId);
        await screenshot(page, 'operations-dead-letters');

        // Replay the first: it leaves the list and its receipt is handled.
        await firstRow.getByRole('button', { name: /^Replay / }).click();
        await group.locator(`tr[data-dead-letter="${first!.messageId}"]`).waitFor({ state: 'detached' });
        await vi.waitFor(
          async () =>
            expect(
              await shop.services.sql.db
                .selectFrom('inbox')
                .select('message_id')
                .where('consumer', '=', 'receipts')
                .execute(),
            ).toEqual([{ message_id: first!.messageId }]),
          { timeout: 15_000, interval: 100 },
        );

        // Purge the second: the dialog opens with focus on Cancel; Escape cancels and keeps it.
        const secondRow = group.locator(`tr[data-dead-letter="${second!.messageId}"]`);
        const purge = secondRow.getByRole('button', { name: /^Purge / });
        await purge.click();
        const dialog = page.getByRole('dialog', { name: 'Purge this dead letter?' });
        await dialog.waitFor();
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
          /^Purge OrderPaid/,
        );
        expect(await shop.services.deadLetters.list()).toHaveLength(1);

        await purge.click();
        await dialog.getByRole('button', { name: 'Purge', exact: true }).click();
        await page.getByTestId('no-dead-letters').waitFor();
        expect(await shop.services.deadLetters.list()).toEqual([]);
        // Purged, not delivered: receipts still has one waiting event and no new inbox row.
        await expect
          .poll(() => consumers.locator('tr[data-consumer="receipts"] td').nth(0).textContent())
          .toBe('1');
        expect(await consumers.locator('tr[data-consumer="receipts"] td').nth(3).textContent()).toBe('0');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('a shopper gets 403 from the API and is refused on the page', async () => {
      const shopperToken = await shop.token('sam', ['shopper']);
      for (const path of ['operations/overview', 'admin/dead-letters']) {
        const response = await fetch(`${shop.url}/api/${path}`, {
          headers: { authorization: `Bearer ${shopperToken}` },
        });
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({ code: 'forbidden' });
      }

      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Sam', 'shopper', '/operations');
        await page.getByTestId('refused').waitFor();
        expect(await page.getByTestId('refused').textContent()).toMatch(
          /does not have the operations or admin/,
        );
        expect(await page.getByRole('table').count()).toBe(0);
        expect(await page.getByRole('button', { name: /Replay|Purge/ }).count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
