import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements';

/**
 * The environment variable a lambda.Function processor (and each claim-checking source's verifier)
 * finds the body bucket's name in: give it to parseWebhookRecord's `bucket` option.
 */
export const BODY_BUCKET_ENV = 'WEBHOOK_BODY_BUCKET';

export interface ClaimCheckBucketProps {
  /** The endpoint's key: objects are SSE-KMS under it, with an S3 Bucket Key. */
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /**
   * How long a body is kept: at least as long as a message pointing at it can live (see
   * claimCheckExpiration).
   */
  readonly expiration: Duration;
}

/**
 * How long a claim-checked body must outlive the message that points at it. A standard queue's
 * message lives at most its queue's retention, and moved to the dead-letter queue it keeps its
 * enqueue time, so at most max(queue, DLQ retention) after it was sent; a redrive from the DLQ (the
 * CLI's `redrive`, SQS's StartMessageMoveTask) enqueues it anew, for as long again. One redrive is
 * covered: twice the longer retention, in whole days, and a day more (S3's lifecycle runs daily).
 * The defaults (4 and 14 days) give 29 days.
 */
export function claimCheckExpiration(queueRetention: Duration, deadLetterRetention: Duration | undefined): Duration {
  const longest = Math.max(queueRetention.toSeconds(), deadLetterRetention?.toSeconds() ?? 0);
  return Duration.days(Math.ceil((2 * longest) / 86400) + 1);
}

/**
 * Where the verifier leaves a body too large for an SQS message (above INLINE_BODY_BYTES) for the
 * processor to fetch: SSE-KMS with the endpoint's key and an S3 Bucket Key (one KMS call per bucket
 * key period instead of one per object), TLS 1.2+ only, public access blocked, ACLs off (bucket owner
 * enforced). Objects are written once (If-None-Match, a random key) and never changed; nothing
 * deletes them but the lifecycle rule, which expires each once no message can point at it any more.
 * Versioning is off: no object is ever overwritten, and a version history would keep the bodies
 * past their expiry (noncurrent versions) for no restore anyone needs.
 */
export class ClaimCheckBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ClaimCheckBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Resource', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [{ id: 'ExpireBodies', expiration: props.expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.bucket,
      ...['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled'].map((id) => ({
        id,
        reason:
          'Only the verifiers write here (each delivery is in its audit log with its request id, which the queued message carries with the object key) and only the processor and granted consumers read. Server access logs would need a second bucket that cannot use SSE-KMS (log delivery supports SSE-S3 only) and arrive best-effort, hours late. Where object-level audit is required, record CloudTrail S3 data events for this bucket (endpoint.bodyBucket).',
      })),
      ...['NIST.800.53.R5-S3BucketVersioningEnabled', 'PCI.DSS.321-S3BucketVersioningEnabled', 'HIPAA.Security-S3BucketVersioningEnabled'].map((id) => ({
        id,
        reason: 'Objects are written once under random keys (If-None-Match) and never overwritten; the verifier cannot delete them and the lifecycle rule is the only deletion. Versions would only keep webhook bodies past their expiry.',
      })),
      ...['NIST.800.53.R5-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled'].map((id) => ({
        id,
        reason: 'Bodies live here only until their message is processed (days); a replica in another Region would copy webhook payloads for no reader, as the queue pointing at them is not replicated either.',
      })),
    );
  }

  /**
   * Lets a processor or consumer read claim-checked bodies: s3:GetObject on the objects, kms:Decrypt
   * through S3 for this bucket, and s3:ListBucket on the bucket. ListBucket is what makes S3 answer a
   * body that is gone (expired) with 404 NoSuchKey, which parseWebhookRecord reports as a
   * WebhookRecordError; without it S3 answers 403 AccessDenied, the same as a permission problem,
   * which must stay retryable. It is not narrowed by an s3:prefix condition: S3 documents the 404 for
   * a role with s3:ListBucket on the bucket, and that check is no ListObjects request with a prefix,
   * so such a condition is not documented to match it. Listing shows the reader only the keys
   * (source, day, random id) and sizes of bodies it may read anyway.
   */
  public grantReadBodies(grantee: iam.IGrantable, key: kms.IKey): iam.Grant {
    const decrypt = bodyKeyUse(this.bucket, key, ['kms:Decrypt']);
    return iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects('*')] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] }))
      .combine(iam.Grant.addToPrincipal({ grantee, actions: decrypt.actions, resourceArns: decrypt.resources, conditions: decrypt.conditions }));
  }
}

/**
 * Use of the endpoint's key only by S3 for the claim-check bucket's objects: with an S3 Bucket Key,
 * S3's encryption context is the bucket's ARN.
 */
export function bodyKeyUse(bucket: s3.IBucket, key: kms.IKey, actions: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: [key.keyArn],
    conditions: {
      StringEquals: {
        'kms:ViaService': `s3.${bucket.stack.region}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
      },
    },
  });
}
