/**
 * Finds the stack template in a cloud assembly (cdk.out): manifest.json →
 * the `aws:cloudformation:stack` artifact → its template file. A path to a
 * template file works too; its assets are then looked up beside it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunnerError } from './errors';
import type { CfnTemplate } from './intrinsics';

export interface LoadedStack {
  readonly assemblyDir: string;
  readonly templatePath: string;
  readonly stackName: string;
  /** the stack's region when the app fixed one */
  readonly region?: string;
  readonly template: CfnTemplate;
}

interface Manifest {
  readonly artifacts?: Record<string, { type: string; environment?: string; displayName?: string; properties?: { templateFile?: string } }>;
}

export function loadStack(path: string, stackName?: string): LoadedStack {
  if (!existsSync(path)) throw new RunnerError(`${path} does not exist`, 'run `npx cdk synth`, or point KEYGATE_CDK_OUT at a cdk.out directory or a template file');
  if (statSync(path).isFile()) {
    return { assemblyDir: dirname(path), templatePath: path, stackName: stackName ?? 'local', template: readJson(path) as CfnTemplate };
  }
  const manifestPath = join(path, 'manifest.json');
  if (!existsSync(manifestPath)) throw new RunnerError(`${path} has no manifest.json, so it is not a cloud assembly`, 'run `npx cdk synth`');
  const manifest = readJson(manifestPath) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  const chosen = stackName ? stacks.filter(([id, a]) => id === stackName || a.displayName === stackName) : stacks;
  if (chosen.length !== 1) {
    const ids = stacks.map(([id]) => id).join(', ') || 'none';
    throw new RunnerError(
      stackName ? `no stack '${stackName}' in ${path} (stacks: ${ids})` : `${path} has ${stacks.length} stacks (${ids}); the runner serves one`,
      'set KEYGATE_STACK to the stack to run',
    );
  }
  const [id, artifact] = chosen[0]!;
  const templatePath = join(path, artifact.properties?.templateFile ?? `${id}.template.json`);
  const region = /^aws:\/\/[^/]+\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
  return {
    assemblyDir: path,
    templatePath,
    stackName: id,
    ...(region && region !== 'unknown-region' ? { region } : {}),
    template: readJson(templatePath) as CfnTemplate,
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RunnerError(`cannot read ${path}: ${(err as Error).message}`, 'run `npx cdk synth` again');
  }
}
