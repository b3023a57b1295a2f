/** Tables for a test file, on the DynamoDB Local that jest's global setup started. */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../fixtures/dynamodb';

export function localClient(): DynamoDBClient {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) throw new Error('AWS_ENDPOINT_URL_DYNAMODB is not set: run through jest, whose global setup starts DynamoDB Local');
  return new DynamoDBClient({});
}

/** A client and a fresh table of its own, for a test file's `beforeAll`. */
export async function openTable(): Promise<{ client: DynamoDBClient; table: string }> {
  const client = localClient();
  return { client, table: await createTable(client) };
}

/** Undoes `openTable`, for the file's `afterAll`. */
export async function closeTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
}
