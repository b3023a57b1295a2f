/** Helpers for the template tests: the app as bin/app.ts builds it, and methods found by route. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** A new App with the context of cdk.json (feature flags, validateAgainstDefaultRules, keygate:*). */
export function appWithCdkJsonContext(extra: Record<string, unknown> = {}): App {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return new App({ context: { ...cdkJson.context, ...extra } });
}

/** Every AWS::ApiGateway::Method of a template, by `METHOD /resource/path`. */
export function methodsByRoute(template: Template): Map<string, Record<string, unknown>> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const pathOf = (logicalId: string): string => {
    const r = resources[logicalId];
    if (!r || r.Type !== 'AWS::ApiGateway::Resource') return '';
    const parent = r.Properties!.ParentId as { Ref?: string };
    return `${parent.Ref ? pathOf(parent.Ref) : ''}/${r.Properties!.PathPart as string}`;
  };
  const out = new Map<string, Record<string, unknown>>();
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::ApiGateway::Method') continue;
    const props = r.Properties!;
    const resourceId = props.ResourceId as { Ref?: string };
    out.set(`${props.HttpMethod as string} ${resourceId.Ref ? pathOf(resourceId.Ref) : '/'}`, props);
  }
  return out;
}

/** The single logical id of a resource type, failing if there is not exactly one. */
export function onlyLogicalId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}
