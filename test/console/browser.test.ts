/// <reference lib="dom" />
/**
 * The console in headless Chromium (puppeteer-core), over the local runner:
 * sign in with the keyboard, create a key, copy it, use it, rotate it with a
 * grace period chosen in the dialog, revoke it after a confirmation (Escape
 * cancels), a 401 clears the secret and says "Your session ended.", and
 * axe-core finds nothing serious or critical on any section at 1280 and
 * 390 px. Skipped, with the reason printed, where /usr/bin/chromium is absent.
 */
import type { Page } from 'puppeteer-core';
import { startRunner, synthOnce, type StartedRunner } from '../local/runner-process';
import { hasChromium, launch, openConsole, section, seriousFindings, settled, signIn, CHROMIUM, type LaunchedBrowser } from './driver';

const EMAIL = 'admin@keygate.local';
const PASSWORD = 'console-browser-test-1';
// Skipped on purpose, with the reason printed, where Chromium is not installed (the issue asks for exactly that).
// eslint-disable-next-line no-restricted-properties
const run = hasChromium() ? describe : describe.skip;
if (!hasChromium()) console.log(`console browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);

jest.setTimeout(240_000);

run('the console in Chromium', () => {
  let runner: StartedRunner;
  let chromium: LaunchedBrowser;
  let consoleUrl: string;
  let example: { method: string; path: string; permission: string };

  beforeAll(async () => {
    await synthOnce();
    runner = await startRunner({ env: { KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_PASSWORD: PASSWORD } });
    consoleUrl = `${runner.base}/v1/console/`;
    const config = (await (await fetch(`${consoleUrl}config.json`)).json()) as { example: typeof example };
    example = config.example;
    chromium = await launch();
  });
  afterAll(async () => {
    await chromium?.close();
    await runner?.stop();
  });

  const useKey = (key: string) =>
    fetch(runner.base + example.path, { method: example.method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(example.method === 'GET' ? {} : { body: '{}' }) });
  const text = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText);
  const shownSecret = (page: Page) => page.$eval('.secret code[data-secret]', (e) => e.textContent ?? '');
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');

  it('signs in with the keyboard, creates, copies, uses, rotates and revokes a key', async () => {
    const page = await openConsole(chromium.browser, consoleUrl, 1280);
    // Keyboard only: focus starts in the e-mail field; Tab goes to the password, Enter submits.
    await page.waitForSelector('input[type=email]', { visible: true });
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe('email');
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe('password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#nav:not([hidden])');
    await section(page, 'keys');

    // A key without a name is refused next to the field, which gets focus.
    await page.click('form.card button[type=submit]');
    await page.waitForSelector('input[aria-invalid="true"]');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('name');

    await page.type('input[name=name]', 'browser test');
    await page.click(`input[type=checkbox][value="${example.permission}"]`);
    await page.click('form.card button[type=submit]');
    await page.waitForSelector('.secret:not([hidden])');
    const first = await shownSecret(page);
    expect(first).toMatch(/^user_key_/);
    expect(await page.$eval('input[name=name]', (e) => (e as HTMLInputElement).value)).toBe('');
    expect(await text(page, '.secret')).toMatch(/you will not see it again/);

    await page.click('.secret button.copy');
    await page.waitForFunction(() => document.querySelector('.secret button.copy')?.textContent === 'Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
    expect((await useKey(first)).status).toBeLessThan(400);

    // Rotate: the grace period is chosen inside the dialog; Escape cancels first.
    await page.click('button[aria-label^="Rotate key"]');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await focused(page)).toBe('grace-0');
    expect(await seriousFindings(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog#confirm:not([open])');
    // Focus returns to the button that opened the dialog.
    await page.waitForFunction(() => /^Rotate key/.test(document.activeElement?.getAttribute('aria-label') ?? ''), { timeout: 3000 });
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('input[name=grace][value="3600"]');
    await page.click('#confirm-ok');
    await page.waitForFunction((old) => document.querySelector('.secret code[data-secret]')?.textContent !== old, {}, first);
    const second = await shownSecret(page);
    expect(second).toMatch(/^user_key_/);
    // The copy button copies the new secret, not the old one.
    expect(await text(page, '.secret button.copy')).toBe('Copy');
    await page.click('.secret button.copy');
    await page.waitForFunction(() => document.querySelector('.secret button.copy')?.textContent === 'Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(second);
    expect((await useKey(first)).status).toBeLessThan(400); // an hour of grace
    expect((await useKey(second)).status).toBeLessThan(400);
    expect(await text(page, 'tbody')).toMatch(/Grace period, ends/);

    // Revoke the new key after the confirmation dialog: its secret leaves the screen; the row looks revoked.
    const revokedBefore = (await page.$$('tr.revoked')).length;
    const revokeButtons = await page.$$('button[aria-label^="Revoke key"]');
    await revokeButtons[0]!.click();
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForFunction(() => /revoked\./.test(document.querySelector('main .message.ok')?.textContent ?? ''));
    expect(await page.$eval('.secret', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await page.$$('tr.revoked')).toHaveLength(revokedBefore + 1);
    // "Within seconds": the authorizer may have the key cached for a little while.
    let status = 200;
    for (const deadline = Date.now() + 60_000; status < 400 && Date.now() < deadline; ) {
      status = (await useKey(second)).status;
      if (status < 400) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(status).toBe(401);

    for (const width of [1280, 390]) {
      await page.setViewport({ width, height: 900 });
      const adminId = await page.evaluate(async (path) => ((await (await fetch(path, { credentials: 'same-origin' })).json()) as { user: { id: string } }).user.id, '/v1/auth/me');
      for (const hash of ['keys', 'account', 'activity', 'clients', 'users', 'all-clients', `user/${adminId}`]) {
        await section(page, hash);
        expect({ width, hash, findings: await seriousFindings(page) }).toEqual({ width, hash, findings: [] });
        // No section wider than the screen (long names wrap, tables become cards).
        expect({ hash, width: await page.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ hash, width });
      }
    }
    await page.close();
  });

  it('on a 401 clears the secret and goes back to sign-in with "Your session ended."', async () => {
    const page = await openConsole(chromium.browser, consoleUrl, 390);
    await settled(page);
    if (await page.$('main[data-view="sign-in"]')) await signIn(page, EMAIL, PASSWORD);
    await section(page, 'keys');
    expect(await seriousFindings(page)).toEqual([]);
    // A double click on Create makes one key (the button is disabled while its request runs).
    const rowsBefore = (await page.$$('tbody tr')).length;
    await page.type('input[name=name]', 'x'.repeat(100));
    await page.click(`input[type=checkbox][value="${example.permission}"]`);
    await page.click('form.card button[type=submit]', { count: 2 });
    await page.waitForSelector('.secret:not([hidden])');
    await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length > n, {}, rowsBefore);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await page.evaluate(() => fetch('/v1/keys?limit=100', { credentials: 'same-origin' }).then((r) => r.json()))).keys.filter((k: { name: string }) => k.name === 'x'.repeat(100))).toHaveLength(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The session ends elsewhere (here: a logout the page does not know of).
    await page.evaluate(async (base) => {
      await fetch(base + '/v1/auth/logout', { method: 'POST', credentials: 'same-origin' });
    }, runner.base);
    await page.click('button[aria-label^="Revoke key"]');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('input[type=email]', { visible: true });
    expect(await text(page, 'main')).toMatch(/Your session ended\./);
    expect(await page.$('code[data-secret]')).toBeNull();
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/user_key_/);
    await settled(page);
    expect(await seriousFindings(page)).toEqual([]);
    await page.close();
  });
});
