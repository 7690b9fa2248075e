import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { keyUseVia } from './encryption-key';
import { acknowledge } from './nag-acknowledgements';

/** The environment variable a lambda.Function processor finds the idempotency table's name in. */
export const IDEMPOTENCY_TABLE_ENV = 'IDEMPOTENCY_TABLE_NAME';

/**
 * What Powertools' DynamoDB persistence layer (@aws-lambda-powertools/idempotency) does to its table,
 * and nothing else: GetItem (a record that already exists), conditional PutItem (take the key),
 * UpdateItem (save the result) and DeleteItem (give the key up when processing failed).
 */
export const IDEMPOTENCY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export interface ProcessorIdempotencyProps {
  readonly processor: lambda.IFunction;
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

/**
 * The table of Powertools' idempotency utility for the endpoint's processor, in the layout its
 * DynamoDB persistence layer expects by default (partition key `id`, TTL attribute `expiration`):
 * on-demand, encrypted with the endpoint's key, point-in-time recovery on. The processor may only
 * get, put, update and delete items in it, and use the key through DynamoDB; a lambda.Function
 * processor finds its name in IDEMPOTENCY_TABLE_NAME.
 */
export class ProcessorIdempotency extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ProcessorIdempotencyProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.table,
      ...['NIST.800.53.R5-DynamoDBInBackupPlan', 'HIPAA.Security-DynamoDBInBackupPlan'].map((findingId) => ({
        id: findingId,
        reason:
          'The table holds only transient idempotency records (a hash of each delivery\'s source and dedupe key, its status, and what the processor returned) that expire through TTL; point-in-time recovery is on. A backup plan would preserve nothing worth restoring.',
      })),
    );

    const statements = [new iam.PolicyStatement({ actions: IDEMPOTENCY_ACTIONS, resources: [this.table.tableArn] }), keyUseVia(this, props.encryptionKey, 'dynamodb')];
    for (const statement of statements) props.processor.addToRolePolicy(statement);
    if (!props.processor.role) {
      // An imported function without its role: nothing can be granted here, and nothing is silently dropped.
      Annotations.of(this).addWarningV2(
        'cdk-hardened-webhook:idempotencyGrantNotAdded',
        `processorIdempotency: the processor ${props.processor.node.path} has no role CDK can see, so it was not granted ${IDEMPOTENCY_ACTIONS.join(', ')} on the idempotency table, nor kms:Decrypt and kms:GenerateDataKey on the endpoint's key through DynamoDB: add them to its role`,
      );
    }
    if (props.processor instanceof lambda.Function) {
      props.processor.addEnvironment(IDEMPOTENCY_TABLE_ENV, this.table.tableName);
    } else {
      Annotations.of(this).addWarningV2(
        'cdk-hardened-webhook:idempotencyTableNameNotSet',
        `processorIdempotency: the processor ${props.processor.node.path} is not a lambda.Function of this app, so ${IDEMPOTENCY_TABLE_ENV} cannot be set on it: give it endpoint.idempotencyTable.tableName yourself`,
      );
    }
  }
}
