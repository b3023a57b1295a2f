/**
 * The Lambda REQUEST authorizer. Thin: wiring and the decision's log line;
 * the decision is `Authorizer`'s.
 *
 * - allow / deny → an IAM policy (a deny carries `error_code` and
 *   `error_message` in its context for the 403 gateway response)
 * - unauthorized → throws `Unauthorized`, which API Gateway turns into 401
 * - the store cannot answer → throws another error, which API Gateway turns
 *   into 500 AUTHORIZER_FAILURE. Never an Allow.
 *
 * Every invocation writes exactly one line to stdout: the decision (or the
 * failure), which is also the EMF document of its metrics (decision-log.ts).
 * Settings are read once, here, at load.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { loadConfig } from '../shared/config';
import { AUTHORIZER_LIMITS, createDynamoClient } from '../store/dynamo-client';
import { DynamoCredentialStore } from '../store/dynamo-credential-store';
import { Authorizer, type Decision } from './authorizer';
import { DecisionLog } from './decision-log';

const config = loadConfig();
const authorizer = new Authorizer({
  store: new DynamoCredentialStore(createDynamoClient(AUTHORIZER_LIMITS), config.tableName),
  config,
  // Usage plans (SPEC §12): both usage key values, or none (no plans configured).
  ...(config.usage ? { usage: config.usage } : {}),
});
const log = new DecisionLog({
  // The local runner sets this for every function: nothing reads metrics there.
  metrics: process.env.POWERTOOLS_METRICS_DISABLED !== 'true',
  // Lambda sets 'on-demand' or 'provisioned-concurrency' (or 'snap-start'); only the first is a cold start on a request.
  coldStart: process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand',
});

export async function handler(event: APIGatewayRequestAuthorizerEvent, context: Context): Promise<APIGatewayAuthorizerResult> {
  let decision: Decision;
  try {
    decision = await authorizer.decide(event);
  } catch (err) {
    process.stdout.write(log.failure(err, event, context));
    throw new Error('authorizer failure: the credential store did not answer', { cause: err });
  }
  process.stdout.write(log.decision(decision, event, context));
  if (decision.outcome === 'unauthorized') throw new Error('Unauthorized');
  return decision.result;
}
