/**
 * What every measurement runs against: a DynamoDB Local of the benchmark's
 * own, a table seeded with users, keys and sessions, the workers' input file
 * and the environment a Lambda would have.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTable, startDynamoDbLocal } from '../../fixtures/dynamodb';
import { LAST_USED_INTERVAL_MS } from '../../lambda/authorizer/authorizer';
import { keyGrantable } from '../../lambda/core/catalog';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';
import { issueKey, issueSession } from '../../lambda/management/mint';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { keySk, userPk } from '../../lambda/store/keys';
import { REFERENCE_CATALOG } from '../../lib/reference-app';
import { referenceEnv } from '../../fixtures/reference-env';
import { ORIGIN, type BenchCounts, type BenchInput, type SeededKey } from './input';
import { track } from './processes';
import { pool } from './stats';

export interface BenchSetup {
  /** the environment of every worker: a Lambda's, pointed at the run's DynamoDB Local */
  readonly env: NodeJS.ProcessEnv;
  readonly input: BenchInput;
  /** `input`, as the file the workers read */
  readonly inputFile: string;
  /** more users with keys (`keysPerUser` each) carrying `permissions`, for a measurement with its own catalog (routes) */
  seedKeys(count: number, keysPerUser: number, permissions: readonly string[]): Promise<SeededKey[]>;
  stop(): Promise<void>;
}

export async function setUp(workDir: string, counts: BenchCounts, log: (msg: string) => void): Promise<BenchSetup> {
  log('starting DynamoDB Local');
  const dynamo = await startDynamoDbLocal();
  track({ dynamo });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    // DynamoDB Local accepts any credentials; these keep the SDK from looking further.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...referenceEnv('keygate-bench', { KEYGATE_ALLOWED_ORIGINS: ORIGIN }),
    AWS_LAMBDA_FUNCTION_NAME: 'keygate-authorizer',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    // as Lambda sets it: the first decision's log line says cold_start:true
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  const client = dynamo.client;
  const table = await createTable(client, env.TABLE_NAME!);
  const accounts = new DynamoAccountStore(client, table);
  const credentials = new DynamoCredentialStore(client, table);
  const grantable = keyGrantable(REFERENCE_CATALOG);
  const now = Date.now();

  /** Users with keys; `lastUsedAt` set now, so a decision makes no hourly write (steady state). */
  const seedKeys = async (count: number, keysPerUser: number, permissions: readonly string[] = grantable): Promise<SeededKey[]> => {
    const users: string[] = [];
    await pool(Math.ceil(count / keysPerUser), 16, async (i) => {
      users[i] = (await accounts.createUser({ kind: 'human', email: `bench-${i}-${Math.random()}@example.com`, passwordHash: 'scrypt$' + 'x'.repeat(120) })).userId;
    });
    const keys: SeededKey[] = [];
    await pool(count, 16, async (i) => {
      const userId = users[Math.floor(i / keysPerUser)]!;
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: `bench key ${i}`, permissions: [...permissions] });
      await credentials.touchKey(userId, token.id, now, now - LAST_USED_INTERVAL_MS);
      keys[i] = { value: token.value, userId, keyId: token.id };
    });
    return keys;
  };
  log('seeding users, keys and sessions');
  const hitKeys = await seedKeys(20, 1);
  const hitSessions: string[] = [];
  for (const k of hitKeys.slice(0, 10)) hitSessions.push((await issueSession(accounts, DEFAULT_PREFIXES, k.userId, now + 3600_000)).token.value);
  const missKeys = await seedKeys(counts.missWarmup + counts.missRounds, 4);
  // Credits as the management API stores them (SPEC §12), far more than a run spends.
  const creditKeys = await seedKeys(20, 1);
  for (const k of creditKeys) {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: userPk(k.userId) }, sk: { S: keySk(k.keyId) } },
        UpdateExpression: 'SET credits = :n',
        ExpressionAttributeValues: { ':n': { N: '1000000000' } },
      }),
    );
  }
  const input: BenchInput = { table, hitKeys, hitSessions, missKeys, creditKeys, counts };
  const inputFile = join(workDir, 'input.json');
  writeFileSync(inputFile, JSON.stringify(input));

  return {
    env,
    input,
    inputFile,
    seedKeys,
    stop: async () => {
      client.destroy();
      log('stopping DynamoDB Local');
      await dynamo.stop();
      track({ dynamo: undefined }); // stopped: nothing for cleanUp to kill
    },
  };
}
