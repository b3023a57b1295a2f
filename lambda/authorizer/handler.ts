/**
 * The Lambda REQUEST authorizer. Thin: wiring, logging and metrics; the
 * decision is `Authorizer`'s.
 *
 * - allow / deny → an IAM policy (a deny carries `error_code` and
 *   `error_message` in its context for the 403 gateway response)
 * - unauthorized → throws `Unauthorized`, which API Gateway turns into 401
 * - the store cannot answer → throws another error, which API Gateway turns
 *   into 500 AUTHORIZER_FAILURE. Never an Allow.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { loadConfig } from '../shared/config';
import { AUTHORIZER_LIMITS, createDynamoClient } from '../store/dynamo-client';
import { DynamoCredentialStore } from '../store/dynamo-credential-store';
import { Authorizer, type Decision } from './authorizer';

const logger = new Logger({ serviceName: 'keygate-authorizer' });
const metrics = new Metrics({ namespace: 'keygate', serviceName: 'keygate-authorizer' });
const config = loadConfig();
const authorizer = new Authorizer({
  store: new DynamoCredentialStore(createDynamoClient(AUTHORIZER_LIMITS), config.tableName),
  config,
});

function record(decision: Decision, event: APIGatewayRequestAuthorizerEvent): void {
  const reason = decision.outcome === 'allow' ? 'ok' : decision.reason;
  metrics.addMetric(`decision_${decision.outcome}`, MetricUnit.Count, 1);
  // No credential, or a malformed one, never reaches the cache: neither a hit nor a miss.
  if (decision.cacheHit !== undefined) metrics.addMetric(decision.cacheHit ? 'cache_hit' : 'cache_miss', MetricUnit.Count, 1);
  const principal = decision.outcome === 'unauthorized' ? undefined : decision.principal;
  logger.info('decision', {
    outcome: decision.outcome,
    reason,
    method: event.httpMethod,
    resource: event.resource,
    userId: principal?.userId,
    authMethod: principal?.authMethod,
    credentialId: principal?.credentialId ?? (decision.outcome === 'unauthorized' ? decision.keyId : undefined),
    cacheHit: decision.cacheHit,
  });
}

export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    let decision: Decision;
    try {
      decision = await authorizer.decide(event);
    } catch (err) {
      metrics.addMetric('decision_failure', MetricUnit.Count, 1);
      logger.error('authorizer_failure', { error: err as Error, method: event.httpMethod, resource: event.resource });
      throw new Error('authorizer failure: the credential store did not answer', { cause: err });
    }
    record(decision, event);
    if (decision.outcome === 'unauthorized') throw new Error('Unauthorized');
    return decision.result;
  });
