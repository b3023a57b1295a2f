/**
 * The authorizer handler without its log line, bundled only by the
 * benchmark: the difference to the real handler is what the decision's log
 * line and metrics cost at cold start.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { Authorizer } from '../../../lambda/authorizer/authorizer';
import { loadConfig } from '../../../lambda/shared/config';
import { AUTHORIZER_LIMITS, createDynamoClient } from '../../../lambda/store/dynamo-client';
import { DynamoCredentialStore } from '../../../lambda/store/dynamo-credential-store';

const config = loadConfig();
const authorizer = new Authorizer({ store: new DynamoCredentialStore(createDynamoClient(AUTHORIZER_LIMITS), config.tableName), config });

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const decision = await authorizer.decide(event);
  if (decision.outcome === 'unauthorized') throw new Error('Unauthorized');
  return decision.result;
};
