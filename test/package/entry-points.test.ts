/**
 * The package's entry points, read statically: what `exports` promises is
 * what the build compiles, the constructs' entry never reaches cdk-nag, and
 * the reference app is built only from the public entries (dogfood).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPO = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(REPO, file), 'utf8');

/** The module specifiers a TypeScript file imports (static imports and re-exports). */
function importsOf(file: string): string[] {
  return [...read(file).matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/** Every repository file a module reaches through relative imports, itself included. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const spec of importsOf(file)) {
    if (spec.startsWith('.')) reach(relative(REPO, resolve(REPO, dirname(file), spec)) + '.ts', seen);
  }
  return seen;
}

describe('Package: entry points', () => {
  const manifest = JSON.parse(read('package.json')) as { exports: Record<string, { types: string; default: string }>; main: string; types: string };

  it('compiles exactly the files its exports point at', () => {
    // Prepare
    const build = JSON.parse(read('tsconfig.build.json')) as { files: string[]; compilerOptions: { outDir: string } };
    const emitted = (source: string, ext: string) => `./${build.compilerOptions.outDir}/${source.replace(/\.ts$/, ext)}`;
    // Assess
    expect(manifest.exports['.']).toEqual({ types: emitted('lib/index.ts', '.d.ts'), default: emitted('lib/index.ts', '.js') });
    expect(manifest.exports['./checks']).toEqual({ types: emitted('lib/checks.ts', '.d.ts'), default: emitted('lib/checks.ts', '.js') });
    expect(`./${manifest.main}`).toBe(manifest.exports['.']?.default);
    expect(`./${manifest.types}`).toBe(manifest.exports['.']?.types);
    expect(build.files.sort()).toEqual(['lib/checks.ts', 'lib/index.ts']);
  });

  it('never reaches cdk-nag, esbuild or tsx from the constructs entry', () => {
    // Act
    const external = [...reach('lib/index.ts')].flatMap((f) => importsOf(f).filter((s) => !s.startsWith('.')));
    // Assess
    expect(external.filter((s) => /^(cdk-nag|esbuild|tsx)(\/|$)/.test(s))).toEqual([]);
    expect(importsOf('lib/checks.ts')).toContain('cdk-nag');
  });

  it('builds the reference app only from the public entries, like any other app', () => {
    // Assess: bin/app.ts → the stack and keygate/checks; the stack → keygate's two entries and its own data
    expect(importsOf('bin/app.ts').filter((s) => s.startsWith('.')).sort()).toEqual(['../lib/checks', '../lib/keygate-stack']);
    expect(importsOf('lib/keygate-stack.ts').filter((s) => s.startsWith('.')).sort()).toEqual(['./checks', './index', './reference-app']);
    expect(read('lib/keygate-stack.ts')).not.toMatch(/from '\.\.\/lambda/);
  });
});
