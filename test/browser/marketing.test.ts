/**
 * The marketing journey (issue #18) in real Chromium against the real local host: a marketing
 * user books a sale window on /marketing, sees it in the capacity chart, and the scale-scheduler's
 * next tick (the timer function itself) plans it against the capacity target's fake, with no
 * rebuild. A shopper gets 403 from the API and is refused on the page.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import bundledCalendar from '../../bicep/sales-calendar.json';
import { scaleSchedulerFunction } from '../../functions/ops/scale-scheduler.function';
import { MemoryCapacityTarget } from '../../shared/scaling/memory-capacity-target';
import type { SalesCalendarFile } from '../../shared/scaling/sales-calendar';
import { forgetLastReadWindows, useCapacityTarget } from '../../shared/scaling/scale-scheduler';
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

const DAY = 86_400_000;
const file = bundledCalendar as SalesCalendarFile;
const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: undefined as never,
};

/** `YYYY-MM-DDT12:00`, `days` from today. */
function noonIn(days: number): string {
  return `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)}T12:00`;
}

describe.skipIf(!hasChromium)(
  `marketing books a sale and the scheduler plans it${hasChromium ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let shop: TestShop;
    let browser: Browser;
    let closeBrowser: () => Promise<void>;
    const fake = new MemoryCapacityTarget(file.policy.baseline);

    beforeAll(async () => {
      const staticDir = await ensureWebBuilt();
      [shop, { browser, close: closeBrowser }] = await Promise.all([
        startTestShop({ products: 0, staticDir }),
        launchChromium(),
      ]);
      // The capacity target's fake (Azure-only resources), read by the page and the scheduler alike.
      useCapacityTarget(fake);
    });

    afterAll(async () => {
      useCapacityTarget(undefined);
      forgetLastReadWindows();
      vi.useRealTimers();
      await closeBrowser?.();
      await shop?.close();
    });

    it('a marketing user books a window, sees it in the chart, and the next tick plans it', async () => {
      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Mia', 'marketing', '/marketing');
        await page.getByRole('heading', { name: 'Sales calendar', level: 1 }).waitFor();
        // The seeded calendar: past windows are listed as history.
        await expect
          .poll(() => page.getByRole('table', { name: 'Past windows (history)' }).getByRole('row').count())
          .toBeGreaterThan(1);

        // An impossible window first: the error is shown beside its field, which gets focus.
        await page.getByLabel('Name').fill('Winter Sale');
        await page.getByLabel('Start (local time)').fill(noonIn(21));
        await page.getByLabel('End (local time)').fill(noonIn(20));
        await page.getByLabel('Time zone').fill('Europe/London');
        await page.getByLabel('Expected peak (requests per second)').fill('500');
        await page.getByRole('button', { name: 'Book window' }).click();
        await page.locator('#window-end-error').waitFor();
        expect(await page.locator('#window-end-error').textContent()).toMatch(/end must be after start/);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('window-end');
        expect(await page.getByLabel('End (local time)').getAttribute('aria-invalid')).toBe('true');

        await page.getByLabel('End (local time)').fill(noonIn(22));
        await page.getByRole('button', { name: 'Book window' }).click();
        const row = page
          .getByRole('table', { name: 'Upcoming and running' })
          .locator('tr[data-window="Winter Sale"]');
        await row.waitFor();
        expect(await row.textContent()).toContain('10 always-ready, 3000 RU/s, 6 vCores');
        expect(
          await page.getByRole('table', { name: 'Who changed what, newest first' }).textContent(),
        ).toContain('mia@example.test (mia)');

        // The chart: the planned step rises to the window's capacity; deployed now is the fake's baseline.
        const plan = page.getByRole('table', { name: 'Planned capacity, step by step' });
        await expect.poll(() => plan.textContent()).toContain('Winter Sale (pre-warm)');
        const chart = page.locator('svg[data-series="alwaysReadyInstances"]');
        expect(await chart.locator('desc').textContent()).toMatch(
          /planned from 1 to 10 instances.*deployed now 1 instances/,
        );
        expect(await page.getByTestId('deployed-alwaysReadyInstances').count()).toBe(1);
        await screenshot(page, 'marketing-booked');
        // The form is empty for the next booking, its first field focused.
        expect(await page.getByLabel('Name').inputValue()).toBe('');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('window-name');

        // Edit by keyboard: the row's Edit button, a higher peak, Enter saves (PUT with the version read).
        await row.getByRole('button', { name: 'Edit Winter Sale' }).focus();
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: "Edit 'Winter Sale'" }).waitFor();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('window-name');
        await page.getByLabel('Expected peak (requests per second)').fill('600');
        await page.keyboard.press('Enter');
        await expect.poll(() => row.textContent()).toContain('600 req/s');
        expect(await row.textContent()).toContain('12 always-ready, 3000 RU/s, 6 vCores');
        expect(errors).toEqual([]);

        // The scheduler's next tick, once the window is on: the timer function as Azure runs it.
        const startsAt = await shop.services.sql.db
          .selectFrom('sales_windows')
          .select('starts_at')
          .where('name', '=', 'Winter Sale')
          .executeTakeFirstOrThrow();
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(new Date(new Date(startsAt.starts_at).getTime() + 3_600_000));
        const lines: string[] = [];
        await scaleSchedulerFunction.handler(
          timer,
          new InvocationContext({
            invocationId: 'tick',
            functionName: 'scale-scheduler',
            logHandler: (level, ...args) => lines.push(`${level}: ${args.join(' ')}`),
          }),
        );
        vi.useRealTimers();
        expect(fake.applied).toEqual([
          { alwaysReadyInstances: 12, maximumInstanceCount: 40, cosmosMaxThroughput: 3000, sqlVCores: 6 },
        ]);
        expect(lines.join('\n')).toMatch(/for Winter Sale \(sale\)/);

        // The page now shows the new deployed capacity beside the plan.
        await page.reload();
        await page.getByRole('table', { name: 'Planned capacity, step by step' }).waitFor();
        expect(await page.locator('svg[data-series="alwaysReadyInstances"] desc').textContent()).toMatch(
          /deployed now 12 instances/,
        );
        expect(errors).toEqual([]);
      } finally {
        vi.useRealTimers();
        await context.close();
      }
    });

    it('a shopper gets 403 from the API and is refused on the page', async () => {
      const shopperToken = await shop.token('sam', ['shopper']);
      const response = await fetch(`${shop.url}/api/marketing/sales-windows`, {
        headers: { authorization: `Bearer ${shopperToken}` },
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'forbidden' });

      const { context, page, errors } = await newShopper(browser, shop.url);
      try {
        await signInAs(page, 'Sam', 'shopper', '/marketing');
        await page.getByTestId('refused').waitFor();
        expect(await page.getByTestId('refused').textContent()).toMatch(/does not have the marketing role/);
        expect(await page.getByRole('form').count()).toBe(0);
        expect(await page.getByRole('table').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
