import { createSign, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FetchRequest, KeyFetcher, KeyFetchError, PublishedKeyCache, PublishedKeyVerifier, Scheme, schemeFor, WebhookConfigurationError } from '../../../lib/runtime';
import { canonical } from '../../../lib/runtime/schemes/senders/sns';
import { certificateFor } from './support/certificates';

// Senders that sign with a certificate they publish at a pinned URL. Certificates come from a local
// authority (the openssl CLI) and are served to the verifier through an injected fetcher, which
// records every request: what must be refused before any fetch is checked against that record.

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const sns = certificateFor('sns.amazonaws.com');
const stranger = certificateFor('example.com');

function fetcher(files: Record<string, string>) {
  const calls: FetchRequest[] = [];
  const fetch: KeyFetcher = async (request) => {
    calls.push(request);
    const body = files[request.url];
    return body === undefined ? { status: 404, body: '' } : { status: 200, body };
  };
  return { fetch, calls };
}

/** An SNS message signed as SNS signs it, with the openssl-made key (SHA1withRSA for v1, SHA256withRSA for v2). */
function snsMessage(options: { type?: string; version?: '1' | '2'; topic?: string; subject?: string; key?: string; certUrl?: string; at?: Date; message?: string } = {}): Record<string, string> {
  const type = options.type ?? 'Notification';
  const fields: Record<string, string> = {
    Type: type,
    MessageId: randomUUID(),
    TopicArn: options.topic ?? TOPIC,
    Message: options.message ?? '{"order":42}',
    Timestamp: (options.at ?? new Date()).toISOString(),
  };
  if (options.subject !== undefined) fields.Subject = options.subject;
  if (type !== 'Notification') {
    fields.Token = 'token-0123456789';
    fields.SubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(fields.TopicArn)}&Token=${fields.Token}`;
  }
  const version = options.version ?? '2';
  const signature = createSign(version === '1' ? 'sha1' : 'sha256').update(canonical(type as 'Notification', fields)).sign(options.key ?? sns.privateKey).toString('base64');
  return { ...fields, SignatureVersion: version, Signature: signature, SigningCertURL: options.certUrl ?? CERT_URL };
}

async function verifySns(scheme: Scheme, body: string, fetch: KeyFetcher, headers: Record<string, string> = {}) {
  const cache = new PublishedKeyCache(scheme.published!, { fetch });
  const request = { headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers }, body };
  const keys = await cache.keysFor(request);
  if (typeof keys === 'string') return { ok: false as const, reason: keys };
  return scheme.verify(request, keys, Date.now(), scheme.defaultToleranceSeconds!);
}

describe('sns', () => {
  const scheme = schemeFor({ type: 'sns', topicArns: [TOPIC] });

  test('verifies SignatureVersion 1 and 2 notifications; the signed MessageId keys duplicates', async () => {
    const { fetch, calls } = fetcher({ [CERT_URL]: sns.certificate });
    for (const version of ['1', '2'] as const) {
      const message = snsMessage({ version, subject: 'Order' });
      const result = await verifySns(scheme, JSON.stringify(message), fetch);
      expect(result).toMatchObject({ ok: true, eventId: message.MessageId, dedupeKey: message.MessageId });
      expect(result.ok && result.metadata).toEqual({ 'signed.eventId': message.MessageId, 'signed.type': 'Notification', 'signed.topicArn': TOPIC, 'signed.subject': 'Order' });
    }
    expect(calls.map((c) => c.url)).toEqual([CERT_URL, CERT_URL]);
  });

  test('another topic\'s genuine message is not_allowed', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    const result = await verifySns(scheme, JSON.stringify(snsMessage({ topic: 'arn:aws:sns:us-east-1:123456789012:other' })), fetch);
    expect(result).toEqual({ ok: false, reason: 'not_allowed' });
  });

  test('a tampered message, another signer, a stale timestamp are refused', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    const message = snsMessage();
    expect(await verifySns(scheme, JSON.stringify({ ...message, Message: '{"order":43}' }), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await verifySns(scheme, JSON.stringify(snsMessage({ key: stranger.privateKey })), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    const old = snsMessage({ at: new Date(Date.now() - 3601_000) });
    expect(await verifySns(scheme, JSON.stringify(old), fetch)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test.each([
    ['another host', 'https://evil.example.com/SimpleNotificationService-0123.pem'],
    ['http', 'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem'],
    ['a look-alike host', 'https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-0123.pem'],
    ['userinfo', 'https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-0123.pem'],
    ['a port', 'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0123.pem'],
    ['a path traversal', 'https://sns.us-east-1.amazonaws.com/../evil/SimpleNotificationService-0123.pem'],
    ['a query', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem?x=1'],
    ['another file', 'https://sns.us-east-1.amazonaws.com/other.pem'],
  ])('a SigningCertURL on %s is refused before anything is fetched', async (_label, certUrl) => {
    const { fetch, calls } = fetcher({ [certUrl]: sns.certificate });
    expect(await verifySns(scheme, JSON.stringify(snsMessage({ certUrl })), fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(calls).toEqual([]);
  });

  test('an expired certificate or one issued to another host makes the load fail (a 5xx, never an accept)', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    await expect(scheme.published!.load(CERT_URL, fetch, Date.now() + 3 * 86_400_000)).rejects.toThrow(/not valid now/);
    const wrong = fetcher({ [CERT_URL]: stranger.certificate });
    await expect(scheme.published!.load(CERT_URL, wrong.fetch, Date.now())).rejects.toThrow(/not issued to SNS/);
    const missing = fetcher({});
    await expect(verifySns(scheme, JSON.stringify(snsMessage()), missing.fetch)).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('a body read two ways (a key twice), a missing or non-string field, an unknown version are refused', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    const message = snsMessage();
    const twice = JSON.stringify(message).replace('{', '{"Message":"evil",');
    expect(await verifySns(scheme, twice, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    const escaped = JSON.stringify(message).replace('{', '{"\\u004dessage":"evil",');
    expect(await verifySns(scheme, escaped, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    const { TopicArn: _dropped, ...withoutTopic } = message;
    expect(await verifySns(scheme, JSON.stringify(withoutTopic), fetch)).toEqual({ ok: false, reason: 'missing_header' });
    expect(await verifySns(scheme, JSON.stringify({ ...message, Message: 42 }), fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(await verifySns(scheme, JSON.stringify({ ...message, SignatureVersion: '3' }), fetch)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('the unsigned x-amz-sns-* headers must agree with the signed body', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    const message = snsMessage();
    const body = JSON.stringify(message);
    expect((await verifySns(scheme, body, fetch, { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-topic-arn': TOPIC })).ok).toBe(true);
    expect(await verifySns(scheme, body, fetch, { 'x-amz-sns-topic-arn': 'arn:aws:sns:us-east-1:123456789012:other' })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('a SubscriptionConfirmation of an allowed topic is confirmed through its pinned SubscribeURL only; never queued', async () => {
    const message = snsMessage({ type: 'SubscriptionConfirmation' });
    const { fetch, calls } = fetcher({ [CERT_URL]: sns.certificate, [message.SubscribeURL]: '<ConfirmSubscriptionResponse/>' });
    const body = JSON.stringify(message);
    const result = await verifySns(scheme, body, fetch);
    expect(result.ok).toBe(true);
    expect(scheme.immediateResponse?.(body)).toBeUndefined();
    await expect(scheme.settle!(body, result as never, fetch)).resolves.toEqual({ body: '{"confirmed":true}' });
    expect(calls.map((c) => c.url)).toEqual([CERT_URL, message.SubscribeURL]);
    // Another topic's confirmation never verifies, so it is never confirmed.
    const other = JSON.stringify(snsMessage({ type: 'SubscriptionConfirmation', topic: 'arn:aws:sns:us-east-1:123456789012:other' }));
    expect(await verifySns(scheme, other, fetch)).toEqual({ ok: false, reason: 'not_allowed' });
  });

  test('a SubscribeURL off SNS\'s host is never fetched; a failed confirmation rejects (a 5xx)', async () => {
    const message = snsMessage({ type: 'SubscriptionConfirmation' });
    const forged = { ...message, SubscribeURL: 'https://evil.example.com/?Action=ConfirmSubscription' };
    const signature = createSign('sha256').update(canonical('SubscriptionConfirmation', forged)).sign(sns.privateKey).toString('base64');
    const body = JSON.stringify({ ...forged, Signature: signature });
    const { fetch, calls } = fetcher({ [CERT_URL]: sns.certificate });
    const result = await verifySns(scheme, body, fetch);
    expect(result.ok).toBe(true);
    await expect(scheme.settle!(body, result as never, fetch)).rejects.toThrow(/SNS's host/);
    expect(calls.map((c) => c.url)).toEqual([CERT_URL]);
    const good = JSON.stringify(message);
    const failing = fetcher({ [CERT_URL]: sns.certificate });
    const verified = await verifySns(scheme, good, failing.fetch);
    await expect(scheme.settle!(good, verified as never, failing.fetch)).rejects.toThrow(/answered 404/);
  });

  test('an UnsubscribeConfirmation is answered and never queued', async () => {
    const { fetch } = fetcher({ [CERT_URL]: sns.certificate });
    const body = JSON.stringify(snsMessage({ type: 'UnsubscribeConfirmation' }));
    expect((await verifySns(scheme, body, fetch)).ok).toBe(true);
    expect(scheme.immediateResponse?.(body)).toEqual({ body: '{"received":true}' });
  });

  test('signDelivery makes what SNS sends; PublishedKeyVerifier verifies it with one fetch', async () => {
    const { fetch, calls } = fetcher({ [CERT_URL]: sns.certificate });
    const delivery = scheme.signDelivery!({ body: '{"order":7}' }, JSON.stringify({ privateKey: sns.privateKey, certUrl: CERT_URL }));
    const verifier = new PublishedKeyVerifier({ scheme: { type: 'sns', topicArns: [TOPIC] }, cache: { fetch } });
    expect((await verifier.verify({ headers: delivery.headers, body: delivery.body })).ok).toBe(true);
    expect((await verifier.verify({ headers: delivery.headers, body: delivery.body })).ok).toBe(true);
    expect(calls).toHaveLength(1);
  });

  test('configuration: topicArns required and checked, every bad one named', () => {
    expect(() => schemeFor({ type: 'sns', topicArns: [] })).toThrow(/topicArns/);
    expect(() => schemeFor({ type: 'sns', topicArns: ['not-an-arn', TOPIC, 'arn:aws:sqs:us-east-1:123456789012:q'] })).toThrow(/"not-an-arn", "arn:aws:sqs:us-east-1:123456789012:q" are not topic ARNs/);
    expect(() => scheme.decodeKey('x')).toThrow(WebhookConfigurationError);
  });
});

describe('paypal', () => {
  const WEBHOOK_ID = '1JE4291016473214C';
  const PAYPAL_CERT = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
  const paypal = certificateFor('messageverificationcerts.paypal.com');
  const scheme = schemeFor({ type: 'paypal', webhookId: WEBHOOK_ID });
  const BODY = '{"id":"WH-2WR32451HC0233532-67976317FL4543714","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"amount":"10.00"}}';

  function headersFor(body: string, options: { id?: string; time?: string; key?: string; certUrl?: string; webhookId?: string } = {}) {
    const id = options.id ?? randomUUID();
    const time = options.time ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // The documented recipe: id|time|webhook id|crc32 (unsigned decimal) of the raw body.
    const message = `${id}|${time}|${options.webhookId ?? WEBHOOK_ID}|${crc32(Buffer.from(body))}`;
    return {
      'content-type': 'application/json',
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': createSign('sha256').update(message).sign(options.key ?? paypal.privateKey).toString('base64'),
      'paypal-cert-url': options.certUrl ?? PAYPAL_CERT,
      'paypal-auth-algo': 'SHA256withRSA',
    };
  }

  async function verifyPayPal(headers: Record<string, string>, body: string, fetch: KeyFetcher, s: Scheme = scheme) {
    const cache = new PublishedKeyCache(s.published!, { fetch });
    const keys = await cache.keysFor({ headers, body });
    if (typeof keys === 'string') return { ok: false as const, reason: keys };
    return s.verify({ headers, body }, keys, Date.now(), 300);
  }

  test('verifies the recipe; the signed transmission id keys duplicates, the body ids travel unsigned', async () => {
    const { fetch } = fetcher({ [PAYPAL_CERT]: paypal.certificate });
    const headers = headersFor(BODY);
    const result = await verifyPayPal(headers, BODY, fetch);
    expect(result).toMatchObject({ ok: true, dedupeKey: headers['paypal-transmission-id'] });
    expect(result.ok && result.metadata).toEqual({
      'signed.eventId': headers['paypal-transmission-id'],
      'unsigned.eventId': 'WH-2WR32451HC0233532-67976317FL4543714',
      'unsigned.eventType': 'PAYMENT.CAPTURE.COMPLETED',
    });
  });

  test('another webhook id, a changed body, another signer, a stale time, another algorithm are refused', async () => {
    const { fetch } = fetcher({ [PAYPAL_CERT]: paypal.certificate });
    expect(await verifyPayPal(headersFor(BODY, { webhookId: '9ZZ' }), BODY, fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await verifyPayPal(headersFor(BODY), BODY.replace('10.00', '99.00'), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await verifyPayPal(headersFor(BODY, { key: stranger.privateKey }), BODY, fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    const old = new Date(Date.now() - 301_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(await verifyPayPal(headersFor(BODY, { time: old }), BODY, fetch)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verifyPayPal({ ...headersFor(BODY), 'paypal-auth-algo': 'SHA1withRSA' }, BODY, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test.each([
    ['another host', 'https://evil.example.com/v1/notifications/certs/CERT-1'],
    ['the sandbox host for a live webhook', 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1'],
    ['a look-alike host', 'https://api.paypal.com.evil.com/v1/notifications/certs/CERT-1'],
    ['another path', 'https://api.paypal.com/v1/oauth2/token'],
    ['http', 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
  ])('a PAYPAL-CERT-URL on %s is refused before anything is fetched', async (_label, certUrl) => {
    const { fetch, calls } = fetcher({ [certUrl]: paypal.certificate });
    expect(await verifyPayPal(headersFor(BODY, { certUrl }), BODY, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(calls).toEqual([]);
  });

  test('a certificate not issued to PayPal\'s verification host, or expired, fails the load', async () => {
    const wrong = fetcher({ [PAYPAL_CERT]: stranger.certificate });
    await expect(scheme.published!.load(PAYPAL_CERT, wrong.fetch, Date.now())).rejects.toThrow(/message-verification/);
    const right = fetcher({ [PAYPAL_CERT]: paypal.certificate });
    await expect(scheme.published!.load(PAYPAL_CERT, right.fetch, Date.now() + 3 * 86_400_000)).rejects.toThrow(/not valid now/);
  });

  test('our sign agrees with the recipe; configuration errors name every bad value', async () => {
    const { fetch } = fetcher({ [PAYPAL_CERT]: paypal.certificate });
    const headers = scheme.sign({ body: BODY }, JSON.stringify({ privateKey: paypal.privateKey, certUrl: PAYPAL_CERT }));
    expect((await verifyPayPal(headers, BODY, fetch)).ok).toBe(true);
    expect(() => schemeFor({ type: 'paypal', webhookId: 'lower case', environment: 'prod' as never })).toThrow(/"lower case"[\s\S]*"prod"/);
  });
});
