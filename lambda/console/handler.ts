/**
 * The console Lambda (SPEC §13): serves the console's files from its own
 * bundle (`static/`, written by scripts/console-files.ts: index.html and
 * content-hashed assets) and `config.json` from its settings, under
 * `{basePath}/console/`. Public routes: it reads no credential and no table.
 * Only the files it found in `static/` at cold start are served, by exact
 * name, so a path that is not one of them (`..`, `%2e%2e`, an encoded slash
 * or backslash, a folder) is a 404 without ever touching the file system
 * (docs/design.md, "The console").
 */
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { consoleConfig } from '../core/console-config';
import { BASE_PATH_PATTERN } from '../core/management-routes';
import { loadConfig, type KeygateConfig } from '../shared/config';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** On every answer, errors and redirects included. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

interface ServedFile {
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The files of `dir` by name: index.html revalidated on every load, every other (content-hashed) name cached for a year. */
export function loadFiles(dir: string): ReadonlyMap<string, ServedFile> {
  const files = new Map<string, ServedFile>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType) continue;
    files.set(name, { body: readFileSync(join(dir, name), 'utf8'), contentType, cacheControl: name === 'index.html' ? NO_CACHE : IMMUTABLE });
  }
  return files;
}

function answer(statusCode: number, body: string, headers: Record<string, string>): APIGatewayProxyResult {
  return { statusCode, headers: { ...CONSOLE_HEADERS, ...headers }, body };
}

function notFound(event: APIGatewayProxyEvent): APIGatewayProxyResult {
  const body = { status_code: 404, endpoint: event.resource ?? '', error_code: 'not_found', error_message: 'no such file in the console' };
  return answer(404, JSON.stringify(body), { 'Content-Type': CONTENT_TYPES['.json']!, 'Cache-Control': NO_CACHE });
}

/**
 * What the browser puts before the API's paths: the stage (`/api`) on
 * execute-api, a custom domain's mapping, or nothing (the local runner):
 * `requestContext.path` is the path as sent, `path` the part the API routes.
 */
export function publicPrefix(event: APIGatewayProxyEvent): string {
  const sent = event.requestContext?.path;
  if (typeof sent !== 'string' || !sent.endsWith(event.path)) return '';
  const prefix = sent.slice(0, sent.length - event.path.length);
  return prefix !== '/' && BASE_PATH_PATTERN.test(prefix) ? prefix : '';
}

export function createHandler(config: KeygateConfig, files: ReadonlyMap<string, ServedFile>) {
  const pageResource = `${config.basePath}/console`;
  const fileResource = `${config.basePath}/console/{file}`;
  const ownRoutes = config.routes.filter((r) => r.operation === undefined);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    if (event.httpMethod !== 'GET') return notFound(event);
    let name: string | undefined;
    if (event.resource === pageResource) {
      // `/console` → `/console/`, relative, so it holds under any stage or domain mapping.
      if (!event.path.endsWith('/')) return answer(301, '', { Location: 'console/', 'Cache-Control': NO_CACHE });
      name = 'index.html';
    } else if (event.resource === fileResource && !event.path.endsWith('/')) {
      name = event.pathParameters?.file;
    }
    if (name === 'config.json') {
      const body = consoleConfig({ ...config, routes: ownRoutes, publicPrefix: publicPrefix(event) });
      return answer(200, JSON.stringify(body), { 'Content-Type': CONTENT_TYPES['.json']!, 'Cache-Control': NO_CACHE });
    }
    const file = name === undefined ? undefined : files.get(name);
    if (!file) return notFound(event);
    return answer(200, file.body, { 'Content-Type': file.contentType, 'Cache-Control': file.cacheControl });
  };
}

let handle: ((event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) | undefined;

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  handle ??= createHandler(loadConfig(process.env), loadFiles(join(__dirname, 'static')));
  return handle(event);
}
