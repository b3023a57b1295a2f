/**
 * `GET /openapi.json`: the OpenAPI document of the app the runner serves,
 * generated (lib/openapi.ts) from the settings its authorizer is given in the
 * template: that app's base path, routes, permissions, key prefixes and
 * cookie. Like the console, it is the runner's, not part of the template.
 */
import { loadConfig, type KeygateConfig } from '../lambda/shared/config';
import { openApiDocument } from '../lib/openapi';
import type { AppModel } from './model';

export const OPENAPI_PATH = '/openapi.json';

export interface OpenApiFile {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** The settings of the API's one authorizer, or undefined when it is not keygate's. */
function authorizerConfig(model: AppModel): KeygateConfig | undefined {
  const ids = new Set([...model.api.authorizers.values()].map((a) => a.functionId));
  const fn = ids.size === 1 ? model.functions.get([...ids][0]!) : undefined;
  if (!fn) return undefined;
  try {
    return loadConfig(fn.environment);
  } catch {
    return undefined;
  }
}

/** The served app's document as JSON, with this runner as its server; undefined for an API that is not keygate's. */
export function servedOpenApi(model: AppModel, base: string): OpenApiFile | undefined {
  const config = authorizerConfig(model);
  if (!config) return undefined;
  const document = openApiDocument({
    title: model.stackName,
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

/** The document for GET or HEAD of exactly /openapi.json (any query); undefined for every other request. */
export function openApiRoute(file: OpenApiFile | undefined, method: string, url: string): OpenApiFile | undefined {
  return file && url.split('?')[0] === OPENAPI_PATH && (method === 'GET' || method === 'HEAD') ? file : undefined;
}
