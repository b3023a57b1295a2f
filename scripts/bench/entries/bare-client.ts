/**
 * The floor for cold starts: the bare DynamoDB client, bundled like the
 * authorizer, reading one item. Its load is what any Lambda that talks to
 * DynamoDB pays.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async (event: { table: string; pk: string; sk: string }) =>
  client.send(new GetItemCommand({ TableName: event.table, Key: { pk: { S: event.pk }, sk: { S: event.sk } } }));
