/**
 * Just enough of CloudFormation's intrinsic functions to resolve what a
 * function's environment and an integration URI contain locally: Ref and
 * Fn::GetAtt of tables, functions and the REST API, pseudo parameters,
 * Fn::Join, Fn::Sub, Fn::Select and Fn::Split. Anything else is refused with
 * the resource that uses it, so the runner never guesses a value.
 */
import { TemplateError } from './errors';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
}

export interface Pseudo {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
}

/** The local name or value of a resource (`Ref`) and of its attributes (`Fn::GetAtt`). */
export interface Names {
  ref(logicalId: string): string | undefined;
  getAtt(logicalId: string, attribute: string): string | undefined;
}

export function resolve(value: unknown, names: Names, pseudo: Pseudo, where: string): unknown {
  const again = (v: unknown) => resolve(v, names, pseudo, where);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(again);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length !== 1 || !(keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
    return Object.fromEntries(keys.map((k) => [k, again(obj[k])]));
  }
  const fn = keys[0]!;
  const arg = obj[fn];
  switch (fn) {
    case 'Ref':
      return ref(String(arg), names, pseudo, where);
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
      const v = names.getAtt(id!, attr!);
      if (v === undefined) throw new TemplateError(where, `cannot resolve Fn::GetAtt ${id}.${attr} locally`);
      return v;
    }
    case 'Fn::Join': {
      const [sep, list] = arg as [string, unknown];
      return (again(list) as unknown[]).map(String).join(sep);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      return (again(list) as unknown[])[Number(again(index))];
    }
    case 'Fn::Split': {
      const [sep, source] = arg as [string, unknown];
      return String(again(source)).split(sep);
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
      return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
        if (name in vars) return String(again(vars[name]));
        const dot = name.indexOf('.');
        return dot > 0 ? String(again({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] })) : ref(name, names, pseudo, where);
      });
    }
    default:
      throw new TemplateError(where, `${fn} is not resolved by the local runner`);
  }
}

function ref(id: string, names: Names, pseudo: Pseudo, where: string): string {
  switch (id) {
    case 'AWS::Region':
      return pseudo.region;
    case 'AWS::AccountId':
      return pseudo.account;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return pseudo.stackName;
  }
  const v = names.ref(id);
  if (v === undefined) throw new TemplateError(where, `cannot resolve Ref ${id} locally`);
  return v;
}

/** The logical ids of Lambda functions an integration or authorizer URI points at. */
export function referencedFunctions(uri: unknown, template: CfnTemplate): string[] {
  const found = new Set<string>();
  const isFunction = (id: string) => template.Resources[id]?.Type === 'AWS::Lambda::Function';
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\$\{([A-Za-z0-9]+)\.Arn\}/g)) if (isFunction(m[1]!)) found.add(m[1]!);
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      const getAtt = (v as Record<string, unknown>)['Fn::GetAtt'];
      if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && isFunction(String(getAtt[0]))) found.add(String(getAtt[0]));
      Object.values(v).forEach(walk);
    }
  };
  walk(uri);
  return [...found];
}
