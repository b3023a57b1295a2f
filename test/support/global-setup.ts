/**
 * Once per test run: keygate's Lambda bundles (dist/assets) rebuilt if a
 * source changed, since the stack tests and the runner load them; then one
 * DynamoDB Local for the whole run (each test file makes its own tables).
 */
import { ensureBundles } from '../../scripts/lambda-bundles';
import { startDynamoDbLocal } from '../../fixtures/dynamodb';

export default async function globalSetup(): Promise<void> {
  const [dynamo] = await Promise.all([startDynamoDbLocal(), ensureBundles()]);
  (globalThis as { __DYNAMO__?: unknown }).__DYNAMO__ = dynamo;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  // DynamoDB Local accepts any credentials; these only keep the SDK from looking for real ones.
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  delete process.env.AWS_PROFILE;
}
