import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac } from 'node:crypto';
import { INLINE_BODY_BYTES, LARGEST_BODY_BYTES } from '../../lib/runtime/body-limits';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { configFromEnv, VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { startDynalite, withAllOld } from '../support/dynalite';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

// The verifier's claim-check path (lib/handlers/verifier/stages/enqueue.ts) with an injected S3 client, SQS
// and Secrets Manager on the fake AWS server, the dedupe table on dynalite: a body above the inline
// limit is put in the bucket after the dedupe claim and before the send, and its message says where.

const SECRET = 'github-secret-0123456789abcdef';
const BUCKET = 'bodies-bucket';
const MAX = 4 * 1024 * 1024;

const aws = useFakeAws();
let ddb: Awaited<ReturnType<typeof startDynalite>>;
let table = 0;

beforeAll(async () => {
  ddb = await startDynalite();
});
afterAll(() => ddb.stop());

/** A GitHub-style JSON body of exactly `size` bytes. */
function bodyOf(size: number, seed = 'a'): string {
  const head = `{"action":"synchronize","seed":"${seed}","pad":"`;
  return head + 'x'.repeat(size - head.length - 2) + '"}';
}

const github = (body: string, delivery = 'd-1') => ({
  'Content-Type': 'application/json',
  'X-GitHub-Event': 'push',
  'X-GitHub-Delivery': delivery,
  'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'),
});

interface Options {
  /** Fail the next PutObject calls with this error. */
  failPuts?: number;
  bodyBucket?: string | null;
  deduplication?: boolean;
}

async function setup(options: Options = {}) {
  aws.reset();
  const tableName = `claims-${++table}`;
  await ddb.createTable(tableName);
  // Every call the verifier makes, in order, by service and operation.
  const calls: string[] = [];
  const puts: PutObjectCommandInput[] = [];
  let failPuts = options.failPuts ?? 0;
  const s3 = {
    send: async (command: PutObjectCommand) => {
      calls.push(`s3:${command.constructor.name}`);
      if (failPuts > 0) {
        failPuts--;
        throw Object.assign(new Error('S3 is down'), { name: 'InternalError' });
      }
      puts.push(command.input);
      return {};
    },
  } as unknown as S3Client;
  const realSqs = new SQSClient({});
  const sqs = { send: (command: SendMessageCommand) => (calls.push(`sqs:${command.constructor.name}`), realSqs.send(command)) } as unknown as SQSClient;
  const realDynamodb = withAllOld(new DynamoDBClient({ endpoint: ddb.url }));
  const dynamodb = {
    send: (command: PutItemCommand | UpdateItemCommand | DeleteItemCommand) => (calls.push(`dynamodb:${command.constructor.name}`), realDynamodb.send(command as PutItemCommand)),
  } as unknown as DynamoDBClient;
  const lines: string[] = [];
  const config: VerifierConfig = {
    endpoint: 'e',
    source: 'gh',
    scheme: { type: 'github' },
    secretId: aws.putSecret(`s/claim-check-${table}`, JSON.stringify({ current: SECRET })),
    queueUrl: `${aws.url}/123456789012/webhooks`,
    maxBodyBytes: MAX,
    cacheTtlMs: 60_000,
    missRefreshIntervalMs: 30_000,
    maxStaleMs: 3_600_000,
    dedupe: options.deduplication === false ? undefined : { tableName, retentionSeconds: 7 * 86400, lockSeconds: 15 },
    bodyBucket: options.bodyBucket === null ? undefined : (options.bodyBucket ?? BUCKET),
  };
  const handler = createVerifierHandler(config, { sqs, secrets: new SecretsManagerClient({}), dynamodb, s3, now: () => TEST_NOW, write: (line) => lines.push(line) });
  const deliver = (body: string, delivery = 'd-1') => handler(apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: github(body, delivery) }));
  const audit = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { deliver, calls, puts, audit };
}

const attributesOf = (message: { attributes: Record<string, { StringValue?: string }> }) =>
  Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, value.StringValue]));

describe('claim-check (bodies above the inline limit)', () => {
  test('claims, puts the exact bytes under the source\'s prefix, then sends a message that points at them', async () => {
    // GIVEN
    const { deliver, calls, puts, audit } = await setup();
    const body = bodyOf(INLINE_BODY_BYTES + 1);
    // WHEN
    const response = await deliver(body);
    // THEN the order: the dedupe claim, the put, the send, the claim completed
    expect(response.statusCode).toBe(200);
    expect(calls).toEqual(['dynamodb:PutItemCommand', 's3:PutObjectCommand', 'sqs:SendMessageCommand', 'dynamodb:UpdateItemCommand']);
    const [put] = puts;
    const sha256 = createHash('sha256').update(body).digest();
    expect(put).toMatchObject({ Bucket: BUCKET, ChecksumSHA256: sha256.toString('base64'), IfNoneMatch: '*' });
    expect(Buffer.compare(put.Body as Buffer, Buffer.from(body))).toBe(0);
    // Under the source's prefix, the day received (UTC), a random name.
    expect(put.Key).toMatch(/^gh\/2026\/11\/28\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The message: the JSON pointer, exactly these four fields
    expect(aws.queue).toHaveLength(1);
    expect(JSON.parse(aws.queue[0].body)).toEqual({ bucket: BUCKET, key: put.Key, size: INLINE_BODY_BYTES + 1, sha256: sha256.toString('hex') });
    expect(attributesOf(aws.queue[0]).bodyEncoding).toBe('s3');
    expect(audit()).toMatchObject({ outcome: 'Accepted', status: 200, size: INLINE_BODY_BYTES + 1 });
  });

  test('a body exactly at the inline limit is queued inline; one byte more goes to S3', async () => {
    const { deliver, puts } = await setup();
    const atLimit = bodyOf(INLINE_BODY_BYTES, 'at');
    expect((await deliver(atLimit, 'd-at')).statusCode).toBe(200);
    expect(puts).toHaveLength(0);
    expect(aws.queue[0].body).toBe(atLimit);
    expect(attributesOf(aws.queue[0]).bodyEncoding).toBe('utf8');

    expect((await deliver(bodyOf(INLINE_BODY_BYTES + 1, 'over'), 'd-over')).statusCode).toBe(200);
    expect(puts).toHaveLength(1);
    expect(attributesOf(aws.queue[1]).bodyEncoding).toBe('s3');
  });

  test('the message\'s attributes are an inline message\'s, but for bodyEncoding', async () => {
    const { deliver } = await setup();
    await deliver(bodyOf(INLINE_BODY_BYTES, 'same'), 'd-inline');
    await deliver(bodyOf(INLINE_BODY_BYTES + 1, 'same'), 'd-claim');
    const [inline, claimChecked] = aws.queue.map(attributesOf);
    expect(Object.keys(claimChecked).sort()).toEqual(Object.keys(inline).sort());
    const differing = Object.keys(inline).filter((name) => inline[name] !== claimChecked[name]);
    // Different bodies: their hashes and the dedupe key (GitHub's is the body's hash) differ; the
    // delivery id is metadata. Nothing else does.
    expect(differing.sort()).toEqual(['bodyEncoding', 'dedupeKey', 'payloadSha256', 'unsigned.eventId'].sort());
    expect(claimChecked).toMatchObject({ source: 'gh', contentType: 'application/json', bodyBinding: 'signed', requestId: 'req-123', receivedAt: '2026-11-28T12:00:00.000Z' });
    expect(claimChecked.payloadSha256).toBe(createHash('sha256').update(bodyOf(INLINE_BODY_BYTES + 1, 'same')).digest('hex'));
  });

  test('a failed put is answered 503, nothing is queued, and the claim is released so the retry is queued', async () => {
    const { deliver, calls, audit } = await setup({ failPuts: 1 });
    const body = bodyOf(INLINE_BODY_BYTES + 100);
    const failed = await deliver(body);
    expect(failed.statusCode).toBe(503);
    expect(failed.headers?.['retry-after']).toBeDefined();
    expect(aws.queue).toHaveLength(0);
    expect(calls).toEqual(['dynamodb:PutItemCommand', 's3:PutObjectCommand', 'dynamodb:DeleteItemCommand']);
    expect(audit()).toMatchObject({ outcome: 'EnqueueFailed', reason: 'body_store_failed', error: 'InternalError' });
    // The sender's retry is not a duplicate: it is stored and queued.
    const retried = await deliver(body, 'd-1');
    expect(retried.statusCode).toBe(200);
    expect(JSON.parse(retried.body).duplicate).toBeUndefined();
    expect(aws.queue).toHaveLength(1);
  });

  test('a failed send after the put is answered 503 and releases the claim; the object is left for the lifecycle (no delete)', async () => {
    const { deliver, calls, puts, audit } = await setup();
    aws.fail('SendMessage', 2);
    const body = bodyOf(INLINE_BODY_BYTES + 100);
    const failed = await deliver(body);
    expect(failed.statusCode).toBe(503);
    expect(audit()).toMatchObject({ outcome: 'EnqueueFailed', reason: 'enqueue_failed' });
    expect(calls).toEqual(['dynamodb:PutItemCommand', 's3:PutObjectCommand', 'sqs:SendMessageCommand', 'dynamodb:DeleteItemCommand']);
    expect(calls.filter((c) => c.startsWith('s3:') && c !== 's3:PutObjectCommand')).toEqual([]);
    expect(puts).toHaveLength(1);
    // The retry stores a new object (another key) and is queued.
    expect((await deliver(body)).statusCode).toBe(200);
    expect(puts).toHaveLength(2);
    expect(puts[1].Key).not.toBe(puts[0].Key);
    expect(JSON.parse(aws.queue[0].body).key).toBe(puts[1].Key);
  });

  test('a redelivery after a claim-checked delivery is a duplicate: nothing is put or queued again', async () => {
    const { deliver, calls } = await setup();
    const body = bodyOf(INLINE_BODY_BYTES * 2);
    expect((await deliver(body, 'd-1')).statusCode).toBe(200);
    calls.length = 0;
    const again = await deliver(body, 'd-1-redelivered');
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body).duplicate).toBe(true);
    expect(calls).toEqual(['dynamodb:PutItemCommand']);
    expect(aws.queue).toHaveLength(1);
  });

  test('a body above maxBodySize is refused with 413 before any call', async () => {
    const { deliver, calls, audit } = await setup();
    const response = await deliver(bodyOf(MAX + 1));
    expect(response.statusCode).toBe(413);
    expect(calls).toEqual([]);
    expect(aws.calls).toEqual([]);
    expect(audit()).toMatchObject({ reason: 'body_too_large', size: MAX + 1 });
  });

  test('without a bucket, a body above the inline limit is refused with 413 whatever maxBodyBytes says', async () => {
    const { deliver, calls } = await setup({ bodyBucket: null });
    expect((await deliver(bodyOf(INLINE_BODY_BYTES + 1))).statusCode).toBe(413);
    expect(calls).toEqual([]);
  });

  test('without deduplication, the put still comes before the send, and a failed send leaves no message', async () => {
    const { deliver, calls } = await setup({ deduplication: false });
    aws.fail('SendMessage', 2);
    expect((await deliver(bodyOf(INLINE_BODY_BYTES + 1))).statusCode).toBe(503);
    expect(calls).toEqual(['s3:PutObjectCommand', 'sqs:SendMessageCommand']);
    expect(aws.queue).toHaveLength(0);
  });

  test('the largest body passes with a margin: the event fits Lambda\'s 6 MB, the handler\'s time is printed', async () => {
    // GIVEN a body of LARGEST_BODY_BYTES, without dedupe (no table calls in the time)
    const { calls, puts } = await setup({ deduplication: false });
    const config: VerifierConfig = { ...configFromEnv({ WEBHOOK_ENDPOINT: 'e', WEBHOOK_SOURCE: 'gh', WEBHOOK_SCHEME: '{"type":"github"}', WEBHOOK_QUEUE_URL: `${aws.url}/123456789012/webhooks`, WEBHOOK_MAX_BODY_BYTES: String(LARGEST_BODY_BYTES) }), secretId: aws.putSecret('s/largest', JSON.stringify({ current: SECRET })), bodyBucket: BUCKET };
    const s3 = { send: async (command: PutObjectCommand) => (calls.push('s3'), puts.push(command.input), {}) } as unknown as S3Client;
    const handler = createVerifierHandler(config, { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), s3, now: () => TEST_NOW, write: () => undefined });
    const body = bodyOf(LARGEST_BODY_BYTES);
    const event = apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: github(body) });
    // The event as API Gateway sends it, with these few headers: well within Lambda's 6,291,456 bytes.
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    expect(eventBytes).toBeLessThanOrEqual(6_291_456 - 200_000);
    // WHEN twice (the first loads the key)
    await handler(JSON.parse(JSON.stringify(event)));
    const started = process.hrtime.bigint();
    const response = await handler(JSON.parse(JSON.stringify(event)));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // THEN
    expect(response.statusCode).toBe(200);
    expect((puts.at(-1)!.Body as Buffer).length).toBe(LARGEST_BODY_BYTES);
    console.log(`largest body (${LARGEST_BODY_BYTES} bytes, event ${eventBytes} bytes): parse, decode, verify, hash, put and send took ${ms.toFixed(0)} ms here`);
  });

  test('the bucket comes from WEBHOOK_BODY_BUCKET', () => {
    const env = { WEBHOOK_ENDPOINT: 'e', WEBHOOK_SOURCE: 'gh', WEBHOOK_SCHEME: '{"type":"github"}', WEBHOOK_QUEUE_URL: 'https://sqs', WEBHOOK_MAX_BODY_BYTES: String(MAX) };
    expect(configFromEnv({ ...env, WEBHOOK_BODY_BUCKET: BUCKET }).bodyBucket).toBe(BUCKET);
    expect(configFromEnv(env).bodyBucket).toBeUndefined();
  });
});
