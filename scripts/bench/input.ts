/**
 * What the benchmark hands its workers (as a JSON file), and the request
 * mix they replay. Events are built the way API Gateway (REST) sends them:
 * single- and multi-value headers, the usual proxy headers included.
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import type { Latency } from './stats';

export const ORIGIN = 'https://app.example.com';

/** The usage keys the credit run's authorizer hands out (values only API Gateway would read). */
export const BENCH_USAGE = { defaultKey: 'benchdefaultusagekey0000000000000000000', spentKey: 'benchspentusagekey000000000000000000000' } as const;

export interface SeededKey {
  readonly value: string;
  readonly userId: string;
  readonly keyId: string;
}

export interface BenchInput {
  readonly table: string;
  /** warm keys (every key-grantable permission) and sessions for the cache-hit runs */
  readonly hitKeys: readonly SeededKey[];
  readonly hitSessions: readonly string[];
  /** one fresh key per cache-miss round */
  readonly missKeys: readonly SeededKey[];
  /** warm keys with exact credits, more than the run spends */
  readonly creditKeys: readonly SeededKey[];
  readonly counts: BenchCounts;
  /** the routes (method, resource) the hit run's keys call, when not the reference app's (the routes measurement) */
  readonly keyRoutes?: readonly [string, string][];
  /** the route the miss run's keys call, when not `POST /v1/scores` */
  readonly missRoute?: readonly [string, string];
}

export interface BenchCounts {
  /** decisions per throughput block; three blocks, the median is reported */
  readonly hitBlock: number;
  /** individually timed decisions for p50/p99 */
  readonly hitSamples: number;
  readonly missWarmup: number;
  readonly missRounds: number;
  readonly floodUnknown: number;
  readonly floodMalformed: number;
  readonly floodConcurrency: number;
  readonly coldRuns: number;
}

const COMMON_HEADERS: Record<string, string> = {
  Accept: 'application/json',
  'Accept-Encoding': 'gzip, deflate, br',
  Host: 'abc123.execute-api.us-east-1.amazonaws.com',
  'User-Agent': 'tachi-bot/2.1 (+https://example.com)',
  'X-Amzn-Trace-Id': 'Root=1-65f0c0de-0123456789abcdef01234567',
  'X-Forwarded-For': '203.0.113.10',
  'X-Forwarded-Port': '443',
  'X-Forwarded-Proto': 'https',
};

/** Routes a full-permission key calls; the last one needs a session-only permission (a 403 deny). */
const KEY_ROUTES: readonly [string, string][] = [
  ['POST', '/v1/scores'],
  ['GET', '/v1/scores/{scoreId}'],
  ['PATCH', '/v1/scores/{scoreId}'],
  ['DELETE', '/v1/scores/{scoreId}'],
  ['PATCH', '/v1/users/me'],
  ['PATCH', '/v1/sessions/{sessionId}'],
  ['GET', '/v1/auth/me'],
  ['POST', '/v1/scores'],
  ['POST', '/v1/scores'],
  ['GET', '/v1/keys'],
];

const SESSION_ROUTES: readonly [string, string][] = [
  ['GET', '/v1/auth/me'],
  ['GET', '/v1/keys'],
  ['POST', '/v1/keys'],
  ['PATCH', '/v1/users/me'],
];

/** A fixed mix of warm requests: 80 % API keys, 20 % session cookies, distinct event objects. */
export function hitEvents(input: BenchInput, size = 1000): APIGatewayRequestAuthorizerEvent[] {
  const out: APIGatewayRequestAuthorizerEvent[] = [];
  for (let i = 0; i < size; i++) {
    if (i % 5 === 4) {
      const [method, resource] = SESSION_ROUTES[i % SESSION_ROUTES.length]!;
      const session = input.hitSessions[i % input.hitSessions.length]!;
      out.push(authorizerEvent(method, resource, { ...COMMON_HEADERS, Cookie: `theme=dark; keygate_session=${session}`, Origin: ORIGIN }));
    } else {
      const routes = input.keyRoutes ?? KEY_ROUTES;
      const [method, resource] = routes[i % routes.length]!;
      const key = input.hitKeys[i % input.hitKeys.length]!.value;
      out.push(authorizerEvent(method, resource, { ...COMMON_HEADERS, Authorization: `Bearer ${key}` }));
    }
  }
  return out;
}

export function keyEvent(key: string, method = 'POST', resource = '/v1/scores'): APIGatewayRequestAuthorizerEvent {
  return authorizerEvent(method, resource, { ...COMMON_HEADERS, Authorization: `Bearer ${key}` });
}

/** What the workers report. */

export interface CreditResult {
  readonly updateItem: Latency;
  readonly spendCredit: Latency;
  readonly decision: Latency;
  readonly decisionRatioToUpdateItem: number;
  readonly pairedMedianDifferenceUs: Readonly<Record<string, number>>;
  readonly decisions: number;
  readonly cacheHitRatio: number;
  readonly commands: Readonly<Record<string, number>>;
}

export interface HitResult extends Latency {
  readonly mode: 'decide' | 'handler';
  readonly decisionsPerSecond: number;
  readonly blocks: readonly number[];
  readonly decisions: number;
  readonly cacheHitRatio?: number;
  readonly reads?: number;
  /** handler only: bytes written to stdout per decision (its log line, which carries its metrics) */
  readonly stdoutBytesPerDecision?: number;
}

export interface MissResult {
  readonly getItem: Latency;
  readonly batchGetItem: Latency;
  readonly storeLookup: Latency;
  readonly decision: Latency;
  readonly decisionRatioToGetItem: number;
  readonly batchRatioToGetItem: number;
  readonly lookupRatioToGetItem: number;
  readonly pairedMedianDifferenceUs: Readonly<Record<string, number>>;
  readonly decisions: number;
  readonly missRatio: number;
  readonly commands: Readonly<Record<string, number>>;
}

export interface MemoryResult {
  readonly unknownKeys: number;
  readonly malformedKeys: number;
  readonly seconds: number;
  readonly decisionsPerSecond: number;
  readonly reads: number;
  readonly commands: Readonly<Record<string, number>>;
  readonly cacheEntries: number;
  readonly cacheMaxEntries: number;
  readonly baselineRssMB: number;
  readonly rssGrowthMB: number;
  readonly peakRssGrowthMB: number;
  readonly rssGrowthAfterGcMB: number;
  readonly heapUsedGrowthAfterGcMB: number;
  readonly heapTotalGrowthMB: number;
  readonly newSpaceGrowthMB: number;
}
