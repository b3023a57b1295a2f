/** The environment a function's worker runs with: the template's variables plus what Lambda itself sets. */
import { ENV, allowedOriginsFrom } from '../lambda/shared/config';
import type { AppModel, FunctionDef } from './model';

/**
 * The function's own variables, the runner's origins added to its allowed
 * origins, DynamoDB Local as the SDK's DynamoDB endpoint, and the
 * `AWS_LAMBDA_*` variables of a Lambda environment; with usage plans, the
 * runner's API Gateway control plane as the SDK's API Gateway endpoint.
 */
export function lambdaEnvironment(fn: FunctionDef, model: AppModel, dynamoEndpoint: string, origins: readonly string[], apiGatewayEndpoint?: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    // Powertools metrics would print CloudWatch EMF blobs on every call; nothing reads them locally.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...fn.environment,
    [ENV.allowedOrigins]: [...allowedOriginsFrom(fn.environment), ...origins].join(','),
    AWS_REGION: model.region,
    AWS_DEFAULT_REGION: model.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    ...(apiGatewayEndpoint ? { AWS_ENDPOINT_URL_API_GATEWAY: apiGatewayEndpoint } : {}),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.codeDir,
    _HANDLER: fn.handler,
  };
}

/** `AuthFunctionA1CD5E0F` → `AuthFunction`, for log prefixes. */
export function shortName(fn: FunctionDef): string {
  return fn.logicalId.replace(/[0-9A-F]{8}$/, '');
}
