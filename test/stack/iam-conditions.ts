/**
 * A small evaluator of identity-policy statements, enough to judge a
 * DynamoDB request against a synthesized grant: Allow statements only (a
 * role with no Allow for a request is refused), actions with `*`, the
 * resource compared as the template writes it, and the condition operators
 * keygate's grants use. An operator it does not know fails the test rather
 * than being skipped.
 */
import type { BatchGetItemCommandInput, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** The request as IAM sees it: the action, the resource, and the condition keys with their values (absent: not in the request). */
export interface IamRequest {
  readonly action: string;
  readonly resource: unknown;
  readonly keys: Readonly<Record<string, readonly string[] | undefined>>;
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const wildcard = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

function conditionHolds(operator: string, key: string, allowed: string[], present: readonly string[] | undefined): boolean {
  switch (operator) {
    // Every value of the request is allowed; a request without the key passes (IAM's rule for ForAllValues).
    case 'ForAllValues:StringEquals':
      return (present ?? []).every((v) => allowed.includes(v));
    // The key has to be in the request, with an allowed value.
    case 'StringEquals':
      return present !== undefined && present.length > 0 && present.every((v) => allowed.includes(v));
    // Like StringEquals, but a request without the key passes.
    case 'StringEqualsIfExists':
      return present === undefined || present.every((v) => allowed.includes(v));
    default:
      throw new Error(`the evaluator does not know the condition operator ${operator} (key ${key})`);
  }
}

/** Whether some Allow statement covers the request with all its conditions. */
export function allows(statements: readonly Statement[], request: IamRequest): boolean {
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (!list(s.Action).some((a) => wildcard(a).test(request.action))) return false;
    if (JSON.stringify(s.Resource) !== JSON.stringify(request.resource) && s.Resource !== '*') return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, allowed]) => conditionHolds(operator, key, list(allowed), request.keys[key])),
    );
  });
}

/**
 * The condition keys DynamoDB sets for a BatchGetItem on one table:
 * `dynamodb:Attributes` are the key attributes and the attributes the
 * request names (AttributesToGet or ProjectionExpression); `dynamodb:Select`
 * is SPECIFIC_ATTRIBUTES when it names some, else ALL_ATTRIBUTES (a read
 * has a Select value always, ALL_ATTRIBUTES unless told otherwise: DynamoDB
 * Developer Guide, "Using IAM policy conditions for fine-grained access
 * control").
 */
export function batchGetItemRequest(input: BatchGetItemCommandInput, resource: unknown): IamRequest {
  const [table] = Object.values(input.RequestItems ?? {});
  if (!table) throw new Error('no table in the request');
  const names = new Map(Object.entries(table.ExpressionAttributeNames ?? {}));
  const projected = table.ProjectionExpression?.split(',').map((p) => p.trim()).map((p) => names.get(p) ?? p) ?? [];
  const named = [...(table.AttributesToGet ?? []), ...projected];
  const keyAttributes = (table.Keys ?? []).flatMap((k) => Object.keys(k));
  return {
    action: 'dynamodb:BatchGetItem',
    resource,
    keys: {
      'dynamodb:Attributes': [...new Set([...keyAttributes, ...named])],
      'dynamodb:Select': [named.length > 0 ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES'],
    },
  };
}

/** Words of the expression grammar that are not attribute names. */
const EXPRESSION_WORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append']);

/**
 * The condition keys DynamoDB sets for an UpdateItem: `dynamodb:Attributes`
 * are the key attributes and every top-level attribute its update and
 * condition expressions name (`#name` placeholders resolved, `:value`
 * placeholders and the grammar's words left out); `dynamodb:ReturnValues`
 * only when the request sets it.
 */
export function updateItemRequest(input: UpdateItemCommandInput, resource: unknown): IamRequest {
  const names = input.ExpressionAttributeNames ?? {};
  const named = `${input.UpdateExpression ?? ''} ${input.ConditionExpression ?? ''}`
    .match(/(?<![:\w#])#?[A-Za-z_]\w*/g)!
    .filter((w) => !EXPRESSION_WORDS.has(w))
    .map((w) => (w.startsWith('#') ? names[w]! : w));
  return {
    action: 'dynamodb:UpdateItem',
    resource,
    keys: {
      'dynamodb:Attributes': [...new Set([...Object.keys(input.Key ?? {}), ...named])],
      'dynamodb:ReturnValues': input.ReturnValues ? [input.ReturnValues] : undefined,
    },
  };
}
