import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const hasChromium = fs.existsSync(chromiumPath);
export const skipReason = `Chromium not found at ${chromiumPath} (set CHROMIUM_PATH or apt-get install chromium)`;

export const webRoot = path.resolve(__dirname, '../../web');
export const webDist = path.join(webRoot, 'dist');
export const screenshotDir = path.resolve(__dirname, '../../test-artifacts/screenshots');

export const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function webIsFresh(): boolean {
  const built = path.join(webDist, 'index.html');
  return fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(webRoot);
}

/**
 * Builds web/ with Vite (programmatically) unless web/dist is newer than the sources.
 * A lock directory keeps parallel test files from building into the same folder at once.
 */
export async function ensureWebBuilt(): Promise<string> {
  const lock = path.join(
    os.tmpdir(),
    `storefront-web-build-${Buffer.from(webRoot).toString('hex').slice(-24)}`,
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // a stale lock (a crashed build) is broken after 2 minutes
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!webIsFresh()) {
      const { build } = await import('vite');
      await build({ root: webRoot, logLevel: 'warn', configFile: path.join(webRoot, 'vite.config.ts') });
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return webDist;
}

/**
 * Launches Debian's Chromium. Playwright's `launch` always runs on a fresh temporary
 * user-data-dir (it rejects an explicit --user-data-dir; that is launchPersistentContext's
 * job), and each newContext() is an isolated, incognito-like profile on top of it.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: launchArgs });
  return { browser, close: () => browser.close().catch(() => undefined) };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A fresh context whose page reports uncaught errors, so a broken page fails the test. */
export async function newShopper(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, errors };
}

/** Signs in through the SPA's local sign-in form as `role` (staff pages), landing on `next`. */
export async function signInAs(page: Page, name: string, role: string, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Role (local shop only)').selectOption(role);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The id of the element that has focus. */
export const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Signs in through the SPA's local sign-in form. */
export async function signIn(page: Page, name: string, next = '/'): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
