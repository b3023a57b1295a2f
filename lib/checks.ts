/**
 * cdk-nag's AwsSolutions pack for an app with keygate, and the findings
 * keygate accepts, each with its reason. A separate entry point
 * (`keygate/checks`), so importing the constructs never needs cdk-nag; the
 * reference app and its tests use it, so they check exactly what
 * `cdk synth` checks.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, type CfnMethod, type CfnUsagePlan } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { MANAGEMENT_FUNCTIONS } from '../lambda/core/management-functions';
import { consoleRoutes } from '../lambda/core/management-routes';
import type { Keygate } from './keygate';

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
/** The id CDK gives the one Lambda per stack behind every AwsCustomResource. */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

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

/**
 * Everything the `Keygate` construct accepts: its API, its functions, its
 * settings writer. On an API of the app's (`KeygateProps.api`), only
 * keygate's methods: the API, its stage and its own methods stay the app's
 * to check.
 */
export function acknowledgeKeygateFindings(keygate: Keygate): void {
  const api = keygate.api;
  const ownApi = keygate.node.tryFindChild('Api') === api;
  const functions = [keygate.authorizerFunction, ...Object.values(keygate.managementFunctions), ...(keygate.consoleFunction ? [keygate.consoleFunction] : [])];
  for (const fn of functions) acknowledgeFunctionFindings(fn);
  const cognito = 'keygate is itself the authorizer: a Lambda REQUEST authorizer checks API keys and session cookies against DynamoDB; Cognito is not used by design.';
  if (ownApi) {
    acknowledge(api, 'AwsSolutions-COG4', cognito);
    acknowledge(
      api,
      'AwsSolutions-APIG2',
      'Bodies are validated by each Lambda (unknown fields, types, permissions), which answers 400 in the keygate error shape; a gateway model would duplicate that with a different error body.',
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
  } else {
    for (const method of keygate.methods) acknowledge(method, 'AwsSolutions-COG4', cognito);
  }
  // keygate's own public routes (login, verify, …) and CORS preflights; a
  // public route of your own is yours to acknowledge.
  const publicManagement = new Set(keygate.routes.filter((r) => r.operation && r.needs === 'public').map((r) => `${r.method} ${r.path}`));
  const consolePages = new Set(keygate.consoleFunction ? consoleRoutes(keygate.basePath).map((r) => `${r.method} ${r.path}`) : []);
  for (const method of ownApi ? api.methods : keygate.methods) {
    if ((method.node.defaultChild as CfnMethod).authorizationType !== AuthorizationType.NONE) continue;
    if (method.httpMethod === 'OPTIONS') {
      acknowledge(method, 'AwsSolutions-APIG4', 'CORS preflight requests never carry credentials; the preflight only answers which origins are allowed.');
    } else if (publicManagement.has(`${method.httpMethod} ${method.resource.path}`)) {
      acknowledge(method, 'AwsSolutions-APIG4', `${method.resource.path} is a public route of keygate's management API: it is how a caller gets or checks credentials.`);
    } else if (consolePages.has(`${method.httpMethod} ${method.resource.path}`)) {
      acknowledge(method, 'AwsSolutions-APIG4', `${method.resource.path} serves the console's static files and public config.json; the page signs in through the management API.`);
    }
  }
  // Usage plans (SPEC §12): usage keys are made at run time, so their ids cannot be named in a policy.
  const plans = Object.values(keygate.usagePlans);
  if (plans.length > 0) {
    const arn = (path: string) => `Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::${path}`;
    for (const [name, def] of Object.entries(MANAGEMENT_FUNCTIONS)) {
      if (!def.usagePlans) continue;
      const fn = keygate.managementFunctions[name as keyof typeof MANAGEMENT_FUNCTIONS];
      acknowledge(
        fn,
        `AwsSolutions-IAM5[${arn('/apikeys/*')}]`,
        'DELETE only: API Gateway gives a usage key its id when the Lambda creates it, so the key cannot be named in advance; the Lambda deletes only ids it stored in the table.',
      );
      for (const plan of plans) {
        const planId = Stack.of(keygate).getLogicalId(plan.node.defaultChild as CfnUsagePlan);
        acknowledge(
          fn,
          `AwsSolutions-IAM5[${arn(`/usageplans/<${planId}>/keys/*`)}]`,
          "DELETE only, and only in this deployment's own usage plan: the keys in it are made at run time, so their ids cannot be named in advance.",
        );
      }
    }
  }
  const provider = Stack.of(keygate).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
  if (provider) {
    acknowledge(
      provider,
      `AwsSolutions-IAM4[${BASIC_EXECUTION_ROLE}]`,
      "CDK's AwsCustomResource Lambda writes only its own CloudWatch logs with this managed policy; its other grants (PutItem on the SETTINGS partition; with plans, PATCH of each usage plan to add the stage) are separate, scoped statements.",
    );
  }
}
