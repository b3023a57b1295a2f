/**
 * The console Lambda's bundle (dist/assets/console): its code holds keygate's
 * own modules and no library (no AWS SDK, no middy, no zod: it reads no
 * table and parses no body), and `static/` holds exactly the console's
 * files, index.html plus content-hashed assets it refers to.
 */
import { build } from 'esbuild';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_DIR, LAMBDA_BUNDLE_OPTIONS, REPO_ROOT } from '../../scripts/lambda-bundles';
import { consoleFiles } from '../../scripts/console-files';

describe('Bundle: console', () => {
  it('holds keygate code only, nothing from node_modules', async () => {
    const { metafile } = await build({ ...LAMBDA_BUNDLE_OPTIONS, logLevel: 'error', absWorkingDir: REPO_ROOT, entryPoints: [join(REPO_ROOT, 'lambda/console/handler.ts')], write: false, outdir: 'out', metafile: true });
    const packages = [...new Set(Object.keys(metafile.inputs).flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? []))];
    expect(packages).toEqual([]);
  });

  it('ships index.html and every asset of console/ under its hashed name in static/, and nothing else', () => {
    const dir = join(ASSETS_DIR, 'console', 'static');
    const shipped = readdirSync(dir).sort();
    const sources = readdirSync(join(REPO_ROOT, 'console')).filter((n) => /\.(js|css|svg)$/.test(n));
    expect(shipped).toEqual([...consoleFiles().keys()].sort());
    expect(shipped).toContain('index.html');
    expect(shipped).toHaveLength(sources.length + 1);
    for (const name of shipped.filter((n) => n !== 'index.html')) expect(name).toMatch(/^[\w-]+\.[0-9a-f]{8}\.(js|css|svg)$/);
    const page = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(page).toMatch(/src="\.\/app\.[0-9a-f]{8}\.js"/);
    expect(page).toMatch(/href="\.\/app\.[0-9a-f]{8}\.css"/);
    expect(readdirSync(join(ASSETS_DIR, 'console')).sort()).toEqual(['index.js', 'static']);
  });
});

describe('Function: consoleFiles', () => {
  const { mkdtempSync, writeFileSync, rmSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'keygate-console-src-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
    return consoleFiles(dir);
  };

  it('hashes modules an entry imports and rewrites the imports, so a changed module renames its importers too', () => {
    const page = '<link rel="stylesheet" href="./app.css"><script type="module" src="./app.js"></script>';
    const first = write({ 'index.html': page, 'app.js': "import { api } from './api.js';\napi();", 'api.js': 'export const api = () => 1;', 'app.css': 'a { color: red }' });
    const names = [...first.keys()];
    const app = names.find((n) => n.startsWith('app.') && n.endsWith('.js'))!;
    const api = names.find((n) => n.startsWith('api.'))!;
    expect(first.get(app)).toContain(`from './${api}'`);
    expect(first.get('index.html')).toContain(`src="./${app}"`);
    const second = write({ 'api.js': 'export const api = () => 2;' });
    expect(second.has(app)).toBe(false);
    expect(second.has(api)).toBe(false);
  });

  it('refuses an import cycle', () => {
    expect(() => write({ 'api.js': "import './app.js';" })).toThrow(/import cycle/);
  });
});
