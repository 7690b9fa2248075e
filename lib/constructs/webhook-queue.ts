import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements';
import { isConcrete, Problems } from './validation';

export interface WebhookQueueProps {
  readonly encryptionKey: kms.IKey;
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/** The queue verified webhooks wait on, and its dead-letter queue: CMK-encrypted, TLS-only. */
export class WebhookQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WebhookQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      ...['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'].map((id) => ({
        id,
        reason: 'This is the dead-letter queue of the webhook queue; a DLQ of a DLQ would only move the problem. Its depth raises an alarm.',
      })),
    );
    this.queue = new sqs.Queue(this, 'Resource', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });
  }
}

/**
 * What the endpoint is told about a queue the user brings instead of the one it would create: its
 * own props as given, and the consumer's timeout where known (processorTimeout, or a lambda.Function
 * processor's).
 */
export interface BroughtQueueOptions {
  readonly queue: sqs.IQueue;
  /** The consumer's timeout where known (processorTimeout, or a lambda.Function processor's). */
  readonly consumerTimeout?: Duration;
  /** The endpoint props of the same names, as given: each is checked against the brought queue. */
  readonly deadLetterQueue?: sqs.IQueue;
  readonly queueEncryptionKey?: kms.IKey;
  readonly maxReceiveCount?: number;
  readonly queueRetentionPeriod?: Duration;
  readonly processorTimeout?: Duration;
}

/** What the endpoint alarms on and grants for a brought queue, and what it cannot see (synth warnings). */
export interface BroughtQueue {
  readonly deadLetterQueue?: sqs.IQueue;
  readonly encryptionKey?: kms.IKey;
  /** [id, message]: the id (prefixed `cdk-hardened-webhook:`) lets a user acknowledge a warning. */
  readonly warnings: [string, string][];
}

/**
 * The visibility timeout a queue needs for a consumer that may run `consumerSeconds`: 6× (a message
 * still being processed must not become visible again), at most SQS's 12 hours.
 */
export function requiredVisibilitySeconds(consumerSeconds: number): number {
  return Math.min(consumerSeconds * 6, 12 * 3600);
}

/** SQS's visibility timeout when none is set. */
const SQS_DEFAULT_VISIBILITY_SECONDS = 30;
const AWS_MANAGED_SQS_KEY = 'alias/aws/sqs';

/**
 * Checks a queue the user brings: props that would be dropped, a visibility timeout too short for the
 * consumer, a dead-letter queue or key CDK cannot see. Reads what a `sqs.Queue` of this app declares
 * (its CfnQueue); an imported queue declares nothing, so what cannot be checked becomes a warning.
 */
export function checkBroughtQueue(problems: Problems, o: BroughtQueueOptions): BroughtQueue {
  const warnings: [string, string][] = [];
  const label = describeQueue(o.queue);
  const cfn = o.queue instanceof sqs.Queue ? (o.queue.node.defaultChild as sqs.CfnQueue) : undefined;
  const seenDeadLetter = o.queue instanceof sqs.Queue ? o.queue.deadLetterQueue : undefined;

  if (o.maxReceiveCount !== undefined) {
    const own = seenDeadLetter ? ` (${seenDeadLetter.maxReceiveCount} there)` : '';
    problems.add(
      `maxReceiveCount ${o.maxReceiveCount} has no effect with a queue you bring (${label}): that queue's own redrive policy decides when a message moves to its dead-letter queue${own}; remove maxReceiveCount and set deadLetterQueue: { queue, maxReceiveCount } on your queue`,
    );
  }
  if (o.queueRetentionPeriod !== undefined) {
    const period = cfn?.messageRetentionPeriod;
    const own = !cfn ? '' : period === undefined ? " (SQS's default of 4 days there)" : isConcrete(period) ? ` (${period}s there)` : '';
    problems.add(
      `queueRetentionPeriod ${o.queueRetentionPeriod.toSeconds()}s has no effect with a queue you bring (${label}): that queue's own retention period applies${own}; remove queueRetentionPeriod and set retentionPeriod on your queue`,
    );
  }

  // A message still being processed when its visibility timeout ends is received and processed again.
  const visibility = cfn ? (cfn.visibilityTimeout ?? SQS_DEFAULT_VISIBILITY_SECONDS) : undefined;
  if (o.processorTimeout !== undefined && !isConcrete(visibility)) {
    problems.add(
      `processorTimeout has no effect with a queue you bring whose visibility timeout cannot be read here (${label}${cfn ? ', a token' : ', imported'}): it only sizes the queue the endpoint creates and checks a brought queue's visibility timeout against 6× the consumer's timeout; remove it, and make sure your queue's visibility timeout is at least 6× your consumer's timeout`,
    );
  }
  const consumerSeconds = o.consumerTimeout?.toSeconds();
  if (isConcrete(consumerSeconds) && !isConcrete(visibility) && o.processorTimeout === undefined) {
    warnings.push([
      'visibilityTimeoutNotVisible',
      `CDK cannot read the visibility timeout of the queue you bring (${label}${cfn ? ', a token' : ', imported'}): make sure it is at least 6× the processor's timeout (${requiredVisibilitySeconds(consumerSeconds)}s), or a message still being processed becomes visible and is processed again`,
    ]);
  }
  if (isConcrete(visibility) && isConcrete(consumerSeconds)) {
    const required = requiredVisibilitySeconds(consumerSeconds);
    if (visibility < required) {
      problems.add(
        `the visibility timeout of the queue you bring (${label}) is ${visibility}s, shorter than 6× the consumer's timeout (6 × ${consumerSeconds}s = ${required}s, at most 12 hours): a message still being processed would become visible and be processed again; set visibilityTimeout: Duration.seconds(${required}) on that queue`,
      );
    }
  }

  let deadLetterQueue = seenDeadLetter?.queue;
  if (o.deadLetterQueue) {
    if (deadLetterQueue && deadLetterQueue !== o.deadLetterQueue) {
      problems.add(
        `deadLetterQueue (${describeQueue(o.deadLetterQueue)}) is not the dead-letter queue of the queue you bring (${label}), whose redrive policy names ${describeQueue(deadLetterQueue)} and is alarmed on; remove deadLetterQueue`,
      );
    } else if (cfn && !deadLetterQueue && cfn.redrivePolicy === undefined) {
      problems.add(
        `deadLetterQueue is set but the queue you bring (${label}) has no redrive policy, so no message would ever reach it; give that queue deadLetterQueue: { queue, maxReceiveCount } instead (the endpoint then alarms on it) and remove deadLetterQueue here`,
      );
    }
    deadLetterQueue ??= o.deadLetterQueue;
  }
  if (!deadLetterQueue) {
    warnings.push(
      cfn && cfn.redrivePolicy === undefined
        ? [
          'queueWithoutDeadLetterQueue',
          `the queue you bring (${label}) has no dead-letter queue: a message your consumer keeps failing is received again until the queue's retention period drops it, and no dead-letter alarm can be made; give it deadLetterQueue: { queue, maxReceiveCount }`,
        ]
        : [
          'deadLetterQueueNotVisible',
          `CDK cannot see the dead-letter queue of the queue you bring (${label}${cfn ? ', redrive policy set on its CfnQueue' : ', imported'}), so the endpoint makes no dead-letter alarm; pass deadLetterQueue (the queue its redrive policy names) to get the alarm, or alarm on it yourself`,
        ],
    );
  }

  const seenKey = o.queue.encryptionMasterKey;
  const kmsKeyId = cfn?.kmsMasterKeyId;
  if (o.queueEncryptionKey && seenKey && seenKey !== o.queueEncryptionKey) {
    problems.add(`queueEncryptionKey is set but the queue you bring (${label}) names its own key (encryptionMasterKey), which the verifier is granted; remove queueEncryptionKey`);
  } else if (o.queueEncryptionKey && !seenKey && cfn && (kmsKeyId === undefined || kmsKeyId === AWS_MANAGED_SQS_KEY)) {
    problems.add(
      `queueEncryptionKey is set but the queue you bring (${label}) is ${kmsKeyId === undefined ? 'not encrypted with a KMS key' : `encrypted with the AWS managed key ${AWS_MANAGED_SQS_KEY}, whose policy already lets this account use it through SQS`}; remove queueEncryptionKey`,
    );
  } else if (!o.queueEncryptionKey && !seenKey && cfn && kmsKeyId !== undefined && kmsKeyId !== AWS_MANAGED_SQS_KEY) {
    const key = Token.isUnresolved(kmsKeyId) ? 'a customer-managed KMS key set on its CfnQueue' : `KMS key "${kmsKeyId}"`;
    problems.add(
      `the queue you bring (${label}) is encrypted with ${key}, for which CDK has no key object, so the verifier cannot be granted kms:GenerateDataKey and kms:Decrypt on it and every delivery would fail to queue; pass that key as queueEncryptionKey (e.g. kms.Key.fromKeyArn(this, 'QueueKey', '<key ARN>'))`,
    );
  } else if (!o.queueEncryptionKey && !seenKey && !cfn) {
    warnings.push([
      'queueKeyNotVisible',
      `CDK cannot see whether the queue you bring (${label}, imported) is encrypted with a customer-managed KMS key: if it is, the verifier is not granted kms:GenerateDataKey and kms:Decrypt on it and every delivery fails to queue; pass queueEncryptionKey, or import the queue with sqs.Queue.fromQueueAttributes({ queueArn, keyArn }). SSE-SQS and the AWS managed key ${AWS_MANAGED_SQS_KEY} need neither`,
    ]);
  }
  return { deadLetterQueue, encryptionKey: seenKey ?? o.queueEncryptionKey, warnings };
}

function describeQueue(queue: sqs.IQueue): string {
  return Token.isUnresolved(queue.queueArn) ? queue.node.path : queue.queueArn;
}
