import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createPrivateKey, generateKeyPairSync, KeyObject, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import { createFamilyVerifierHandler, VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { publishedKeys } from '../../lib/handlers/verifier/published';
import { FetchRequest, headerValue, KeyFetcher, KeyReference, keyReference, PublishedKeySource, refusedReference, Scheme, SchemeConfig, schemeFor, WebhookRequest } from '../../lib/runtime';
import { canonical } from '../../lib/runtime/schemes/senders/sns';
import { certificateFor } from '../runtime/senders/support/certificates';
import { accepted, rejected, SignedContent } from '../../lib/runtime/schemes/common';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

// The verifier handler's path for senders that publish their keys, with a small scheme of that kind
// (Ed25519 over the body; the key a request names in `x-key-url`, fetched from a pinned host; a body
// of `{"confirm":true}` settled with a call back instead of queued). The real senders (SNS, PayPal,
// Plaid, Google) are tested against their own formats in test/runtime/senders/.

const PINNED = 'https://keys.example.com/';
const NOW = TEST_NOW;

function testScheme(): Scheme {
  const signed = new SignedContent(64, 1);
  const published: PublishedKeySource = {
    needsCredential: false,
    reference(request: WebhookRequest): KeyReference {
      const url = headerValue(request.headers, 'x-key-url');
      if (typeof url !== 'string') return refusedReference('missing_header');
      return url.startsWith(PINNED) && /^[a-z0-9/:.-]+$/.test(url) ? keyReference(url) : refusedReference('malformed_header');
    },
    async load(reference, fetch) {
      const response = await fetch({ url: reference });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const { createPublicKey } = await import('node:crypto');
      return new Map([[reference, { key: createPublicKey(response.body), notAfterMs: Number.POSITIVE_INFINITY }]]);
    },
  };
  return {
    requiredHeaders: ['x-key-url', 'x-sig'],
    signatureHeaders: ['x-sig'],
    contentTypes: ['application/json'],
    signsUrl: false,
    bodyBinding: 'signed',
    published,
    decodeKey: () => {
      throw new Error('no secret');
    },
    generateKey: () => {
      throw new Error('no secret');
    },
    sign: () => ({}),
    verify(request, keys) {
      const sig = headerValue(request.headers, 'x-sig');
      if (typeof sig !== 'string') return rejected('missing_header');
      const key = keys[0]?.key;
      if (!(key instanceof KeyObject)) return rejected('no_active_key');
      if (!verifyBytes(null, Buffer.from(request.body), key, Buffer.from(sig, 'base64'))) return rejected('signature_invalid');
      signed.reset();
      signed.includeBody = true;
      signed.bodyBinding = 'signed';
      return accepted(signed, request.body, NOW, 0, key);
    },
    settle(body, _verified, fetch) {
      if (!Buffer.from(body).toString().includes('"confirm":true')) return undefined;
      return fetch({ url: `${PINNED}confirm` }).then((response) => {
        if (response.status !== 200) throw new Error(`confirmation answered ${response.status}`);
        return { body: '{"confirmed":true}' };
      });
    },
  };
}

const aws = useFakeAws();

function setup(options: { failFetch?: boolean; confirmStatus?: number; now?: () => number } = {}) {
  aws.reset();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const fetches: FetchRequest[] = [];
  const fetch: KeyFetcher = async (request) => {
    fetches.push(request);
    if (options.failFetch) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (request.url === `${PINNED}confirm`) return { status: options.confirmStatus ?? 200, body: '' };
    if (request.url === `${PINNED}key.pem`) return { status: 200, body: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    return { status: 404, body: '' };
  };
  const lines: string[] = [];
  const config: VerifierConfig = {
    endpoint: 'test-endpoint',
    source: 'orders',
    scheme: { type: 'test-published' } as unknown as SchemeConfig,
    queueUrl: `${aws.url}/123456789012/webhooks`,
    maxBodyBytes: 4096,
    cacheTtlMs: 300_000,
    missRefreshIntervalMs: 30_000,
    maxStaleMs: 3_600_000,
  };
  const secrets = new SecretsManagerClient({});
  const handler = createFamilyVerifierHandler(() => testScheme(), config, {
    sqs: new SQSClient({}),
    secrets,
    published: publishedKeys(fetch),
    now: options.now ?? (() => NOW),
    write: (line) => lines.push(line),
  });
  const post = (body: string, keyUrl = `${PINNED}key.pem`, key = privateKey) =>
    handler(apiEvent({ body, headers: { 'Content-Type': 'application/json', 'x-key-url': keyUrl, 'x-sig': signBytes(null, Buffer.from(body), key).toString('base64') } }));
  const last = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { post, fetches, last };
}

describe('verifier handler, senders that publish their keys', () => {
  test('fetches the named key once, verifies, queues; never touches Secrets Manager', async () => {
    const t = setup();
    expect((await t.post('{"id":1}')).statusCode).toBe(200);
    expect((await t.post('{"id":2}')).statusCode).toBe(200);
    expect(t.fetches.map((f) => f.url)).toEqual([`${PINNED}key.pem`]);
    expect(aws.queue).toHaveLength(2);
    expect(aws.callCount('GetSecretValue')).toBe(0);
  });

  test('a key URL off the pinned host is refused before anything is fetched', async () => {
    const t = setup();
    const response = await t.post('{"id":1}', 'https://evil.example.net/key.pem');
    expect(response.statusCode).toBe(400);
    expect(t.fetches).toEqual([]);
    expect(aws.queue).toHaveLength(0);
  });

  test('another signer is refused 401 and nothing is queued', async () => {
    const t = setup();
    const response = await t.post('{"id":1}', `${PINNED}key.pem`, generateKeyPairSync('ed25519').privateKey);
    expect(response.statusCode).toBe(401);
    expect(aws.queue).toHaveLength(0);
  });

  test('a fetch failure is a 503 with Retry-After (the sender retries), never an accept', async () => {
    const t = setup({ failFetch: true });
    const response = await t.post('{"id":1}');
    expect(response.statusCode).toBe(503);
    // When this container will fetch that key again.
    expect(response.headers?.['retry-after']).toBe('60');
    expect(t.last()).toMatchObject({ reason: 'key_fetch_failed', error: 'KeyFetchError' });
    expect(aws.queue).toHaveLength(0);
  });

  test('a delivery the scheme settles is answered after the call back succeeds, and never queued', async () => {
    const t = setup();
    const response = await t.post('{"confirm":true}');
    expect(response).toMatchObject({ statusCode: 200, body: '{"confirmed":true}' });
    expect(t.fetches.map((f) => f.url)).toContain(`${PINNED}confirm`);
    expect(t.last()).toMatchObject({ reason: 'settled' });
    expect(aws.queue).toHaveLength(0);
  });

  test('a failed call back is a 503 (the sender asks again), never queued', async () => {
    const t = setup({ confirmStatus: 500 });
    const response = await t.post('{"confirm":true}');
    expect(response.statusCode).toBe(503);
    expect(t.last()).toMatchObject({ reason: 'settle_failed' });
    expect(aws.queue).toHaveLength(0);
  });
});

describe('verifier handler, keys the cache does not hold: never a 4xx for a key that may be genuine', () => {
  test('a new key named within the interval after another miss is fetched and verifies (one limiter per container lost it, 401)', async () => {
    const t = setup();
    expect((await t.post('{"id":1}', `${PINNED}gone.pem`)).statusCode).toBe(503);
    const response = await t.post('{"id":2}');
    expect(response.statusCode).toBe(200);
    expect(t.fetches.map((f) => f.url)).toEqual([`${PINNED}gone.pem`, `${PINNED}key.pem`]);
    expect(aws.queue).toHaveLength(1);
  });

  test('the same key named again within the interval is not fetched again: 503 with the time left as Retry-After', async () => {
    let clock = NOW;
    const t = setup({ now: () => clock });
    expect((await t.post('{"id":1}', `${PINNED}gone.pem`)).statusCode).toBe(503);
    clock += 45_000;
    const again = await t.post('{"id":1}', `${PINNED}gone.pem`);
    expect(again.statusCode).toBe(503);
    expect(again.headers?.['retry-after']).toBe('15');
    expect(t.last()).toMatchObject({ reason: 'key_fetch_deferred', outcome: 'SecretUnavailable' });
    expect(t.fetches).toHaveLength(1);
    clock += 15_000;
    await t.post('{"id":1}', `${PINNED}gone.pem`);
    expect(t.fetches).toHaveLength(2);
  });

  test('a spray of junk keys spends the fetch budget (503, nothing fetched past it) and never evicts the cached key', async () => {
    let clock = NOW;
    const t = setup({ now: () => clock });
    // The genuine key's first fetch and 9 junk ones: the default budget of 10 a minute.
    expect((await t.post('{"id":0}')).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) expect((await t.post('{"id":1}', `${PINNED}junk-${i}.pem`)).statusCode).toBe(503);
    expect(t.fetches).toHaveLength(10);
    clock += 20_000;
    const over = await t.post('{"id":1}', `${PINNED}junk-9.pem`);
    expect(over.statusCode).toBe(503);
    expect(over.headers?.['retry-after']).toBe('40');
    expect(t.last()).toMatchObject({ reason: 'key_fetch_deferred' });
    expect(t.fetches).toHaveLength(10);
    expect((await t.post('{"id":2}')).statusCode).toBe(200);
    expect(t.fetches).toHaveLength(10);
    // The budget is per interval: spent fetches age out.
    clock += 40_000;
    await t.post('{"id":1}', `${PINNED}junk-9.pem`);
    expect(t.fetches).toHaveLength(11);
  });
});

test('a bundle without the published-key machinery refuses such a scheme at start-up', () => {
  const config = { endpoint: 'e', source: 's', scheme: { type: 'x' } as unknown as SchemeConfig, queueUrl: 'q', maxBodyBytes: 1, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 };
  expect(() => createFamilyVerifierHandler(() => testScheme(), config, { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}) })).toThrow(/fetches published keys/);
});

describe('verifier handler with the SNS scheme (certificate from a local authority, served by the test)', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
  const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';

  function snsSetup() {
    aws.reset();
    const { certificate, privateKey } = certificateFor('sns.amazonaws.com');
    const fetches: FetchRequest[] = [];
    const fetch: KeyFetcher = async (request) => {
      fetches.push(request);
      if (request.url === CERT_URL) return { status: 200, body: certificate };
      if (request.url.startsWith('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription')) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
      return { status: 404, body: '' };
    };
    const lines: string[] = [];
    const handler = createFamilyVerifierHandler(
      (config) => schemeFor(config as SchemeConfig),
      { endpoint: 'e', source: 'orders', scheme: { type: 'sns', topicArns: [TOPIC] }, queueUrl: `${aws.url}/123456789012/webhooks`, maxBodyBytes: 65536, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), published: publishedKeys(fetch), now: () => NOW, write: (line) => lines.push(line) },
    );
    const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
    const secret = JSON.stringify({ privateKey, certUrl: CERT_URL });
    return { handler, fetches, scheme, secret, privateKey };
  }

  test('a notification is queued with its signed metadata; no secret is read', async () => {
    const t = snsSetup();
    const delivery = t.scheme.signDelivery!({ body: '{"order":42}', timestamp: NOW / 1000 }, t.secret) as { headers: Record<string, string>; body: string };
    const response = await t.handler(apiEvent({ body: delivery.body, headers: delivery.headers }));
    expect(response.statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    const message = JSON.parse(delivery.body) as { MessageId: string };
    const attributes = Object.fromEntries(Object.entries(aws.queue[0].attributes).map(([name, a]) => [name, a.StringValue]));
    // SNS signs the message's fields, not the whole body (MessageAttributes, UnsubscribeURL): partial.
    expect(attributes).toMatchObject({ 'signed.eventId': message.MessageId, dedupeKey: message.MessageId, bodyBinding: 'partial' });
    expect(JSON.parse(attributes.metadata!)).toEqual({ 'signed.type': 'Notification', 'signed.topicArn': TOPIC });
    expect(aws.callCount('GetSecretValue')).toBe(0);
  });

  test('a SubscriptionConfirmation is confirmed and never queued', async () => {
    const t = snsSetup();
    const fields: Record<string, string> = {
      Type: 'SubscriptionConfirmation',
      MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
      Token: 'token-1',
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe',
      SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=token-1`,
      Timestamp: new Date(NOW).toISOString(),
    };
    const signature = signBytes('sha256', Buffer.from(canonical('SubscriptionConfirmation', fields)), createPrivateKey(t.privateKey)).toString('base64');
    const body = JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: CERT_URL });
    const response = await t.handler(apiEvent({ body, headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }));
    expect(response).toMatchObject({ statusCode: 200, body: '{"confirmed":true}' });
    expect(t.fetches.map((f) => f.url)).toEqual([CERT_URL, fields.SubscribeURL]);
    expect(aws.queue).toHaveLength(0);
  });
});

describe('verifier handler with the Pub/Sub scheme: a kid is a key id, whatever it spells', () => {
  const AUDIENCE = 'https://example.com/webhooks/push';
  const EMAIL = 'push@project.iam.gserviceaccount.com';
  const google = generateKeyPairSync('rsa', { modulusLength: 2048 });

  function pubsubSetup(publishedKids: readonly string[]) {
    aws.reset();
    const fetches: FetchRequest[] = [];
    const jwk = google.publicKey.export({ format: 'jwk' });
    const fetch: KeyFetcher = async (request) => {
      fetches.push(request);
      if (request.url !== 'https://www.googleapis.com/oauth2/v3/certs') return { status: 404, body: '' };
      return { status: 200, body: JSON.stringify({ keys: publishedKids.map((kid) => ({ ...jwk, kid, alg: 'RS256', use: 'sig' })) }) };
    };
    const lines: string[] = [];
    const config = { type: 'pubsub', audience: AUDIENCE, serviceAccountEmail: EMAIL } as SchemeConfig;
    const handler = createFamilyVerifierHandler(
      (c) => schemeFor(c as SchemeConfig),
      { endpoint: 'e', source: 'push', scheme: config, queueUrl: `${aws.url}/123456789012/webhooks`, maxBodyBytes: 65536, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), published: publishedKeys(fetch), now: () => TEST_NOW, write: (line) => lines.push(line) },
    );
    const post = (kid: string) => {
      const body = '{"message":{"messageId":"1","data":"e30="},"subscription":"projects/p/subscriptions/s"}';
      const secret = JSON.stringify({ privateKey: google.privateKey.export({ type: 'pkcs8', format: 'pem' }), kid });
      const headers = schemeFor(config).sign({ body, timestamp: TEST_NOW / 1000 }, secret);
      return handler(apiEvent({ body, headers }));
    };
    return { post, fetches, last: () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown> };
  }

  test('a kid spelled like a rejection reason that Google does not publish is a 401, not that reason (a 500 and an alarm)', async () => {
    const t = pubsubSetup(['genuine']);
    const response = await t.post('no_active_key');
    expect(response.statusCode).toBe(401);
    expect(t.last()).toMatchObject({ outcome: 'SignatureInvalid', reason: 'signature_invalid' });
    expect(t.fetches).toHaveLength(1);
  });

  test('a key Google publishes under such a kid verifies', async () => {
    const t = pubsubSetup(['no_active_key']);
    expect((await t.post('no_active_key')).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
  });
});
