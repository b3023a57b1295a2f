/**
 * The local console: one page at /_keygate/ for a first look in a browser.
 * Only `npm start` serves it: it is not in the CloudFormation template and
 * is never deployed. Its HTML, script and style are real files in
 * local/console/; at start they are read once, the style and the script put
 * inline, and the Content-Security-Policy allows exactly those two by their
 * SHA-256 (and requests to the page's own origin). What the page needs to
 * know about the served app goes into its JSON data block, which the browser
 * never runs as script.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagementPaths, ServedApp } from './served-app';
import type { StaticFile } from './static-files';

/** Cannot collide with a keygate API, whose routes live under its base path. */
export const CONSOLE_PATH = '/_keygate/';
export const CONSOLE_DIR = join(__dirname, 'console');

/** What the page's script reads from `#console-config`. */
export interface ConsoleConfig {
  /** the management API's paths the page calls, path parameters as `{keyId}` */
  readonly paths: ManagementPaths;
  readonly adminEmail: string;
  readonly permissions: readonly { readonly name: string; readonly description: string }[];
  readonly example: { readonly method: string; readonly path: string; readonly permission: string } | null;
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** JSON that cannot end the `<script>` element it sits in. */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Replaces the one occurrence of `marker` in the page, or says which file lost it. */
function replaceOnce(html: string, marker: string, by: string): string {
  const at = html.indexOf(marker);
  if (at < 0 || html.indexOf(marker, at + 1) >= 0) throw new Error(`local/console/index.html must contain ${marker} exactly once`);
  return html.slice(0, at) + by + html.slice(at + marker.length);
}

export function consoleConfig(app: ServedApp, adminEmail = ''): ConsoleConfig {
  return {
    paths: app.paths,
    adminEmail,
    permissions: app.keyPermissions.map((p) => ({ name: p.name, description: p.description })),
    example: app.example ? { method: app.example.method, path: app.example.url, permission: app.example.permission } : null,
  };
}

/** The page, read from `dir` (local/console/ unless a test gives another). */
export function consolePage(config: ConsoleConfig, dir = CONSOLE_DIR): StaticFile {
  const style = readFileSync(join(dir, 'console.css'), 'utf8');
  const script = readFileSync(join(dir, 'console.js'), 'utf8');
  let html = readFileSync(join(dir, 'index.html'), 'utf8');
  html = replaceOnce(html, '<link rel="stylesheet" href="console.css">', `<style>${style}</style>`);
  html = replaceOnce(html, '<script src="console.js"></script>', `<script>${script}</script>`);
  html = replaceOnce(html, '<script type="application/json" id="console-config">{}</script>', `<script type="application/json" id="console-config">${scriptSafeJson(config)}</script>`);
  const csp = `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(style)}; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;
  const body = Buffer.from(html, 'utf8');
  return {
    headers: [
      ['Content-Type', 'text/html; charset=utf-8'],
      ['Content-Length', String(body.length)],
      ['Content-Security-Policy', csp],
      ['Cache-Control', 'no-store'],
      ['X-Content-Type-Options', 'nosniff'],
      ['Referrer-Policy', 'no-referrer'],
    ],
    body,
  };
}
