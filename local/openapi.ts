/**
 * `GET /openapi.json`: the OpenAPI document of the app the runner serves,
 * generated (local/openapi-document.ts) from the settings its authorizer is given in the
 * template (read by served-app.ts): that app's base path, routes,
 * permissions, key prefixes and cookie. Like the console, it is the
 * runner's, not part of the template.
 */
import type { KeygateConfig } from '../lambda/shared/config';
import { openApiDocument } from './openapi-document';
import type { StaticFile } from './static-files';

export const OPENAPI_PATH = '/openapi.json';


/** The served app's document as JSON (its settings: local/served-app.ts), with this runner as its server. */
export function servedOpenApi(config: KeygateConfig, title: string, base: string): StaticFile {
  const document = openApiDocument({
    title,
    version: 'local',
    basePath: config.basePath,
    routes: config.routes,
    permissions: config.permissions,
    prefixes: config.prefixes,
    cookieName: config.cookieName,
    servers: [{ url: base, description: 'The local runner.' }],
  });
  const body = Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8');
  return {
    headers: [
      ['content-type', 'application/json; charset=utf-8'],
      ['content-length', String(body.length)],
    ],
    body,
  };
}
