import type { RunningDynamo } from '../../fixtures/dynamodb';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __DYNAMO__?: RunningDynamo }).__DYNAMO__?.stop();
}
