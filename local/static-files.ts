/**
 * What the runner serves itself, before the gateway: a redirect from
 * /_keygate/ (the old local console) to the console the template serves,
 * and the app's OpenAPI document at /openapi.json. Each answers
 * GET or HEAD of exactly its path (any query); every other request goes to
 * the gateway emulation.
 */

/** A response the runner keeps ready: its status (200 unless given), headers and body. */
export interface StaticFile {
  readonly status?: number;
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
