import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, Billing, BillingMode, Table, TableEncryption, TableEncryptionV2, TableV2, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEY_SCHEMA } from '../lambda/core/table-schema';

export interface KeygateTableProps {
  /**
   * A table that already exists, used instead of making one: for example the
   * table a destroyed stack retained, so a new deployment finds every user
   * and key again. It has to have keygate's layout: a string partition key
   * `pk`, a string sort key `sk`, and TTL on `ttl`. keygate grants its
   * functions access to it; every other setting stays the owner's, so the
   * other props of this construct are refused with it.
   *
   * @default - a new table
   */
  readonly existingTable?: ITable;

  /**
   * What happens to the table when it leaves the stack (`cdk destroy`, or a
   * change that replaces it). RETAIN keeps users, keys and audit records:
   * pass the retained table as `existingTable` to use it again.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Point-in-time recovery: restore the table to any second of the last 35 days.
   *
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;

  /**
   * Other regions that get a replica: the table becomes a DynamoDB global
   * table (`TableV2`), and a keygate deployed in each region reads its own
   * replica. A key revoked in one region is refused in another after the
   * replication lag (usually under a second) plus the authorizer's
   * credential cache TTL. Needs a stack with an explicit region, which may
   * not be in this list.
   *
   * Going from no replicas to replicas changes the table's resource type
   * (AWS::DynamoDB::Table to AWS::DynamoDB::GlobalTable); see the README
   * ("Keeping the data") for how to move without losing it.
   *
   * @default - a table in the stack's region only
   */
  readonly replicaRegions?: readonly string[];
}

/**
 * The one table keygate keeps users, keys, sessions, audit records and its
 * deployment settings in (layout: lambda/store/keys.ts). Made here, or an
 * existing one adopted.
 */
export class KeygateTable extends Construct {
  /** The table keygate's functions read and write. */
  public readonly table: ITable;
  /** Whether `table` was made by this construct (false for `existingTable`). */
  public readonly owned: boolean;

  constructor(scope: Construct, id: string, props: KeygateTableProps = {}) {
    super(scope, id);
    const problems = tableProblems(this, props);
    if (problems.length > 0) throw new Error(`KeygateTable ${this.node.path} is misconfigured:\n- ${problems.join('\n- ')}`);

    if (props.existingTable) {
      this.table = props.existingTable;
      this.owned = false;
      return;
    }
    this.owned = true;
    const keys = {
      partitionKey: { name: TABLE_KEY_SCHEMA.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY_SCHEMA.sortKey.name, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEY_SCHEMA.timeToLiveAttribute,
    };
    const pointInTimeRecoverySpecification = { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true };
    // Accounts and keys must survive a `cdk destroy` or a replaced stack unless the owner says otherwise.
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const replicas = props.replicaRegions ?? [];
    // TableV2 is an ITable; its optional attributes are typed `T | undefined`, which
    // exactOptionalPropertyTypes alone tells apart from ITable's `T?`.
    this.table = (
      replicas.length > 0
        ? new TableV2(this, 'GlobalTable', {
            ...keys,
            billing: Billing.onDemand(),
            pointInTimeRecoverySpecification,
            encryption: TableEncryptionV2.awsManagedKey(),
            removalPolicy,
            replicas: replicas.map((region) => ({ region })),
          })
        : new Table(this, 'Table', {
            ...keys,
            billingMode: BillingMode.PAY_PER_REQUEST,
            pointInTimeRecoverySpecification,
            encryption: TableEncryption.AWS_MANAGED,
            removalPolicy,
          })
    ) as ITable;
  }
}

function tableProblems(scope: Construct, props: KeygateTableProps): string[] {
  const problems: string[] = [];
  if (props.existingTable) {
    const others = (['removalPolicy', 'pointInTimeRecovery', 'replicaRegions'] as const).filter((k) => props[k] !== undefined);
    if (others.length > 0) problems.push(`existingTable is used as it is: ${others.join(', ')} cannot be set with it`);
  }
  const replicas = props.replicaRegions ?? [];
  if (replicas.length > 0) {
    const region = Stack.of(scope).region;
    if (Token.isUnresolved(region)) {
      problems.push('replicaRegions needs a stack with an explicit region (env: { region }), the region of the main table');
    } else if (replicas.includes(region)) {
      problems.push(`replicaRegions lists ${region}, the stack's own region, where the main table already is`);
    }
    const twice = replicas.filter((r, i) => replicas.indexOf(r) !== i);
    if (twice.length > 0) problems.push(`replicaRegions lists ${[...new Set(twice)].join(', ')} more than once`);
  }
  return problems;
}
