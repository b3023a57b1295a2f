/**
 * A flood of distinct invalid keys against one warm authorizer (default
 * configuration), and what it does to the process's memory:
 *
 * - checksum-valid keys that do not exist (anyone can compute CRC32): each
 *   costs one real DynamoDB Local read and a negative-cache entry;
 * - malformed keys (bad checksum, length, alphabet or prefix): refused
 *   before any read, never cached.
 *
 * Run with --expose-gc. Requests overlap (`floodConcurrency` in flight) to
 * keep the run short; Lambda would run them one at a time per instance,
 * which can only hold less in flight.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Authorizer } from '../../../lambda/authorizer/authorizer';
import { generateToken, newId } from '../../../lambda/core/token';
import { loadConfig } from '../../../lambda/shared/config';
import { DynamoCredentialStore } from '../../../lambda/store/dynamo-credential-store';
import { getHeapSpaceStatistics } from 'node:v8';
import { keyEvent, type BenchInput } from '../input';
import { countCommands, pool, report, round, workerInput } from '../stats';

const MB = 1024 * 1024;

/** V8's young generation: it grows with the allocation rate and is not given back at once. */
const newSpaceBytes = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

function unknownKey(i: number): string {
  return generateToken(i % 2 ? 'user' : 'bot', newId()).value;
}

function malformedKey(i: number): string {
  const valid = generateToken('user', newId()).value;
  switch (i % 5) {
    case 0: return valid.slice(0, -1) + (valid.endsWith('A') ? 'B' : 'A'); // checksum
    case 1: return valid.slice(0, -1); // length
    case 2: return valid + '0'; // length
    case 3: return valid.slice(0, 20) + '-' + valid.slice(21); // alphabet
    default: return 'usr_key_' + valid.slice('user_key_'.length); // prefix
  }
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const input = workerInput<BenchInput>();
  const { floodUnknown, floodMalformed, floodConcurrency } = input.counts;
  const config = loadConfig(process.env);
  const client = new DynamoDBClient({});
  const counter = countCommands(client);
  const authorizer = new Authorizer({ store: new DynamoCredentialStore(client, input.table), config });

  const total = floodUnknown + floodMalformed;
  // Spread malformed keys evenly among the unknown ones.
  const isMalformed = (i: number) => Math.floor(((i + 1) * floodMalformed) / total) > Math.floor((i * floodMalformed) / total);
  const ask = async (i: number) => {
    const d = await authorizer.decide(keyEvent(isMalformed(i) ? malformedKey(i) : unknownKey(i)));
    if (d.outcome !== 'unauthorized') throw new Error(`an invalid key was not refused: ${d.outcome}`);
  };

  // Warm up the code paths and the client's connections, then take the baseline.
  for (let i = 0; i < 500; i++) await ask(i);
  gc();
  gc();
  const before = process.memoryUsage();
  const newSpaceBefore = newSpaceBytes();
  counter.counts.clear();

  let peakRss = before.rss;
  const started = Date.now();
  await pool(total, floodConcurrency, async (i) => {
    await ask(i);
    if (i % 2000 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  });
  const seconds = (Date.now() - started) / 1000;
  const after = process.memoryUsage();
  const newSpaceAfter = newSpaceBytes();
  peakRss = Math.max(peakRss, after.rss);
  gc();
  gc();
  const afterGc = process.memoryUsage();

  report({
    unknownKeys: floodUnknown,
    malformedKeys: floodMalformed,
    seconds: round(seconds),
    decisionsPerSecond: Math.round(total / seconds),
    reads: counter.total(),
    commands: Object.fromEntries(counter.counts),
    cacheEntries: authorizer.cacheSize,
    cacheMaxEntries: config.cacheMaxEntries,
    baselineRssMB: round(before.rss / MB),
    rssGrowthMB: round((after.rss - before.rss) / MB),
    peakRssGrowthMB: round((peakRss - before.rss) / MB),
    rssGrowthAfterGcMB: round((afterGc.rss - before.rss) / MB),
    heapUsedGrowthAfterGcMB: round((afterGc.heapUsed - before.heapUsed) / MB),
    heapTotalGrowthMB: round((after.heapTotal - before.heapTotal) / MB),
    newSpaceGrowthMB: round((newSpaceAfter - newSpaceBefore) / MB),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
