/**
 * The OpenAPI 3.1 document of a keygate deployment, generated from its route
 * table and the management operations' zod schemas
 * (lambda/management/operation-schemas.ts) with zod's `z.toJSONSchema`.
 * `npm run openapi` writes the reference app's as docs/openapi.yaml; the
 * local runner serves the one of the app it runs at `/openapi.json`.
 *
 * What a route's requirement can cause is added here, not written per
 * operation: `security`, `x-keygate-needs`, 401 `unauthorized`, 403
 * `missing_permission` and `csrf_rejected`, the 500s and API Gateway's own
 * answers. Facts of the deployment fill in the shared schemas: the
 * permission names, the key prefixes and the cookie name.
 *
 * Pure: no CDK, no file system. A tool's concern (the docs, the local
 * runner), not the construct's: lib/ never reads the management schemas.
 */
import { z } from 'zod';
import { keyGrantable, type PermissionDef, type RouteDef } from '../lambda/core/catalog';
import { isUnsafeMethod } from '../lambda/core/decision';
import { BODY_LENGTH, type TokenPrefixes } from '../lambda/core/token';
import { isRefusal, OPERATION_SCHEMAS, type AnswerDoc, type HeaderDoc, type OperationSchema, type RefusalDoc } from '../lambda/management/operation-schemas';
import { errorBody } from '../lambda/management/schemas';

type Json = { [key: string]: unknown };

/** Docs for one of the app's own routes (the management ones come from OPERATION_SCHEMAS). */
export interface RouteDoc extends OperationSchema {
  readonly operationId?: string;
  readonly tag?: string;
}

export interface OpenApiServer {
  readonly url: string;
  readonly description?: string;
  readonly variables?: Readonly<Record<string, { readonly default: string; readonly description?: string }>>;
}

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  /** where the management API is mounted, e.g. `/v1` */
  readonly basePath: string;
  /** every route: the management ones (they carry `operation`) and the app's own */
  readonly routes: readonly RouteDef[];
  /** the whole permission catalog */
  readonly permissions: readonly PermissionDef[];
  readonly prefixes: Pick<TokenPrefixes, 'user' | 'bot'>;
  readonly cookieName: string;
  readonly servers?: readonly OpenApiServer[];
  /** docs for the app's own routes, by `METHOD path` */
  readonly routeDocs?: Readonly<Record<string, RouteDoc>>;
}

/** What each error code means, for a refusal that does not say more. */
const CODE_MEANING: Readonly<Record<string, string>> = {
  validation: 'a body, parameter or value the operation does not accept; the message names the field',
  unauthorized: 'no credentials, or credentials that are malformed, unknown, revoked, expired, or of a disabled user',
  missing_permission: 'the caller lacks the permission in `x-keygate-needs`; the message names it',
  csrf_rejected: 'a session cookie on an unsafe method (POST, PUT, PATCH, DELETE) without an allowed `Origin`',
  not_found: "no such thing, or it is someone else's",
  conflict: 'the state does not allow it, or it changed meanwhile',
  too_many_attempts: 'too many failed logins',
  internal_error: 'a fault in a Lambda, with no details',
  service_unavailable: "API Gateway's control plane refused or did not answer; nothing was changed, try again",
  authorizer_failure: 'the authorizer could not read the credentials (never an Allow)',
};

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  auth: 'Login, logout, the caller, its sessions and audit trail, and why a key is refused.',
  keys: "The caller's own API keys.",
  admin: 'Users, bot accounts and bot keys (admin sessions only).',
  clients: 'API clients, OAuth 2.0 and client files, and the apps a user has authorized.',
  app: "The app's own routes, behind the same authorizer.",
  examples: "The reference app's example resources: one Lambda answers them with who called and how.",
};

const WWW_AUTHENTICATE: HeaderDoc = { type: 'string', description: '`Bearer`.' };

const GATEWAY_ERROR = {
  description:
    'Answered by API Gateway itself: 429 `throttled`, 413 `request_too_large`, 415 `unsupported_media_type`, 504 `timeout` or `integration_failure`, ' +
    '403 `forbidden` (WAF), 404 `not_found` (no such route or method), 400 `validation`, and `bad_request` or `internal_error` for any other 4xx or 5xx.',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `GET /v1/scores/{scoreId}` → `getV1ScoresScoreId`, for routes without an operation name. */
const derivedOperationId = (route: RouteDef) => `${route.method.toLowerCase()}${pascal(route.path)}`;

/** Builds the document's components while the operations are written. */
class Components {
  readonly schemas: Record<string, Json> = {};
  readonly responses: Record<string, Json> = {};

  /** A zod schema as JSON Schema 2020-12; schemas with a `.meta({ id })` become shared components. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: tidy }) as Json;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    delete json.$schema;
    for (const [id, def] of Object.entries(defs)) {
      const shared = relink(def) as Json;
      const known = this.schemas[id];
      if (known && !sameJson(known, shared)) throw new Error(`schema '${id}' reads differently as ${io} than elsewhere; give the ${io} form its own id`);
      this.schemas[id] = shared;
    }
    return relink(json) as Json;
  }

  /** A response used as is in many places becomes a named component (`name`, else `name` + status, else inline). */
  shared(names: readonly string[], response: Json): Json {
    const name = names.find((n) => this.responses[n] === undefined || sameJson(this.responses[n], response));
    if (name === undefined) return response;
    this.responses[name] = response;
    return { $ref: `#/components/responses/${name}` };
  }
}

/** Drops what zod adds that says nothing here: its regex for a format, and the integer range of JavaScript. */
function tidy(ctx: { jsonSchema: Json }): void {
  const j = ctx.jsonSchema;
  if (j.format === 'date-time' || j.format === 'email') delete j.pattern;
  if (j.maximum === Number.MAX_SAFE_INTEGER) delete j.maximum;
  if (j.minimum === Number.MIN_SAFE_INTEGER) delete j.minimum;
}

/** `#/$defs/X` → `#/components/schemas/X` */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : relink(v)]),
  );
}

function headers(docs: Readonly<Record<string, HeaderDoc>> | undefined): Json | undefined {
  if (!docs || Object.keys(docs).length === 0) return undefined;
  return Object.fromEntries(Object.entries(docs).map(([name, h]) => [name, { description: h.description, schema: { type: h.type } }]));
}

function refusalResponse(doc: RefusalDoc): Json {
  const h = headers(doc.headers);
  return {
    description: doc.description ?? doc.codes.map(meaning).join(' '),
    ...(h ? { headers: h } : {}),
    content: {
      'application/json': {
        schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error_code: { enum: [...doc.codes] } } }] },
      },
    },
  };
}

const meaning = (code: string) => `\`${code}\`: ${CODE_MEANING[code] ?? code}.`;

/** The refusals a route's requirement can cause, merged with those the operation lists. */
function withRequirement(route: RouteDef, responses: Readonly<Record<number, AnswerDoc | RefusalDoc>>): Record<number, AnswerDoc | RefusalDoc> {
  const out: Record<number, AnswerDoc | RefusalDoc> = { ...responses };
  const add = (status: number, codes: readonly string[]) => {
    if (codes.length === 0) return;
    const listed = out[status];
    if (listed && !isRefusal(listed)) throw new Error(`${route.method} ${route.path}: ${status} is a success and a refusal`);
    const added = codes.filter((c) => !listed?.codes.includes(c as never));
    out[status] = {
      ...listed,
      codes: [...(listed?.codes ?? []), ...added] as RefusalDoc['codes'],
      // An operation's own words for its refusal stay; what the requirement adds is said after them.
      ...(listed?.description ? { description: [listed.description, ...added.map(meaning)].join(' ') } : {}),
    };
  };
  const guarded = route.needs !== 'public';
  if (guarded) add(401, ['unauthorized']);
  add(403, [...(guarded && route.needs !== 'authenticated' ? ['missing_permission'] : []), ...(guarded && isUnsafeMethod(route.method) ? ['csrf_rejected'] : [])]);
  add(500, [...(guarded ? ['authorizer_failure'] : []), 'internal_error']);
  // Every 401 says how to authenticate.
  const r401 = out[401];
  if (r401 && isRefusal(r401)) out[401] = { ...r401, headers: { 'WWW-Authenticate': WWW_AUTHENTICATE, ...r401.headers } };
  return out;
}

function operation(route: RouteDef, doc: RouteDoc | undefined, options: OpenApiOptions, components: Components): Json {
  const grants = new Map(options.permissions.map((p) => [p.name, p.grant]));
  const sessionOnly = grants.has(route.needs) && grants.get(route.needs) !== 'key';
  const security = route.needs === 'public' ? [] : sessionOnly ? [{ sessionCookie: [] }] : [{ bearerKey: [] }, { sessionCookie: [] }];

  const parameters: Json[] = [];
  const paramSchemas = doc?.params ? (components.schema(doc.params, 'input').properties as Record<string, Json>) : {};
  for (const [, name] of route.path.matchAll(/\{(\w+)\+?\}/g)) {
    parameters.push({ name, in: 'path', required: true, schema: paramSchemas[name!] ?? { type: 'string' } });
  }
  if (doc?.query) {
    const query = components.schema(doc.query, 'input');
    const required = new Set((query.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(query.properties as Record<string, Json>)) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }

  let requestBody: Json | undefined;
  if (doc?.body) {
    const schema = components.schema(doc.body, 'input');
    // No body counts as `{}`: it may be left out when no field is required.
    const required = ((schema.required as unknown[] | undefined) ?? []).length > 0;
    requestBody = { required, content: { [doc.bodyMediaType ?? 'application/json']: { schema } } };
  }

  const responses: Json = {};
  const listed = doc ? doc.responses : { 200: { description: "The app's answer." } };
  for (const [status, answer] of Object.entries(withRequirement(route, listed))) {
    if (isRefusal(answer)) {
      const response = refusalResponse(answer);
      // Refusals that say nothing of their own are shared: one component per set of codes.
      const name = pascal(answer.codes.join(' or '));
      responses[status] = answer.description ? response : components.shared([name, `${name}${status}`], response);
      continue;
    }
    const h = headers(answer.headers);
    responses[status] = {
      description: answer.description,
      ...(h ? { headers: h } : {}),
      ...(answer.body
        ? {
            content: {
              [answer.mediaType ?? 'application/json']: { schema: components.schema(answer.body, 'output') },
              ...Object.fromEntries(Object.entries(answer.alternatives ?? {}).map(([type, body]) => [type, { schema: components.schema(body, 'output') }])),
            },
          }
        : {}),
    };
  }
  responses.default = components.shared(['GatewayError'], GATEWAY_ERROR);

  return {
    operationId: route.operation ?? doc?.operationId ?? derivedOperationId(route),
    tags: [route.fn ?? doc?.tag ?? 'app'],
    summary: doc?.summary ?? `${route.method} ${route.path}`,
    ...(doc?.description ? { description: doc.description } : {}),
    'x-keygate-needs': route.needs,
    security,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** Facts of the deployment in the shared schemas: permission names, key prefixes. */
function fillIn(components: Components, options: OpenApiOptions): void {
  const { schemas } = components;
  if (schemas.Permission) schemas.Permission = { ...schemas.Permission, enum: options.permissions.map((p) => p.name) };
  if (schemas.KeyPermission) {
    const grantable = keyGrantable(options.permissions);
    const byName = new Map(options.permissions.map((p) => [p.name, p]));
    const notForKeys = options.permissions.filter((p) => p.grant !== 'key').map((p) => `\`${p.name}\``);
    schemas.KeyPermission = {
      ...schemas.KeyPermission,
      enum: grantable,
      description:
        `A permission a key may hold. ${grantable.map((n) => `\`${n}\`: ${byName.get(n)!.description}.`).join(' ')} ` +
        `Session-only permissions (${notForKeys.join(', ')}) are refused with 400.`,
    };
  }
  if (schemas.ApiKey) {
    const prefixes = [options.prefixes.user, options.prefixes.bot].map(escapeRegExp).join('|');
    schemas.ApiKey = { ...schemas.ApiKey, pattern: `^(${prefixes})[0-9A-Za-z]{${BODY_LENGTH}}$` };
  }
}

function description(options: OpenApiOptions): string {
  const login = options.routes.find((r) => r.operation === 'login');
  const verify = options.routes.find((r) => r.operation === 'verify');
  const sessionOnly = options.permissions.filter((p) => p.grant !== 'key').map((p) => `\`${p.name}\``);
  return [
    'Generated from the route table and the zod schemas of the code (`npm run openapi`); do not edit by hand.',
    '',
    `**Credentials.** A script or bot sends an API key (\`Authorization: Bearer …\`); a browser sends the session cookie \`${options.cookieName}\` ` +
      `it got from \`${login ? `${login.method} ${login.path}` : 'login'}\`. If an \`Authorization\` header is present it decides and the cookie is ignored. ` +
      "Each operation's `x-keygate-needs` is what the route table says it needs: `public` (no credentials), `authenticated` (any valid credential) " +
      `or a permission. Session-only permissions (${sessionOnly.join(', ')}) are never held by a key, so those routes list only the cookie scheme; ` +
      'a key on them gets 403 `missing_permission`.',
    '',
    '**CSRF.** A session cookie on POST, PUT, PATCH or DELETE needs an `Origin` header from the configured allow-list, else 403 `csrf_rejected`. ' +
      'API keys are not subject to this.',
    '',
    '**Answers.** Bodies are JSON; times are ISO 8601 in UTC, `null` when unset. Secrets (a new key, the session token) are shown once. ' +
      'Management answers carry `Cache-Control: no-store`. Browsers on an allowed origin get CORS headers with credentials. ' +
      'Every error, from API Gateway or a Lambda, has the `Error` body' +
      (verify ? `; API Gateway cannot say why a key is refused, \`${verify.method} ${verify.path}\` does.` : '.'),
  ].join('\n');
}

export function openApiDocument(options: OpenApiOptions): Json {
  const components = new Components();
  components.schema(errorBody, 'output');
  const paths: Record<string, Json> = {};
  for (const route of options.routes) {
    // An operation without an entry is described like an app's undocumented route; a test requires the entry.
    const doc = route.operation !== undefined ? OPERATION_SCHEMAS[route.operation] : options.routeDocs?.[`${route.method} ${route.path}`];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, doc, options, components);
  }
  fillIn(components, options);
  const tags = [...new Set(Object.values(paths).flatMap((item) => Object.values(item).map((op) => (op as { tags: string[] }).tags[0]!)))];
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: description(options), license: { name: 'MIT', identifier: 'MIT' } },
    ...(options.servers ? { servers: options.servers } : {}),
    tags: tags.map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}) })),
    paths,
    components: {
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`.' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: options.cookieName, description: 'The session cookie set by login.' },
      },
      responses: components.responses,
      schemas: components.schemas,
    },
  };
}
