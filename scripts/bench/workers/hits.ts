/**
 * Warm decisions served from the in-function cache, one at a time as Lambda
 * runs them. `decide`: the decision path alone (`Authorizer.decide` on the
 * real DynamoDB client, reads counted). `handler`: the deployed handler,
 * writing its one line per decision (log entry and EMF metrics) to stdout,
 * which the benchmark points at /dev/null.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { Authorizer } from '../../../lambda/authorizer/authorizer';
import { loadConfig } from '../../../lambda/shared/config';
import { DynamoCredentialStore } from '../../../lambda/store/dynamo-credential-store';
import { lambdaContext } from '../../../fixtures/lambda-context';
import { hitEvents, type BenchInput } from '../input';
import { countCommands, latency, median, report, round, usSince, workerInput } from '../stats';

async function main(): Promise<void> {
  const mode = process.argv[3] === 'handler' ? 'handler' : 'decide';
  const input = workerInput<BenchInput>();
  const events = hitEvents(input);
  let hits = 0;
  let decisions = 0;
  let run: (e: APIGatewayRequestAuthorizerEvent) => Promise<unknown>;
  let reads: (() => number) | undefined;
  let resetReads = (): void => undefined;
  let stdoutBytes = 0;

  if (mode === 'decide') {
    const client = new DynamoDBClient({});
    const counter = countCommands(client);
    const authorizer = new Authorizer({ store: new DynamoCredentialStore(client, input.table), config: loadConfig(process.env) });
    run = async (e) => {
      const d = await authorizer.decide(e);
      decisions++;
      if (d.cacheHit) hits++;
      if (d.outcome === 'unauthorized') throw new Error(`warm credential refused: ${d.reason}`);
    };
    reads = () => counter.total();
    resetReads = () => counter.counts.clear();
  } else {
    // Count what the handler writes (its decision line), for the cost of logs.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return write(chunk, ...rest);
    });
    const { handler } = await import('../../../lambda/authorizer/handler');
    const context = lambdaContext('keygate-authorizer');
    run = async (e) => {
      await handler(e, context);
      decisions++;
    };
  }

  // Warm up: every credential read once (misses), then the JIT settles.
  for (let i = 0; i < 3; i++) for (const e of events) await run(e);
  hits = 0;
  decisions = 0;
  stdoutBytes = 0;
  resetReads();

  const rates: number[] = [];
  for (let block = 0; block < 3; block++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < input.counts.hitBlock; i++) await run(events[i % events.length]!);
    rates.push(input.counts.hitBlock / (usSince(start) / 1e6));
  }
  const samples: number[] = new Array(input.counts.hitSamples);
  for (let i = 0; i < input.counts.hitSamples; i++) {
    const e = events[i % events.length]!;
    const start = process.hrtime.bigint();
    await run(e);
    samples[i] = usSince(start);
  }

  report({
    mode,
    decisionsPerSecond: Math.round(median(rates)),
    blocks: rates.map((r) => Math.round(r)),
    ...latency(samples),
    decisions,
    ...(mode === 'decide' ? { cacheHitRatio: round(hits / decisions, 4), reads: reads!() } : { stdoutBytesPerDecision: Math.round(stdoutBytes / decisions) }),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
