/**
 * cdk-nag for the keygate app, used by bin/app.ts and the stack tests alike,
 * so the tests check exactly what `cdk synth` checks.
 */
import { Validations } from 'aws-cdk-lib';
import { AuthorizationType, type CfnMethod } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { KeygateApi } from './keygate-api';
import type { KeygateStack } from './keygate-stack';

/** Registers the AwsSolutions pack on an app: unacknowledged errors fail synthesis. */
export function addKeygateChecks(app: IConstruct): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

const BASIC_EXECUTION_ROLE = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const APIGW_LOGS_ROLE = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

/** The findings a keygate function accepts, each with its reason. */
export function acknowledgeFunctionFindings(fn: IFunction): void {
  acknowledge(fn, 'AwsSolutions-L1', 'Pinned to nodejs22.x on purpose: the runtime the project is tested on and esbuild targets; moved deliberately, not by a linter.');
  if (fn.role) {
    acknowledge(
      fn.role,
      `AwsSolutions-IAM4[${BASIC_EXECUTION_ROLE}]`,
      'AWSLambdaBasicExecutionRole only allows writing the function\'s own CloudWatch logs; table access is granted separately, per action.',
    );
  }
}

/** The findings the KeygateApi construct accepts, each with its reason. */
export function acknowledgeApiFindings(keygate: KeygateApi): void {
  const api = keygate.api;
  acknowledgeFunctionFindings(keygate.authorizerFunction);
  acknowledge(
    api,
    'AwsSolutions-COG4',
    'keygate is itself the authorizer: a Lambda REQUEST authorizer checks API keys and session cookies against DynamoDB; Cognito is not used by design.',
  );
  acknowledge(
    api,
    'AwsSolutions-APIG2',
    'Bodies are validated by each Lambda (unknown fields, types, permissions), which answers 400 in the SPEC §5 error shape; a gateway model would duplicate that with a different error body.',
  );
  acknowledge(
    api.deploymentStage,
    'AwsSolutions-APIG3',
    'WAF is a per-deployment choice with its own cost; the stage keeps API Gateway throttling and login attempts are rate-limited in the auth Lambda. Attach a web ACL to the stage where needed.',
  );
  acknowledge(
    api,
    `AwsSolutions-IAM4[${APIGW_LOGS_ROLE}]`,
    'The account-wide API Gateway logging role uses the AWS-managed policy made for it; it only writes CloudWatch logs.',
  );
  for (const method of api.methods) {
    const cfn = method.node.defaultChild as CfnMethod;
    if (cfn.authorizationType === AuthorizationType.NONE) {
      acknowledge(
        method,
        'AwsSolutions-APIG4',
        method.httpMethod === 'OPTIONS'
          ? 'CORS preflight requests never carry credentials; the preflight only answers which origins are allowed.'
          : `${method.resource.path} is public in the route table (login or key verification): it is how a caller gets or checks credentials.`,
      );
    }
  }
}

/** Everything the reference stack accepts. */
export function acknowledgeKeygateFindings(stack: KeygateStack): void {
  acknowledgeApiFindings(stack.api);
  for (const fn of [...Object.values(stack.managementFunctions), stack.exampleFunction]) acknowledgeFunctionFindings(fn);
}
