import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createPrivateKey, generateKeyPairSync, KeyObject, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import { createFamilyVerifierHandler, VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { publishedKeys } from '../../lib/handlers/verifier/published';
import { FetchRequest, headerValue, KeyFetcher, PublishedKeySource, RejectionReason, Scheme, SchemeConfig, schemeFor, WebhookRequest } from '../../lib/runtime';
import { canonical } from '../../lib/runtime/schemes/senders/sns';
import { certificateFor } from '../runtime/senders/support/certificates';
import { accepted, rejected, SignedContent } from '../../lib/runtime/schemes/common';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// The verifier handler's path for senders that publish their keys, with a small scheme of that kind
// (Ed25519 over the body; the key a request names in `x-key-url`, fetched from a pinned host; a body
// of `{"confirm":true}` settled with a call back instead of queued). The real senders (SNS, PayPal,
// Plaid, Google) are tested against their own formats in test/runtime/senders/.

const PINNED = 'https://keys.example.com/';
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function testScheme(): Scheme {
  const signed = new SignedContent(64, 1);
  const published: PublishedKeySource = {
    needsCredential: false,
    reference(request: WebhookRequest): string | RejectionReason {
      const url = headerValue(request.headers, 'x-key-url');
      if (typeof url !== 'string') return 'missing_header';
      return url.startsWith(PINNED) && /^[a-z0-9/:.-]+$/.test(url) ? url : 'malformed_header';
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

function setup(options: { failFetch?: boolean; confirmStatus?: number } = {}) {
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
    now: () => NOW,
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
    expect(response.headers?.['retry-after']).toBe('5');
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
      (config) => schemeFor(config),
      { endpoint: 'e', source: 'orders', scheme: { type: 'sns', topicArns: [TOPIC] }, queueUrl: `${aws.url}/123456789012/webhooks`, maxBodyBytes: 65536, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 },
      { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), published: publishedKeys(fetch), write: (line) => lines.push(line) },
    );
    const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });
    const secret = JSON.stringify({ privateKey, certUrl: CERT_URL });
    return { handler, fetches, scheme, secret, privateKey };
  }

  test('a notification is queued with its signed metadata; no secret is read', async () => {
    const t = snsSetup();
    const delivery = t.scheme.signDelivery!({ body: '{"order":42}' }, t.secret) as { headers: Record<string, string>; body: string };
    const response = await t.handler(apiEvent({ body: delivery.body, headers: delivery.headers }));
    expect(response.statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    const message = JSON.parse(delivery.body) as { MessageId: string };
    const attributes = Object.fromEntries(Object.entries(aws.queue[0].attributes).map(([name, a]) => [name, a.StringValue]));
    expect(attributes).toMatchObject({ 'signed.eventId': message.MessageId, 'signed.type': 'Notification', 'signed.topicArn': TOPIC, dedupeKey: message.MessageId });
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
      Timestamp: new Date().toISOString(),
    };
    const signature = signBytes('sha256', Buffer.from(canonical('SubscriptionConfirmation', fields)), createPrivateKey(t.privateKey)).toString('base64');
    const body = JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: CERT_URL });
    const response = await t.handler(apiEvent({ body, headers: { 'Content-Type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }));
    expect(response).toMatchObject({ statusCode: 200, body: '{"confirmed":true}' });
    expect(t.fetches.map((f) => f.url)).toEqual([CERT_URL, fields.SubscribeURL]);
    expect(aws.queue).toHaveLength(0);
  });
});
