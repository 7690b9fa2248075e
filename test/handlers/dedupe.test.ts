import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac, createPrivateKey, sign as signBytes } from 'node:crypto';
import Stripe from 'stripe';
import twilio from 'twilio';
import { COMPLETE_ATTEMPTS, DedupeClaims } from '../../lib/handlers/verifier/dedupe';
import { createFamilyVerifierHandler, VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { publishedKeys } from '../../lib/handlers/verifier/published';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { FetchRequest, SchemeConfig, schemeFor, signWebhook } from '../../lib/runtime';
import { canonical } from '../../lib/runtime/schemes/senders/sns';
import { certificateFor } from '../runtime/senders/support/certificates';
import { startDynalite, startLossyProxy, withAllOld } from '../support/dynalite';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

// The dedupe contract (lib/handlers/verifier/dedupe.ts) through the real handler, the real SDK
// clients and a DynamoDB table (dynalite, behind a proxy that can lose answers), with SQS on the
// fake AWS server: one claim decides, nothing is queued without it, and the only second copies are
// the documented ones.

const GITHUB_SECRET = 'github-secret-0123456789abcdef';
const STRIPE_SECRET = 'whsec_stripe_secret_0123456789';
const BODY = '{"action":"opened","number":7}';
const NOW = TEST_NOW;
const LOCK_SECONDS = 15;
const RETENTION_SECONDS = 7 * 86400;
const KEY = `gh#sha256:${createHash('sha256').update(BODY).digest('hex')}`;

const aws = useFakeAws();
let ddb: Awaited<ReturnType<typeof startDynalite>>;
let proxy: Awaited<ReturnType<typeof startLossyProxy>>;
let queueUrl: string;
let table = 0;

beforeAll(async () => {
  queueUrl = `${aws.url}/123456789012/webhooks`;
  ddb = await startDynalite();
  proxy = await startLossyProxy(ddb.url);
});
afterAll(async () => {
  await proxy.stop();
  await ddb.stop();
});

interface Setup {
  source?: string;
  publicUrl?: string;
  /** SendMessage calls that never answer, as if the function crashed or timed out while sending. */
  hangSends?: number;
  retentionSeconds?: number;
}

async function setup(scheme: SchemeConfig, secret: string, options: Setup = {}) {
  aws.reset();
  const tableName = `dedupe-${++table}`;
  await ddb.createTable(tableName);
  let clock = NOW;
  const lines: string[] = [];
  const config: VerifierConfig = {
    endpoint: 'e',
    source: options.source ?? 'gh',
    scheme,
    secretId: aws.putSecret(`s/${table}`, JSON.stringify({ current: secret })),
    queueUrl,
    maxBodyBytes: 10_000,
    cacheTtlMs: 60_000,
    missRefreshIntervalMs: 30_000,
    maxStaleMs: 3_600_000,
    dedupe: { tableName, retentionSeconds: options.retentionSeconds ?? RETENTION_SECONDS, lockSeconds: LOCK_SECONDS },
    publicUrl: options.publicUrl,
  };
  // As the Lambda entry builds it (two attempts), through the proxy that can lose answers.
  const dynamodb = withAllOld(new DynamoDBClient({ endpoint: proxy.url, maxAttempts: 2 }));
  // Every command the verifier sends to DynamoDB, and failures on demand per command.
  const sent: string[] = [];
  const failures = new Map<string, number>();
  const client = {
    send: (command: PutItemCommand) => {
      const name = command.constructor.name;
      sent.push(name);
      const left = failures.get(name) ?? 0;
      if (left > 0) {
        failures.set(name, left - 1);
        return Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
      }
      return dynamodb.send(command);
    },
  } as unknown as DynamoDBClient;
  const realSqs = new SQSClient({});
  let hangs = options.hangSends ?? 0;
  let sendHung = () => undefined as void;
  const hung = new Promise<void>((resolve) => (sendHung = resolve));
  const sqs = {
    send: (command: SendMessageCommand) => {
      if (hangs > 0) {
        hangs--;
        sendHung();
        return new Promise(() => undefined);
      }
      return realSqs.send(command);
    },
  } as unknown as SQSClient;
  const handler = createVerifierHandler(config, { sqs, secrets: new SecretsManagerClient({}), dynamodb: client, now: () => clock, write: (line) => lines.push(line) });
  const item = async (key = KEY) => (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }))).Item;
  return {
    handler,
    item,
    sent,
    /** Resolves once a SendMessage has hung (see hangSends). */
    hung,
    lines,
    log: (at = -1) => JSON.parse(lines.at(at)!) as Record<string, unknown>,
    fail: (command: string, count: number) => failures.set(command, count),
    tick: (ms: number) => (clock += ms),
  };
}

const github = (delivery: string, body = BODY) => ({
  'Content-Type': 'application/json',
  'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(body).digest('hex'),
  'X-GitHub-Delivery': delivery,
});
const deliver = (handler: (e: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number; body: string; headers?: Record<string, unknown> }>, delivery = 'd-1', body = BODY) =>
  handler(apiEvent({ body, headers: github(delivery, body) }));
const isDuplicate = (response: { body: string }) => JSON.parse(response.body).duplicate === true;

describe('duplicate and replay rejection (DynamoDB via dynalite)', () => {
  test('a redelivery gets 200 and is not queued again; another event is', async () => {
    const { handler } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await deliver(handler, 'd-1')).statusCode).toBe(200);
    const again = await deliver(handler, 'd-1');
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ received: true, duplicate: true });
    const other = '{"action":"closed","number":7}';
    expect((await deliver(handler, 'd-2', other)).statusCode).toBe(200);
    expect(aws.queue.map((m) => m.attributes['unsigned.eventId'].StringValue)).toEqual(['d-1', 'd-2']);
    expect(aws.queue.map((m) => m.attributes['signed.eventId'])).toEqual([undefined, undefined]);
  });

  test('a replay with a new (unsigned) delivery id is still a duplicate: GitHub keys on the signed body', async () => {
    const { handler } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await deliver(handler, 'd-1')).statusCode).toBe(200);
    expect(isDuplicate(await deliver(handler, 'forged-new-guid'))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('Standard Webhooks keys on its signed message id', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const { handler } = await setup({ type: 'standard-webhooks' }, secret, { source: 'sw' });
    const send = (id: string) => {
      const ts = Math.floor(NOW / 1000);
      const key = Buffer.from(secret.slice(6), 'base64');
      const sig = createHmac('sha256', key).update(`${id}.${ts}.${BODY}`).digest('base64');
      return handler(apiEvent({ body: BODY, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}` } }));
    };
    expect((await send('msg_1')).statusCode).toBe(200);
    expect(isDuplicate(await send('msg_1'))).toBe(true);
    // A different signed id is a different event, even with the same body.
    expect(isDuplicate(await send('msg_2'))).toBe(false);
    expect(aws.queue).toHaveLength(2);
  });

  test('Stripe retries (new timestamp and signature, same body) are recognised by the payload hash', async () => {
    const { handler, tick } = await setup({ type: 'stripe' }, STRIPE_SECRET, { source: 'stripe' });
    const stripe = new Stripe('sk_test_x');
    let elapsed = 0;
    const send = () =>
      handler(apiEvent({ body: BODY, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: STRIPE_SECRET, timestamp: Math.floor((NOW + elapsed) / 1000) }) } }));
    expect((await send()).statusCode).toBe(200);
    elapsed = tick(60_000) - NOW;
    expect(isDuplicate(await send())).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('two writes per accepted delivery (claim, complete), one failed conditional write per duplicate, and no read', async () => {
    const { handler, item, sent } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await deliver(handler)).statusCode).toBe(200);
    expect(sent).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(sent).toEqual(['PutItemCommand', 'UpdateItemCommand', 'PutItemCommand']);
    // The completed record, per-source leading key, with the message it was queued as; the lock gone.
    expect(await item()).toEqual({
      pk: { S: KEY },
      status: { S: 'COMPLETED' },
      claimToken: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      messageId: { S: aws.queue[0].messageId },
      expiresAt: { N: String(Math.floor(NOW / 1000) + RETENTION_SECONDS) },
    });
    expect(aws.queue).toHaveLength(1);
  });

  test('a record past its retention counts as absent even before TTL deletes it', async () => {
    const { handler, tick } = await setup({ type: 'github' }, GITHUB_SECRET);
    expect((await deliver(handler)).statusCode).toBe(200);
    tick(RETENTION_SECONDS * 1000 + 1000);
    expect(isDuplicate(await deliver(handler))).toBe(false);
    expect(aws.queue).toHaveLength(2);
  });

  test('rejects every respelling of a signed Twilio form as a duplicate: the key is the canonical string Twilio signs', async () => {
    // GIVEN a Twilio delivery whose signature covers the decoded, sorted parameters
    const token = 'twilio-auth-token-0123456789ab';
    const url = 'https://hooks.example.com/webhooks/sms';
    const { handler } = await setup({ type: 'twilio' }, token, { source: 'sms', publicUrl: url });
    const signature = twilio.getExpectedTwilioSignature(token, url, { From: '+15551230000', To: '+15559870000', Body: 'café' });
    const send = (body: string) => handler(apiEvent({ body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature } }));
    expect((await send('From=%2B15551230000&To=%2B15559870000&Body=caf%C3%A9')).statusCode).toBe(200);
    // WHEN the same parameters arrive reordered or in another case of percent-encoding (each still
    // carrying a valid signature)
    const respellings = ['Body=caf%C3%A9&To=%2B15559870000&From=%2B15551230000', 'From=%2b15551230000&To=%2b15559870000&Body=caf%c3%a9'];
    for (const body of respellings) {
      const response = await send(body);
      // THEN each is answered as a duplicate and nothing more is queued
      expect(response.statusCode).toBe(200);
      expect(isDuplicate(response)).toBe(true);
    }
    expect(aws.queue).toHaveLength(1);
    expect(aws.queue[0].attributes.dedupeKey.StringValue).toMatch(/^signed-sha256:[0-9a-f]{64}$/);
  });

  test('rejects a replay under another (unsigned) topic: one Shopify body under two topics is one event', async () => {
    // GIVEN a Shopify delivery for orders/create
    const secret = 'shpss_0123456789abcdef0123456789ab';
    const { handler } = await setup({ type: 'shopify' }, secret, { source: 'shop' });
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
    expect(isDuplicate(replay)).toBe(true);
    expect(aws.queue).toHaveLength(1);
    expect(aws.queue[0].attributes).toMatchObject({
      'unsigned.eventId': { DataType: 'String', StringValue: 'w-1' },
      'unsigned.eventType': { DataType: 'String', StringValue: 'orders/create' },
    });
    expect(aws.queue[0].attributes['signed.eventId']).toBeUndefined();
  });
});

describe('one claim decides: concurrency and failures before the send', () => {
  test('eight concurrent deliveries of one event: exactly one SendMessage; the others 503 + Retry-After (in progress) or 200 duplicate', async () => {
    const { handler, lines } = await setup({ type: 'github' }, GITHUB_SECRET);
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => deliver(handler, `d-${i}`)));
    expect(aws.callCount('SendMessage')).toBe(1);
    expect(aws.queue).toHaveLength(1);
    const accepted = responses.filter((r) => r.statusCode === 200 && !isDuplicate(r));
    expect(accepted).toHaveLength(1);
    for (const response of responses.filter((r) => r !== accepted[0])) {
      if (response.statusCode === 503) expect(response.headers).toMatchObject({ 'retry-after': '5' });
      else expect(isDuplicate(response)).toBe(true);
    }
    const outcomes = lines.map((l) => JSON.parse(l) as { outcome: string; level: string });
    expect(outcomes.filter((o) => o.outcome === 'Accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'InProgress').every((o) => o.level === 'WARN')).toBe(true);
    // Once the first has completed, every retry is a duplicate.
    expect(isDuplicate(await deliver(handler, 'd-late'))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('while another delivery holds the claim: 503 + Retry-After (InProgress), nothing queued; a duplicate once it completes', async () => {
    const { handler, log } = await setup({ type: 'github' }, GITHUB_SECRET);
    const claims = new DedupeClaims(withAllOld(new DynamoDBClient({ endpoint: ddb.url })), { tableName: `dedupe-${table}`, retentionSeconds: RETENTION_SECONDS, lockSeconds: LOCK_SECONDS });
    expect(await claims.claim(KEY, 'other-invocation', NOW)).toEqual({ state: 'claimed' });
    const during = await deliver(handler);
    expect(during.statusCode).toBe(503);
    expect(during.headers).toMatchObject({ 'retry-after': '5' });
    expect(log()).toMatchObject({ outcome: 'InProgress', reason: 'in_progress', status: 503, level: 'WARN' });
    expect(await claims.complete(KEY, 'other-invocation', 'm-other')).toBe('completed');
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(aws.queue).toHaveLength(0);
  });

  test('a claim PutItem that fails: 503 + Retry-After (DedupeUnavailable), nothing queued or recorded; the retry is queued once', async () => {
    const { handler, item, fail, log } = await setup({ type: 'github' }, GITHUB_SECRET);
    fail('PutItemCommand', 1);
    const failed = await deliver(handler);
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ 'retry-after': '5' });
    expect(log()).toMatchObject({ outcome: 'DedupeUnavailable', error: 'ProvisionedThroughputExceededException' });
    expect(aws.callCount('SendMessage')).toBe(0);
    expect(await item()).toBeUndefined();
    expect((await deliver(handler)).statusCode).toBe(200);
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('DynamoDB unreachable for the claim: 503, nothing queued', async () => {
    const broken = createVerifierHandler(
      {
        endpoint: 'e',
        source: 'gh',
        scheme: { type: 'github' },
        secretId: aws.putSecret('s/broken', JSON.stringify({ current: GITHUB_SECRET })),
        queueUrl,
        maxBodyBytes: 10_000,
        cacheTtlMs: 60_000,
        missRefreshIntervalMs: 30_000,
        maxStaleMs: 3_600_000,
        dedupe: { tableName: 'x', retentionSeconds: 60, lockSeconds: LOCK_SECONDS },
      },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), dynamodb: new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }), now: () => NOW, write: () => undefined },
    );
    aws.reset();
    const response = await deliver(broken);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '5' });
    expect(aws.callCount('SendMessage')).toBe(0);
  });

  test('a claim applied whose answer was lost (the SDK resends it): the verifier recognises its own claim and queues once', async () => {
    const { handler, item, sent } = await setup({ type: 'github' }, GITHUB_SECRET);
    proxy.loseAnswers('PutItem', 1);
    const response = await deliver(handler);
    expect(response.statusCode).toBe(200);
    expect(isDuplicate(response)).toBe(false);
    // One PutItem from the verifier, sent twice by the SDK: the second failed its condition on our own claim.
    expect(sent).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    expect(aws.queue).toHaveLength(1);
    expect(await item()).toMatchObject({ status: { S: 'COMPLETED' }, messageId: { S: aws.queue[0].messageId } });
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('a claim applied whose every answer was lost: 503, nothing queued; retries get 503 until the lock runs out, then one is queued', async () => {
    const { handler, item, tick } = await setup({ type: 'github' }, GITHUB_SECRET);
    proxy.loseAnswers('PutItem', 2);
    expect((await deliver(handler)).statusCode).toBe(503);
    expect(aws.callCount('SendMessage')).toBe(0);
    expect(await item()).toMatchObject({ status: { S: 'IN_PROGRESS' } });
    tick(LOCK_SECONDS * 1000 - 1000);
    expect((await deliver(handler)).statusCode).toBe(503);
    tick(2000);
    const after = await deliver(handler);
    expect(after.statusCode).toBe(200);
    expect(isDuplicate(after)).toBe(false);
    expect(aws.queue).toHaveLength(1);
  });
});

describe('after the claim: the send, the completion, and the only second copies', () => {
  test('if SQS fails: 503, the claim is released, and the sender\'s retry is queued once', async () => {
    const { handler, item, sent } = await setup({ type: 'github' }, GITHUB_SECRET);
    aws.fail('SendMessage', 2);
    const failed = await deliver(handler, 'd-9');
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ 'retry-after': '5' });
    expect(sent).toEqual(['PutItemCommand', 'DeleteItemCommand']);
    expect(await item()).toBeUndefined();
    expect((await deliver(handler, 'd-9')).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    expect(isDuplicate(await deliver(handler, 'd-9'))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('if SQS fails and so does the release: 503, and retries wait for the lock (never a message before it runs out)', async () => {
    const { handler, fail, log, tick } = await setup({ type: 'github' }, GITHUB_SECRET);
    aws.fail('SendMessage', 2);
    fail('DeleteItemCommand', 1);
    expect((await deliver(handler)).statusCode).toBe(503);
    expect(log()).toMatchObject({ outcome: 'EnqueueFailed', reason: 'enqueue_failed_claim_held' });
    expect((await deliver(handler)).statusCode).toBe(503);
    tick(LOCK_SECONDS * 1000 + 1000);
    expect((await deliver(handler)).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
  });

  test(`a completion that fails ${COMPLETE_ATTEMPTS - 1} times is retried and recorded: a retry is a duplicate`, async () => {
    const { handler, fail, sent, log } = await setup({ type: 'github' }, GITHUB_SECRET);
    fail('UpdateItemCommand', COMPLETE_ATTEMPTS - 1);
    expect((await deliver(handler)).statusCode).toBe(200);
    expect(log()).not.toHaveProperty('error');
    expect(sent.filter((c) => c === 'UpdateItemCommand')).toHaveLength(COMPLETE_ATTEMPTS);
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(aws.queue).toHaveLength(1);
  });

  test('a completion that keeps failing: 200 (it is queued), logged; a retry before the lock runs out is 503 and not queued; after it, queued again (the documented second copy)', async () => {
    const { handler, fail, log, tick } = await setup({ type: 'github' }, GITHUB_SECRET);
    fail('UpdateItemCommand', COMPLETE_ATTEMPTS);
    const first = await deliver(handler);
    expect(first.statusCode).toBe(200);
    expect(isDuplicate(first)).toBe(false);
    expect(log()).toMatchObject({ outcome: 'Accepted', status: 200, level: 'WARN', error: 'dedupe_complete_failed:ProvisionedThroughputExceededException' });
    tick(LOCK_SECONDS * 1000 - 1000);
    const early = await deliver(handler);
    expect(early.statusCode).toBe(503);
    expect(early.headers).toMatchObject({ 'retry-after': '5' });
    expect(aws.queue).toHaveLength(1);
    tick(2000);
    const late = await deliver(handler);
    expect(late.statusCode).toBe(200);
    expect(isDuplicate(late)).toBe(false);
    // Two copies with one dedupeKey, for the consumer to fold; the second was completed, so a third is not queued.
    expect(aws.queue).toHaveLength(2);
    expect(new Set(aws.queue.map((m) => m.attributes.dedupeKey.StringValue)).size).toBe(1);
    expect(isDuplicate(await deliver(handler))).toBe(true);
    expect(aws.queue).toHaveLength(2);
  });

  test('a crash after the claim (the send never returns): retries get 503 until the lock runs out, then the retry is queued', async () => {
    const { handler, tick, hung } = await setup({ type: 'github' }, GITHUB_SECRET, { hangSends: 1 });
    void deliver(handler); // never settles: the function died while sending
    await hung;
    const early = await deliver(handler);
    expect(early.statusCode).toBe(503);
    expect(early.headers).toMatchObject({ 'retry-after': '5' });
    expect(aws.queue).toHaveLength(0);
    tick(LOCK_SECONDS * 1000 + 1000);
    const retry = await deliver(handler);
    expect(retry.statusCode).toBe(200);
    expect(isDuplicate(retry)).toBe(false);
    expect(aws.queue).toHaveLength(1);
  });
});

describe('a retention shorter than the lock (configFromEnv allows it; the construct never sets it)', () => {
  test('a claim in flight is not overtaken when its retention runs out before its lock: 503, not a second message', async () => {
    const { handler, tick, hung, item } = await setup({ type: 'github' }, GITHUB_SECRET, { hangSends: 1, retentionSeconds: 5 });
    void deliver(handler); // still sending
    await hung;
    expect(Number((await item())?.expiresAt.N)).toBeGreaterThanOrEqual(NOW / 1000 + LOCK_SECONDS);
    tick(6000);
    const retry = await deliver(handler);
    expect(retry.statusCode).toBe(503);
    expect(aws.queue).toHaveLength(0);
  });
});

describe('answered handshakes are recorded', () => {
  const SECRET = 'a-sender-issued-secret-0123456789';
  const twitch = (body: string, type: string, id: string) =>
    apiEvent({ body, headers: { ...signWebhook({ scheme: { type: 'twitch' }, secret: SECRET, body, id, timestamp: NOW / 1000 }), 'Twitch-Eventsub-Message-Type': type, 'Twitch-Eventsub-Subscription-Type': 'channel.follow' } });

  test('a Twitch callback verification is recorded under its signed message id: a notification under that id is a duplicate, and the verification replayed as a notification is not queued', async () => {
    const { handler, item } = await setup({ type: 'twitch' }, SECRET, { source: 'tw' });
    const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
    const subscription = { type: 'channel.follow', status: 'webhook_callback_verification_pending' };
    const verification = JSON.stringify({ challenge: 'pogchamp-kappa-360noscope-vohiyo', subscription });
    expect(await handler(twitch(verification, 'webhook_callback_verification', id))).toMatchObject({ statusCode: 200, body: 'pogchamp-kappa-360noscope-vohiyo' });
    expect(await item(`tw#${id}`)).toMatchObject({ status: { S: 'COMPLETED' } });
    // The captured verification resent as a notification (the type header is not signed): refused or
    // answered again, never queued.
    const replay = await handler(twitch(verification, 'notification', id));
    expect([200, 400]).toContain(replay.statusCode);
    // A signed notification under the handshake's message id: a duplicate.
    const notification = await handler(twitch(JSON.stringify({ subscription: { ...subscription, status: 'enabled' }, event: { user_id: '1' } }), 'notification', id));
    expect(notification.statusCode).toBe(200);
    expect(isDuplicate(notification)).toBe(true);
    expect(aws.queue).toHaveLength(0);
  });

  test('Slack url_verification is recorded before it is answered; with DynamoDB failing, 503 and no challenge', async () => {
    const { handler, item, fail } = await setup({ type: 'slack' }, SECRET, { source: 'slack' });
    const body = JSON.stringify({ token: 't', challenge: 'slack-challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const event = () => apiEvent({ body, headers: signWebhook({ scheme: { type: 'slack' }, secret: SECRET, body, timestamp: NOW / 1000 }) });
    fail('PutItemCommand', 1);
    const failed = await handler(event());
    expect(failed.statusCode).toBe(503);
    expect(failed.body).not.toContain('slack-challenge');
    const answered = await handler(event());
    expect(answered.statusCode).toBe(200);
    expect(answered.body).toContain('slack-challenge');
    expect(await item(`slack#sha256:${createHash('sha256').update(body).digest('hex')}`)).toMatchObject({ status: { S: 'COMPLETED' } });
    // Answered again when resent (the answer is the signed challenge; nothing is queued either way).
    expect((await handler(event())).body).toContain('slack-challenge');
    expect(aws.queue).toHaveLength(0);
  });
});

describe('answered handshakes are recorded: SNS', () => {
  test('a SubscriptionConfirmation settled (confirmed) is recorded under its signed MessageId: a Notification with that MessageId is a duplicate', async () => {
    aws.reset();
    const topic = 'arn:aws:sns:us-east-1:123456789012:orders';
    const certUrl = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
    const { certificate, privateKey } = certificateFor('sns.amazonaws.com');
    const fetches: FetchRequest[] = [];
    const fetch = async (request: FetchRequest) => {
      fetches.push(request);
      if (request.url === certUrl) return { status: 200, body: certificate };
      if (request.url.startsWith('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription')) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
      return { status: 404, body: '' };
    };
    const tableName = `dedupe-${++table}`;
    await ddb.createTable(tableName);
    const dynamodb = withAllOld(new DynamoDBClient({ endpoint: ddb.url }));
    const handler = createFamilyVerifierHandler(
      (config) => schemeFor(config as SchemeConfig),
      {
        endpoint: 'e',
        source: 'orders',
        scheme: { type: 'sns', topicArns: [topic] },
        queueUrl,
        maxBodyBytes: 65536,
        cacheTtlMs: 1,
        missRefreshIntervalMs: 1,
        maxStaleMs: 1,
        dedupe: { tableName, retentionSeconds: RETENTION_SECONDS, lockSeconds: LOCK_SECONDS },
      },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), dynamodb, published: publishedKeys(fetch), now: () => NOW, write: () => undefined },
    );
    const messageId = '165545c9-2a5c-472c-8df2-7ff2be2b3b1b';
    const fields: Record<string, string> = {
      Type: 'SubscriptionConfirmation',
      MessageId: messageId,
      Token: 'token-1',
      TopicArn: topic,
      Message: 'You have chosen to subscribe',
      SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic)}&Token=token-1`,
      Timestamp: new Date(NOW).toISOString(),
    };
    const signature = signBytes('sha256', Buffer.from(canonical('SubscriptionConfirmation', fields)), createPrivateKey(privateKey)).toString('base64');
    const body = JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: certUrl });
    const confirmed = await handler(apiEvent({ body, headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }));
    expect(confirmed.statusCode).toBe(200);
    expect(fetches.map((f) => f.url)).toContain(fields.SubscribeURL);
    expect((await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `orders#${messageId}` } }, ConsistentRead: true }))).Item).toMatchObject({ status: { S: 'COMPLETED' } });

    const scheme = schemeFor({ type: 'sns', topicArns: [topic] });
    const notification = scheme.signDelivery!({ body: '{"order":42}', id: messageId, timestamp: NOW / 1000 }, JSON.stringify({ privateKey, certUrl })) as { headers: Record<string, string>; body: string };
    const replay = await handler(apiEvent({ body: notification.body, headers: notification.headers }));
    expect(replay.statusCode).toBe(200);
    expect(isDuplicate(replay)).toBe(true);
    expect(aws.queue).toHaveLength(0);
  });
});

describe('DedupeClaims with a fake client', () => {
  type Sent = { name: string; input: Record<string, unknown> };
  const fake = (answer: (command: Sent) => unknown) => {
    const sent: Sent[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const entry = { name: command.constructor.name, input: command.input };
        sent.push(entry);
        const result = answer(entry);
        if (result instanceof Error) throw result;
        return result;
      },
    } as unknown as DynamoDBClient;
    return { client, sent };
  };
  const conditionFailed = (item?: object) => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', ...(item ? { Item: item } : {}) });
  const options = { tableName: 't', retentionSeconds: 100, lockSeconds: LOCK_SECONDS };

  test('the claim is one conditional PutItem asking for the record found on failure (ReturnValuesOnConditionCheckFailure), as Powertools claims', async () => {
    const { client, sent } = fake(() => ({}));
    expect(await new DedupeClaims(client, options).claim('s#k', 'tok', NOW)).toEqual({ state: 'claimed' });
    expect(sent).toEqual([
      {
        name: PutItemCommand.name,
        input: {
          TableName: 't',
          Item: { pk: { S: 's#k' }, status: { S: 'IN_PROGRESS' }, lockExpiresAtMs: { N: String(NOW + LOCK_SECONDS * 1000) }, claimToken: { S: 'tok' }, expiresAt: { N: String(NOW / 1000 + 100) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND lockExpiresAtMs < :nowMs)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': { N: String(NOW / 1000) }, ':nowMs': { N: String(NOW) }, ':inProgress': { S: 'IN_PROGRESS' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);
  });

  test.each([
    ['our own claim (a resent PutItem)', 'claimed', { status: { S: 'IN_PROGRESS' }, claimToken: { S: 'tok' } }],
    ['another invocation\'s claim', 'in_progress', { status: { S: 'IN_PROGRESS' }, claimToken: { S: 'other' } }],
    ['a completed record', 'duplicate', { status: { S: 'COMPLETED' }, claimToken: { S: 'other' } }],
    ['a completed record of our own token', 'duplicate', { status: { S: 'COMPLETED' }, claimToken: { S: 'tok' } }],
    ['no record returned (an emulator without ALL_OLD)', 'in_progress', undefined],
    ['a record of unknown status', 'in_progress', { status: { S: 'SOMETHING' }, claimToken: { S: 'tok' } }],
  ])('a claim whose condition fails on %s: %s', async (_, state, found) => {
    const { client } = fake(() => conditionFailed(found));
    expect(await new DedupeClaims(client, options).claim('s#k', 'tok', NOW)).toEqual({ state });
  });

  test('any other claim error is thrown (the handler answers 503)', async () => {
    const { client } = fake(() => Object.assign(new Error('x'), { name: 'ThrottlingException' }));
    await expect(new DedupeClaims(client, options).claim('s#k', 'tok', NOW)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  test(`complete: UpdateItem conditional on our token, tried ${COMPLETE_ATTEMPTS} times with a growing pause, then the error is thrown`, async () => {
    const pauses: number[] = [];
    const { client, sent } = fake(() => Object.assign(new Error('x'), { name: 'InternalServerError' }));
    await expect(new DedupeClaims(client, options, async (ms) => void pauses.push(ms)).complete('s#k', 'tok', 'm-1')).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(sent).toHaveLength(COMPLETE_ATTEMPTS);
    expect(pauses).toEqual([100, 200]);
    expect(sent[0]).toEqual({
      name: UpdateItemCommand.name,
      input: {
        TableName: 't',
        Key: { pk: { S: 's#k' } },
        UpdateExpression: 'SET #status = :completed, messageId = :messageId REMOVE lockExpiresAtMs',
        ConditionExpression: 'claimToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':completed': { S: 'COMPLETED' }, ':messageId': { S: 'm-1' }, ':token': { S: 'tok' } },
      },
    });
  });

  test('complete on a claim taken over by another delivery: claim_lost, not retried', async () => {
    const { client, sent } = fake(() => conditionFailed({ claimToken: { S: 'other' } }));
    expect(await new DedupeClaims(client, options, async () => undefined).complete('s#k', 'tok', 'm-1')).toBe('claim_lost');
    expect(sent).toHaveLength(1);
  });

  test('release: DeleteItem only of our own IN_PROGRESS claim; a failed condition is nothing to release, other errors are thrown', async () => {
    const { client, sent } = fake(() => conditionFailed());
    await new DedupeClaims(client, options).release('s#k', 'tok');
    expect(sent[0]).toEqual({
      name: DeleteItemCommand.name,
      input: {
        TableName: 't',
        Key: { pk: { S: 's#k' } },
        ConditionExpression: 'claimToken = :token AND #status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':token': { S: 'tok' }, ':inProgress': { S: 'IN_PROGRESS' } },
      },
    });
    const failing = fake(() => Object.assign(new Error('x'), { name: 'ThrottlingException' }));
    await expect(new DedupeClaims(failing.client, options).release('s#k', 'tok')).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  test('a record lives at least as long as its lock, whatever the retention (a record past its retention is claimable)', async () => {
    const { client, sent } = fake(() => ({}));
    await new DedupeClaims(client, { ...options, retentionSeconds: 5 }).claim('s#k', 'tok', NOW);
    expect(sent[0].input).toMatchObject({ Item: { expiresAt: { N: String(NOW / 1000 + LOCK_SECONDS) } } });
  });

  test('recordAnswered: a COMPLETED record with no lock, under the claim\'s condition; a live record already there is kept', async () => {
    const { client, sent } = fake(() => conditionFailed({ status: { S: 'COMPLETED' } }));
    await new DedupeClaims(client, options).recordAnswered('s#k', 'tok', NOW);
    expect(sent[0].input).toMatchObject({
      Item: { pk: { S: 's#k' }, status: { S: 'COMPLETED' }, claimToken: { S: 'tok' }, expiresAt: { N: String(NOW / 1000 + 100) } },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND lockExpiresAtMs < :nowMs)',
    });
  });
});
