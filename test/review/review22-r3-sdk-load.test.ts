// Reviewer R3, issue 22 part 3: "@aws-sdk/client-s3 is loaded only for a claim-checked body, and only
// when you pass no client" (README text, and ParseWebhookRecordOptions.s3's doc comment). With a
// client given, fetchClaimChecked still loads the package (for GetObjectCommand) and fails without it.
import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { parseWebhookRecord, S3ClientLike } from '../../lib/runtime/consumer';
import { isoAt } from '../support/clock';

jest.mock('@aws-sdk/client-s3', () => {
  throw new Error("Cannot find module '@aws-sdk/client-s3'");
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a claim-checked record read with a client of the caller\'s own needs no @aws-sdk/client-s3 of its own', async () => {
  const payload = Buffer.alloc(800 * 1024, 'x');
  const key = 'github/2026/11/28/0b0f7d6e-6f5c-4d3e-9b1a-2c3d4e5f6a7b';
  const string = (value: string) => ({ dataType: 'String', stringValue: value, stringListValues: [], binaryListValues: [] });
  const record = {
    messageId: 'm-1',
    body: JSON.stringify({ bucket: 'body-bucket', key, size: payload.length, sha256: sha256(payload) }),
    messageAttributes: {
      source: string('github'),
      receivedAt: string(isoAt(0)),
      payloadSha256: string(sha256(payload)),
      dedupeKey: string(`sha256:${sha256(payload)}`),
      contentType: string('application/json'),
      bodyEncoding: string('s3'),
      requestId: string('req-1'),
      bodyBinding: string('signed'),
    },
  } as unknown as SQSRecord;
  // The helper's fix: a client with getObject (the SDK's aggregated `S3`, or your own) is called as it is,
  // so nothing is loaded; an `S3Client` (send only) needs the package's GetObjectCommand, and says so.
  const s3: S3ClientLike = { getObject: async () => ({ ContentLength: payload.length, Body: { transformToByteArray: async () => new Uint8Array(payload) } }) };

  const parsed = await parseWebhookRecord(record, { s3, bucket: 'body-bucket' });

  expect(parsed.body.equals(payload)).toBe(true);

  const sendOnly: S3ClientLike = { send: async () => ({}) };
  await expect(parseWebhookRecord(record, { s3: sendOnly, bucket: 'body-bucket' })).rejects.toThrow(/fetched with @aws-sdk\/client-s3, which could not be loaded .*install it/);
});
