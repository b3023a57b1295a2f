/**
 * The DynamoDB actions each management Lambda uses, so the stack can grant
 * exactly these and nothing more. Keep in step with the handlers.
 *
 * Writes go through TransactWriteItems (a change and its audit record
 * together). IAM has no action of that name: each item of a transaction is
 * authorized as the PutItem, UpdateItem or DeleteItem it performs, so those
 * are what is listed.
 *
 * - auth: login reads the e-mail and profile items (GetItem), counts the
 *   attempt (UpdateItem, PutItem for a new window), clears it (DeleteItem),
 *   creates the session (Put); logout and session end delete sessions
 *   (Delete); password change updates the profile (Update) and deletes the
 *   other sessions (Delete); sessions and audit are listed (Query); the
 *   caller and `verify`'s key are read with BatchGetItem.
 * - keys: caller (BatchGetItem), one key (GetItem), the list (Query),
 *   create and rotate (Put), rename, rotate and revoke (Update).
 * - admin: caller (BatchGetItem), the target user and key (GetItem), the user
 *   directory, keys and audit pages (Query), the listed profiles
 *   (BatchGetItem), create user, directory pointer, e-mail claim, bot key and
 *   rotated key (Put), disable, rotate and revoke (Update).
 * Every change also puts audit records (Put).
 */
export const MANAGEMENT_TABLE_ACTIONS = {
  auth: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  keys: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  admin: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const satisfies Record<'auth' | 'keys' | 'admin', readonly string[]>;

/** Handler entry files, relative to the repository root. */
export const MANAGEMENT_ENTRIES = {
  auth: 'lambda/management/auth.ts',
  keys: 'lambda/management/keys.ts',
  admin: 'lambda/management/admin.ts',
} as const;
