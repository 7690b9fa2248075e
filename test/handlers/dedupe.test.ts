import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac } from 'node:crypto';
import Stripe from 'stripe';
import twilio from 'twilio';
import { VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { SchemeConfig } from '../../lib/runtime';
import { startDynalite } from '../support/dynalite';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

const GITHUB_SECRET = 'github-secret-0123456789abcdef';
const STRIPE_SECRET = 'whsec_stripe_secret_0123456789';
const BODY = '{"action":"opened","number":7}';
const NOW = Date.UTC(2026, 10, 22, 12);

const aws = useFakeAws();
let ddb: Awaited<ReturnType<typeof startDynalite>>;
let queueUrl: string;
let table = 0;

beforeAll(async () => {
  queueUrl = `${aws.url}/123456789012/webhooks`;
  ddb = await startDynalite();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.url;
});
afterAll(() => ddb.stop());

async function setup(scheme: SchemeConfig, secret: string, source = 'gh', publicUrl?: string, lines: string[] = []) {
  aws.reset();
  const tableName = `dedupe-${++table}`;
  await ddb.createTable(tableName);
  let clock = NOW;
  const config: VerifierConfig = {
    endpoint: 'e',
    source,
    scheme,
    secretId: aws.putSecret(`s/${table}`, JSON.stringify({ current: secret })),
    queueUrl,
    maxBodyBytes: 10_000,
    cacheTtlMs: 60_000,
    missRefreshIntervalMs: 30_000,
    maxStaleMs: 3_600_000,
    dedupe: { tableName, retentionSeconds: 7 * 86400 },
    publicUrl,
  };
  const dynamodb = new DynamoDBClient({});
  // Every command the verifier sends to DynamoDB, and PutItem failures on demand.
  const sent: string[] = [];
  let failPuts = 0;
  const client = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      if (command instanceof PutItemCommand && failPuts > 0) {
        failPuts--;
        return Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
      }
      return dynamodb.send(command as PutItemCommand);
    },
  } as unknown as DynamoDBClient;
  const handler = createVerifierHandler(config, { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), dynamodb: client, now: () => clock, write: (line) => lines.push(line) });
  return { handler, tableName, dynamodb, sent, failPut: (n: number) => (failPuts = n), tick: (ms: number) => (clock += ms) };
}

const github = (delivery: string, body = BODY) => ({
  'Content-Type': 'application/json',
  'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(body).digest('hex'),
  'X-GitHub-Delivery': delivery,
});

describe('duplicate and replay rejection (DynamoDB via dynalite)', () => {
  test('a redelivery gets 200 and is not queued again; another event is', async () => {
    const { handler } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-1') }))).statusCode).toBe(200);
    const again = await handler(apiEvent({ body: BODY, headers: github('d-1') }));
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ received: true, duplicate: true });
    const other = '{"action":"closed","number":7}';
    expect((await handler(apiEvent({ body: other, headers: github('d-2', other) }))).statusCode).toBe(200);
    expect(aws.queue.map((m) => m.attributes['unsigned.eventId'].StringValue)).toEqual(['d-1', 'd-2']);
    expect(aws.queue.map((m) => m.attributes['signed.eventId'])).toEqual([undefined, undefined]);
  });

  test('a replay with a new (unsigned) delivery id is still a duplicate: GitHub keys on the signed body', async () => {
    const { handler } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-1') }))).statusCode).toBe(200);
    const replay = await handler(apiEvent({ body: BODY, headers: github('forged-new-guid') }));
    expect(JSON.parse(replay.body)).toMatchObject({ duplicate: true });
    expect(aws.queue).toHaveLength(1);
  });

  test('Standard Webhooks keys on its signed message id', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const { handler } = await setup({ type: 'standard-webhooks' }, secret, 'sw');
    const deliver = (id: string) => {
      const ts = Math.floor(NOW / 1000);
      const key = Buffer.from(secret.slice(6), 'base64');
      const sig = createHmac('sha256', key).update(`${id}.${ts}.${BODY}`).digest('base64');
      return handler(apiEvent({ body: BODY, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}` } }));
    };
    expect((await deliver('msg_1')).statusCode).toBe(200);
    expect(JSON.parse((await deliver('msg_1')).body)).toMatchObject({ duplicate: true });
    // A different signed id is a different event, even with the same body.
    expect(JSON.parse((await deliver('msg_2')).body)).not.toHaveProperty('duplicate');
    expect(aws.queue).toHaveLength(2);
  });

  test('Stripe retries (new timestamp and signature, same body) are recognised by the payload hash', async () => {
    const { handler, tick } = await setup({ type: 'stripe' }, STRIPE_SECRET, 'stripe');
    const stripe = new Stripe('sk_test_x');
    const deliver = () =>
      handler(apiEvent({ body: BODY, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: STRIPE_SECRET, timestamp: Math.floor((NOW + elapsed) / 1000) }) } }));
    let elapsed = 0;
    expect((await deliver()).statusCode).toBe(200);
    elapsed = tick(60_000) - NOW;
    const retry = await deliver();
    expect(JSON.parse(retry.body)).toMatchObject({ duplicate: true });
    expect(aws.queue).toHaveLength(1);
  });

  test('one strongly consistent read and one write per delivery; a duplicate costs the read alone', async () => {
    const { handler, tableName, dynamodb, sent } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-1') }))).statusCode).toBe(200);
    expect(sent).toEqual(['GetItemCommand', 'PutItemCommand']);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-1') }))).statusCode).toBe(200);
    expect(sent).toEqual(['GetItemCommand', 'PutItemCommand', 'GetItemCommand']);
    const key = `gh#sha256:${createHash('sha256').update(BODY).digest('hex')}`;
    const item = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } } }));
    // The done record, per-source leading key, with the message it was queued as; no lock.
    expect(item.Item).toEqual({ pk: { S: key }, status: { S: 'COMPLETED' }, messageId: { S: aws.queue[0].messageId }, expiresAt: { N: String(Math.floor(NOW / 1000) + 7 * 86400) } });
    expect(aws.queue).toHaveLength(1);
  });

  test('if SQS fails: 503, no record is written, and the sender\'s retry is queued once', async () => {
    const { handler, tableName, dynamodb, sent } = await setup({ type: 'github' }, GITHUB_SECRET);
    aws.fail('SendMessage', 2);
    const failed = await handler(apiEvent({ body: BODY, headers: github('d-9') }));
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ 'retry-after': '5' });
    expect(sent).toEqual(['GetItemCommand']);
    const key = `gh#sha256:${createHash('sha256').update(BODY).digest('hex')}`;
    expect((await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }))).Item).toBeUndefined();
    expect((await handler(apiEvent({ body: BODY, headers: github('d-9') }))).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    expect(JSON.parse((await handler(apiEvent({ body: BODY, headers: github('d-9') }))).body)).toMatchObject({ duplicate: true });
    expect(aws.queue).toHaveLength(1);
  });

  test('if the record\'s PutItem fails after the send: 200 (it is queued), and a retry is queued again (the documented second copy)', async () => {
    const lines: string[] = [];
    const { handler, failPut } = await setup({ type: 'github' }, GITHUB_SECRET, 'gh', undefined, lines);
    failPut(1);
    const first = await handler(apiEvent({ body: BODY, headers: github('d-5') }));
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).not.toHaveProperty('duplicate');
    expect(JSON.parse(lines[0])).toMatchObject({ outcome: 'Accepted', status: 200, error: 'dedupe_record_failed:ProvisionedThroughputExceededException' });
    const retry = await handler(apiEvent({ body: BODY, headers: github('d-5') }));
    expect(JSON.parse(retry.body)).not.toHaveProperty('duplicate');
    // Two copies with one dedupeKey, for the consumer to fold; the second was recorded, so a third is not queued.
    expect(aws.queue).toHaveLength(2);
    expect(new Set(aws.queue.map((m) => m.attributes.dedupeKey.StringValue)).size).toBe(1);
    expect(JSON.parse((await handler(apiEvent({ body: BODY, headers: github('d-5') }))).body)).toMatchObject({ duplicate: true });
    expect(aws.queue).toHaveLength(2);
  });

  test('a concurrent delivery that records first is not overwritten, and is not an error', async () => {
    const { handler, tableName, dynamodb } = await setup({ type: 'github' }, GITHUB_SECRET);
    const [a, b] = await Promise.all([handler(apiEvent({ body: BODY, headers: github('d-c') })), handler(apiEvent({ body: BODY, headers: github('d-c') }))]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const key = `gh#sha256:${createHash('sha256').update(BODY).digest('hex')}`;
    const item = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    expect(aws.queue.map((m) => m.messageId)).toContain(item.Item?.messageId.S);
    expect(aws.queue.length).toBeGreaterThanOrEqual(1);
    expect(aws.queue.length).toBeLessThanOrEqual(2);
  });

  test('a record past its retention counts as absent even before TTL deletes it', async () => {
    const { handler, tick } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-old') }))).statusCode).toBe(200);
    tick(7 * 86400_000 + 1000);
    expect(JSON.parse((await handler(apiEvent({ body: BODY, headers: github('d-old') }))).body)).not.toHaveProperty('duplicate');
    expect(aws.queue).toHaveLength(2);
  });

  test('a DynamoDB read outage answers 503 and queues nothing; the retry, once DynamoDB answers, is queued', async () => {
    const { handler } = await setup({ type: 'github' }, GITHUB_SECRET);
    const broken = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const h2 = createVerifierHandler(
      { endpoint: 'e', source: 'gh', scheme: { type: 'github' }, secretId: aws.putSecret('s/broken', JSON.stringify({ current: GITHUB_SECRET })), queueUrl, maxBodyBytes: 10_000, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1, dedupe: { tableName: 'x', retentionSeconds: 60 } },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), dynamodb: broken, now: () => NOW, write: () => undefined },
    );
    expect((await h2(apiEvent({ body: BODY, headers: github('d-t') }))).statusCode).toBe(503);
    expect(aws.queue).toHaveLength(0);
    expect((await handler(apiEvent({ body: BODY, headers: github('d-t') }))).statusCode).toBe(200);
  });

  test('rejects every respelling of a signed Twilio form as a duplicate: the key is the canonical string Twilio signs', async () => {
    // GIVEN a Twilio delivery whose signature covers the decoded, sorted parameters
    const token = 'twilio-auth-token-0123456789ab';
    const url = 'https://hooks.example.com/webhooks/sms';
    const { handler } = await setup({ type: 'twilio' }, token, 'sms', url);
    const signature = twilio.getExpectedTwilioSignature(token, url, { From: '+15551230000', To: '+15559870000', Body: 'café' });
    const deliver = (body: string) =>
      handler(apiEvent({ body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature } }));
    expect((await deliver('From=%2B15551230000&To=%2B15559870000&Body=caf%C3%A9')).statusCode).toBe(200);
    // WHEN the same parameters arrive reordered, with empty pairs, a parameter repeated with the same
    // value, or another case of percent-encoding (each still carries a valid signature)
    const respellings = [
      'Body=caf%C3%A9&To=%2B15559870000&From=%2B15551230000',
      'From=%2B15551230000&To=%2B15559870000&Body=caf%C3%A9&&',
      'From=%2B15551230000&From=%2B15551230000&To=%2B15559870000&Body=caf%C3%A9',
      'From=%2b15551230000&To=%2b15559870000&Body=caf%c3%a9',
    ];
    for (const body of respellings) {
      const response = await deliver(body);
      // THEN each is answered as a duplicate and nothing more is queued
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ duplicate: true });
    }
    expect(aws.queue).toHaveLength(1);
    expect(aws.queue[0].attributes.dedupeKey.StringValue).toMatch(/^signed-sha256:[0-9a-f]{64}$/);
  });

  test('rejects a replay under another (unsigned) topic: one Shopify body under two topics is one event', async () => {
    // GIVEN a Shopify delivery for orders/create
    const secret = 'shpss_0123456789abcdef0123456789ab';
    const { handler } = await setup({ type: 'shopify' }, secret, 'shop');
    const headers = (topic: string, id: string) => ({
      'Content-Type': 'application/json',
      'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(BODY).digest('base64'),
      'X-Shopify-Webhook-Id': id,
      'X-Shopify-Topic': topic,
    });
    expect((await handler(apiEvent({ body: BODY, headers: headers('orders/create', 'w-1') }))).statusCode).toBe(200);
    // WHEN the same signed body arrives under another topic and webhook id (neither is signed)
    const replay = await handler(apiEvent({ body: BODY, headers: headers('orders/cancelled', 'w-2') }));
    // THEN it is the same event: the dedupe key holds signed material only
    expect(JSON.parse(replay.body)).toMatchObject({ duplicate: true });
    expect(aws.queue).toHaveLength(1);
    expect(aws.queue[0].attributes).toMatchObject({
      'unsigned.eventId': { DataType: 'String', StringValue: 'w-1' },
      'unsigned.eventType': { DataType: 'String', StringValue: 'orders/create' },
    });
    expect(aws.queue[0].attributes['signed.eventId']).toBeUndefined();
  });
});
