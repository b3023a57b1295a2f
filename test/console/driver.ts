/// <reference lib="dom" />
/**
 * Headless Chromium for the console: launching it, signing in, and running
 * axe-core on the page. Shared by the browser test and the screenshot script.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM);

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launch(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'keygate-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page at `width` px (390: a phone) on the console at `consoleUrl`, clipboard allowed. */
export async function openConsole(b: Browser, consoleUrl: string, width: number): Promise<Page> {
  const context = b.defaultBrowserContext();
  await context.overridePermissions(new URL(consoleUrl).origin, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  const page = await b.newPage();
  await page.setViewport({ width, height: width < 600 ? 844 : 900, deviceScaleFactor: 1, isMobile: width < 600, hasTouch: width < 600 });
  await page.goto(consoleUrl, { waitUntil: 'networkidle0' });
  return page;
}

/** Waits until a section is on screen (the app marks `main` with it). */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main[data-view] h1', { visible: true });
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.waitForSelector('input[type=email]', { visible: true });
  await page.type('input[type=email]', email);
  await page.type('input[type=password]', password);
  await page.click('main button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
  await settled(page);
}

/** Goes to a section by its #hash and waits for it. */
export async function section(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.waitForFunction((h) => document.getElementById('main')?.dataset.view === h, {}, hash);
}

export interface AxeFinding {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

/** axe-core's findings of impact serious or critical on the page as it is. */
export async function seriousFindings(page: Page): Promise<AxeFinding[]> {
  const source = readFileSync(require.resolve('axe-core'), 'utf8');
  // The page's CSP allows only its own scripts; evaluate() runs through the DevTools protocol, which the CSP does not govern.
  await page.evaluate(source);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  })) as AxeFinding[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
