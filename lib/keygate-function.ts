import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { SymlinkFollowMode } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { keygateAssetWithSettings, type KeygateLambdaName } from './assets';

export interface KeygateFunctionProps {
  /** which pre-built keygate Lambda (a folder of dist/assets) */
  readonly asset: KeygateLambdaName;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** the settings file's text (`lambdaSettings`), bundled next to the handler */
  readonly settingsFile: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
}

/**
 * A keygate Lambda: its pre-built bundle (the AWS SDK inside, so the code
 * that was tested is the code that runs) with the deployment's settings file
 * beside it, on Node.js 22, arm64, with an
 * explicit log group that keeps logs for `logRetention`, not forever.
 */
export function keygateFunction(scope: Construct, id: string, props: KeygateFunctionProps): LambdaFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    // Logs of a deleted stack can still be needed to investigate an incident.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new LambdaFunction(scope, id, {
    code: Code.fromAsset(keygateAssetWithSettings(props.asset, props.settingsFile), { followSymlinks: SymlinkFollowMode.ALWAYS }),
    handler: 'index.handler',
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: props.environment,
    logGroup,
  });
}
