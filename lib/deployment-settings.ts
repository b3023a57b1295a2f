/**
 * The deployment's settings item (pk SETTINGS, sk DEPLOYMENT; codec in
 * lambda/core/settings-item.ts), written into its table at deploy
 * time, so the `keygate` CLI applies the deployment's catalog and prefixes
 * with only `--table`. A PutItem through CDK's AwsCustomResource: created and
 * updated with the settings; left in place when the stack goes (the table is
 * usually retained, and the next deployment overwrites it).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, type AwsSdkCall } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { settingsItem, type DeploymentSettings } from '../lambda/core/settings-item';
import { SETTINGS_PK } from '../lambda/core/table-schema';

export function writeDeploymentSettings(scope: Construct, id: string, table: ITable, settings: DeploymentSettings, logRetention: RetentionDays): AwsCustomResource {
  const put: AwsSdkCall = {
    service: 'DynamoDB',
    action: 'PutItem',
    parameters: { TableName: table.tableName, Item: settingsItem(settings) },
    physicalResourceId: PhysicalResourceId.of('keygate-deployment-settings'),
  };
  return new AwsCustomResource(scope, id, {
    resourceType: 'Custom::KeygateDeploymentSettings',
    onCreate: put,
    onUpdate: put,
    // Only the settings partition of this table, only PutItem.
    policy: AwsCustomResourcePolicy.fromStatements([
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SETTINGS_PK] } },
      }),
    ]),
    // The SDK in the Lambda runtime: no download at deploy time.
    installLatestAwsSdk: false,
    logGroup: new LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN }),
  });
}
