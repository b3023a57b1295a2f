/**
 * Regenerates the README's pictures of the console, docs/images/console-1280.png
 * and docs/images/console-390.png: starts the local runner (in memory), signs
 * in as its admin in headless Chromium, makes two keys (one revoked, one
 * rotated) and photographs the keys section at 1280 and 390 px. No secret
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
