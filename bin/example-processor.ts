import { join } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { acknowledge } from '../lib/constructs/nag-acknowledgements';

const ENTRY = join(__dirname, 'processor', 'index.ts');

/**
 * Bundles the example processor (bin/processor/index.ts: the consumer helper and Powertools inside,
 * the AWS SDK left to the Lambda runtime) into `outdir/index.js`, with the local esbuild: no Docker.
 * The stack bundles it at synth into its cloud assembly (cdk.out), never into the package's assets/.
 */
export function bundleExampleProcessor(outdir: string): void {
  buildSync({
    entryPoints: [ENTRY],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}

export interface ExampleProcessorProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The example app's queue processor: bin/processor/index.ts, bundled at synth, with its own role
 * (its log group, X-Ray; the endpoint adds the queue, the key and the idempotency table), an
 * encrypted log group, X-Ray tracing and reserved concurrency.
 */
export class ExampleProcessor extends Construct {
  public readonly function: lambda.Function;
  private readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ExampleProcessorProps) {
    super(scope, id);
    // Encrypted with the endpoint's key once the endpoint exists (encryptLogsWith): the endpoint takes
    // the processor in its props, so it is made first.
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy });
    this.logGroup = logGroup;
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'The example webhook processor' });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.function = new lambda.Function(this, 'Function', {
      description: 'Example webhook processor: parseWebhookRecord + Powertools idempotency and batch',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(join(__dirname, 'processor'), {
        // The hash of the bundle itself: it also changes when lib/consumer or Powertools does.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: local bundling always succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          local: {
            tryBundle: (outputDir) => {
              bundleExampleProcessor(outputDir);
              return true;
            },
          },
        },
      }),
      role,
      logGroup,
      memorySize: 256,
      timeout: Duration.seconds(30),
      reservedConcurrentExecutions: 5,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    acknowledge(
      this,
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; every other statement of this role names its resource.' },
      ...['Serverless-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'].map((findingId) => ({
        id: findingId,
        reason: 'Invoked only by its SQS event source mapping: a delivery it fails returns to the queue, whose redrive policy moves it to the dead-letter queue; a Lambda DLQ catches only asynchronous invocations.',
      })),
      ...['NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy'].map((findingId) => ({
        id: findingId,
        reason: "The inline policy is this function's own role's: the endpoint's grants (its queue, the queue's key through SQS, the idempotency table, the body bucket) write it, each statement naming its resource. Unlike a managed policy it cannot be attached to any other principal.",
      })),
      ...['NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC'].map((findingId) => ({
        id: findingId,
        reason: 'The example processor reaches only AWS service APIs (SQS, DynamoDB, S3) over TLS with SigV4; a VPC would add NAT or endpoints without narrowing what it can reach. Put yours in one if its business logic reaches private resources.',
      })),
    );
  }

  /** Encrypts the log group with the endpoint's key (whose policy lets CloudWatch Logs use it for the account's log groups). */
  public encryptLogsWith(key: kms.IKey): void {
    (this.logGroup.node.defaultChild as logs.CfnLogGroup).kmsKeyId = key.keyArn;
  }
}
