import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerCode } from './handler-code';
import { acknowledge } from './nag-acknowledgements';

/**
 * The newest Node.js runtime the app's aws-cdk-lib knows when the endpoint is built (at least Node.js 24, which the bundles
 * target): cdk-nag's latest-runtime rules (AwsSolutions-L1, Serverless-LambdaLatestVersion) judge
 * against that same list, so a user on a newer aws-cdk-lib is never flagged for a runtime this
 * library pinned.
 */
export function defaultRuntime(): lambda.Runtime {
  const version = (runtime: lambda.Runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? NaN);
  return lambda.Runtime.ALL.filter((runtime) => version(runtime) >= 24).reduce((newest, runtime) => (version(runtime) > version(newest) ? runtime : newest), lambda.Runtime.NODEJS_24_X);
}

export interface HardenedFunctionProps {
  /** The bundle: `rotation`, or `verifier-<family>` (see VERIFIER_FAMILIES). */
  readonly handler: string;
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly runtime: lambda.Runtime;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrentExecutions: number;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Whether the function fetches a sender's published keys over HTTPS (outbound internet). @default false */
  readonly fetchesKeys?: boolean;
  /** Why the function runs outside a VPC, when the default reasons do not say what it reaches. @default - by fetchesKeys */
  readonly noVpcReason?: string;
  /** Why this function needs no dead-letter queue (its invoker handles failures). */
  readonly noDlqReason: string;
}

const NO_VPC_REASON =
  'The function reaches only AWS service APIs (Secrets Manager, SQS) over TLS with SigV4; a VPC would add NAT or endpoints and cold-start latency without narrowing what it can reach.';
const FETCHING_NO_VPC_REASON =
  "The function reaches AWS service APIs over TLS with SigV4 and the sender's pinned key hosts over HTTPS (it fetches the keys the sender publishes), which needs internet access: inside a VPC it would need a NAT gateway, and gain no narrower reach.";

/**
 * A Lambda function the way this library runs them: arm64, its own role whose only permissions are
 * one customer-managed policy we write out statement by statement (its own KMS-encrypted log group,
 * X-Ray, and what `allow()` adds), reserved concurrency, X-Ray tracing. CDK cannot slip extra
 * statements into the role: the function gets it without policy updates.
 */
export class HardenedFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly policy: iam.ManagedPolicy;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HardenedFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (writes only to its own log group)`,
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Everything ${props.description.toLowerCase()} may do`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }),
        new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
      ],
    });
    this.function = new lambda.Function(this, 'Resource', {
      description: props.description,
      runtime: props.runtime,
      architecture: lambda.Architecture.ARM_64,
      code: handlerCode(props.handler),
      handler: 'index.handler',
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      // Lambda's START, END and REPORT lines (about 450 bytes an invocation, as much again as the
      // verifier's own audit line) go; the runtime's warnings and errors stay. Duration, memory and
      // errors are in Lambda's metrics. The handlers write their JSON lines to stdout themselves, so
      // the JSON format leaves them (and their embedded metrics) as they are.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
    // The function must not start before it may write its logs.
    this.function.node.addDependency(this.policy);

    acknowledge(this.policy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; every other statement of this role names its resource.',
    });
    acknowledge(
      this.function,
      ...['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map((id) => ({ id, reason: props.noDlqReason })),
      ...['NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC'].map((id) => ({ id, reason: props.noVpcReason ?? (props.fetchesKeys ? FETCHING_NO_VPC_REASON : NO_VPC_REASON) })),
    );
  }

  /** Adds a permission to the function's policy. */
  public allow(statement: iam.PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}
