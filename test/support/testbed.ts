/**
 * The one harness for a test file that needs a table: a fresh table of its
 * own on DynamoDB Local, a deployment's Lambda environment for it, the
 * account store to make users and keys straight in the table, the real
 * authorizer on it, and the management Lambdas behind `ManagementApi` (the
 * real authorizer decides first, as API Gateway would). `open` in the file's
 * `beforeAll`, `close` in its `afterAll`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Authorizer, type AuthorizerOptions } from '../../lambda/authorizer/authorizer';
import { DEFAULT_PREFIXES, type NewToken } from '../../lambda/core/token';
import { issueKey } from '../../lambda/management/mint';
import { loadConfig, type KeygateConfig } from '../../lambda/shared/config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import type { CredentialStore, NewKey } from '../../lambda/store/port';
import { putSettings } from './config';
import { ManagementApi, loadHandlers, makeUser, managementEnv, type ManagementHandlers, type SignedInUser } from './management-api';
import { closeTable, openTable } from './table';

/** What a `handlers` function builds its handlers from. */
export interface HandlerContext {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** the deployment's Lambda environment (`deployment` and `env`) */
  readonly env: Record<string, string>;
  /** the four management Lambdas, loaded with `env` */
  readonly loaded: ManagementHandlers;
}

export interface TestbedOptions {
  /**
   * The deployment's Lambda environment for the table. Default: the
   * reference app's for management tests (`managementEnv`: ORIGIN allowed,
   * the authorizer's caches off, so each decision reads the table).
   */
  readonly deployment?: (table: string) => Record<string, string>;
  /** More environment on top: a setting under test, or `LOUD_LOGS` to turn the handlers' log lines and metrics back on (quiet-logs.ts). */
  readonly env?: Record<string, string>;
  /** Also write the deployment settings item, as the construct does at deploy time (the CLI reads it). */
  readonly settings?: boolean;
  /**
   * The management Lambdas behind `api`: the four loaded with the
   * environment; a function returns some to serve instead (built with a
   * clock, wrapped); `false` loads none, for tests of the authorizer alone.
   */
  readonly handlers?: false | ((ctx: HandlerContext) => Partial<ManagementHandlers>);
}

export class Testbed {
  private constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
    /** the deployment's Lambda environment */
    readonly env: Record<string, string>,
    /** the deployment's config, as the authorizer reads it from `env` */
    readonly config: KeygateConfig,
    readonly accounts: DynamoAccountStore,
    private readonly managementApi: ManagementApi | undefined,
  ) {}

  static async open(opts: TestbedOptions = {}): Promise<Testbed> {
    const { client, table } = await openTable();
    if (opts.settings) await putSettings(client, table);
    const env = { ...(opts.deployment ?? managementEnv)(table), ...opts.env };
    let api: ManagementApi | undefined;
    if (opts.handlers !== false) {
      const loaded = loadHandlers(env);
      api = new ManagementApi(client, table, { ...loaded, ...opts.handlers?.({ client, table, env, loaded }) }, undefined, env);
    }
    return new Testbed(client, table, env, loadConfig(env), new DynamoAccountStore(client, table), api);
  }

  /** The management Lambdas behind the real authorizer. */
  get api(): ManagementApi {
    if (!this.managementApi) throw new Error('this testbed was opened with handlers: false');
    return this.managementApi;
  }

  /** Another real authorizer on the table: the deployment's config (or changes to it), another store, a clock, usage plans. */
  authorizer(opts: { config?: Partial<KeygateConfig>; store?: CredentialStore } & Omit<AuthorizerOptions, 'store' | 'config'> = {}): Authorizer {
    const { config, store, ...rest } = opts;
    return new Authorizer({ store: store ?? new DynamoCredentialStore(this.client, this.table), config: { ...this.config, ...config }, ...rest });
  }

  /** A user made in the table (`makeUser`), then logged in through the API. */
  async signIn(opts: Parameters<typeof makeUser>[1] = {}): Promise<SignedInUser> {
    const user = await makeUser(this.accounts, opts);
    return { ...user, session: await this.api.login(user.email, user.password) };
  }

  /** A user key made straight in the table, as `POST /keys` would make it (`issueKey`). */
  async issueUserKey(userId: string, key: NewKey): Promise<NewToken> {
    return (await issueKey(this.accounts, DEFAULT_PREFIXES, userId, 'user', key)).token;
  }

  close(): Promise<void> {
    return closeTable(this.client, this.table);
  }
}
