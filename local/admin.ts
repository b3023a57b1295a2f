/**
 * The first admin of a local table, made by the same user service the admin
 * CLI and the admin Lambda use (lambda/management/user-service.ts), with the
 * served app's own settings. Runs on every start and does nothing when the
 * e-mail already has a user.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBase62 } from '../lambda/core/token';
import { CLI_ACTOR } from '../lambda/management/audit';
import { buildDeps } from '../lambda/management/deps';
import { createUserBody } from '../lambda/management/schemas';
import { createUser } from '../lambda/management/user-service';
import { HttpError } from '../lambda/shared/errors';
import { validateBody } from '../lambda/shared/http';
import { loadManagementConfig } from '../lambda/shared/management-config';
import { RunnerError } from './errors';

export const DEFAULT_ADMIN_EMAIL = 'admin@keygate.local';

export interface AdminSeed {
  readonly email: string;
  readonly created: boolean;
  /** only when it was generated just now: the one time it is shown */
  readonly generatedPassword?: string;
}

/**
 * `settings` is the environment the stack gives keygate's Lambdas (table
 * name, key prefixes, catalog); `env` is the runner's own, for
 * KEYGATE_ADMIN_EMAIL and KEYGATE_ADMIN_PASSWORD.
 */
export async function ensureAdmin(client: DynamoDBClient, settings: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): Promise<AdminSeed> {
  const deps = buildDeps(loadManagementConfig(settings), client);
  // A data folder written by keygate 0.1: as `keygate upgrade-table` does. Both are no-ops on an up-to-date table.
  await deps.accounts.indexUsers();
  await buildDeps(loadManagementConfig(settings), client).clients.indexClients();
  await deps.accounts.recountEnabledAdmins();
  const email = (env.KEYGATE_ADMIN_EMAIL || DEFAULT_ADMIN_EMAIL).toLowerCase();
  if (await deps.accounts.userIdByEmail(email)) return { email, created: false };

  const given = env.KEYGATE_ADMIN_PASSWORD;
  const password = given || randomBase62(20);
  try {
    // As the CLI does: the API's own body schema, then the service.
    await createUser(deps, validateBody({ email, kind: 'human', admin: true, password }, createUserBody), CLI_ACTOR);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    // Another process made it in the meantime: fine.
    if (err.statusCode === 409) return { email, created: false };
    // The service's own words, about the variable the user set.
    throw new RunnerError(`KEYGATE_ADMIN_EMAIL or KEYGATE_ADMIN_PASSWORD is refused: ${err.message}`, 'fix it, or unset KEYGATE_ADMIN_PASSWORD to get a generated password');
  }
  return { email, created: true, ...(given ? {} : { generatedPassword: password }) };
}
