/**
 * The decision's one log line is a structured log entry and, in the same
 * line, the EMF document of its metrics: the names, namespace and dimension
 * the stack's AuthorizerErrors alarm watches (test/stack), nothing secret.
 */
import type { Decision } from '../../lambda/authorizer/authorizer';
import { DecisionLog } from '../../lambda/authorizer/decision-log';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { emfMetrics } from '../support/emf';
import { lambdaContext } from '../../fixtures/lambda-context';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const TRACE = 'Root=1-65f0c0de-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';
const event = authorizerEvent('POST', '/v1/scores', { Authorization: 'Bearer user_key_never_logged' });
const principal = { userId: 'O7LcZKur62zV', authMethod: 'api_key', credentialId: '8DnOgNi52a3f', permissions: ['submit_score'] } as const;
const allow: Decision = { outcome: 'allow', result: { principalId: principal.userId, policyDocument: { Version: '2012-10-17', Statement: [] } }, principal, cacheHit: true };
const unauthorized: Decision = { outcome: 'unauthorized', reason: 'wrong_secret', keyId: '8DnOgNi52a3f', cacheHit: false };
const malformed: Decision = { outcome: 'unauthorized', reason: 'malformed' };

const newLog = (options: Partial<ConstructorParameters<typeof DecisionLog>[0]> = {}) =>
  new DecisionLog({ metrics: true, coldStart: false, now: () => NOW, traceHeader: () => TRACE, ...options });
const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;
/** The metrics CloudWatch would extract, as `namespace/name{dimensions}=value unit`. */
const metricsOf = (line: string) => emfMetrics(line).map((m) => `${m.namespace}/${m.name}${JSON.stringify(m.dimensions)}=${m.value} ${m.unit}`);

describe('Class: DecisionLog', () => {
  describe('Method: decision', () => {
    it('writes one JSON line with the decision, the invocation and no credential', () => {
      // Prepare
      const context = lambdaContext('keygate-authorizer');

      // Act
      const line = newLog().decision(allow, event, context);

      // Assess
      expect(line.endsWith('\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(parse(line)).toMatchObject({
        level: 'INFO',
        message: 'decision',
        timestamp: '2025-01-02T03:04:05.678Z',
        service: 'keygate-authorizer',
        cold_start: false,
        function_request_id: context.awsRequestId,
        xray_trace_id: '1-65f0c0de-0123456789abcdef01234567',
        outcome: 'allow',
        reason: 'ok',
        method: 'POST',
        resource: '/v1/scores',
        userId: 'O7LcZKur62zV',
        authMethod: 'api_key',
        credentialId: '8DnOgNi52a3f',
        cacheHit: true,
      });
      expect(line).not.toContain('never_logged');
    });

    it('carries the metrics of the decision in the same line, as EMF in the keygate namespace by service', () => {
      // Act
      const line = newLog().decision(allow, event, lambdaContext());

      // Assess
      expect(metricsOf(line)).toEqual(['keygate/decision_allow{"service":"keygate-authorizer"}=1 Count', 'keygate/cache_hit{"service":"keygate-authorizer"}=1 Count']);
      expect((parse(line)._aws as { Timestamp: number }).Timestamp).toBe(NOW);
    });

    it('counts a refused credential as decision_unauthorized, the metric the AuthorizerErrors alarm subtracts', () => {
      // Act
      const line = newLog().decision(unauthorized, event, lambdaContext());

      // Assess
      expect(metricsOf(line)).toEqual(['keygate/decision_unauthorized{"service":"keygate-authorizer"}=1 Count', 'keygate/cache_miss{"service":"keygate-authorizer"}=1 Count']);
      expect(parse(line)).toMatchObject({ outcome: 'unauthorized', reason: 'wrong_secret', credentialId: '8DnOgNi52a3f', cacheHit: false });
    });

    it('counts neither a cache hit nor a miss when no cache was consulted', () => {
      // Act
      const line = newLog().decision(malformed, event, lambdaContext());

      // Assess
      expect(metricsOf(line)).toEqual(['keygate/decision_unauthorized{"service":"keygate-authorizer"}=1 Count']);
      expect(parse(line)).not.toHaveProperty('cacheHit');
      expect(parse(line)).not.toHaveProperty('credentialId');
    });

    it('says cold_start only on the first line of a cold instance', () => {
      // Prepare
      const log = newLog({ coldStart: true });

      // Act
      const lines = [log.decision(allow, event, lambdaContext()), log.decision(allow, event, lambdaContext())];

      // Assess
      expect(lines.map((l) => parse(l).cold_start)).toEqual([true, false]);
    });

    it('leaves the trace id out when there is no trace header, and the metrics out when they are off', () => {
      // Act
      const line = newLog({ metrics: false, traceHeader: () => undefined }).decision(allow, event, lambdaContext());

      // Assess
      expect(parse(line)).not.toHaveProperty('xray_trace_id');
      expect(parse(line)).not.toHaveProperty('_aws');
      expect(parse(line)).not.toHaveProperty('decision_allow');
      expect(parse(line)).toMatchObject({ outcome: 'allow', reason: 'ok' });
    });
    it('writes valid JSON whatever the request holds, and the same values back', () => {
      // Prepare: values a hand-written JSON writer could get wrong
      const odd = ['', 'plain', 'quote " and \\ backslash', 'new\nline\ttab\u0000nul', 'caf\u00e9 \u2028 \ud83d\ude00', 'lone \ud800 surrogate', '</script>'];

      // Act + Assess
      for (const value of odd) {
        const line = newLog().decision(allow, { ...event, httpMethod: value, resource: value }, { ...lambdaContext(), awsRequestId: value });
        expect(line.indexOf('\n')).toBe(line.length - 1);
        expect(parse(line)).toMatchObject({ method: value, resource: value, function_request_id: value });
      }
    });

    it('stamps each line with the time in ISO 8601, to the millisecond', () => {
      // Prepare: times around minute, hour, day and year boundaries, and at random
      const times = [0, 59_999, 60_000, 3_599_999, Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2025, 0, 1), ...Array.from({ length: 500 }, (_, i) => 1_700_000_000_000 + i * 7_919_993)];
      let now = 0;
      const log = newLog({ now: () => now });

      // Act + Assess
      for (const t of times) {
        now = t;
        expect(parse(log.decision(allow, event, lambdaContext())).timestamp).toBe(new Date(t).toISOString());
      }
    });
  });

  describe('Method: failure', () => {
    it('writes authorizer_failure at ERROR with the error and its cause, counted as decision_failure', () => {
      // Prepare
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { name: 'TimeoutError' });
      const error = new Error('DynamoDB BatchGetItem failed', { cause });

      // Act
      const line = newLog().failure(error, event, lambdaContext());

      // Assess
      expect(parse(line)).toMatchObject({
        level: 'ERROR',
        message: 'authorizer_failure',
        method: 'POST',
        resource: '/v1/scores',
        error: { name: 'Error', message: 'DynamoDB BatchGetItem failed', cause: { name: 'TimeoutError', message: 'connect ECONNREFUSED 127.0.0.1:9' } },
      });
      expect(typeof (parse(line).error as { stack: unknown }).stack).toBe('string');
      expect(metricsOf(line)).toEqual(['keygate/decision_failure{"service":"keygate-authorizer"}=1 Count']);
      expect(line).not.toContain('never_logged');
    });
  });
});
