import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { keyUseVia } from './encryption-key';
import { HardenedFunction } from './hardened-function';
import { KeySource } from './key-source';
import { acknowledge } from './nag-acknowledgements';
import { SENDER_ISSUED_TAG } from './nag/sender-issued';
import { SignatureScheme } from './signature-scheme';

const NO_ROTATION_RULES = ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'PCI.DSS.321-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerRotationEnabled'];

export interface SigningSecretProps {
  readonly secretName: string;
  readonly endpointName: string;
  readonly sourceName: string;
  readonly scheme: SignatureScheme;
  readonly keySource: KeySource;
  readonly encryptionKey: kms.IKey;
  readonly rotationSchedule: string;
  readonly gracePeriod: Duration;
  readonly eventBus?: events.IEventBus;
  readonly senderHook?: lambda.IFunction;
  readonly runtime: lambda.Runtime;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One source's signing key set in Secrets Manager (CMK-encrypted). Generated keys get a rotation
 * function on a schedule that keeps the replaced key valid for the grace window, announces each
 * rotation on EventBridge (ARN and version, never the key), can call a sender hook, and answers an
 * emergency revoke. A failed rotation reaches the alarm topic through the endpoint's one rule for
 * all its secrets (WebhookMonitoring).
 *
 * The secret is created with a random 44-character alphanumeric key (valid base64, so a valid key for
 * every scheme): generated secrets are rotated as soon as they exist; imported ones wait for the
 * sender's key, rejecting every delivery until it is put.
 */
export class SigningSecret extends Construct {
  public readonly secret: secretsmanager.Secret;
  /**
   * For a sender that hands its key over in an unsigned handshake (Notion): where the verifier keeps
   * the first such handshake, apart from the signing secret, which the verifier cannot write.
   */
  public readonly captureSecret?: secretsmanager.Secret;
  /** The rotation function and its role, for generated keys. */
  public readonly rotationFunction?: lambda.Function;
  public readonly rotationRole?: iam.IRole;
  public readonly rotationLogGroup?: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: SigningSecretProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      secretName: props.secretName,
      description:
        props.keySource === KeySource.GENERATED
          ? 'Webhook signing key set {"current", "previous": [{key, notAfter}]}, rotated by its rotation function'
          : "Webhook signing key issued by the sender: put it with cdk-hardened-webhook put-key (docs/signing-keys.md)",
      encryptionKey: props.encryptionKey,
      generateSecretString: {
        // A sender that hands its key over in an unsigned handshake (Notion) finds the secret waiting:
        // the verifier keeps what that handshake carries until the key is put (see KeySetDocument).
        secretStringTemplate: JSON.stringify(props.keySource === KeySource.IMPORTED && props.scheme.capturesHandshake ? { previous: [], awaitingKey: true } : { previous: [] }),
        generateStringKey: 'current',
        passwordLength: 44,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: props.removalPolicy,
    });

    if (props.keySource === KeySource.IMPORTED) {
      const reason =
        "The sender issues this key (Stripe, Slack, Shopify, Twilio): it is rotated at the sender and imported with put-key (a put-secret-value), where the replaced key stays valid for the grace window; a rotation function could only generate a key the sender would not use.";
      acknowledge(this.secret, ...NO_ROTATION_RULES.map((ackId) => ({ id: ackId, reason })));
      // The mark WebhookChecks (Webhook-SecretRotation) and a reviewer read in place of a rotation schedule.
      (this.secret.node.defaultChild as secretsmanager.CfnSecret).tags.setTag(SENDER_ISSUED_TAG.key, SENDER_ISSUED_TAG.value);
      if (props.scheme.capturesHandshake) {
        // Named under a segment no source name can start with ("_"), so no source's signing-secret ARN
        // prefix (the secret-read rule's) matches it. Created holding {} (nothing captured); the
        // verifier writes the first capture with a ClientRequestToken that allows no second one.
        this.captureSecret = new secretsmanager.Secret(this, 'CapturedHandshake', {
          secretName: `webhooks/${props.endpointName}/_captured/${props.sourceName}`,
          description: 'The first unsigned key handshake (Notion verification token) with when and where it came from; put it as the key with cdk-hardened-webhook put-key --from-capture',
          encryptionKey: props.encryptionKey,
          secretObjectValue: {},
          removalPolicy: props.removalPolicy,
        });
        const captureReason = 'Holds one value the sender handed over (a verification token to put as the key), written once by the verifier; it is no key in use, so there is nothing to rotate.';
        acknowledge(this.captureSecret, ...[...NO_ROTATION_RULES, 'Webhook-SecretRotation'].map((ackId) => ({ id: ackId, reason: captureReason })));
      }
      return;
    }

    const rotation = new HardenedFunction(this, 'RotationFunction', {
      handler: 'rotation',
      description: `Rotates the webhook signing key set ${props.secretName}`,
      environment: {
        WEBHOOK_SCHEME: props.scheme.toJson(),
        WEBHOOK_GRACE_SECONDS: String(props.gracePeriod.toSeconds()),
        WEBHOOK_ENDPOINT: props.endpointName,
        WEBHOOK_SOURCE: props.sourceName,
        WEBHOOK_SECRET_ARN: this.secret.secretArn,
        ...(props.eventBus ? { WEBHOOK_EVENT_BUS: props.eventBus.eventBusName } : {}),
        ...(props.senderHook ? { WEBHOOK_SENDER_HOOK_ARN: props.senderHook.functionArn } : {}),
      },
      runtime: props.runtime,
      memorySize: 256,
      timeout: Duration.seconds(30),
      // Secrets Manager never runs two rotations of one secret at once; one spare for a revoke request.
      reservedConcurrentExecutions: 2,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      noDlqReason: 'Secrets Manager invokes rotation steps synchronously and retries them itself; a failed rotation is reported by Secrets Manager (RotationFailed, alarmed) and leaves AWSCURRENT unchanged.',
    });
    this.rotationFunction = rotation.function;
    this.rotationRole = rotation.role;
    this.rotationLogGroup = rotation.logGroup;

    // Written out instead of secret.addRotationSchedule(), which also grants
    // secretsmanager:GetRandomPassword on "*" and kms:ReEncrypt*/GenerateDataKey* that this function never uses.
    rotation.allow(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          // Emergency revoke: mark the secret, start a rotation, clear the mark when it completes.
          'secretsmanager:RotateSecret',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
        ],
        resources: [this.secret.secretArn],
      }),
    );
    rotation.allow(keyUseVia(this, props.encryptionKey, 'secretsmanager'));
    const busArn = props.eventBus?.eventBusArn ?? stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    rotation.allow(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [busArn] }));
    if (props.senderHook) {
      rotation.allow(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.senderHook.functionArn] }));
      // The hook reads the pending key itself, so the key never travels in an invocation payload.
      this.secret.grantRead(props.senderHook);
    }

    // RotateSecret (the emergency revoke) also needs lambda:InvokeFunction on the rotation function. A
    // resource-based grant to the function's own role, because an identity statement naming the
    // function would make the function depend on itself.
    new lambda.CfnPermission(this, 'AllowRevokeToStartRotation', {
      action: 'lambda:InvokeFunction',
      functionName: this.rotationFunction.functionArn,
      principal: rotation.role.roleArn,
    });
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
      rotationRules: { scheduleExpression: props.rotationSchedule },
      rotateImmediatelyOnUpdate: true,
    });
    schedule.node.addDependency(invoke);
    schedule.node.addDependency(rotation.policy);
  }
}
