/**
 * keygate's own Lambdas ship pre-built: `npm run build` bundles each handler
 * below into `dist/assets/<name>/index.js` (scripts/lambda-bundles.ts), and
 * the construct loads that folder with `lambda.Code.fromAsset`. So a consumer
 * bundles nothing of keygate's, and no entry path resolves against the
 * consumer's folder.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ManagementFunctionName } from '../lambda/core/management-routes';
import { MANAGEMENT_FUNCTIONS } from '../lambda/core/management-functions';

/** The keygate Lambdas: the authorizer, one per management function, and the console's. */
export type KeygateLambdaName = 'authorizer' | ManagementFunctionName | 'console';

/** Handler file of each keygate Lambda, relative to the package root. */
export const KEYGATE_LAMBDAS: Readonly<Record<KeygateLambdaName, string>> = {
  authorizer: 'lambda/authorizer/handler.ts',
  ...(Object.fromEntries(Object.entries(MANAGEMENT_FUNCTIONS).map(([name, f]) => [name, f.entry])) as Record<ManagementFunctionName, string>),
  console: 'lambda/console/handler.ts',
};

/**
 * The package root: the first folder above this file with a package.json
 * (the repository from `lib/`, the installed package from `dist/lib/`).
 */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`keygate: no package.json above ${__dirname}`);
  }
}

/** The folder of a pre-built keygate Lambda, refused clearly when the package was not built. */
export function keygateAssetPath(name: string): string {
  const dir = join(packageRoot(), 'dist', 'assets', name);
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(`keygate: the bundle of the '${name}' Lambda is missing (${dir}); run \`npm run build\` in the keygate package`);
  }
  return dir;
}
