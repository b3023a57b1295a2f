/**
 * keygate's own Lambdas ship pre-built: `npm run build` bundles each handler
 * below into `dist/assets/<name>/index.js` (scripts/lambda-bundles.ts), and
 * the construct loads that folder with `lambda.Code.fromAsset`. So a consumer
 * bundles nothing of keygate's, and no entry path resolves against the
 * consumer's folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SETTINGS_FILE } from '../lambda/core/settings';
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

/**
 * The folder a keygate Lambda is deployed from: its pre-built bundle and
 * the deployment's settings file (`SETTINGS_FILE`, core/settings.ts) side by
 * side. Made at synth in the system's temporary folder, named by the bundle
 * folder, its entries and the file's text, so the same app synthesizes into the same
 * folder; the bundle's files are symbolic links (`Code.fromAsset` follows
 * them), so a rebuilt bundle is never staled by an old copy. The asset's hash
 * covers the settings file: a changed route table is a new Lambda version.
 */
export function keygateAssetWithSettings(name: string, settingsFile: string): string {
  const bundle = keygateAssetPath(name);
  const entries = readdirSync(bundle);
  const id = createHash('sha256').update([bundle, ...entries, settingsFile].join('\0')).digest('hex').slice(0, 24);
  // One folder per system user: another's would not be writable.
  const root = join(tmpdir(), `keygate-assets-${process.getuid?.() ?? 'user'}`);
  const dir = join(root, `${name}-${id}`);
  if (existsSync(join(dir, SETTINGS_FILE))) return dir;
  mkdirSync(root, { recursive: true });
  // Built aside and renamed into place, so a parallel synth never sees half a folder.
  const building = mkdtempSync(join(root, `.${name}-`));
  for (const entry of entries) symlinkSync(join(bundle, entry), join(building, entry));
  writeFileSync(join(building, SETTINGS_FILE), settingsFile);
  try {
    renameSync(building, dir);
  } catch (err) {
    // Another synth put the same folder there first.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(dir, SETTINGS_FILE))) throw err;
  }
  return dir;
}
