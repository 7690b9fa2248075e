import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HardenedFunction } from './hardened-function';
import { SignatureScheme } from './signature-scheme';

export interface SigningSecretProps {
  readonly secretName: string;
  readonly scheme: SignatureScheme;
  readonly encryptionKey: kms.IKey;
  readonly rotationInterval: Duration;
  readonly gracePeriod: Duration;
  readonly runtime: lambda.Runtime;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One source's signing key set in Secrets Manager (CMK-encrypted) and the function that rotates it
 * on a schedule, keeping the replaced key valid for the grace window.
 *
 * The secret is created with a random 44-character alphanumeric key (valid base64, so a valid key for
 * every scheme) and rotated as soon as it exists, so no placeholder is ever live.
 */
export class SigningSecret extends Construct {
  public readonly secret: secretsmanager.Secret;
  public readonly rotationFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: SigningSecretProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      secretName: props.secretName,
      description: 'Webhook signing key set: {"current": key, "previous": [{key, notAfter}]}. Rotated by its rotation function.',
      encryptionKey: props.encryptionKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ previous: [] }),
        generateStringKey: 'current',
        passwordLength: 44,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: props.removalPolicy,
    });

    const rotation = new HardenedFunction(this, 'RotationFunction', {
      handler: 'rotation',
      description: `Rotates the webhook signing key set ${props.secretName}`,
      environment: {
        WEBHOOK_SCHEME: JSON.stringify(props.scheme.config),
        WEBHOOK_GRACE_SECONDS: String(props.gracePeriod.toSeconds()),
      },
      runtime: props.runtime,
      memorySize: 256,
      timeout: Duration.seconds(30),
      // Secrets Manager never runs two rotations of one secret at once.
      reservedConcurrentExecutions: 1,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      noDlqReason: 'Secrets Manager invokes rotation steps synchronously and retries them itself; a failed rotation is reported by Secrets Manager (RotationFailed) and leaves AWSCURRENT unchanged.',
    });
    this.rotationFunction = rotation.function;

    // Written out instead of secret.addRotationSchedule(), which also grants
    // secretsmanager:GetRandomPassword on "*" and kms:ReEncrypt*/GenerateDataKey* that this function never uses.
    rotation.allow(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secret.secretArn],
      }),
    );
    rotation.allow(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    const invoke = new lambda.CfnPermission(this, 'AllowSecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.rotationFunction.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: this.secret.secretArn,
      sourceAccount: stack.account,
    });
    const schedule = new secretsmanager.CfnRotationSchedule(this, 'RotationSchedule', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: this.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: events.Schedule.rate(props.rotationInterval).expressionString },
      rotateImmediatelyOnUpdate: true,
    });
    schedule.node.addDependency(invoke);
    schedule.node.addDependency(rotation.policy);
  }
}
