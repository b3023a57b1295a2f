import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root, so entry files can be named as in MANAGEMENT_ENTRIES. */
export const REPO_ROOT = path.join(__dirname, '..');

export interface KeygateFunctionProps {
  /** Handler file, absolute or relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** @default - no environment variables */
  readonly environment?: Record<string, string>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default - 10 seconds */
  readonly timeout?: Duration;
  /** @default - one month */
  readonly logRetention?: RetentionDays;
}

/**
 * A Lambda as every keygate function is built: Node.js 22 on arm64, bundled
 * by the local esbuild (never Docker) with the AWS SDK inside the bundle, so
 * the code that was tested is the code that runs, and an explicit log group
 * with a retention instead of one that keeps logs forever.
 */
export function keygateFunction(scope: Construct, id: string, props: KeygateFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    // Logs of a deleted stack can still be needed to investigate an incident.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return new NodejsFunction(scope, id, {
    entry: path.isAbsolute(props.entry) ? props.entry : path.join(REPO_ROOT, props.entry),
    handler: 'handler',
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(10),
    environment: props.environment,
    logGroup,
    bundling: {
      minify: true,
      target: 'node22',
      // Bundle the SDK too: a fixed, tested version, and a smaller cold start than the runtime's copy.
      externalModules: [],
      // Prefer ES modules so esbuild can drop unused parts of the SDK.
      mainFields: ['module', 'main'],
    },
  });
}
