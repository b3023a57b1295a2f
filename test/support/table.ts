/** A fresh table on the run's DynamoDB Local, with the stack's key schema. */
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { TABLE_KEY_SCHEMA } from '../../lambda/store/table';

export function localClient(): DynamoDBClient {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) throw new Error('AWS_ENDPOINT_URL_DYNAMODB is not set: run through jest, whose global setup starts DynamoDB Local');
  return new DynamoDBClient({});
}

export async function createTable(client: DynamoDBClient, name = `keygate-test-${randomUUID()}`): Promise<string> {
  const { partitionKey: pk, sortKey: sk } = TABLE_KEY_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: pk.name, AttributeType: pk.type },
        { AttributeName: sk.name, AttributeType: sk.type },
      ],
      KeySchema: [
        { AttributeName: pk.name, KeyType: 'HASH' },
        { AttributeName: sk.name, KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
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
