/**
 * Finds the stack template in a cloud assembly (cdk.out): manifest.json →
 * the `aws:cloudformation:stack` artifact → its template file. A path to a
 * template file works too; its assets are then looked up beside it.
 * Nested stacks (`AWS::CloudFormation::Stack` with its template file in the
 * assembly) are read into the parent's template, their parameters replaced
 * by what the parent passes, so the runner serves one API whose methods
 * live in nested stacks (keygate's large route tables).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunnerError } from './errors';
import type { CfnResource, CfnTemplate } from './intrinsics';

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
    template: inlineNestedStacks(readJson(templatePath) as CfnTemplate, path),
  };
}

/**
 * The template with each nested stack's resources in it: a `Ref` to one of
 * the nested template's parameters becomes the parent's value for it (or
 * the parameter's Default). A logical id in both templates is refused
 * rather than guessed.
 */
export function inlineNestedStacks(template: CfnTemplate, assemblyDir: string): CfnTemplate {
  const resources: Record<string, CfnResource> = {};
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudFormation::Stack') {
      resources[id] = r;
      continue;
    }
    const file = r.Metadata?.['aws:asset:path'];
    if (typeof file !== 'string') throw new RunnerError(`nested stack ${id} has no 'aws:asset:path' metadata, so its template file is unknown`, 'synthesize with asset metadata (`cdk synth` does by default)');
    const nested = inlineNestedStacks(readJson(join(assemblyDir, file)) as CfnTemplate, assemblyDir);
    const passed = (r.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const value = (name: string): unknown => (name in passed ? passed[name] : nested.Parameters?.[name]?.Default);
    const params = new Set(Object.keys(nested.Parameters ?? {}));
    const substitute = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(substitute);
      if (v === null || typeof v !== 'object') return v;
      const obj = v as Record<string, unknown>;
      if (typeof obj.Ref === 'string' && params.has(obj.Ref) && Object.keys(obj).length === 1) return value(obj.Ref);
      return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, substitute(x)]));
    };
    for (const [nid, nr] of Object.entries(nested.Resources ?? {})) {
      if (nid in resources || nid in (template.Resources ?? {})) throw new RunnerError(`nested stack ${id} (${file}) and its parent both have a resource ${nid}`, 'the runner reads nested stacks into their parent: rename one');
      resources[nid] = substitute(nr) as CfnResource;
    }
  }
  return { ...template, Resources: resources };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RunnerError(`cannot read ${path}: ${(err as Error).message}`, 'run `npx cdk synth` again');
  }
}
