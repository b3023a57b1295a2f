import type { ManagementFunctionName } from './management-routes';

/**
 * The management Lambdas and the DynamoDB actions each uses, so the stack can grant
 * exactly these and nothing more. Keep in step with the handlers.
 *
 * Writes go through TransactWriteItems (a change and its audit record
 * together). IAM has no action of that name: each item of a transaction is
 * authorized as the PutItem, UpdateItem, DeleteItem or ConditionCheckItem it
 * performs, so those are what is listed.
 *
 * - auth: login reads the e-mail and profile items (GetItem), counts the
 *   attempt (UpdateItem, PutItem for a new window), clears it (DeleteItem),
 *   creates the session (Put) on the condition that the profile still has
 *   the password it checked (ConditionCheckItem); logout and session end
 *   delete sessions (Delete); password change updates the profile and the
 *   caller's session (Update) and deletes the other sessions (Delete);
 *   sessions and audit are listed (Query); the caller and `verify`'s key
 *   are read with BatchGetItem.
 * - keys: caller (BatchGetItem), one key (GetItem), the list (Query),
 *   create and rotate (Put), rename, rotate and revoke (Update).
 * - admin: caller (BatchGetItem), the target user and key (GetItem), the user
 *   directory, keys and audit pages (Query), the listed profiles
 *   (BatchGetItem), create user, directory pointer, e-mail claim, bot key and
 *   rotated key (Put), disable, rotate, revoke and the count of enabled
 *   admins (Update).
 * Every change also puts audit records (Put).
 */
export interface ManagementFunctionDef {
  /** handler entry file, relative to the repository root */
  readonly entry: string;
  readonly description: string;
  /** exactly the DynamoDB actions it uses */
  readonly tableActions: readonly string[];
  /**
   * With usage plans (SPEC §12): it creates, moves and deletes usage keys or
   * reads usage, so it gets `grantUsagePlanAccess` (lib/keygate-usage-plans.ts).
   */
  readonly usagePlans?: boolean;
}

/** The management Lambdas: the construct makes one per entry, with exactly these grants. */
export const MANAGEMENT_FUNCTIONS: Readonly<Record<ManagementFunctionName, ManagementFunctionDef>> = {
  auth: {
    entry: 'lambda/management/auth/handler.ts',
    description: 'keygate: login, logout, sessions, password, verify',
    tableActions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  },
  keys: {
    entry: 'lambda/management/keys/handler.ts',
    description: 'keygate: create, list, rename, rotate, revoke API keys',
    tableActions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    // revoking and rotating a key ends or moves its usage key; the holder reads its key's usage
    usagePlans: true,
  },
  admin: {
    entry: 'lambda/management/admin/handler.ts',
    description: 'keygate: users and bot accounts, their keys and audit trails',
    tableActions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    // sets plans, disables users, revokes keys, reads any user's usage
    usagePlans: true,
  },
  clients: {
    entry: 'lambda/management/clients/handler.ts',
    description: 'keygate: API clients, OAuth 2.0 (authorize, token, revoke, metadata), client file, authorized apps',
    tableActions: [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    // deleting a client and revocation (by the holder, RFC 7009) revoke keys, and so their usage keys
    usagePlans: true,
  },
};
