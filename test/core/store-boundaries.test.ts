/**
 * Rules of the layers, checked on the source: the table layout is spelled
 * only in lambda/store/keys.ts (and the facts the construct shares, in
 * lambda/core/table-schema.ts), the store never mints a secret (the services
 * do, lambda/management/mint.ts), and the construct (lib/) reads only
 * lambda/core, never the management, store, authorizer or shared internals.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = join(__dirname, '..', '..');
const lambdaDir = join(root, 'lambda');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** A string literal, template head or regular expression that starts with a layout prefix, or a fixed layout key. */
const LAYOUT = /(['`]|\/\^?)(USER#|KEY#|SESSION#|AUDIT#|EMAIL#|LOGIN#|CLIENT#|GRANT#|OAUTHCODE#)|'(EMAIL|USERS|ADMINS|PROFILE|ATTEMPTS|ENABLED|SETTINGS|DEPLOYMENT|LOG_HASH_KEY|CODE|USAGEKEYS|COUNT)'/;

describe('store boundaries', () => {
  it('spells the table layout only in lambda/store/keys.ts and the shared facts in lambda/core/table-schema.ts', () => {
    const offenders = sources(lambdaDir)
      .filter((f) => !f.endsWith(join('store', 'keys.ts')) && !f.endsWith(join('core', 'table-schema.ts')))
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

  it('lets lib/ import only lambda/core of the Lambdas', () => {
    const libDir = join(root, 'lib');
    const imports = sources(libDir).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)].map((m) => ({
        from: relative(root, f),
        target: relative(root, join(libDir, m[1]!)),
      })),
    );
    const intoLambda = imports.filter(({ target }) => target.startsWith(`lambda${sep}`));
    expect(intoLambda.length).toBeGreaterThan(0);
    expect(intoLambda.filter(({ target }) => !target.startsWith(join('lambda', 'core') + sep)).map(({ from, target }) => `${from} → ${target}`)).toEqual([]);
  });
});
