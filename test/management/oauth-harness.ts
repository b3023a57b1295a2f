/**
 * The API over real HTTP for the OAuth and API-client tests: the auth, keys,
 * clients and example Lambdas behind `serveHttpApi`, the real authorizer on
 * the same DynamoDB Local table, and helpers a browser or a tool would use.
 * The clients Lambda's clock can be moved forward (`skew`) to expire codes.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler as createExampleHandler } from '../../lambda/example/handler';
import { createClientsHandler } from '../../lambda/management/clients/routes';
import { buildDeps } from '../../lambda/management/deps';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import type { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { REFERENCE_ROUTES } from '../../lib/reference-app';
import { serveHttpApi, type HttpApi } from '../support/http-api';
import { ORIGIN, makeUser, sessionFromCookie, type ProxyHandler, type TestUser } from '../support/management-api';
import { Testbed, type TestbedOptions } from '../support/testbed';

export { ORIGIN };

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** A user made in the table, and the session cookie of its login. */
export type HarnessUser = TestUser & { readonly cookie: string };

export interface RequestOptions {
  readonly cookie?: string;
  readonly key?: string;
  /** default ORIGIN on unsafe methods; null sends none */
  readonly origin?: string | null;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

export class OAuthHarness {
  /** a user with a session, made at `open`: the owner of most clients in a test file */
  owner!: HarnessUser;

  private constructor(
    /** the table, the environment, the account store and the management Lambdas served here */
    readonly bed: Testbed,
    readonly api: HttpApi,
    private readonly clock: { skew: number },
  ) {}

  /**
   * A fresh table of its own (a `Testbed`; `settings` writes the settings
   * item), the API served on it, and `owner`; `close` undoes it all. For a
   * test file's `beforeAll`. The server's own origin is not an allowed one:
   * the hosted form's POST passes the CSRF rule as a same-origin request.
   */
  static async open(opts: Pick<TestbedOptions, 'settings'> = {}): Promise<OAuthHarness> {
    const clock = { skew: 0 };
    const bed = await Testbed.open({
      ...opts,
      handlers: ({ client, env }) => ({ clients: createClientsHandler(buildDeps(loadManagementConfig(env), client, () => Date.now() + clock.skew)) as ProxyHandler }),
    });
    const example = createExampleHandler(new Set([ORIGIN])) as unknown as ProxyHandler;
    const routes = REFERENCE_ROUTES.map((r) => ({ ...r, fn: r.target }));
    const api = await serveHttpApi(routes, { ...bed.api.handlers, example }, bed.api.authorizer);
    const h = new OAuthHarness(bed, api, clock);
    h.owner = await h.user();
    return h;
  }

  get client(): DynamoDBClient {
    return this.bed.client;
  }

  get table(): string {
    return this.bed.table;
  }

  get accounts(): DynamoAccountStore {
    return this.bed.accounts;
  }

  /** ms added to the clients Lambda's clock */
  get skew(): number {
    return this.clock.skew;
  }

  set skew(ms: number) {
    this.clock.skew = ms;
  }

  get base(): string {
    return this.api.base;
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.origin !== null && method !== 'GET' && !('Origin' in headers)) headers.Origin = opts.origin ?? ORIGIN;
    if (opts.cookie) headers.Cookie = `keygate_session=${opts.cookie}`;
    if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    const res = await fetch(path.startsWith('http') ? path : this.base + path, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  async user(opts: { admin?: boolean } = {}): Promise<HarnessUser> {
    const user = await makeUser(this.accounts, opts);
    const res = await this.request('POST', '/v1/auth/login', { json: { email: user.email, password: user.password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    return { ...user, cookie: sessionFromCookie(res.headers.get('set-cookie') ?? undefined) };
  }

  /** Registers a client as `owner`; returns its id and (confidential) secret. */
  async registerClient(owner: { cookie: string }, body: Record<string, unknown>): Promise<{ id: string; secret?: string }> {
    const res = await this.request('POST', '/v1/clients', { cookie: owner.cookie, json: body });
    if (res.status !== 201) throw new Error(`client registration failed: ${res.status} ${res.text}`);
    return res.body as { id: string; secret?: string };
  }

  /** What an operator's own front end does: approve in JSON with the user's session; returns the redirect. */
  async approve(user: { cookie: string }, params: Record<string, string>, decision: 'approve' | 'deny' = 'approve'): Promise<URL> {
    const res = await this.request('POST', '/v1/oauth/authorize', { cookie: user.cookie, json: { response_type: 'code', ...params, decision } });
    if (res.status !== 200 || typeof res.body?.redirectTo !== 'string') throw new Error(`approval failed: ${res.status} ${res.text}`);
    return new URL(res.body.redirectTo as string);
  }

  async token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.request('POST', '/v1/oauth/token', { form, headers, origin: null });
  }

  async close(): Promise<void> {
    await this.api.close();
    await this.bed.close();
  }
}

export const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

/** The hidden and named fields of the page's form, as a browser would send them (`button` is the one pressed). */
export function formFields(html: string, button?: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unescape(m[2]!);
  if (button) fields.decision = button;
  return fields;
}
