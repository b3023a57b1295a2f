/**
 * What the authorizer's bundle may hold: it loads on every cold start, so
 * the libraries measured out of it (docs/performance.md) stay out: no
 * Powertools, no middy, no zod, no lru-cache.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { LAMBDA_BUNDLE_OPTIONS, REPO_ROOT } from '../../scripts/lambda-bundles';

describe('Bundle: authorizer', () => {
  it('holds the AWS SDK and keygate code, and none of the libraries measured out of the cold start', async () => {
    // Act
    const { metafile } = await build({ ...LAMBDA_BUNDLE_OPTIONS, logLevel: 'error', absWorkingDir: REPO_ROOT, entryPoints: [join(REPO_ROOT, 'lambda/authorizer/handler.ts')], write: false, outdir: 'out', metafile: true });

    // Assess
    const packages = new Set(Object.keys(metafile.inputs).flatMap((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? []));
    expect(packages).toContain('@aws-sdk/client-dynamodb');
    const excluded = [...packages].filter((p) => p.startsWith('@aws-lambda-powertools/') || p.startsWith('@middy/') || p === 'zod' || p === 'lru-cache');
    expect(excluded).toEqual([]);
  });
});
