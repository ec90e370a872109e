/**
 * Browsing (issue #17, point 6) in real Chromium against the real local host: facet values are
 * multi-select within a field, the price range is a filter like the others, category pages sort,
 * filter and count, Back after "Load more" returns to the same list and place, and search's Next
 * starts at the top of the results.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResult } from '../../shared/search/search-index.port';
import { startTestShop, type TestShop } from '../support/test-shop';
import { ensureWebBuilt, hasChromium, launchChromium, newShopper, skipReason } from './support';

describe.skipIf(!hasChromium)(`browsing in Chromium${hasChromium ? '' : ` (skipped: ${skipReason})`}`, () => {
  let shop: TestShop;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    const staticDir = await ensureWebBuilt();
    [shop, { browser, close: closeBrowser }] = await Promise.all([
      startTestShop({ products: 120, staticDir }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.close();
  });

  async function searchApi(query: string): Promise<SearchResult> {
    const response = await fetch(`${shop.url}/api/search?${query}`);
    if (!response.ok) throw new Error(`search ${query}: ${response.status}`);
    return (await response.json()) as SearchResult;
  }

  const total = async (page: Page) => {
    let text = '';
    await expect
      .poll(async () => {
        text = (await page.getByTestId('result-count').textContent()) ?? '';
        return text;
      })
      .toMatch(/^\d+ products?$/);
    return Number.parseInt(text, 10);
  };

  const startsWith = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);

  const facetValues = (page: Page, field: string) =>
    page.locator(`fieldset[data-facet="${field}"] label.check`).evaluateAll((labels) =>
      labels.map((label) => ({
        value: label.querySelector('span')?.textContent ?? '',
        count: Number(label.querySelector('.count')?.textContent),
        checked: (label.querySelector('input') as HTMLInputElement).checked,
      })),
    );

  it('facet values are multi-select within a field: the other values stay, with counts; results OR them', async () => {
    const { context, page, errors } = await newShopper(browser, shop.url);
    await page.goto('/search');
    const all = await total(page);
    const brands = await facetValues(page, 'brand');
    expect(brands.length).toBeGreaterThan(2);
    const [first, second] = brands as [(typeof brands)[0], (typeof brands)[0]];

    const brandGroup = page.getByRole('group', { name: 'Brand' });
    await brandGroup.getByRole('checkbox', { name: startsWith(first.value) }).check();
    await page.waitForURL((url) => url.searchParams.get('brand') === first.value);
    await expect.poll(() => total(page)).toBe(first.count);
    // the other brands are still offered, with the counts they had
    await expect.poll(async () => (await facetValues(page, 'brand')).length).toBe(brands.length);
    const after = await facetValues(page, 'brand');
    expect(after.find((b) => b.value === second.value)?.count).toBe(second.count);
    expect(after.filter((b) => b.checked).map((b) => b.value)).toEqual([first.value]);

    await brandGroup.getByRole('checkbox', { name: startsWith(second.value) }).check();
    await page.waitForURL((url) => url.searchParams.get('brand') === `${first.value},${second.value}`);
    const both = (await searchApi(`brand=${encodeURIComponent(`${first.value},${second.value}`)}`)).total;
    expect(both).toBe(first.count + second.count);
    await expect.poll(() => total(page)).toBe(both);
    expect(
      (await facetValues(page, 'brand'))
        .filter((b) => b.checked)
        .map((b) => b.value)
        .sort(),
    ).toEqual([first.value, second.value].sort());
    await page.getByRole('button', { name: `Remove filter Brand: ${first.value}` }).waitFor();
    await page.getByRole('button', { name: `Remove filter Brand: ${second.value}` }).waitFor();
    expect(await page.locator('details.filters summary').textContent()).toBe('Filters (2)');

    // unchecking one leaves the other
    await page.getByRole('button', { name: `Remove filter Brand: ${first.value}` }).click();
    await expect.poll(() => total(page)).toBe(second.count);
    expect(all).toBeGreaterThan(second.count);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the price range is a chip and counts in "Filters"; removing the chip clears it', async () => {
    const { context, page, errors } = await newShopper(browser, shop.url);
    await page.goto('/search');
    const all = await total(page);
    const priceRange = page.getByRole('form', { name: 'Price range' });
    await priceRange.getByLabel('Min').fill('10');
    await priceRange.getByLabel('Max').fill('50');
    await priceRange.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/minPrice=1000&maxPrice=5000/);
    const chip = page.getByRole('button', { name: 'Remove filter Price: $10.00 – $50.00' });
    await chip.waitFor();
    expect(await page.locator('details.filters summary').textContent()).toBe('Filters (1)');
    await expect.poll(() => total(page)).toBe((await searchApi('minPrice=1000&maxPrice=5000')).total);

    await chip.click();
    await expect.poll(() => page.url()).not.toMatch(/Price/);
    await expect.poll(() => total(page)).toBe(all);
    expect(await page.locator('details.filters summary').textContent()).toBe('Filters');
    expect(await priceRange.getByLabel('Min').inputValue()).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a category page has a total, sort and its own filters', async () => {
    const { context, page, errors } = await newShopper(browser, shop.url);
    const books = shop.products.filter((p) => p.category === 'books');
    await page.goto('/c/books');
    await page.getByRole('heading', { level: 1, name: 'Books' }).waitFor();
    await expect.poll(() => total(page)).toBe(books.length);
    // a category page filters on that category's attributes, not on category
    await page.getByRole('group', { name: 'Format' }).waitFor();
    expect(await page.getByRole('group', { name: 'Category' }).count()).toBe(0);

    await page.getByLabel('Sort by').selectOption('price_desc');
    await page.waitForURL('**/c/books?sort=price_desc');
    await expect
      .poll(async () => {
        const prices = await page.locator('.grid .price').allTextContents();
        return prices.map((p) => Number(p.replace(/[^0-9.]/g, '')));
      })
      .toEqual(
        books
          .map((b) => b.priceMinor / 100)
          .sort((a, b) => b - a)
          .slice(0, 20),
      );
    const format = (await facetValues(page, 'format'))[0];
    if (!format) throw new Error('no format facet');
    await page.getByRole('group', { name: 'Format' }).getByRole('checkbox').first().check();
    await page.waitForURL(/\/c\/books\?sort=price_desc&format=/);
    await expect.poll(() => total(page)).toBe(format.count);
    for (const category of await page.locator('.card-category').allTextContents())
      expect(category).toBe('Books');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('Back after "Load more" shows the same list at the same place', async () => {
    const { context, page, errors } = await newShopper(browser, shop.url);
    await page.goto('/');
    const cards = page.locator('.grid .card');
    await cards.first().waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => cards.count()).toBe(40);
    const target = page.locator('.grid .card-link').nth(33);
    await target.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 37)); // not a card boundary
    const leftAt = await page.evaluate(() => window.scrollY);
    expect(leftAt).toBeGreaterThan(1000);
    const href = await target.getAttribute('href');
    await target.click();
    await page.waitForURL(`**${href}`);
    await page.getByTestId('available').waitFor();

    await page.goBack();
    await page.waitForURL(`${shop.url}/`);
    await expect.poll(() => cards.count()).toBe(40);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(leftAt);
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("search's Next starts at the top of the new results", async () => {
    const { context, page, errors } = await newShopper(browser, shop.url);
    await page.goto('/search');
    await total(page);
    const firstPage = await page.locator('.grid .card-link').first().getAttribute('href');
    const next = page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next →' });
    await next.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(500);
    await next.click();
    await page.waitForURL(/page=2/);
    await expect
      .poll(() => page.locator('.grid .card-link').first().getAttribute('href'))
      .not.toBe(firstPage);
    await page.getByText('Page 2 of').waitFor();
    // the results' heading is in view, below the sticky header, and the first card is visible
    await expect
      .poll(() =>
        page.evaluate(() => {
          const head = document.querySelector('.page-head')?.getBoundingClientRect();
          const header = document.querySelector('.site-header')?.getBoundingClientRect();
          return !!head && !!header && head.top >= header.bottom - 1 && head.top < window.innerHeight / 2;
        }),
      )
      .toBe(true);
    expect(await page.locator('.grid .card').first().isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
