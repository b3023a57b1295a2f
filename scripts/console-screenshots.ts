/// <reference lib="dom.iterable" />
/**
 * Regenerates the README's pictures of the console, docs/images/console-1280.png
 * and docs/images/console-390.png: starts the local runner (in memory), signs
 * in as its admin in headless Chromium, makes two keys (one revoked, one
 * rotated), gives the admin the plan `partner` and one key `free` with
 * credits, shows that key's usage, and photographs the keys section at 1280 and 390 px. No secret
 * ends up in a picture: the shown-once box is hidden first. `npm run screenshots`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startRunner, synthOnce } from '../test/local/runner-process';
import { hasChromium, launch, openConsole, section, signIn, CHROMIUM } from '../test/console/driver';

const PASSWORD = 'console-screenshots-1';

async function main(): Promise<void> {
  if (!hasChromium()) throw new Error(`${CHROMIUM} is not installed (apt-get install chromium)`);
  await synthOnce();
  const runner = await startRunner({ env: { KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_PASSWORD: PASSWORD } });
  const chromium = await launch();
  try {
    const url = `${runner.base}/v1/console/`;
    const page = await openConsole(chromium.browser, url, 1280);
    await signIn(page, 'admin@keygate.local', PASSWORD);
    await section(page, 'keys');
    const make = async (name: string, permissions: number) => {
      await page.type('input[name=name]', name);
      const boxes = await page.$$('form.card input[type=checkbox]');
      for (const box of boxes.slice(0, permissions)) await box.click();
      await page.click('form.card button[type=submit]');
      await page.waitForFunction((n) => document.querySelector('.secret h2')?.textContent?.includes(n) && document.querySelector('tbody')?.textContent?.includes(n), {}, name);
    };
    await make('laptop (old)', 1);
    await page.click('button[aria-label^="Revoke key"]');
    await page.click('#confirm-ok');
    await page.waitForSelector('tr.revoked');
    await make('CI deploys', 1);
    await make('score uploader on the build server', 2);
    await page.click('.secret .buttons button'); // "I saved it; hide it": no secret in a picture
    // Plans (SPEC §12): the admin on partner, the CI key on free with daily credits, as an admin sets them.
    // A string, not a function: tsx would wrap a function's inner names in a helper the page does not have.
    await page.evaluate(`(async () => {
      const send = (method, path, body) =>
        fetch(path, { method, credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json());
      const me = await send('GET', '/v1/auth/me');
      const ci = (await send('GET', '/v1/keys')).keys.find((k) => k.name === 'CI deploys');
      await send('PUT', '/v1/admin/users/' + me.user.id + '/plan', { plan: 'partner' });
      await send('PUT', '/v1/admin/users/' + me.user.id + '/keys/' + ci.id + '/plan', { plan: 'free' });
      await send('PUT', '/v1/admin/users/' + me.user.id + '/keys/' + ci.id + '/credits', { credits: { remaining: 500, refill: { amount: 500, period: 'day' } } });
    })()`);
    await section(page, 'account');
    await section(page, 'keys');
    await page.click('button[aria-label^="Show usage of key “CI deploys”"]');
    await page.waitForFunction(() => [...document.querySelectorAll('tbody .usage')].some((u) => /Today/.test(u.textContent ?? '')));
    const out = join(REPO_ROOT, 'docs', 'images');
    mkdirSync(out, { recursive: true });
    for (const width of [1280, 390]) {
      // Width only: changing isMobile would reload the page (and sign it out of nothing, but lose the view).
      await page.setViewport({ width, height: width === 390 ? 844 : 900 });
      await page.waitForSelector('main[data-view="keys"]');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(out, `console-${width}.png`) as `${string}.png`, fullPage: true });
      console.log(`wrote docs/images/console-${width}.png`);
    }
  } finally {
    await chromium.close();
    await runner.stop();
  }
}

main().catch((err: Error) => {
  console.error(`console screenshots: ${err.message}`);
  process.exit(1);
});
