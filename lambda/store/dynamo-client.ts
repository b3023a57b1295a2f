/**
 * The DynamoDB client every Lambda uses. The SDK finds region, credentials
 * and `AWS_ENDPOINT_URL_DYNAMODB` itself; what we add is time limits, so a
 * DynamoDB that hangs costs a fast, retryable 500 instead of a Lambda timeout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoClientLimits {
  /** ms to open a connection */
  readonly connectionTimeout: number;
  /** ms for an answer once connected */
  readonly requestTimeout: number;
  /** tries in all, retries included */
  readonly maxAttempts: number;
}

/** The authorizer is on every request's path: fail fast, well inside its 5 s Lambda timeout. */
export const AUTHORIZER_LIMITS: DynamoClientLimits = { connectionTimeout: 500, requestTimeout: 1000, maxAttempts: 2 };
/** Management calls may wait longer (transactions, scrypt) inside their 10 s timeout. */
export const MANAGEMENT_LIMITS: DynamoClientLimits = { connectionTimeout: 1000, requestTimeout: 2000, maxAttempts: 3 };

export function createDynamoClient(limits: DynamoClientLimits, endpoint?: string): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: limits.maxAttempts,
    // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes.
    requestHandler: { connectionTimeout: limits.connectionTimeout, requestTimeout: limits.requestTimeout, throwOnRequestTimeout: true },
    ...(endpoint ? { endpoint } : {}),
  });
}
