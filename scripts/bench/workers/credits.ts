/**
 * Credit-carrying keys: warm decisions (cache hits) on keys with exact
 * credits, each of which spends one with a conditional UpdateItem, against
 * DynamoDB Local, side by side with what they are measured against, on one
 * client: in each round, in random order,
 *
 * - the same conditional UpdateItem sent directly (the floor: one write, one round trip),
 * - the store adapter's `spendCredit`,
 * - a decision on a credit-carrying key the authorizer has cached (hit + write).
 *
 * The keys hold far more credits than the run spends: every write succeeds.
 * DynamoDB requests are counted on the real client, during the decisions only.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Authorizer } from '../../../lambda/authorizer/authorizer';
import { loadConfig } from '../../../lambda/shared/config';
import { DynamoCredentialStore } from '../../../lambda/store/dynamo-credential-store';
import { keySk, userPk } from '../../../lambda/store/keys';
import { BENCH_USAGE, keyEvent, type BenchInput } from '../input';
import { countCommands, latency, type Latency, median, report, round, shuffle, usSince, workerInput } from '../stats';

type Op = 'updateItem' | 'spendCredit' | 'decision';

async function main(): Promise<void> {
  const input = workerInput<BenchInput>();
  const client = new DynamoDBClient({});
  const counter = countCommands(client);
  counter.on = false;
  const store = new DynamoCredentialStore(client, input.table);
  const authorizer = new Authorizer({ store, config: loadConfig(process.env), usage: BENCH_USAGE });
  const { missWarmup, missRounds } = input.counts;
  const keys = input.creditKeys;
  const events = keys.map((k) => keyEvent(k.value));
  // Warm: every key read once (its miss).
  for (const e of events) await authorizer.decide(e);

  const times: Record<Op, number[]> = { updateItem: [], spendCredit: [], decision: [] };
  let decisions = 0;
  let hits = 0;
  for (let r = 0; r < missWarmup + missRounds; r++) {
    const measured = r >= missWarmup;
    const key = keys[r % keys.length]!;
    const ops: Record<Op, () => Promise<unknown>> = {
      updateItem: () =>
        client.send(
          new UpdateItemCommand({
            TableName: input.table,
            Key: { pk: { S: userPk(key.userId) }, sk: { S: keySk(key.keyId) } },
            UpdateExpression: 'SET credits = credits - :one',
            ConditionExpression: 'credits >= :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        ),
      spendCredit: () => store.spendCredit(key.userId, key.keyId),
      decision: async () => {
        counter.on = measured;
        const d = await authorizer.decide(events[r % keys.length]!);
        counter.on = false;
        if (d.outcome !== 'allow' || d.credits !== 'ok') throw new Error(`credit key not allowed: ${JSON.stringify(d).slice(0, 200)}`);
        if (measured) {
          decisions++;
          if (d.cacheHit) hits++;
        }
      },
    };
    for (const op of shuffle(Object.keys(ops) as Op[])) {
      const start = process.hrtime.bigint();
      await ops[op]();
      if (measured) times[op].push(usSince(start));
    }
  }

  const pairedUs = (a: Op, b: Op) => round(median(times[a].map((t, i) => t - times[b][i]!)));
  const summary = Object.fromEntries(Object.entries(times).map(([op, us]) => [op, latency(us)])) as Record<Op, Latency>;
  report({
    ...summary,
    decisionRatioToUpdateItem: round(summary.decision.p50Us / summary.updateItem.p50Us, 3),
    pairedMedianDifferenceUs: {
      spendCreditMinusUpdateItem: pairedUs('spendCredit', 'updateItem'),
      decisionMinusSpendCredit: pairedUs('decision', 'spendCredit'),
      decisionMinusUpdateItem: pairedUs('decision', 'updateItem'),
    },
    decisions,
    cacheHitRatio: round(hits / decisions, 4),
    commands: Object.fromEntries(counter.counts),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
