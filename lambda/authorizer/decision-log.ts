/**
 * The authorizer's one log line per decision, which is also its CloudWatch
 * Embedded Metric Format (EMF) document: the `_aws` block names the metrics
 * whose values sit in the same line, so CloudWatch extracts them from the
 * log line itself and no second document is written per invocation.
 *
 * Pure string building, no AWS SDK and no logging library: it runs on every
 * request (docs/performance.md measures why it replaced Powertools Logger
 * and Metrics here). Secret-free by construction: it is given ids, never the
 * credential.
 */
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { Decision } from './authorizer';

/** Where the metrics go; the AuthorizerErrors alarm watches decision_unauthorized there (lib/keygate-alarms.ts). */
export const METRICS_NAMESPACE = 'keygate';
export const SERVICE_NAME = 'keygate-authorizer';

export type DecisionMetric = 'decision_allow' | 'decision_deny' | 'decision_unauthorized' | 'decision_failure' | 'cache_hit' | 'cache_miss';

export interface DecisionLogOptions {
  /** false: the line carries no `_aws` block and no metric values (the local runner's `POWERTOOLS_METRICS_DISABLED=true`) */
  readonly metrics: boolean;
  /** epoch milliseconds; injectable for tests */
  readonly now?: () => number;
  /** the X-Ray trace header of the current invocation (Lambda sets `_X_AMZN_TRACE_ID` per invocation) */
  readonly traceHeader?: () => string | undefined;
  /** whether the first line is a cold start's: only when Lambda initialized the instance for a request ('on-demand'), as Powertools decides it */
  readonly coldStart: boolean;
}

/** The `_aws.CloudWatchMetrics` value for one set of metrics, as JSON. */
function cloudWatchMetrics(names: readonly DecisionMetric[]): string {
  return JSON.stringify([{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: names.map((Name) => ({ Name, Unit: 'Count' })) }]);
}

/** Strings JSON writes as they are, between quotes: printable ASCII without quote or backslash. */
const PLAIN = /^[ !#-[\]-~]*$/;

/** `,"name":<value as JSON>`, or nothing for undefined (as JSON.stringify leaves such a member out). */
function member(name: string, value: unknown): string {
  if (value === undefined) return '';
  // Ids, methods and paths are plain: quoting them is a quarter of the cost of JSON.stringify.
  const json = typeof value === 'string' && PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  return `,"${name}":${json}`;
}

/** `Root=1-…;Parent=…;Sampled=1` → `1-…`, the id X-Ray shows (Powertools' `xray_trace_id`). */
function traceId(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const start = header.indexOf('Root=');
  if (start < 0) return undefined;
  const end = header.indexOf(';', start);
  return header.slice(start + 5, end < 0 ? undefined : end);
}

export class DecisionLog {
  private readonly metrics: boolean;
  private readonly now: () => number;
  private readonly traceHeader: () => string | undefined;
  private coldStart: boolean;
  /** the `_aws.CloudWatchMetrics` JSON per metric combination, built once */
  private readonly blocks = new Map<string, string>();
  /** start of the minute `minutePrefix` ('2025-01-02T03:04:') is for */
  private minute = Number.NaN;
  private minutePrefix = '';

  constructor(options: DecisionLogOptions) {
    this.metrics = options.metrics;
    this.now = options.now ?? Date.now;
    this.traceHeader = options.traceHeader ?? (() => process.env._X_AMZN_TRACE_ID);
    this.coldStart = options.coldStart;
  }

  /** The line for a decision (INFO), with its `decision_<outcome>` and, when the cache was consulted, `cache_hit`/`cache_miss`. */
  decision(decision: Decision, event: APIGatewayRequestAuthorizerEvent, context: Context): string {
    const principal = decision.outcome === 'unauthorized' ? undefined : decision.principal;
    const fields = {
      outcome: decision.outcome,
      reason: decision.outcome === 'allow' ? 'ok' : decision.reason,
      method: event.httpMethod,
      resource: event.resource,
      userId: principal?.userId,
      authMethod: principal?.authMethod,
      credentialId: principal?.credentialId ?? (decision.outcome === 'unauthorized' ? decision.keyId : undefined),
      cacheHit: decision.cacheHit,
      // a key with exact credits: 'ok' (one spent) or 'spent' (none left: 429)
      credits: decision.outcome === 'allow' ? decision.credits : undefined,
    };
    // No credential, or a malformed one, never reaches the cache: neither a hit nor a miss.
    const cache = decision.cacheHit === undefined ? undefined : decision.cacheHit ? 'cache_hit' : 'cache_miss';
    return this.line('INFO', 'decision', context, fields, `decision_${decision.outcome}`, cache);
  }

  /** The line for a store failure (ERROR, `authorizer_failure`), with `decision_failure`. */
  failure(error: unknown, event: APIGatewayRequestAuthorizerEvent, context: Context): string {
    return this.line('ERROR', 'authorizer_failure', context, { error: describeError(error), method: event.httpMethod, resource: event.resource }, 'decision_failure');
  }

  /**
   * One JSON object on one line, written out member by member: the fixed
   * parts (names, the metrics' `_aws` directives) are literals built once,
   * the values go through JSON.stringify. A third of the cost of
   * JSON.stringify on the whole entry, on every request (docs/performance.md).
   */
  private line(level: 'INFO' | 'ERROR', message: string, context: Context, fields: Record<string, unknown>, metric: DecisionMetric, cache?: DecisionMetric): string {
    const now = this.now();
    const coldStart = this.coldStart;
    this.coldStart = false;
    let out = `{"level":"${level}","message":"${message}","timestamp":"${this.timestamp(now)}","service":"${SERVICE_NAME}","cold_start":${coldStart}`;
    out += member('function_request_id', context.awsRequestId);
    out += member('xray_trace_id', traceId(this.traceHeader()));
    for (const name in fields) out += member(name, fields[name]);
    if (this.metrics) out += `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":${this.block(metric, cache)}},"${metric}":1${cache ? `,"${cache}":1` : ''}`;
    return out + '}\n';
  }

  private block(metric: DecisionMetric, cache: DecisionMetric | undefined): string {
    const key = cache ? `${metric} ${cache}` : metric;
    let block = this.blocks.get(key);
    if (block === undefined) this.blocks.set(key, (block = cloudWatchMetrics(cache ? [metric, cache] : [metric])));
    return block;
  }

  /** `new Date(now).toISOString()`, with the date, hour and minute formatted once a minute. */
  private timestamp(now: number): string {
    const ms = now % 60_000;
    const minute = now - ms;
    if (minute !== this.minute) {
      this.minute = minute;
      this.minutePrefix = new Date(minute).toISOString().slice(0, 17);
    }
    const seconds = Math.floor(ms / 1000);
    const millis = ms % 1000;
    return `${this.minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }
}

/** What a log may say about an error: its kind, message and stack, and the same of its cause. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: 'NonError', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
