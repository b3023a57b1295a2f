/**
 * The DynamoDB actions each management Lambda uses, so the stack can grant
 * exactly these and nothing more. Keep in step with the handlers.
 */
export const MANAGEMENT_TABLE_ACTIONS = {
  auth: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:TransactWriteItems'],
  keys: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:TransactWriteItems'],
  admin: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:TransactWriteItems'],
} as const satisfies Record<'auth' | 'keys' | 'admin', readonly string[]>;

/** Handler entry files, relative to the repository root. */
export const MANAGEMENT_ENTRIES = {
  auth: 'lambda/management/auth.ts',
  keys: 'lambda/management/keys.ts',
  admin: 'lambda/management/admin.ts',
} as const;
