import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEY_SCHEMA } from '../lambda/store/table';

/**
 * The one table keygate keeps users, keys, sessions and audit records in
 * (layout: lambda/store/keys.ts).
 */
export class KeygateTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY_SCHEMA.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY_SCHEMA.sortKey.name, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEY_SCHEMA.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // Accounts and keys must survive a `cdk destroy` or a replaced stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
