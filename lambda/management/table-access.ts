/**
 * The DynamoDB actions each management Lambda uses, so the stack can grant
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
 *   caller's session (Update) and deletes the other sessions (Delete); sessions and audit are listed (Query); the
 *   caller and `verify`'s key are read with BatchGetItem.
 * - keys: caller (BatchGetItem), one key (GetItem), the list (Query),
 *   create and rotate (Put), rename, rotate and revoke (Update).
 * - admin: caller (BatchGetItem), the target user (GetItem), create user,
 *   e-mail claim and bot key (Put), disable (Update).
 * Every change also puts audit records (Put).
 */
export const MANAGEMENT_TABLE_ACTIONS = {
  auth: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  keys: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  admin: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const satisfies Record<'auth' | 'keys' | 'admin', readonly string[]>;

/** Handler entry files, relative to the repository root. */
export const MANAGEMENT_ENTRIES = {
  auth: 'lambda/management/auth.ts',
  keys: 'lambda/management/keys.ts',
  admin: 'lambda/management/admin.ts',
} as const;
