/**
 * The first admin of a local table, made with the project's own store and
 * password code, as the admin CLI does after `cdk deploy`. Runs on every
 * start and does nothing when the e-mail already has a user.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBase62 } from '../lambda/core/token';
import { hashPassword, passwordProblem } from '../lambda/core/password';
import { auditEntries, CLI_ACTOR } from '../lambda/management/audit';
import { DynamoAccountStore, EmailTakenError } from '../lambda/store/dynamo-account-store';
import { RunnerError } from './errors';

export const DEFAULT_ADMIN_EMAIL = 'admin@keygate.local';

export interface AdminSeed {
  readonly email: string;
  readonly created: boolean;
  /** only when it was generated just now: the one time it is shown */
  readonly generatedPassword?: string;
}

export async function ensureAdmin(client: DynamoDBClient, tableName: string, env: NodeJS.ProcessEnv): Promise<AdminSeed> {
  const email = (env.KEYGATE_ADMIN_EMAIL || DEFAULT_ADMIN_EMAIL).toLowerCase();
  const store = new DynamoAccountStore(client, tableName);
  if (await store.userIdByEmail(email)) return { email, created: false };

  const given = env.KEYGATE_ADMIN_PASSWORD;
  const problem = given ? passwordProblem(given) : undefined;
  if (problem) throw new RunnerError(`KEYGATE_ADMIN_PASSWORD ${problem}`, 'choose a longer password, or unset it to get a generated one');
  const password = given || randomBase62(20);
  try {
    await store.createUser({ email, kind: 'human', admin: true, passwordHash: await hashPassword(password) }, (id) =>
      auditEntries(CLI_ACTOR, 'user_created', `user:${id}`, [id], { kind: 'human', admin: 'true' }),
    );
  } catch (err) {
    // Another process made it in the meantime: fine.
    if (err instanceof EmailTakenError) return { email, created: false };
    throw err;
  }
  return { email, created: true, ...(given ? {} : { generatedPassword: password }) };
}
