/**
 * docs/openapi.yaml against the code, so the document cannot drift silently:
 * the route table and permission catalog (operations, `x-keygate-needs`,
 * security), the zod request schemas, every error code the code can answer
 * with, and the answers of the real handlers behind the real authorizer on
 * DynamoDB Local (every status they give is documented for the operation, and
 * every body matches its schema with no undocumented property).
 *
 * The YAML parser is js-yaml, which is only a transitive dependency (of jest,
 * through babel-plugin-istanbul) and ships no types: it is loaded with
 * `require` and the two members used here are typed below.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { keyGrantable } from '../../lambda/core/catalog';
import { REFERENCE_CATALOG, REFERENCE_ROUTES } from '../../lib/reference-app';
import type { Refusal } from '../../lambda/core/decision';
import { MIN_PASSWORD_LENGTH } from '../../lambda/core/password';
import { generateToken, newId } from '../../lambda/core/token';
import { createHandler } from '../../lambda/example/handler';
import type { AuditAction } from '../../lambda/management/audit';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from '../../lambda/management/auth-routes';
import type { VerifyAnswer } from '../../lambda/management/key-service';
import { createKeyBody, createUserBody, loginBody, passwordBody, renameKeyBody, rotateKeyBody, updateUserBody, verifyBody } from '../../lambda/management/schemas';
import type { KeyStatus } from '../../lambda/management/views';
import { DEFAULT_COOKIE_NAME } from '../../lambda/shared/config';
import type { ErrorCode } from '../../lambda/shared/errors';
import type { AuditAuthMethod } from '../../lambda/store/account-records';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { gatewayResponses } from '../../lib/keygate-api';

const GATEWAY_RESPONSES = gatewayResponses('/v1/auth/verify');
import { authorizerEvent } from '../support/authorizer-events';
import { ManagementApi, ORIGIN, loadHandlers, makeUser, managementEnv, proxyEvent, type ApiResponse, type CallOptions, type TestUser } from '../support/management-api';
import { closeTable, openTable } from '../support/table';

const yaml = require('js-yaml') as { load(text: string, options: { schema: unknown }): unknown; CORE_SCHEMA: unknown };

type Node = { [key: string]: unknown };

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
function node(v: unknown, what = 'value'): Node {
  if (!isNode(v)) throw new Error(`${what} is not an object: ${JSON.stringify(v)}`);
  return v;
}
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const sorted = (values: Iterable<unknown>) => [...values].map(String).sort();

// The CORE schema: no timestamps or other YAML 1.1 surprises, nothing executable.
const doc = node(yaml.load(readFileSync(join(__dirname, '../../docs/openapi.yaml'), 'utf8'), { schema: yaml.CORE_SCHEMA }), 'the document');

/** A local JSON pointer (`#/components/...`); anything else is an error. */
function pointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`$ref '${ref}' is not local`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((at, key) => (isNode(at) || Array.isArray(at) ? (at as Node)[key] : undefined), doc);
}

/** Follows `$ref`s to the object they name (sibling keywords of a `$ref` are only annotations here). */
function deref(v: unknown): Node {
  let at = v;
  for (let hops = 0; isNode(at) && typeof at.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error('$ref cycle');
    at = pointer(at.$ref);
  }
  return node(at, 'a dereferenced node');
}

/** Every `$ref` string in a value, with where it is. */
function refsIn(v: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(v)) return v.flatMap((item, i) => refsIn(item, `${at}/${i}`));
  if (!isNode(v)) return [];
  return Object.entries(v).flatMap(([k, item]) => (k === '$ref' && typeof item === 'string' ? [{ at, ref: item }] : refsIn(item, `${at}/${k}`)));
}

const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'] as const;

interface Operation {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly op: Node;
  readonly pathItem: Node;
}

const operations: Operation[] = Object.entries(node(doc.paths, 'paths')).flatMap(([path, item]) =>
  HTTP_METHODS.filter((m) => m in node(item)).map((m) => ({ id: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op: node(node(item)[m]), pathItem: node(item) })),
);

function operation(method: string, path: string): Operation {
  const found = operations.find((o) => o.method === method && o.path === path);
  if (!found) throw new Error(`docs/openapi.yaml has no operation ${method} ${path}`);
  return found;
}

const responsesOf = (o: Operation): Node => node(o.op.responses, `${o.id} responses`);
const jsonSchemaOf = (response: Node): unknown => (isNode(response.content) ? node(response.content['application/json'], 'application/json').schema : undefined);

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const catalog = new Map<string, { grant: string }>(REFERENCE_CATALOG.map((p) => [p.name, p]));
const sessionOnly = (needs: string) => catalog.get(needs)?.grant === 'session' || catalog.get(needs)?.grant === 'admin';
const routeId = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

// ---------------------------------------------------------------------------
// Every code the implementation can answer with. `satisfies Record<…>` makes
// `npm run lint` fail when a union gains or loses a member, so these lists
// cannot go stale either.

const MANAGEMENT_ERROR_CODES = {
  validation: true,
  unauthorized: true,
  missing_permission: true,
  csrf_rejected: true,
  not_found: true,
  conflict: true,
  too_many_attempts: true,
  internal_error: true,
} satisfies Record<ErrorCode, true>;
const REFUSAL_CODES = { missing_permission: true, csrf_rejected: true, unknown_route: true } satisfies Record<Refusal['code'], true>;
const VERIFY_CODES = { malformed_key: true, invalid_key: true, key_revoked: true, key_expired: true } satisfies Record<
  Extract<VerifyAnswer, { valid: false }>['error_code'],
  true
>;
const AUDIT_ACTIONS = {
  login: true,
  logout: true,
  session_ended: true,
  password_changed: true,
  key_created: true,
  key_renamed: true,
  key_rotated: true,
  key_revoked: true,
  user_created: true,
  user_disabled: true,
  user_enabled: true,
} satisfies Record<AuditAction, true>;
const AUDIT_AUTH_METHODS = { session: true, api_key: true, password: true, cli: true } satisfies Record<AuditAuthMethod, true>;
const KEY_STATUSES = { active: true, grace_period: true, revoked: true, expired: true } satisfies Record<KeyStatus, true>;

/** Codes of the gateway responses whose code is a literal (ACCESS_DENIED prints the authorizer's refusal code). */
const GATEWAY_CODES = GATEWAY_RESPONSES.filter((r) => !r.code.includes('$context')).map((r) => JSON.parse(r.code) as string);

const errorSchema = node(node(node(doc.components).schemas).Error, 'schemas.Error');
const errorEnum = list(node(node(errorSchema.properties).error_code).enum).map(String);

/** The error codes a response allows: the Error enum, narrowed by any `error_code` const/enum next to it in an allOf. */
function errorCodesOf(response: Node): string[] {
  const schema = node(jsonSchemaOf(response), 'error schema');
  const parts = Array.isArray(schema.allOf) ? schema.allOf : [schema];
  let codes = [...errorEnum];
  for (const part of parts) {
    const props = deref(part).properties;
    const ec = isNode(props) && isNode(props.error_code) ? props.error_code : undefined;
    if (!ec) continue;
    const allowed = 'const' in ec ? [ec.const] : list(ec.enum);
    codes = codes.filter((c) => allowed.includes(c));
  }
  return codes;
}

/** Whether a response's body is the one Error schema (directly, or narrowed with allOf). */
function usesErrorSchema(response: Node): boolean {
  const schema = jsonSchemaOf(response);
  if (!isNode(schema)) return false;
  const parts = Array.isArray(schema.allOf) ? schema.allOf : [schema];
  return parts.some((p) => isNode(p) && p.$ref === '#/components/schemas/Error');
}

// ---------------------------------------------------------------------------
// A small JSON Schema checker, enough for this document's response schemas:
// $ref, allOf, oneOf, type (and type lists), const, enum, properties,
// required, additionalProperties, items, string and number limits, pattern,
// date-time. `strict`: an object may hold no property its schema does not name.

const hasType = (v: unknown, type: unknown): boolean =>
  type === 'null' ? v === null
  : type === 'integer' ? Number.isInteger(v)
  : type === 'array' ? Array.isArray(v)
  : type === 'object' ? isNode(v)
  : typeof v === type;

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The property names an object schema documents, through allOf. */
function knownProperties(schema: Node): Set<string> {
  const names = new Set(isNode(schema.properties) ? Object.keys(schema.properties) : []);
  for (const part of list(schema.allOf)) for (const n of knownProperties(deref(part))) names.add(n);
  return names;
}

function check(value: unknown, schemaRef: unknown, at: string, problems: string[], strict = true): void {
  const s = deref(schemaRef);
  if ('const' in s && value !== s.const) problems.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  if (s.type !== undefined && ![s.type].flat().some((t) => hasType(value, t))) {
    problems.push(`${at}: ${JSON.stringify(value)} is not of type ${JSON.stringify(s.type)}`);
    return;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) problems.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) problems.push(`${at}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) problems.push(`${at}: '${value}' does not match ${s.pattern}`);
    if (s.format === 'date-time' && !DATE_TIME.test(value)) problems.push(`${at}: '${value}' is not a date-time`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) problems.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) problems.push(`${at}: above ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((item, i) => check(item, s.items, `${at}[${i}]`, problems));
  if (isNode(value)) {
    for (const name of list(s.required)) if (!(String(name) in value)) problems.push(`${at}: required property '${String(name)}' is missing`);
    const props = isNode(s.properties) ? s.properties : {};
    const known = knownProperties(s);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) check(v, props[k], `${at}.${k}`, problems);
      else if (isNode(s.additionalProperties)) check(v, s.additionalProperties, `${at}.${k}`, problems);
      else if (s.additionalProperties === false || (strict && known.size > 0 && !known.has(k))) problems.push(`${at}: property '${k}' is not documented`);
    }
  }
  for (const part of list(s.allOf)) check(value, part, at, problems, false);
  if (Array.isArray(s.oneOf)) {
    const matching = s.oneOf.filter((branch) => {
      const p: string[] = [];
      check(value, branch, at, p, strict);
      return p.length === 0;
    });
    if (matching.length !== 1) problems.push(`${at}: matches ${matching.length} of the oneOf branches, not 1`);
  }
}

// ---------------------------------------------------------------------------
// zod request schema vs. the documented request body.

/** The keywords compared; the document may add annotations (description, default, examples, if/then). */
const COMPARED = ['type', 'minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'enum', 'format'] as const;

/** Rules checked in the services rather than in zod, which the document states: its value, not zod's, is expected. */
const SERVICE_RULES: Record<string, unknown> = {
  'POST /v1/users/me/password body.newPassword.minLength': MIN_PASSWORD_LENGTH,
  'POST /v1/admin/users body.password.minLength': MIN_PASSWORD_LENGTH,
  'POST /v1/keys body.permissions.items.enum': keyGrantable(REFERENCE_CATALOG),
  'POST /v1/admin/users/{userId}/keys body.permissions.items.enum': keyGrantable(REFERENCE_CATALOG),
};

const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  'POST /v1/auth/login': loginBody,
  'POST /v1/auth/verify': verifyBody,
  // auth-routes.ts: logout takes no field at all
  'POST /v1/auth/logout': z.strictObject({}),
  'POST /v1/users/me/password': passwordBody,
  'POST /v1/keys': createKeyBody,
  'PATCH /v1/keys/{keyId}': renameKeyBody,
  'POST /v1/keys/{keyId}/rotate': rotateKeyBody,
  'POST /v1/admin/users': createUserBody,
  'PATCH /v1/admin/users/{userId}': updateUserBody,
  'POST /v1/admin/users/{userId}/keys': createKeyBody,
};

/** Whether two regular expressions accept the same single characters (over the BMP's first 12k code points) and a few strings. */
function samePattern(a: string, b: string): boolean {
  const ra = new RegExp(a, 'u');
  const rb = new RegExp(b, 'u');
  const samples = ['', 'a name', 'x'.repeat(200)];
  for (let cp = 0; cp < 0x3000; cp++) samples.push(String.fromCodePoint(cp), `ok${String.fromCodePoint(cp)}ok`);
  return samples.every((s) => ra.test(s) === rb.test(s));
}

function compareWithZod(documented: unknown, zodJson: Node, at: string, problems: string[]): void {
  const d = deref(documented);
  for (const keyword of COMPARED) {
    const rule = SERVICE_RULES[`${at}.${keyword}`];
    const expected = rule ?? zodJson[keyword];
    if (expected === undefined && d[keyword] === undefined) continue;
    const same = keyword === 'enum' ? JSON.stringify(sorted(list(expected))) === JSON.stringify(sorted(list(d[keyword]))) : JSON.stringify(expected) === JSON.stringify(d[keyword]);
    if (!same) problems.push(`${at}.${keyword}: documented ${JSON.stringify(d[keyword])}, code says ${JSON.stringify(expected)}`);
  }
  if (typeof zodJson.pattern === 'string' && zodJson.format !== 'email') {
    if (typeof d.pattern !== 'string' || !samePattern(d.pattern, zodJson.pattern)) problems.push(`${at}.pattern: documented ${String(d.pattern)}, code says ${zodJson.pattern}`);
  }
  if (zodJson.type === 'object') {
    if (d.additionalProperties !== zodJson.additionalProperties) problems.push(`${at}.additionalProperties: documented ${String(d.additionalProperties)}, code says ${String(zodJson.additionalProperties)}`);
    if (JSON.stringify(sorted(list(d.required))) !== JSON.stringify(sorted(list(zodJson.required)))) {
      problems.push(`${at}.required: documented ${JSON.stringify(d.required ?? [])}, code says ${JSON.stringify(zodJson.required ?? [])}`);
    }
    const dProps = isNode(d.properties) ? d.properties : {};
    const zProps = isNode(zodJson.properties) ? zodJson.properties : {};
    if (JSON.stringify(sorted(Object.keys(dProps))) !== JSON.stringify(sorted(Object.keys(zProps)))) {
      problems.push(`${at}.properties: documented ${sorted(Object.keys(dProps)).join(', ')}, code says ${sorted(Object.keys(zProps)).join(', ')}`);
    }
    for (const [name, zProp] of Object.entries(zProps)) if (name in dProps) compareWithZod(dProps[name], node(zProp), `${at}.${name}`, problems);
  }
  if (isNode(zodJson.items)) compareWithZod(d.items, zodJson.items, `${at}.items`, problems);
}

// ---------------------------------------------------------------------------

describe('Document: openapi.yaml', () => {
  describe('Structure', () => {
    it('is OpenAPI 3.1 with the bearerKey and sessionCookie schemes', () => {
      expect(String(doc.openapi)).toMatch(/^3\.1\.\d+$/);
      const schemes = node(node(doc.components).securitySchemes);
      expect(schemes.bearerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(schemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: DEFAULT_COOKIE_NAME });
    });

    it('resolves every $ref inside the document', () => {
      const broken = refsIn(doc).filter(({ ref }) => !ref.startsWith('#/') || pointer(ref) === undefined);
      expect(broken).toEqual([]);
    });

    it('uses every component it defines (security schemes through `security`)', () => {
      const used = new Set(refsIn(doc).map(({ ref }) => ref));
      const unused = Object.entries(node(doc.components))
        .filter(([section]) => section !== 'securitySchemes')
        .flatMap(([section, entries]) => Object.keys(node(entries)).map((name) => `#/components/${section}/${name}`))
        .filter((ref) => !used.has(ref));
      expect(unused).toEqual([]);
    });

    it('gives every operation a unique operationId', () => {
      const ids = operations.map((o) => o.op.operationId);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe('Routes', () => {
    it('has exactly the operations of REFERENCE_ROUTES', () => {
      expect(sorted(operations.map((o) => o.id))).toEqual(sorted(REFERENCE_ROUTES.map(routeId)));
    });

    it.each(REFERENCE_ROUTES.map((r) => [routeId(r), r] as const))('%s: x-keygate-needs, security and path parameters follow the route table', (_id, route) => {
      const o = operation(route.method, route.path);

      // x-keygate-needs is the route's requirement
      expect(o.op['x-keygate-needs']).toBe(route.needs);

      // security: none for public routes, the cookie only for session-only permissions, else key or cookie
      const security = list(o.op.security).map((req) => sorted(Object.keys(node(req))).join('+'));
      if (route.needs === 'public') expect(o.op.security).toEqual([]);
      else if (sessionOnly(route.needs)) expect(security).toEqual(['sessionCookie']);
      else expect(sorted(security)).toEqual(['bearerKey', 'sessionCookie']);
      for (const req of list(o.op.security)) for (const scopes of Object.values(node(req))) expect(scopes).toEqual([]);

      // every {name} of the path is a required path parameter, and nothing else is
      const params = [...list(o.pathItem.parameters), ...list(o.op.parameters)].map((p) => deref(p));
      const pathParams = params.filter((p) => p.in === 'path');
      expect(sorted(pathParams.map((p) => p.name))).toEqual(sorted([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
      for (const p of pathParams) expect(p.required).toBe(true);
    });

    it.each(REFERENCE_ROUTES.map((r) => [routeId(r), r] as const))('%s: documents the 401 and 403 its requirement can cause', (_id, route) => {
      const responses = responsesOf(operation(route.method, route.path));
      const r401 = responses['401'] === undefined ? undefined : deref(responses['401']);
      const r403 = responses['403'] === undefined ? undefined : deref(responses['403']);

      if (route.needs !== 'public') {
        // the authorizer's 401, with WWW-Authenticate
        expect(r401).toBeDefined();
        expect(errorCodesOf(r401!)).toEqual(['unauthorized']);
        expect(Object.keys(node(r401!.headers ?? {}))).toContain('WWW-Authenticate');
      }
      const expected403 = [
        ...(route.needs !== 'public' && route.needs !== 'authenticated' ? ['missing_permission'] : []),
        ...(route.needs !== 'public' && UNSAFE.has(route.method) ? ['csrf_rejected'] : []),
        // login refuses a foreign Origin itself (login CSRF)
        ...(route.path === '/v1/auth/login' ? ['csrf_rejected'] : []),
      ];
      if (expected403.length === 0) expect(r403).toBeUndefined();
      else expect(sorted(errorCodesOf(r403!))).toEqual(sorted(expected403));
    });
  });

  describe('Permissions', () => {
    const createKeySchema = deref(node(node(node(operation('POST', '/v1/keys').op.requestBody).content)['application/json']).schema);
    const permissions = deref(node(createKeySchema.properties).permissions);

    it('lets a key ask for exactly the key-grantable permissions, each described', () => {
      const grantable = keyGrantable(REFERENCE_CATALOG);
      expect(sorted(list(deref(permissions.items).enum))).toEqual(sorted(grantable));
      for (const name of grantable) expect(String(permissions.description)).toContain(`\`${name}\``);
    });

    it('names every session-only permission as refused, and offers none of them', () => {
      const notForKeys = REFERENCE_CATALOG.filter((p) => p.grant !== 'key').map((p) => p.name);
      for (const name of notForKeys) {
        expect(String(permissions.description)).toContain(`\`${name}\``);
        expect(list(deref(permissions.items).enum)).not.toContain(name);
      }
    });
  });

  describe('Request bodies', () => {
    it('documents a body exactly for the management routes that read one', () => {
      const withBody = operations.filter((o) => o.op.requestBody !== undefined && REFERENCE_ROUTES.find((r) => routeId(r) === o.id)?.target !== 'example');
      expect(sorted(withBody.map((o) => o.id))).toEqual(sorted(Object.keys(REQUEST_SCHEMAS)));
    });

    it.each(Object.entries(REQUEST_SCHEMAS))('%s: matches its zod schema', (id, schema) => {
      const [method, path] = id.split(' ') as [string, string];
      const requestBody = deref(operation(method, path).op.requestBody);
      const zodJson = node(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
      const problems: string[] = [];

      compareWithZod(node(node(requestBody.content)['application/json']).schema, zodJson, `${id} body`, problems);

      expect(problems).toEqual([]);
      // An empty body counts as {}: the body is optional exactly when no field is required.
      expect(requestBody.required === true).toBe(list(zodJson.required).length > 0);
    });

    it('documents the audit page limits of auth-routes.ts', () => {
      const limit = deref(list(operation('GET', '/v1/auth/audit').op.parameters).map((p) => deref(p)).find((p) => p.name === 'limit'));
      expect(limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT });
    });
  });

  describe('Errors', () => {
    it('lists in the Error schema every error code the code answers with, and no other', () => {
      const codes = new Set([...Object.keys(MANAGEMENT_ERROR_CODES), ...Object.keys(REFUSAL_CODES), ...GATEWAY_CODES]);
      expect(sorted(errorEnum)).toEqual(sorted(codes));
      expect(errorSchema.required).toEqual(['status_code', 'endpoint', 'error_code', 'error_message']);
    });

    it('gives every error response (4xx, 5xx, default) the Error body, narrowed to known codes only', () => {
      const errorResponses = [
        ...Object.entries(node(node(doc.components).responses)).map(([name, r]) => ({ at: `#/components/responses/${name}`, response: node(r), status: undefined as string | undefined })),
        ...operations.flatMap((o) => Object.entries(responsesOf(o)).map(([status, r]) => ({ at: `${o.id} ${status}`, response: deref(r), status }))),
      ].filter(({ at, status }) => (status === undefined ? !at.endsWith('/Echo') : status === 'default' || Number(status) >= 400));
      const bad = errorResponses.filter(({ response }) => !usesErrorSchema(response) || errorCodesOf(response).length === 0).map(({ at }) => at);
      expect(bad).toEqual([]);
    });

    it('documents the verify refusal codes of key-service.ts', () => {
      const refused = list(deref(node(node(doc.components).schemas).VerifyResult).oneOf).map((b) => deref(b)).find((b) => node(node(b.properties).valid).const === false)!;
      expect(sorted(list(node(node(refused.properties).error_code).enum))).toEqual(sorted(Object.keys(VERIFY_CODES)));
    });
  });

  describe('Response schemas', () => {
    const schemas = node(node(doc.components).schemas);
    const enumOf = (schema: string, property: string) => sorted(list(deref(node(deref(schemas[schema]).properties)[property]).enum));

    it('uses the enums of the code (audit actions and auth methods, key status)', () => {
      expect(enumOf('AuditRecord', 'action')).toEqual(sorted(Object.keys(AUDIT_ACTIONS)));
      expect(enumOf('AuditRecord', 'authMethod')).toEqual(sorted(Object.keys(AUDIT_AUTH_METHODS)));
      expect(enumOf('KeyView', 'status')).toEqual(sorted(Object.keys(KEY_STATUSES)));
    });

    it('documents a Set-Cookie header on login and logout', () => {
      const header = (method: string, path: string, status: string) => node(deref(responsesOf(operation(method, path))[status]).headers ?? {})['Set-Cookie'];
      expect(header('POST', '/v1/auth/login', '200')).toEqual({ $ref: '#/components/headers/SetSessionCookie' });
      expect(header('POST', '/v1/auth/logout', '204')).toEqual({ $ref: '#/components/headers/ClearSessionCookie' });
    });

    it('describes keys as generateToken makes them', () => {
      const key = deref(node(deref(schemas.NewKey).properties).key);
      const pattern = new RegExp(String(key.pattern), 'u');
      for (const kind of ['user', 'bot'] as const) expect(generateToken(kind, newId()).value).toMatch(pattern);
    });
  });

  // -------------------------------------------------------------------------
  // The real handlers behind the real authorizer: each answer has a status
  // documented for its operation and a body that matches that status' schema.

  describe('Answers of the implementation', () => {
    let client: DynamoDBClient;
    let table: string;
    let api: ManagementApi;
    let accounts: DynamoAccountStore;
    let admin: TestUser;
    let adminSession: string;
    let user: TestUser;
    let userSession: string;
    /** a key of `user` with submit_score and customise_score */
    let userKey: string;
    const exampleHandler = createHandler(new Set([ORIGIN]));
    /** `METHOD path status` of every answer checked */
    const answered = new Set<string>();

    beforeAll(async () => {
      ({ client, table } = await openTable());
      api = new ManagementApi(client, table, loadHandlers(managementEnv(table)));
      accounts = new DynamoAccountStore(client, table);
      admin = await makeUser(accounts, { admin: true });
      adminSession = await api.login(admin.email, admin.password);
      user = await makeUser(accounts);
      userSession = await api.login(user.email, user.password);
      userKey = (await api.call('POST', '/v1/keys', { session: userSession, body: { name: 'docs', permissions: ['submit_score', 'customise_score'] } })).body.key;
    });
    afterAll(() => closeTable(client, table));

    const NOTABLE_HEADERS = ['set-cookie', 'www-authenticate', 'retry-after'];

    /** Checks an answer against the document and returns it. */
    function documented(method: string, path: string, res: ApiResponse): ApiResponse {
      const status = String(res.status);
      const responses = responsesOf(operation(method, path));
      // Assess: the status is listed for this operation (a Lambda's answer never falls to `default`)
      expect({ operation: `${method} ${path}`, status, documented: status in responses }).toEqual({ operation: `${method} ${path}`, status, documented: true });
      const response = deref(responses[status]);
      answered.add(`${method} ${path} ${status}`);
      if (res.fromGateway) {
        // The test harness answers for API Gateway: only the code is real.
        expect(errorCodesOf(response)).toContain(res.body.error_code);
        return res;
      }

      const problems: string[] = [];
      const schema = jsonSchemaOf(response);
      if (schema === undefined) {
        if (res.body !== undefined) problems.push(`body: the document says no content, the answer has ${JSON.stringify(res.body)}`);
      } else {
        check(res.body, schema, 'body', problems);
      }
      if (res.status >= 400) {
        if (res.body?.endpoint !== path) problems.push(`body.endpoint: '${res.body?.endpoint}', not the route's path '${path}'`);
        if (res.body?.status_code !== res.status) problems.push(`body.status_code: ${res.body?.status_code}, not ${res.status}`);
      }
      const documentedHeaders = new Map(Object.entries(node(response.headers ?? {})).map(([name, h]) => [name.toLowerCase(), deref(h)]));
      for (const [name, value] of Object.entries(res.headers)) {
        const header = documentedHeaders.get(name.toLowerCase());
        if (header) check(/^\d+$/.test(value) ? Number(value) : value, header.schema, `header ${name}`, problems);
        else if (NOTABLE_HEADERS.includes(name.toLowerCase())) problems.push(`header ${name}: not documented for ${status}`);
      }
      expect(problems.map((p) => `${method} ${path} ${status}: ${p}`)).toEqual([]);
      return res;
    }

    const call = async (method: string, path: string, opts: CallOptions = {}) => documented(method, path, await api.call(method, path, opts));

    /** The example backend as API Gateway would call it, behind the harness's authorizer. */
    async function callExample(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
      const headers: Record<string, string> = { Origin: ORIGIN };
      if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
      if (opts.session) headers.Cookie = `${DEFAULT_COOKIE_NAME}=${opts.session}`;
      const decision = await api.authorizer.decide(authorizerEvent(method, path, headers));
      let res: ApiResponse;
      if (decision.outcome === 'unauthorized') res = { status: 401, body: { error_code: 'unauthorized' }, headers: {}, fromGateway: true };
      else if (decision.outcome === 'deny') res = { status: 403, body: { error_code: decision.reason }, headers: {}, fromGateway: true };
      else {
        const authorizer = { principalId: decision.result.principalId, ...(decision.result.context as Record<string, string>) };
        const event = proxyEvent({ method, resource: path, headers, authorizer, ...(opts.params ? { pathParameters: opts.params } : {}), ...(opts.body !== undefined ? { body: opts.body } : {}) });
        const answer = await exampleHandler(event);
        res = { status: answer.statusCode, body: answer.body ? JSON.parse(answer.body) : undefined, headers: (answer.headers ?? {}) as Record<string, string>, fromGateway: false };
      }
      return documented(method, path, res);
    }

    it('auth: login, verify and me', async () => {
      // Act + Assess
      const login = await call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });
      expect(login.status).toBe(200);
      expect(login.headers['Set-Cookie']).toBeDefined();
      const wrong = await call('POST', '/v1/auth/login', { body: { email: user.email, password: 'not the password' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['WWW-Authenticate']).toBe('Bearer');
      expect((await call('POST', '/v1/auth/login', { body: { email: user.email } })).status).toBe(400);
      const nobody = `nobody-${newId()}@example.com`;
      let locked: ApiResponse | undefined;
      for (let i = 0; i < 10 && locked?.status !== 429; i++) locked = await call('POST', '/v1/auth/login', { body: { email: nobody, password: 'wrong password' } });
      expect(locked?.status).toBe(429);
      expect(locked?.headers['Retry-After']).toMatch(/^\d+$/);

      expect((await call('POST', '/v1/auth/verify', { body: { key: userKey } })).body.valid).toBe(true);
      expect((await call('POST', '/v1/auth/verify', { body: { key: 'user_key_short' } })).body.error_code).toBe('malformed_key');
      expect((await call('POST', '/v1/auth/verify', { body: { key: generateToken('user', newId()).value } })).body.error_code).toBe('invalid_key');
      expect((await call('POST', '/v1/auth/verify', { body: { key: 7 } })).status).toBe(400);

      expect((await call('GET', '/v1/auth/me', { session: userSession })).body.authMethod).toBe('session');
      expect((await call('GET', '/v1/auth/me', { key: userKey })).body.authMethod).toBe('api_key');
      expect((await call('GET', '/v1/auth/me')).status).toBe(401);
    });

    it('keys: create, list, get, rename, rotate and revoke, and their refusals', async () => {
      const created = await call('POST', '/v1/keys', { session: userSession, body: { name: 'lifecycle', permissions: ['delete_score'], expiresInDays: 30 } });
      expect(created.status).toBe(201);
      const keyId: string = created.body.id;
      expect((await call('POST', '/v1/keys', { session: userSession, body: { name: 'x', permissions: ['manage_keys'] } })).status).toBe(400);
      expect((await call('POST', '/v1/keys', { key: userKey, body: { name: 'x', permissions: [] } })).status).toBe(403);
      expect((await call('POST', '/v1/keys', { session: userSession, origin: null, body: { name: 'x', permissions: [] } })).body.error_code).toBe('csrf_rejected');

      expect((await call('GET', '/v1/keys', { session: userSession })).body.keys.length).toBeGreaterThanOrEqual(2);
      expect((await call('GET', '/v1/keys/{keyId}', { session: userSession, params: { keyId } })).status).toBe(200);
      expect((await call('GET', '/v1/keys/{keyId}', { session: userSession, params: { keyId: newId() } })).status).toBe(404);
      expect((await call('PATCH', '/v1/keys/{keyId}', { session: userSession, params: { keyId }, body: { name: 'renamed' } })).body.name).toBe('renamed');
      expect((await call('PATCH', '/v1/keys/{keyId}', { session: userSession, params: { keyId }, body: { permissions: [] } })).status).toBe(400);

      const rotated = await call('POST', '/v1/keys/{keyId}/rotate', { session: userSession, params: { keyId }, body: { gracePeriodSeconds: 60 } });
      expect(rotated.status).toBe(201);
      expect((await call('GET', '/v1/keys/{keyId}', { session: userSession, params: { keyId } })).body.status).toBe('grace_period');
      expect((await call('POST', '/v1/keys/{keyId}/rotate', { session: userSession, params: { keyId } })).status).toBe(409);
      expect((await call('POST', '/v1/keys/{keyId}/rotate', { session: userSession, params: { keyId }, body: { gracePeriodSeconds: -1 } })).status).toBe(400);

      expect((await call('DELETE', '/v1/keys/{keyId}', { session: userSession, params: { keyId: rotated.body.id } })).status).toBe(204);
      expect((await call('DELETE', '/v1/keys/{keyId}', { session: userSession, params: { keyId: rotated.body.id } })).status).toBe(204);
      expect((await call('DELETE', '/v1/keys/{keyId}', { session: userSession, params: { keyId: 'not-an-id' } })).status).toBe(404);
      expect((await call('POST', '/v1/auth/verify', { body: { key: rotated.body.key } })).body.error_code).toBe('key_revoked');
      expect((await call('GET', '/v1/keys/{keyId}', { session: userSession, params: { keyId: rotated.body.id } })).body.revokedAt).not.toBeNull();
    });

    it('sessions: list, audit pages, end one', async () => {
      const other = await api.login(user.email, user.password);
      const sessions = await call('GET', '/v1/auth/sessions', { session: userSession });
      const otherId: string = sessions.body.sessions.find((s: { id: string }) => other.includes(s.id)).id;
      expect((await call('GET', '/v1/auth/sessions', { key: userKey })).status).toBe(403);

      const page = await call('GET', '/v1/auth/audit', { session: userSession, query: { limit: '1' } });
      expect(page.body.next).not.toBeNull();
      expect((await call('GET', '/v1/auth/audit', { session: userSession, query: { cursor: page.body.next } })).status).toBe(200);
      expect((await call('GET', '/v1/auth/audit', { session: userSession, query: { limit: '0' } })).status).toBe(400);

      expect((await call('DELETE', '/v1/auth/sessions/{sessionId}', { session: userSession, params: { sessionId: otherId } })).status).toBe(204);
      expect((await call('DELETE', '/v1/auth/sessions/{sessionId}', { session: userSession, params: { sessionId: otherId } })).status).toBe(404);
    });

    it('password: a wrong current password is 400, a good change 204', async () => {
      const changer = await makeUser(accounts);
      const session = await api.login(changer.email, changer.password);
      const wrong = await call('POST', '/v1/users/me/password', { session, body: { currentPassword: 'not it at all', newPassword: 'a brand new password' } });
      expect(wrong.status).toBe(400);
      const ok = await call('POST', '/v1/users/me/password', { session, body: { currentPassword: changer.password, newPassword: 'a brand new password' } });
      expect(ok.status).toBe(204);
    });

    it('admin: users, bots and bot keys, and their refusals', async () => {
      const email = `human-${newId()}@example.com`;
      const human = await call('POST', '/v1/admin/users', { session: adminSession, body: { email, password: 'a long enough password', kind: 'human' } });
      expect(human.status).toBe(201);
      expect((await call('POST', '/v1/admin/users', { session: adminSession, body: { email, password: 'a long enough password', kind: 'human' } })).status).toBe(409);
      expect((await call('POST', '/v1/admin/users', { session: adminSession, body: { email: `b-${newId()}@example.com`, kind: 'bot', password: 'bots have none' } })).status).toBe(400);
      expect((await call('POST', '/v1/admin/users', { session: userSession, body: { email: `x-${newId()}@example.com`, kind: 'bot' } })).status).toBe(403);
      const bot = await call('POST', '/v1/admin/users', { session: adminSession, body: { email: `bot-${newId()}@example.com`, kind: 'bot' } });
      expect(bot.status).toBe(201);

      const botKey = await call('POST', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: bot.body.user.id }, body: { name: 'ci', permissions: ['submit_score'] } });
      expect(botKey.status).toBe(201);
      expect(botKey.body.key).toMatch(/^bot_key_/);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: human.body.user.id }, body: { name: 'x', permissions: [] } })).status).toBe(400);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: newId() }, body: { name: 'x', permissions: [] } })).status).toBe(404);

      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: adminSession, params: { userId: bot.body.user.id }, body: { disabled: true } })).body.user.disabled).toBe(true);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: bot.body.user.id }, body: { name: 'x', permissions: [] } })).status).toBe(409);
      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: adminSession, params: { userId: admin.userId }, body: { disabled: true } })).status).toBe(400);
      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: adminSession, params: { userId: newId() }, body: { disabled: false } })).status).toBe(404);
    });

    it('examples: echo who called, for keys and sessions', async () => {
      expect((await callExample('POST', '/v1/scores', { key: userKey, body: { score: 1234 } })).body.keyId).toBeDefined();
      expect((await callExample('POST', '/v1/scores', { key: userKey, body: '{not json' })).status).toBe(400);
      expect((await callExample('GET', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' } })).status).toBe(200);
      expect((await callExample('PATCH', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' }, body: { comment: 'nice' } })).status).toBe(200);
      expect((await callExample('DELETE', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' } })).status).toBe(403);
      expect((await callExample('DELETE', '/v1/scores/{scoreId}', { session: userSession, params: { scoreId: '42' } })).body.sessionId).toBeDefined();
      expect((await callExample('PATCH', '/v1/users/me', { session: userSession, body: { status: 'hi' } })).status).toBe(200);
      expect((await callExample('PATCH', '/v1/sessions/{sessionId}', { session: userSession, params: { sessionId: 'play-1' }, body: {} })).status).toBe(200);
      expect((await callExample('GET', '/v1/scores/{scoreId}', { params: { scoreId: '42' } })).status).toBe(401);
    });

    it('logout: a key is 400; a session ends and its cookie is cleared', async () => {
      expect((await call('POST', '/v1/auth/logout', { key: userKey })).status).toBe(400);
      const session = await api.login(user.email, user.password);
      const res = await call('POST', '/v1/auth/logout', { session });
      expect(res.status).toBe(204);
      expect(res.headers['Set-Cookie']).toBeDefined();
    });

    // Runs after the tests above (jest keeps the order within a file).
    it('answered every route with a documented success', () => {
      const succeeded = REFERENCE_ROUTES.map(routeId).filter((id) => [...answered].some((a) => a.startsWith(`${id} 2`)));
      expect(sorted(succeeded)).toEqual(sorted(REFERENCE_ROUTES.map(routeId)));
    });
  });
});
