/**
 * The table's key schema, in one place for the CDK construct, the tests and
 * the local runner.
 */
import { PK, SK, TTL_ATTRIBUTE } from './keys';

export const TABLE_KEY_SCHEMA = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  timeToLiveAttribute: TTL_ATTRIBUTE,
} as const;
