/**
 * The console's files as its Lambda serves them (docs/design.md, "The
 * console"): every asset of `console/` (`*.js`, `*.css`, `*.svg`) under a
 * content-hashed name (`app.3f2a1b9c.js`), and index.html with its
 * references rewritten to those names. An asset's relative references to
 * other assets (`import … from './api.js'`, `url(./logo.svg)`) are rewritten
 * first, so its hash covers what it loads: a changed module changes the
 * name of every file that imports it, up to index.html.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';

export const CONSOLE_SOURCE_DIR = join(__dirname, '..', 'console');
const ASSET_EXTENSIONS = new Set(['.js', '.css', '.svg']);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each `./name` reference (in quotes or `url()`) to a file of `names` replaced by `rename(name)`. */
function rewrite(text: string, names: readonly string[], rename: (name: string) => string, bare = false): string {
  let out = text;
  for (const name of names) {
    const ref = new RegExp(`(["'(])(\\./${bare ? '|' : ''})${escape(name)}(?=["')])`, 'g');
    out = out.replace(ref, (_m, open: string) => `${open}./${rename(name)}`);
  }
  return out;
}

/** The served files by name: index.html and the hashed assets. Throws when `dir` has no index.html or a reference loops. */
export function consoleFiles(dir = CONSOLE_SOURCE_DIR): Map<string, string> {
  const names = readdirSync(dir).filter((n) => ASSET_EXTENSIONS.has(extname(n)));
  const source = (n: string) => readFileSync(join(dir, n), 'utf8');
  const hashed = new Map<string, { name: string; text: string }>();
  const visiting = new Set<string>();
  const build = (name: string): string => {
    const done = hashed.get(name);
    if (done) return done.name;
    if (visiting.has(name)) throw new Error(`console/${name} is part of an import cycle; the console's modules must not import each other in a loop`);
    visiting.add(name);
    const text = rewrite(source(name), names.filter((n) => n !== name), build);
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
    const ext = extname(name);
    const out = `${name.slice(0, -ext.length)}.${hash}${ext}`;
    hashed.set(name, { name: out, text });
    visiting.delete(name);
    return out;
  };
  names.forEach(build);
  const files = new Map<string, string>();
  files.set('index.html', rewrite(source('index.html'), names, build, true));
  for (const { name, text } of hashed.values()) files.set(name, text);
  return files;
}
