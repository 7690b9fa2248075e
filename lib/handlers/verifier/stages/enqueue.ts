import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { MessageAttributeValue, SendMessageCommand } from '@aws-sdk/client-sqs';
import { INLINE_BODY_BYTES } from '../../../runtime/body-limits';
import { Answered, Delivery, errorFields, Verified, Verifier } from './context';

/*
 * The enqueue stage: the verified request on the queue, its body inline or claim-checked to S3, with
 * what the signature covers as message attributes. The 200 comes only after the send (acknowledge.ts).
 */

// SQS allows 10 message attributes: 8 are always sent, so 2 are left for the sender's metadata.
const MAX_ATTRIBUTES = 10;

// Characters SQS accepts in a message body; anything else travels base64-encoded.
const SQS_UNSAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Sends the message: the id SQS gave it, or, when the body could not be stored or the message not
 * sent, 503 with the claim given up, so the sender's retry is queued (if the release fails too, the
 * retry waits for the claim's lock to run out). A body already stored stays until the bucket's
 * lifecycle expires it: the verifier cannot delete (nor overwrite) a stored body.
 */
export async function enqueue(v: Verifier, d: Delivery, verified: Verified): Promise<Answered | { readonly messageId?: string }> {
  const { config, deps, dedupe } = v;
  const { body, size, receivedAt } = d;
  // A body above the inline limit is claim-checked: its exact bytes go to the bucket first, and the
  // message (attributes as for any other, bodyEncoding "s3") says where they are.
  const inline = size > INLINE_BODY_BYTES ? undefined : sqsBody(body);
  const attributes = messageAttributes(v, d, verified, inline?.encoding ?? 's3');
  let step = 'body_store';
  try {
    const messageBody = inline?.text ?? (await claimCheck(deps.s3!, config.bodyBucket!, `${config.source}/${receivedAt.slice(0, 10).replace(/-/g, '/')}/${randomUUID()}`, body));
    step = 'enqueue';
    const sent = await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: messageBody, MessageAttributes: attributes }));
    return { messageId: sent.MessageId };
  } catch (error) {
    const released = dedupe ? await dedupe.release(verified.recordKey, verified.claimToken).then(() => true, () => false) : true;
    return d.finish(503, 'EnqueueFailed', { reason: `${step}_failed${released ? '' : '_claim_held'}`, ...verified.audit, ...errorFields(error) });
  }
}

/** The message's attributes: where and when it came from, the body's hash and encoding, and what the signature covers. */
export function messageAttributes(v: Pick<Verifier, 'config'>, d: Pick<Delivery, 'receivedAt' | 'requestId'>, verified: Verified, bodyEncoding: string): Record<string, MessageAttributeValue> {
  const { result } = verified;
  const attributes: Record<string, MessageAttributeValue> = {
    source: text(v.config.source),
    receivedAt: text(d.receivedAt),
    payloadSha256: text(result.payloadSha256),
    dedupeKey: text(result.dedupeKey),
    contentType: text(verified.mediaType),
    bodyEncoding: text(bodyEncoding),
    requestId: text(d.requestId),
    // What the consumer may take the body for: every byte signed, some of it, or none.
    bodyBinding: text(result.bodyBinding),
  };
  addMetadata(attributes, result.metadata);
  return attributes;
}

/**
 * The message body as the queue carries it, unchanged from before binary bodies: the body's text
 * when it is valid UTF-8 that SQS can carry (`utf8`), else its bytes in base64 (`base64`).
 */
export function sqsBody(body: string | Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const asText = typeof body === 'string' ? body : isUtf8(body) ? body.toString('utf8') : undefined;
  if (asText !== undefined && !SQS_UNSAFE.test(asText)) return { text: asText, encoding: 'utf8' };
  return { text: Buffer.from(body).toString('base64'), encoding: 'base64' };
}

/**
 * Claim-check: the body's exact bytes (a text body as UTF-8) written to the claim-check bucket under
 * `key` (`<source>/<yyyy>/<mm>/<dd>/<uuid>`, the day it was received, UTC), never over another object
 * (If-None-Match) and checked by S3 against their SHA-256; returns the message body that points at
 * them: `{"bucket","key","size","sha256"}`, the SHA-256 in hex.
 */
async function claimCheck(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<string> {
  const bytes = Buffer.from(body);
  const digest = createHash('sha256').update(bytes).digest();
  // Required here, not imported: only a source that claim-checks loads the S3 client's module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PutObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ChecksumSHA256: digest.toString('base64'), IfNoneMatch: '*' }));
  return JSON.stringify({ bucket, key, size: bytes.length, sha256: digest.toString('hex') });
}

/**
 * The sender's metadata as message attributes, named as the runtime names them (`signed.<name>`
 * when the signature covers the value, `unsigned.<name>` when not). SQS carries at most 10
 * attributes; when the metadata does not fit in what is left, all but the last free slot go as their
 * own attributes, in the order the scheme declares them, and the rest together as one JSON object in
 * a `metadata` attribute. Nothing is dropped.
 */
export function addMetadata(attributes: Record<string, MessageAttributeValue>, metadata: Readonly<Record<string, string>>): void {
  const names = Object.keys(metadata);
  const free = MAX_ATTRIBUTES - Object.keys(attributes).length;
  const own = names.length <= free ? names.length : free - 1;
  for (let i = 0; i < own; i++) attributes[names[i]] = text(metadata[names[i]]);
  if (own === names.length) return;
  const rest: Record<string, string> = {};
  for (let i = own; i < names.length; i++) rest[names[i]] = metadata[names[i]];
  attributes.metadata = text(JSON.stringify(rest));
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}
