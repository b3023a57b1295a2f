/**
 * Cache-miss decisions against DynamoDB Local, side by side with what they
 * are measured against, all on one client: in each round, in random order,
 *
 * - GetItem of the key's item (the floor: one item, one round trip),
 * - BatchGetItem of the key's item and its owner's PROFILE item (the design),
 * - the store adapter's lookup (that BatchGetItem, naming its nine attributes),
 * - a decision on a key this authorizer has never seen (a cache miss).
 *
 * Reads are counted on the real client, during the decisions only.
 */
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Authorizer } from '../../../lambda/authorizer/authorizer';
import { parseToken } from '../../../lambda/core/token';
import { loadConfig } from '../../../lambda/shared/config';
import { DynamoCredentialStore } from '../../../lambda/store/dynamo-credential-store';
import { PROFILE_SK, keySk, userPk } from '../../../lambda/store/keys';
import { keyEvent, type BenchInput } from '../input';
import { countCommands, latency, type Latency, median, report, round, shuffle, usSince, workerInput } from '../stats';

type Op = 'getItem' | 'batchGetItem' | 'storeLookup' | 'decision';

async function main(): Promise<void> {
  const input = workerInput<BenchInput>();
  const client = new DynamoDBClient({});
  const counter = countCommands(client);
  counter.on = false;
  const store = new DynamoCredentialStore(client, input.table);
  const authorizer = new Authorizer({ store, config: loadConfig(process.env) });
  const { missWarmup, missRounds } = input.counts;
  if (input.missKeys.length < missWarmup + missRounds) throw new Error('not enough seeded keys');

  const times: Record<Op, number[]> = { getItem: [], batchGetItem: [], storeLookup: [], decision: [] };
  let decisions = 0;
  let misses = 0;

  for (let round = 0; round < missWarmup + missRounds; round++) {
    const key = input.missKeys[round]!;
    const parsed = parseToken(key.value, ['user', 'bot']);
    if (!parsed.ok) throw new Error(parsed.reason);
    const itemKey = { pk: { S: userPk(key.userId) }, sk: { S: keySk(key.keyId) } };
    const profileKey = { pk: { S: userPk(key.userId) }, sk: { S: PROFILE_SK } };
    const event = input.missRoute ? keyEvent(key.value, ...input.missRoute) : keyEvent(key.value);
    const ops: Record<Op, () => Promise<unknown>> = {
      getItem: () => client.send(new GetItemCommand({ TableName: input.table, Key: itemKey })),
      batchGetItem: () => client.send(new BatchGetItemCommand({ RequestItems: { [input.table]: { Keys: [itemKey, profileKey] } } })),
      storeLookup: () => store.lookup(parsed.token),
      decision: async () => {
        counter.on = round >= missWarmup;
        const d = await authorizer.decide(event);
        counter.on = false;
        if (d.outcome !== 'allow') throw new Error(`seeded key not allowed: ${JSON.stringify(d).slice(0, 200)}`);
        if (round >= missWarmup) {
          decisions++;
          if (!d.cacheHit) misses++;
        }
      },
    };
    for (const op of shuffle(Object.keys(ops) as Op[])) {
      const start = process.hrtime.bigint();
      await ops[op]();
      if (round >= missWarmup) times[op].push(usSince(start));
    }
  }

  // Each round runs every op on the same key: per-round differences cancel
  // the drift of a shared machine better than differences of medians.
  const pairedUs = (a: Op, b: Op) => round(median(times[a].map((t, i) => t - times[b][i]!)));
  const summary = Object.fromEntries(Object.entries(times).map(([op, us]) => [op, latency(us)])) as Record<Op, Latency>;
  report({
    ...summary,
    decisionRatioToGetItem: round(summary.decision.p50Us / summary.getItem.p50Us, 3),
    batchRatioToGetItem: round(summary.batchGetItem.p50Us / summary.getItem.p50Us, 3),
    lookupRatioToGetItem: round(summary.storeLookup.p50Us / summary.getItem.p50Us, 3),
    pairedMedianDifferenceUs: {
      batchGetItemMinusGetItem: pairedUs('batchGetItem', 'getItem'),
      storeLookupMinusBatchGetItem: pairedUs('storeLookup', 'batchGetItem'),
      decisionMinusStoreLookup: pairedUs('decision', 'storeLookup'),
      decisionMinusGetItem: pairedUs('decision', 'getItem'),
    },
    decisions,
    missRatio: round(misses / decisions, 4),
    commands: Object.fromEntries(counter.counts),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
