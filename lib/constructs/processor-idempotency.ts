import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { transientTable } from './dedupe-table';
import { keyUseVia } from './encryption-key';

/** The environment variable a lambda.Function processor finds the idempotency table's name in. */
export const IDEMPOTENCY_TABLE_ENV = 'IDEMPOTENCY_TABLE_NAME';

/**
 * What Powertools' DynamoDB persistence layer (@aws-lambda-powertools/idempotency) does to its table,
 * and nothing else: GetItem (a record that already exists), conditional PutItem (take the key),
 * UpdateItem (save the result) and DeleteItem (give the key up when processing failed).
 */
export const IDEMPOTENCY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * The environment variables a lambda.Function has been given so far (addEnvironment or its props),
 * resolved as its CfnFunction will render them; undefined for any other IFunction.
 */
export function functionEnvironment(fn: lambda.IFunction): Record<string, unknown> | undefined {
  if (!(fn instanceof lambda.Function)) return undefined;
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  return resolved?.variables ?? {};
}

// Each processor given processorIdempotency, and the endpoint that did.
const tableOwners = new WeakMap<lambda.IFunction, string>();

/**
 * Why processorIdempotency cannot be given to this processor, naming the fix: another endpoint gave
 * it its table already (one IDEMPOTENCY_TABLE_NAME cannot name two tables), or it sets
 * IDEMPOTENCY_TABLE_NAME itself (which would be silently replaced).
 */
export function processorIdempotencyProblems(processor: lambda.IFunction): string[] {
  const owner = tableOwners.get(processor);
  if (owner !== undefined) {
    return [
      `processorIdempotency: the processor ${processor.node.path} already has the idempotency table of the endpoint ${owner} (processorIdempotency there too), and one ${IDEMPOTENCY_TABLE_ENV} cannot name two tables: set processorIdempotency on one of the endpoints only (its table serves the processor for both), and put the queue in the idempotency key (the record's eventSourceARN with source and dedupeKey: two endpoints may have sources of one name and see the same key; docs/processor.md, "Processing each delivery once")`,
    ];
  }
  const environment = functionEnvironment(processor);
  if (environment && IDEMPOTENCY_TABLE_ENV in environment) {
    return [
      `processorIdempotency: the processor ${processor.node.path} already sets ${IDEMPOTENCY_TABLE_ENV}, which the endpoint would replace with its own table's name: remove it from the processor to use the endpoint's table, or remove processorIdempotency and grant your table to the processor yourself`,
    ];
  }
  return [];
}

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
    this.table = transientTable(this, 'IdempotencyTable', {
      ...props,
      partitionKey: 'id',
      timeToLiveAttribute: 'expiration',
      holds: "transient idempotency records (a hash of each delivery's source and dedupe key, its status, and what the processor returned) that expire through TTL",
    });

    tableOwners.set(props.processor, scope.node.path);
    const keyUse = keyUseVia(this, props.encryptionKey, 'dynamodb');
    const grants = [
      iam.Grant.addToPrincipal({ grantee: props.processor, actions: IDEMPOTENCY_ACTIONS, resourceArns: [this.table.tableArn] }),
      iam.Grant.addToPrincipal({ grantee: props.processor, actions: keyUse.actions, resourceArns: keyUse.resources, conditions: keyUse.conditions }),
    ];
    // An immutable imported role (fromRoleArn with mutable: false, withoutPolicyUpdates) answers "added"
    // to every statement and keeps none (CDK's ImmutableRole: the caller promised to add them).
    const role = props.processor.role;
    const immutable = role !== undefined && !iam.Role.isRole(role) && 'addGrantsToResources' in role;
    // No role (an imported function): CDK's UnknownPrincipal also answers "added", with a warning of its own.
    if (!role || immutable || !grants.every((grant) => grant.success)) {
      // No role CDK can see (an imported function), or one it may not change (an imported role, immutable):
      // nothing could be granted here, and nothing is silently dropped.
      Annotations.of(this).addWarningV2(
        'cdk-hardened-webhook:idempotencyGrantNotAdded',
        `processorIdempotency: the processor ${props.processor.node.path} has no role CDK can see or change (an imported function, or an immutable imported role), so it was not granted ${IDEMPOTENCY_ACTIONS.join(', ')} on the idempotency table, nor kms:Decrypt and kms:GenerateDataKey on the endpoint's key through DynamoDB: add them to its role`,
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
