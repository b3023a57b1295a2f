/**
 * What the runner serves itself, before the gateway: the local console at
 * /_keygate/ and the app's OpenAPI document at /openapi.json. Each answers
 * GET or HEAD of exactly its path (any query); every other request goes to
 * the gateway emulation.
 */

/** A response the runner keeps ready: its headers and body. */
export interface StaticFile {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** A file served at one path, and how the request log names it. */
export interface ServedFile {
  readonly path: string;
  readonly file: StaticFile;
  readonly label: string;
}

/** The file for `method` and `url`, or undefined for every request the gateway answers. */
export function staticRoute(files: readonly ServedFile[], method: string, url: string): ServedFile | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const path = url.split('?')[0];
  return files.find((f) => f.path === path);
}
