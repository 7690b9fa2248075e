import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements';

export interface DedupeTableProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

/**
 * Which events have been queued, keyed `<source>#<event id>`: on-demand, encrypted with the
 * endpoint's key, point-in-time recovery on, records expire through TTL (`expiresAt`).
 */
export class DedupeTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DedupeTableProps) {
    super(scope, id);
    this.table = transientTable(this, 'Resource', {
      ...props,
      partitionKey: 'pk',
      timeToLiveAttribute: 'expiresAt',
      holds: 'transient dedupe records (event ids and status, no payloads) that expire within days',
    });
  }
}

export interface TransientTableProps extends DedupeTableProps {
  readonly partitionKey: string;
  readonly timeToLiveAttribute: string;
  /** What its records are, for the reason no backup plan covers it. */
  readonly holds: string;
}

/**
 * A table of short-lived records (the verifier's dedupe claims, the processor's idempotency records):
 * on-demand, encrypted with the endpoint's key, point-in-time recovery on, records expiring through
 * TTL, and no backup plan, with the reason.
 */
export function transientTable(scope: Construct, id: string, props: TransientTableProps): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: props.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    timeToLiveAttribute: props.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.deletionProtection,
    removalPolicy: props.removalPolicy,
  });
  acknowledge(
    table,
    ...['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan'].map((findingId) => ({
      id: findingId,
      reason: `The table holds only ${props.holds}; point-in-time recovery is on. A backup plan would preserve nothing worth restoring.`,
    })),
  );
  return table;
}
