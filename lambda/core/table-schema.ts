/**
 * The table's deployment facts, in one low place for the CDK construct, the
 * store, the tests and the local runner: the key schema, the attributes the
 * authorizer may read (its IAM grant lists exactly these), and the settings
 * item's key. Pure data, no AWS import. The rest of the layout is the
 * store's (lambda/store/keys.ts).
 */

export const PK = 'pk';
export const SK = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export const TABLE_KEY_SCHEMA = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  timeToLiveAttribute: TTL_ATTRIBUTE,
} as const;

/**
 * On `PROFILE`: how many times the password has changed (absent = 0). On a
 * session: the profile's value when the session was made. A session whose
 * value differs from its profile's ended with a password change (docs/design.md, Security invariants).
 */
export const CREDENTIALS_EPOCH = 'credentialsEpoch';

/**
 * Every attribute the authorizer reads, and the only ones its IAM grant lets
 * it read (`dynamodb:Attributes` in lib/keygate-api.ts; the template test
 * checks the two are this one list). The credential's `secretHash`,
 * `permissions`, `expiresAt`, `revokedAt`, `lastUsedAt`, (keys) `clientId`,
 * passed on to backends, and (sessions) `credentialsEpoch`; the owner's `kind`, `isAdmin`, `disabled` and
 * `credentialsEpoch`; the usage key of the key or its owner (`usageKey`, issue 19) and a key's exact credits (`credits`, `creditsRefill`, `creditsPeriod`, `creditsWindow`, and a rotated key's `creditsOn`); the key attributes `pk` and `sk` (IAM needs them
 * listed; `sk` tells the two items apart). Never `passwordHash`.
 *
 * Named with `AttributesToGet` rather than a `ProjectionExpression`: the same
 * top-level attributes without an expression for DynamoDB to parse (on
 * DynamoDB Local, about 50 µs less per read; docs/performance.md). Either
 * makes the request's `dynamodb:Select` SPECIFIC_ATTRIBUTES, which the grant
 * requires (docs/design.md). Here, with no AWS import, so the construct can
 * read it without the SDK.
 */
export const LOOKUP_ATTRIBUTES: readonly string[] = [
  PK,
  SK,
  'secretHash',
  'permissions',
  'expiresAt',
  'revokedAt',
  'lastUsedAt',
  'clientId',
  'kind',
  'isAdmin',
  'disabled',
  CREDENTIALS_EPOCH,
  'usageKey',
  'credits',
  'creditsRefill',
  'creditsPeriod',
  'creditsWindow',
  'creditsOn',
];

/** The deployment's settings item (core/settings-item.ts), read by the CLI; the construct may write only this partition. */
export const SETTINGS_PK = 'SETTINGS';
export const SETTINGS_SK = 'DEPLOYMENT';
