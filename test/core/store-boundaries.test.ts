/**
 * Two rules of the store, checked on the source: the table layout is spelled
 * only in lambda/store/keys.ts, and the store never mints a secret (the
 * services do, lambda/management/mint.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const lambdaDir = join(root, 'lambda');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** A string literal or template head that starts with a layout prefix or is a fixed layout sort key. */
const LAYOUT = /['`](USER#|KEY#|SESSION#|AUDIT#|EMAIL#|LOGIN#|CLIENT#|GRANT#|OAUTHCODE#|EMAIL'|USERS'|ADMINS'|PROFILE'|ATTEMPTS'|ENABLED'|SETTINGS'|DEPLOYMENT'|LOG_HASH_KEY'|CODE')/;

describe('store boundaries', () => {
  it('spells the table layout only in lambda/store/keys.ts', () => {
    const offenders = sources(lambdaDir)
      .filter((f) => !f.endsWith(join('store', 'keys.ts')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${relative(root, f)}:${i + 1}` }))
          .filter(({ line }) => !line.trim().startsWith('*') && !line.trim().startsWith('//') && LAYOUT.test(line))
          .map(({ at }) => at),
      );
    expect(offenders).toEqual([]);
  });

  it('mints no key, session token or client secret in the store', () => {
    const minting = sources(join(lambdaDir, 'store')).filter((f) => /\b(generateToken|generateSecretToken|randomBase62)\(/.test(readFileSync(f, 'utf8')));
    expect(minting.map((f) => relative(root, f))).toEqual([]);
  });
});
