/**
 * How API Gateway judges an authorizer's policy for one request: a statement
 * applies when one of its actions covers `execute-api:Invoke` and one of its
 * resources covers the method ARN (IAM wildcards `*` and `?`). An explicit
 * Deny wins over any Allow; no Allow at all is a deny too.
 */
import { arnMatches } from '../lambda/core/policy';

export type Verdict = 'allow' | 'explicit-deny' | 'implicit-deny';

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** Whether a value has the shape API Gateway accepts as a policy document. */
export function isPolicyDocument(doc: unknown): boolean {
  if (!doc || typeof doc !== 'object') return false;
  const statements = (doc as { Statement?: unknown }).Statement;
  return Array.isArray(statements) ? statements.every((s) => s && typeof s === 'object') : !!statements && typeof statements === 'object';
}

export function evaluatePolicy(doc: unknown, methodArn: string): Verdict {
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = (Array.isArray(raw) ? raw : [raw]) as Statement[];
  let allowed = false;
  for (const s of statements) {
    // Actions are case-insensitive in IAM, resources are not.
    const action = list(s.Action).some((a) => arnMatches(a.toLowerCase(), 'execute-api:invoke'));
    const resource = list(s.Resource).some((r) => arnMatches(r, methodArn));
    if (!action || !resource) continue;
    if (s.Effect === 'Deny') return 'explicit-deny';
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
