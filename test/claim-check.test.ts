import { Aspects, Duration, NestedStack, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { IConstruct } from 'constructs';
import { HardenedWebhookEndpoint, INLINE_BODY_BYTES, LARGEST_BODY_BYTES, SignatureScheme } from '../lib';
import { EVENT_OVERHEAD_BYTES, LAMBDA_SYNC_PAYLOAD_BYTES } from '../lib/runtime/body-limits';
import { claimCheckExpiration } from '../lib/constructs/claim-check-bucket';
import { defaultEndpoint, newProcessor, newStack } from './support/stacks';
import { Statement, verifierPermissions } from './support/verifier-policies';

const FOUR_MIB = Size.mebibytes(4);

/** The stack and its nested stacks (source groups), each as a template. */
function templates(stack: Stack): Template[] {
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  return [stack, ...nested].map((s) => Template.fromStack(s));
}

/**
 * A production endpoint with a processor, a source taking 4 MiB bodies, one in a source group (a
 * nested stack) taking the most, and one keeping the default.
 */
function largeBodyEndpoint() {
  const stack = newStack();
  const processor = newProcessor(stack, Duration.seconds(30));
  const { endpoint } = defaultEndpoint({ processor }, stack);
  endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB });
  endpoint.addSource('big', { scheme: SignatureScheme.standardWebhooks(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES), group: 'large' });
  return { stack, endpoint, processor };
}

const statementsOf = (template: Template, type: string): Statement[] =>
  Object.values(template.findResources(type)).flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

describe('body limits', () => {
  test('the largest body is the most whose base64 form fits Lambda\'s 6 MB with the event\'s overhead', () => {
    expect(LAMBDA_SYNC_PAYLOAD_BYTES).toBe(6_291_456);
    expect(LARGEST_BODY_BYTES).toBe(4_521_984);
    const base64 = (n: number) => 4 * Math.ceil(n / 3);
    expect(base64(LARGEST_BODY_BYTES) + EVENT_OVERHEAD_BYTES).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(base64(LARGEST_BODY_BYTES + 3) + EVENT_OVERHEAD_BYTES).toBeGreaterThan(LAMBDA_SYNC_PAYLOAD_BYTES);
    // The overhead bound: request line and headers (10,240 bytes) three times over, each byte
    // escaped to 6, 14 bytes of JSON per header or parameter in the two maps, 16 KiB for the rest.
    expect(3 * 10_240 * 6 + (10_240 / 4) * 14 + 16 * 1024).toBeLessThanOrEqual(EVENT_OVERHEAD_BYTES);
  });

  test('a body up to 700 KiB fits an SQS message base64-encoded, with room for the attributes', () => {
    expect(INLINE_BODY_BYTES).toBe(716_800);
    expect(4 * Math.ceil(INLINE_BODY_BYTES / 3)).toBeLessThan(1_048_576 - 64 * 1024);
  });

  test('bodies are kept for twice the longer retention of the queue and its DLQ, in whole days, and a day more', () => {
    expect(claimCheckExpiration(Duration.days(4), Duration.days(14)).toDays()).toBe(29);
    expect(claimCheckExpiration(Duration.hours(1), undefined).toDays()).toBe(2);
    expect(claimCheckExpiration(Duration.days(14), Duration.days(1)).toDays()).toBe(29);
  });
});

describe('claim-check bucket', () => {
  test('is not created while every source queues its bodies inline', () => {
    const { stack, endpoint } = defaultEndpoint();
    endpoint.addSource('sns-like', { scheme: SignatureScheme.standardWebhooks(), maxBodySize: Size.bytes(INLINE_BODY_BYTES) });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
    expect(endpoint.bodyBucket).toBeUndefined();
    const env = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables ?? {});
    expect(env.some((v) => 'WEBHOOK_BODY_BUCKET' in v)).toBe(false);
  });

  test('is created with the first source above 700 KiB: KMS with the endpoint key and a bucket key, TLS 1.2+ only, private, owner-enforced, unversioned, expiring', () => {
    const { stack, endpoint } = largeBodyEndpoint();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(endpoint.bodyBucket).toBeDefined();
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhooksKey'), 'Arn'] } } }],
        },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: Match.absent(),
        LifecycleConfiguration: { Rules: [{ Id: 'ExpireBodies', Status: 'Enabled', ExpirationInDays: 29, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
      },
      // Production: retained, as the endpoint's queues are.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const denies = statementsOf(template, 'AWS::S3::BucketPolicy').filter((s) => s.Effect === 'Deny');
    expect(denies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    );
  });

  test('follows the endpoint\'s removal policy, and a queue retention of 14 days', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', queueRetentionPeriod: Duration.days(14), removalPolicy: RemovalPolicy.DESTROY });
    endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB });
    Template.fromStack(stack).hasResource('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 29 })] } },
      DeletionPolicy: 'Delete',
    });
  });

  test('a brought queue\'s own retention sets the expiry', () => {
    const stack = newStack();
    const deadLetter = new sqs.Queue(stack, 'Dlq', { retentionPeriod: Duration.days(2) });
    const queue = new sqs.Queue(stack, 'Queue', { retentionPeriod: Duration.days(3), deadLetterQueue: { queue: deadLetter, maxReceiveCount: 3 } });
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', queue });
    endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] } });
  });

  test('each large-body verifier may only put objects under its own source\'s prefix, and use the key only through S3 for this bucket', () => {
    const { stack, endpoint } = largeBodyEndpoint();
    const bucketId = stack.getLogicalId(endpoint.bodyBucket!.node.defaultChild as never);
    const verifiers = templates(stack).flatMap((t) => verifierPermissions(t.toJSON().Resources));
    expect(verifiers.map((v) => v.source).sort()).toEqual(['big', 'billing', 'github']);
    for (const verifier of verifiers) {
      const s3 = verifier.statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('s3:')));
      const s3Key = verifier.statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('s3.us-east-1.amazonaws.com'));
      if (verifier.source === 'billing') {
        expect({ source: verifier.source, s3, s3Key }).toEqual({ source: 'billing', s3: [], s3Key: [] });
        continue;
      }
      expect(s3).toHaveLength(1);
      expect(s3[0].Action).toBe('s3:PutObject');
      // The bucket's ARN: a reference in the endpoint's stack, a parameter in a group's nested stack.
      expect(JSON.stringify(s3[0].Resource)).toMatch(new RegExp(`${verifier.source}/\\*"\\]\\]\\}$`));
      expect(JSON.stringify(s3[0].Resource)).toMatch(verifier.source === 'github' ? new RegExp(`"${bucketId}","Arn"`) : /ClaimCheck/);
      expect(s3Key).toHaveLength(1);
      expect(s3Key[0].Action).toBe('kms:GenerateDataKey');
      expect(Object.keys(s3Key[0].Condition!.StringEquals)).toEqual(['kms:ViaService', 'kms:EncryptionContext:aws:s3:arn']);
    }
    const env = (source: string) =>
      templates(stack)
        .flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')))
        .map((f) => f.Properties.Environment?.Variables ?? {})
        .find((v) => v.WEBHOOK_SOURCE === source && v.WEBHOOK_QUEUE_URL);
    expect(env('github').WEBHOOK_BODY_BUCKET).toEqual({ Ref: bucketId });
    expect(env('github').WEBHOOK_MAX_BODY_BYTES).toBe(String(4 * 1024 * 1024));
    expect(env('big').WEBHOOK_MAX_BODY_BYTES).toBe(String(LARGEST_BODY_BYTES));
    expect(env('big').WEBHOOK_BODY_BUCKET).toBeDefined();
    expect(env('billing').WEBHOOK_BODY_BUCKET).toBeUndefined();
  });

  test('a large-body verifier gets 512 MB unless its memorySize is set', () => {
    const { stack, endpoint } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB });
    endpoint.addSource('small', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB, memorySize: 1024 });
    const memory = (source: string) =>
      Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.WEBHOOK_SOURCE === source && f.Properties.Environment.Variables.WEBHOOK_QUEUE_URL)!.Properties
        .MemorySize;
    expect([memory('billing'), memory('github'), memory('small')]).toEqual([256, 512, 1024]);
  });

  test('the processor, and consumers granted before or after the bucket exists, may only read bodies', () => {
    const { stack, endpoint, processor } = largeBodyEndpoint();
    const later = new iam.Role(stack, 'Later', { assumedBy: new iam.AccountRootPrincipal() });
    endpoint.grantConsumeMessages(later);
    const template = Template.fromStack(stack);
    const bucketId = stack.getLogicalId(endpoint.bodyBucket!.node.defaultChild as never);
    const policyOf = (role: iam.IRole) =>
      Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as never)));
    for (const role of [processor.role!, later]) {
      const statements = policyOf(role).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
      const s3 = statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('s3:')));
      // ListBucket on the bucket (no objects, no other bucket): S3 then answers a gone body 404, not 403 (lib/claim-check-bucket.ts).
      expect(s3).toEqual([
        expect.objectContaining({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } }),
        expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }),
      ]);
      const viaS3 = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('s3.us-east-1.amazonaws.com'));
      expect(viaS3).toEqual([expect.objectContaining({ Action: 'kms:Decrypt' })]);
    }
    // A consumer granted before any large-body source: granted once the bucket comes.
    const { stack: early, endpoint: first } = defaultEndpoint();
    const consumer = new iam.Role(early, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
    first.grantConsumeMessages(consumer);
    first.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: FOUR_MIB });
    expect(JSON.stringify(Template.fromStack(early).findResources('AWS::IAM::Policy'))).toContain('s3:GetObject');
  });

  test('rejects a maxBodySize above the largest body, naming the figure and why', () => {
    const { endpoint } = defaultEndpoint();
    expect(() => endpoint.addSource('huge', { scheme: SignatureScheme.github(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES + 1) })).toThrow(
      /maxBodySize 4521985 bytes is outside 1\.\.4521984 \(LARGEST_BODY_BYTES: the largest body whose base64 form, with the request's headers, fits a synchronous Lambda invocation's 6 MB\)/,
    );
    expect(() => endpoint.addSource('max', { scheme: SignatureScheme.github(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES) })).not.toThrow();
  });
});

const PACKS: [string, () => NagPack][] = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
  ['NIST80053R5', () => new NIST80053R5Checks()],
  ['PCIDSS321', () => new PCIDSS321Checks()],
  ['HIPAASecurity', () => new HIPAASecurityChecks()],
];

describe('cdk-nag (test/nag.test.ts\'s checks, over an endpoint with large-body sources)', () => {
  // The processor is the user's function: its own findings are theirs (as in test/nag.test.ts, where
  // the event source mapping the endpoint adds under it is checked).
  const ours = (processor: IConstruct) => (path: string) => !path.startsWith(`${processor.node.path}/`) && !path.startsWith(`/${processor.node.path}/`);

  test.each(PACKS)('%s (cdk-nag 3): no unacknowledged finding', (_name, pack) => {
    const { stack, processor } = largeBodyEndpoint();
    const found = pack()
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))
      .filter((f) => ours(processor)(f.slice(f.indexOf(' at ') + 4)));
    expect(found).toEqual([]);
  });

  test('cdk-nag 2, all five packs: no unacknowledged finding', () => {
    const { stack, processor } = largeBodyEndpoint();
    for (const pack of [nag2.AwsSolutionsChecks, nag2.ServerlessChecks, nag2.NIST80053R5Checks, nag2.PCIDSS321Checks, nag2.HIPAASecurityChecks]) {
      Aspects.of(stack).add(new pack({ reports: false }));
    }
    const annotations = Annotations.fromStack(stack);
    const all = Match.stringLikeRegexp('.*');
    const found = [...annotations.findError('*', all), ...annotations.findWarning('*', all)]
      .filter((m) => ours(processor)(m.id))
      .map((m) => `${String(m.entry.data).slice(0, String(m.entry.data).indexOf(': '))} at ${m.id}`);
    expect(found).toEqual([]);
  });
});
