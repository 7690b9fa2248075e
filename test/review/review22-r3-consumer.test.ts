// Reviewer R3, issue 22 part 3: parseWebhookRecord (lib/consumer/record.ts).
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { Duration, Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClaimCheckedBodyNotReadableError, parseWebhookRecord, S3ClientLike, WebhookRecordError } from '../../lib/runtime/consumer';
import { HardenedWebhookEndpoint, SignatureScheme } from '../../lib';
import { newProcessor, newStack } from '../support/stacks';
import { addMetadata } from '../../lib/handlers/verifier/verifier';
import { isoAt } from '../support/clock';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

function record(body: string, payload: Buffer, encoding: string): SQSRecord {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const attributes: Record<string, MessageAttributeValue> = {
    source: text('github'),
    receivedAt: text(isoAt(0)),
    payloadSha256: text(sha256(payload)),
    dedupeKey: text(`sha256:${sha256(payload)}`),
    contentType: text('application/json'),
    bodyEncoding: text(encoding),
    requestId: text('req-1'),
    bodyBinding: text('signed'),
  };
  addMetadata(attributes, {});
  return {
    messageId: 'm-1',
    receiptHandle: 'rh',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'AROA', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: Object.fromEntries(Object.entries(attributes).map(([n, v]) => [n, { dataType: 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] }])),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:queue',
    awsRegion: 'us-east-1',
  };
}

describe('R3: a claim-checked body that is gone, as the processor\'s role actually sees it', () => {
  // The endpoint grants readers s3:GetObject only (lib/claim-check-bucket.ts grantReadBodies): for a
  // key that does not exist S3 then answers 403 AccessDenied, never 404 NoSuchKey (S3 GetObject API:
  // "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403").
  // The README text promises "whose object is gone (NoSuchKey: expired by the bucket's lifecycle)" is
  // a WebhookRecordError; in AWS it is a raw AccessDenied, retried maxReceiveCount times and
  // dead-lettered with no word of expiry. moto (no IAM) answers NoSuchKey, so the e2e cannot see it.
  // The helper's fix: readers are granted s3:ListBucket on the bucket, so S3 answers a gone object
  // with 404 NoSuchKey (the WebhookRecordError path, test/consumer/record.test.ts), and AccessDenied
  // then means a permission problem, which must stay retryable: it is thrown as a
  // ClaimCheckedBodyNotReadableError (not a WebhookRecordError) saying what to check, S3's error as its cause.
  test('the processor may list the body bucket, so that S3 answers a gone object with NoSuchKey', () => {
    const stack = newStack();
    const processor = newProcessor(stack, Duration.seconds(30));
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', allowAnySourceIp: true, processor, sources: { github: { scheme: SignatureScheme.github(), maxBodySize: Size.mebibytes(4) } } });
    const bucketId = stack.getLogicalId(endpoint.bodyBucket!.node.defaultChild as never);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const listing = statements.filter((s) => ([] as string[]).concat(s.Action).includes('s3:ListBucket'));
    expect(listing).toEqual([expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } })]);
  });

  test('AccessDenied is a clear, retryable error (not a WebhookRecordError), with S3\'s error as its cause', async () => {
    const payload = Buffer.alloc(800 * 1024, 'x');
    const claim = JSON.stringify({ bucket: 'body-bucket', key: 'github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b', size: payload.length, sha256: sha256(payload) });
    const accessDenied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    const s3: S3ClientLike = { getObject: async () => Promise.reject(accessDenied) };

    const outcome = (await parseWebhookRecord(record(claim, payload, 's3'), { s3, bucket: 'body-bucket' }).catch((error: unknown) => error)) as Error;

    expect(outcome).toBeInstanceOf(ClaimCheckedBodyNotReadableError);
    expect(outcome).not.toBeInstanceOf(WebhookRecordError);
    expect(outcome.cause).toBe(accessDenied);
    expect(outcome.message).toMatch(/s3:\/\/body-bucket\/github\/2026\/11\/28\/\S+ is missing or not readable \(S3 answered AccessDenied\): this role may not read it .*s3:ListBucket.*expired\. Retried\./);
  });
});

describe('R3: "its message never quotes the body"', () => {
  // readClaimCheck quotes the unknown field names and the "size"/"sha256" values of whatever the
  // message body is, so a webhook body whose bodyEncoding attribute says "s3" lands in the error
  // (and in the processor's logs: Powertools' BatchProcessor keeps error.message).
  test('a record whose bodyEncoding is "s3" but whose body is a webhook payload: the error carries no part of the body', async () => {
    const body = JSON.stringify({ card_number_4111111111111111: true, size: 'SECRET-SSN-078-05-1120', sha256: 'SECRET-TOKEN-abc' });
    const payload = Buffer.from(body);

    const error = (await parseWebhookRecord(record(body, payload, 's3')).catch((e: unknown) => e)) as Error;

    expect(error).toBeInstanceOf(WebhookRecordError);
    expect(error.message).not.toContain('4111111111111111');
    expect(error.message).not.toContain('SECRET-SSN');
    expect(error.message).not.toContain('SECRET-TOKEN');
  });
});
