import { createSign, createVerify, generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { FetchRequest, KeyFetcher, KeyFetchError, keyReference, PublishedKeyCache, PublishedKeyVerifier, refusedReference, Scheme, schemeFor, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../../lib/runtime';
import { crc32Decimal } from '../../../lib/runtime/schemes/senders/paypal';
import { canonical, pinnedSnsUrl } from '../../../lib/runtime/schemes/senders/sns';
import { DAY, isoAt, MINUTE, TEST_NOW } from '../../support/clock';
import { createLocalCa, Leaf, LocalCa } from './support/local-ca';

// Senders that sign with a certificate they publish at a pinned URL (AWS SNS, PayPal). Each is
// checked against a delivery the sender itself signed, as the sender's own SDK tests carry it (the
// real certificate included), and against certificates from a local authority (the openssl CLI)
// served to the verifier through an injected fetcher that records every request: what must be
// refused before any fetch is checked against that record. The strings to sign are built here from
// the senders' documentation, not with the scheme's code.

interface Fetched {
  readonly fetch: KeyFetcher;
  readonly calls: FetchRequest[];
}

/** A fetcher serving `files` by exact URL (200), 404 for anything else, recording every request. */
function fetcher(files: Record<string, string>, status: (url: string) => number = () => 200): Fetched {
  const calls: FetchRequest[] = [];
  const fetch: KeyFetcher = async (request) => {
    calls.push(request);
    const body = files[request.url];
    return body === undefined ? { status: 404, body: '' } : { status: status(request.url), body };
  };
  return { fetch, calls };
}

/**
 * The verifier's path for a published-key sender: the key the request names, through a
 * PublishedKeyCache (fetched when not held), then the scheme's verify with that one key. A rejection
 * of the promise is a KeyFetchError (answered 5xx, never accepted).
 */
async function verifyVia(scheme: Scheme, request: WebhookRequest, fetch: KeyFetcher, nowMs = NOW, cache?: PublishedKeyCache): Promise<VerifyResult> {
  const resolved = await (cache ?? new PublishedKeyCache(scheme.published!, { fetch, now: () => nowMs })).keysFor(request);
  if (resolved.kind === 'rejected') return { ok: false, reason: resolved.reason };
  return scheme.verify(request, resolved.keys, nowMs, scheme.defaultToleranceSeconds!);
}

/** A verification's verdict, a fetch failure counted as one (it is a 5xx, never an accept). */
async function verdict(promise: Promise<VerifyResult>): Promise<VerifyResult | 'fetch_failed'> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof KeyFetchError) return 'fetch_failed';
    throw error;
  }
}

/** An RSA public key and its certificate's end, as the cache hands them to verify. */
function activeKey(certificate: string) {
  const cert = new X509Certificate(certificate);
  return { key: cert.publicKey, notAfterMs: Date.parse(cert.validTo) };
}

let ca: LocalCa;
const leaves: Record<string, Leaf> = {};
// Every certificate, signed time and cache in this file is relative to the tests' one clock.
const NOW = TEST_NOW;

beforeAll(() => {
  ca = createLocalCa();
  const issue = (name: string, cn: string | undefined, dns: string[], extra: { notBefore?: Date; notAfter?: Date; key?: 'rsa' | 'ec' } = {}) => {
    leaves[name] = ca.issue({ cn, dns, ...extra });
  };
  issue('sns', 'sns.amazonaws.com', ['sns.amazonaws.com']);
  issue('snsRotated', 'sns.amazonaws.com', ['sns.amazonaws.com']);
  issue('snsExpired', 'sns.amazonaws.com', ['sns.amazonaws.com'], { notBefore: new Date(NOW - 60 * DAY), notAfter: new Date(NOW - DAY) });
  issue('snsNotYet', 'sns.amazonaws.com', ['sns.amazonaws.com'], { notBefore: new Date(NOW + DAY), notAfter: new Date(NOW + 30 * DAY) });
  // The common name says SNS, the DNS name does not: DNS names are what a host is checked against.
  issue('snsNameOnlyInCn', 'sns.amazonaws.com', ['files.example.com']);
  issue('snsEc', 'sns.amazonaws.com', ['sns.amazonaws.com'], { key: 'ec' });
  issue('stranger', 'example.com', ['example.com']);
  issue('paypalLive', 'messageverificationcerts.paypal.com', ['messageverificationcerts.paypal.com']);
  issue('paypalSandbox', 'messageverificationcerts.sandbox.paypal.com', ['messageverificationcerts.sandbox.paypal.com']);
  issue('paypalExpired', 'messageverificationcerts.paypal.com', ['messageverificationcerts.paypal.com'], { notBefore: new Date(NOW - 60 * DAY), notAfter: new Date(NOW - DAY) });
});

afterAll(() => ca?.dispose());

// ---------------------------------------------------------------------------------------------
// AWS SNS
// ---------------------------------------------------------------------------------------------

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:other';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const ROTATED_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-fedcba9876543210fedcba9876543210.pem';

/**
 * The string SNS signs, from "Verifying the signatures of Amazon SNS messages"
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html): the name and
 * value of each of these fields, each followed by a newline, in byte-sort order; Subject only when
 * the message has one.
 */
const SIGNED_FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};
function stringToSign(message: Record<string, string>): string {
  const names = SIGNED_FIELDS[message.Type].filter((name) => message[name] !== undefined);
  return [...names].sort().map((name) => `${name}\n${message[name]}\n`).join('');
}

interface SnsOptions {
  type?: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  version?: '1' | '2';
  topic?: string;
  subject?: string;
  message?: string;
  key?: string;
  certUrl?: string;
  at?: number;
  subscribeUrl?: string;
}

/** A message as SNS sends it (fields as in "Amazon SNS message and JSON formats"), signed as SNS signs. */
function snsMessage(options: SnsOptions = {}): Record<string, string> {
  const type = options.type ?? 'Notification';
  const topic = options.topic ?? TOPIC;
  const fields: Record<string, string> = { Type: type, MessageId: randomUUID() };
  if (type !== 'Notification') fields.Token = '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736';
  fields.TopicArn = topic;
  if (options.subject !== undefined) fields.Subject = options.subject;
  fields.Message = options.message ?? (type === 'Notification' ? '{"order":42}' : `You have chosen to subscribe to the topic ${topic}.`);
  if (type !== 'Notification') fields.SubscribeURL = options.subscribeUrl ?? `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=${fields.Token}`;
  fields.Timestamp = new Date(options.at ?? NOW).toISOString();
  const version = options.version ?? '2';
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(stringToSign(fields)).sign(options.key ?? leaves.sns.privateKey).toString('base64');
  const message: Record<string, string> = { ...fields, SignatureVersion: version, Signature: signature, SigningCertURL: options.certUrl ?? CERT_URL };
  if (type === 'Notification') message.UnsubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`;
  return message;
}

const snsRequest = (message: Record<string, unknown> | string, headers: Record<string, string> = {}): WebhookRequest => ({
  headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
  body: typeof message === 'string' ? message : JSON.stringify(message),
});

describe('sns', () => {
  const scheme = () => schemeFor({ type: 'sns', topicArns: [TOPIC] });
  const served = () => fetcher({ [CERT_URL]: leaves.sns.certificate, [ROTATED_URL]: leaves.snsRotated.certificate });

  describe('a delivery SNS signed (the AWS SDK for Ruby\'s verifier tests)', () => {
    // From aws/aws-sdk-ruby, gems/aws-sdk-sns/spec/message_verifier_spec.rb (Apache-2.0): two
    // notifications SNS signed in us-east-2 (SignatureVersion 1 and 2) and the certificate at their
    // SigningCertURL, as AWS served it (CN=sns.amazonaws.com, DNS:sns.amazonaws.com, issued by
    // Amazon's Server CA 1B, valid 2021-09-07 to 2022-08-17).
    const RUBY_CERT_URL = 'https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem';
    const RUBY_TOPICS = [
      'arn:aws:sns:us-east-2:295079676684:publish-and-verify-892f85fe-4836-424d-8188-ab85bef0f362',
      'arn:aws:sns:us-east-2:295079676684:publish-and-verify-62674b1d-4295-426b-88e7-5fb75652a04e',
    ];
    const SIGNED_AT = Date.parse('2022-07-28T21:30:00Z');
    const AWS_CERT = [
      '-----BEGIN CERTIFICATE-----',
      'MIIF1zCCBL+gAwIBAgIQB9pYWG3Mi7xej22g9pobJTANBgkqhkiG9w0BAQsFADBG',
      'MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRUwEwYDVQQLEwxTZXJ2ZXIg',
      'Q0EgMUIxDzANBgNVBAMTBkFtYXpvbjAeFw0yMTA5MDcwMDAwMDBaFw0yMjA4MTcy',
      'MzU5NTlaMBwxGjAYBgNVBAMTEXNucy5hbWF6b25hd3MuY29tMIIBIjANBgkqhkiG',
      '9w0BAQEFAAOCAQ8AMIIBCgKCAQEAutFqueT3XgP13udzxE6UpbdjOtVO5DwoMpSM',
      'iDNMnGzF1TYH5/R2LPUOBeTB0SkKnR4kpNcUZhicpGD4aKciz/GEZ6wu65xncfT9',
      'H/KBOQwoXYTuClHwp6fYpGzcGFaFoEYMnijL/o4qmTSd+ukglQUgKpsDw4ofw6rU',
      'm2CttJo+GQSNQ9NfGR1h/0J+zsApkeSYrXRx5wNlu87z8os1C/6PBrUHwt3xXeaf',
      'Xzfwut8aRRYsS8BySOA9DAgLfNHlfdQCjKPXKrG/ussgReyWD6n/HH+j7Uha3xos',
      'TzQqJifcxlTq6MxWdPR6fDaJNvqw6DOE7UjUNxHguXHlVfxhlQIDAQABo4IC6TCC',
      'AuUwHwYDVR0jBBgwFoAUWaRmBlKge5WSPKOUByeWdFv5PdAwHQYDVR0OBBYEFAqz',
      'C+vyouneE7mWWLbi9i0UsWUbMBwGA1UdEQQVMBOCEXNucy5hbWF6b25hd3MuY29t',
      'MA4GA1UdDwEB/wQEAwIFoDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIw',
      'OwYDVR0fBDQwMjAwoC6gLIYqaHR0cDovL2NybC5zY2ExYi5hbWF6b250cnVzdC5j',
      'b20vc2NhMWIuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMHUGCCsGAQUFBwEBBGkw',
      'ZzAtBggrBgEFBQcwAYYhaHR0cDovL29jc3Auc2NhMWIuYW1hem9udHJ1c3QuY29t',
      'MDYGCCsGAQUFBzAChipodHRwOi8vY3J0LnNjYTFiLmFtYXpvbnRydXN0LmNvbS9z',
      'Y2ExYi5jcnQwDAYDVR0TAQH/BAIwADCCAX0GCisGAQQB1nkCBAIEggFtBIIBaQFn',
      'AHYAKXm+8J45OSHwVnOfY6V35b5XfZxgCvj5TV0mXCVdx4QAAAF7vfDVkQAABAMA',
      'RzBFAiEA2XfHuy36aqRFiaL8c3md2mH451go8707+fRE0pEdSRACIE/g5FXTUXUZ',
      'PFcmOhm9TZ+uMY1i4CIQ/CKVWln6C3t+AHYAUaOw9f0BeZxWbbg3eI8MpHrMGyfL',
      '956IQpoN/tSLBeUAAAF7vfDVjAAABAMARzBFAiBF1MhhFP0+FQt3daDFfMYoWwnr',
      'muTInrjNpwfzlvQBugIhAPYadFzr+LaxSJoiZEbEHBvTts7bT0M3eCQONA2O7w6n',
      'AHUAQcjKsd8iRkoQxqE6CUKHXk4xixsD6+tLx2jwkGKWBvYAAAF7vfDVdAAABAMA',
      'RjBEAiAtPapmFAuA71ih4NoSd5hJelzAltNQpxDMcDfDyHyU8gIgWxmaa6+2KbBu',
      '9xdv379zvnJACFR7jc+4asl08Dn4aagwDQYJKoZIhvcNAQELBQADggEBAA54QX0u',
      'oFWXfMmv02CGZv4NWo5TapyeeixQ2kKpZHRdVZjxZrw+hoF6HD7P3kGjH8ztyJll',
      'tDxB0qgMltbPhQdScwhA6iTgoaBYqEUC/VHKd4PmmPT6yIsM36NBZVmkGlzl5uNo',
      '/dBgBaG0SsVJnhr5zro3c2quC7n6fVGEZhf/UgQwRnnvThnvbNKguglDMq4uEqv8',
      'njKyleht+glkcmXO0m9qLKt6BOS0amy6U2GlAwRn0Wx02ndJtnRCSC6kPuRWK/SQ',
      'FEjB7gCK4hdKaAOuWdZpI55vF6ifOeM8toC3g7ofO8qLTnJupAG+ZitY5J3cvHWr',
      'HqOUdKigPDHYLRo=',
      '-----END CERTIFICATE-----',
    ].join('\n');
    const rubyMessage = (id: string, topic: string, timestamp: string, version: string, signature: string) =>
      [
        '{',
        '  "Type" : "Notification",',
        `  "MessageId" : "${id}",`,
        `  "TopicArn" : "${topic}",`,
        '  "Message" : "Hello world",',
        `  "Timestamp" : "${timestamp}",`,
        `  "SignatureVersion" : "${version}",`,
        `  "Signature" : "${signature}",`,
        `  "SigningCertURL" : "${RUBY_CERT_URL}",`,
        `  "UnsubscribeURL" : "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topic}:2296bc94-7992-4be1-b15f-b97229b5c1d8"`,
        '}',
      ].join('\n');
    const SHA1_MESSAGE = rubyMessage(
      '792cda85-518f-5dd3-9163-81d851212f3a',
      RUBY_TOPICS[0],
      '2022-07-28T21:23:58.317Z',
      '1',
      'ghtf+deOBAzHJJZ6s6CdRLfTQAlcGzq9naoFM1wi0CJiq//uVRuZnamrkWNF0fhouMFvuLVRwcz8PZLUMSfnmd5VpdTKpTyiKmy1qJAZXma0w+yi7G+I33hD1Jyk1Nbym2n0kqp3fVu2aoooiN2ZeLAT2bH0/BtjLSfN1yAOKNoprco4qV9gGUZinXJdj9a1YdNhDR2jKi33ldlsVtEXAtiaDklGEk7DgRKX38GerBPiLg3FdtgY6KC7cdeGpU/dGK+4hjc83Ive1HoFkAwqhpgInM2sMytBosoiXfCmOKmU4xeGD0gHDNZTlJUJQDlzw8Eag0H9f/5zXF9d3uy0YQ==',
    );
    const SHA256_MESSAGE = rubyMessage(
      '17dea24b-55c2-540b-8362-f916557af765',
      RUBY_TOPICS[1],
      '2022-07-28T21:24:08.324Z',
      '2',
      'CXVqp9PfZAL+4JHS3Zxo1PFbQsvnOjvmYhtIf17TWpwc+iIVas8kZ8GopuzVzVMdatE7rCl/O4P91Zp05Dwz8lk8dLhfp8gSu3Njlzxlyrmzo9x3va3Jb7zFnedgS2GKnZWHGBdwTXho+TosNUE+3e10OMSlwN5XGDwX7+R3WL+rn+AXmFAqp3alg27sYa55h1dLE9cGszGPjScPdtF3BmZsUDMx9wSdNKsCk+vSvE8yBjnCmUl7laSFj3LzPVrlSwgNYCF3kYnNAkah7NplK4SFhJYLwS0HCVCQJKa8rVbQLf9cBTu60U402mrgy0bN8xWoyimzbYbrOMJjalqkUg==',
    );

    test('verifies both (SHA1withRSA and SHA256withRSA) with AWS\'s certificate, fetched once; its subject passes the SNS check', async () => {
      const scheme = schemeFor({ type: 'sns', topicArns: RUBY_TOPICS });
      const { fetch, calls } = fetcher({ [RUBY_CERT_URL]: AWS_CERT });
      const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => SIGNED_AT });
      const first = await verifyVia(scheme, snsRequest(SHA1_MESSAGE), fetch, SIGNED_AT, cache);
      const second = await verifyVia(scheme, snsRequest(SHA256_MESSAGE), fetch, SIGNED_AT, cache);
      expect(first).toMatchObject({ ok: true, eventId: '792cda85-518f-5dd3-9163-81d851212f3a', dedupeKey: '792cda85-518f-5dd3-9163-81d851212f3a', timestamp: Date.parse('2022-07-28T21:23:58.317Z') / 1000 });
      expect(first.ok && first.metadata).toEqual({ 'signed.eventId': '792cda85-518f-5dd3-9163-81d851212f3a', 'signed.type': 'Notification', 'signed.topicArn': RUBY_TOPICS[0] });
      expect(second).toMatchObject({ ok: true, eventId: '17dea24b-55c2-540b-8362-f916557af765' });
      expect(calls.map((c) => c.url)).toEqual([RUBY_CERT_URL]);
    });

    test('rejects them changed, for another topic, out of the window, or once AWS\'s certificate has expired', async () => {
      const { fetch } = fetcher({ [RUBY_CERT_URL]: AWS_CERT });
      const scheme = schemeFor({ type: 'sns', topicArns: RUBY_TOPICS });
      expect(await verifyVia(scheme, snsRequest(SHA256_MESSAGE.replace('Hello world', 'Hello World')), fetch, SIGNED_AT)).toEqual({ ok: false, reason: 'signature_invalid' });
      expect(await verifyVia(scheme, snsRequest(SHA1_MESSAGE.replace('"SignatureVersion" : "1"', '"SignatureVersion" : "2"')), fetch, SIGNED_AT)).toEqual({ ok: false, reason: 'signature_invalid' });
      expect(await verifyVia(schemeFor({ type: 'sns', topicArns: [RUBY_TOPICS[1]] }), snsRequest(SHA1_MESSAGE), fetch, SIGNED_AT)).toEqual({ ok: false, reason: 'not_allowed' });
      expect(await verifyVia(scheme, snsRequest(SHA1_MESSAGE), fetch, Date.parse('2022-07-28T22:24:00Z'))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      await expect(scheme.published!.load(RUBY_CERT_URL, fetch, Date.parse('2022-08-18T00:00:00Z'))).rejects.toThrow(/not valid now/);
      await expect(scheme.published!.load(RUBY_CERT_URL, fetch, SIGNED_AT)).resolves.toBeInstanceOf(Map);
    });
  });

  test('our canonical string is the documented one, for any field values (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'),
        fc.string({ unit: 'grapheme' }),
        fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
        fc.string({ unit: 'grapheme-ascii', minLength: 1 }),
        (type, message, subject, token) => {
          const fields: Record<string, string> = { Type: type, Message: message, MessageId: randomUUID(), Timestamp: '2026-01-01T00:00:00.000Z', TopicArn: TOPIC };
          if (type === 'Notification' && subject !== undefined) fields.Subject = subject;
          if (type !== 'Notification') Object.assign(fields, { Token: token, SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription' });
          expect(canonical(type as 'Notification', fields)).toBe(stringToSign(fields));
        },
      ),
    );
  });

  test('verifies SignatureVersion 1 and 2 notifications, with and without a Subject: signed metadata, the MessageId keys duplicates', async () => {
    const { fetch, calls } = served();
    for (const version of ['1', '2'] as const) {
      for (const subject of ['Order placed', undefined]) {
        const message = snsMessage({ version, subject });
        const result = await verifyVia(scheme(), snsRequest(message), fetch);
        expect(result).toMatchObject({ ok: true, eventId: message.MessageId, dedupeKey: message.MessageId, unsignedEventId: undefined });
        expect(result.ok && result.metadata).toEqual({
          'signed.eventId': message.MessageId,
          'signed.type': 'Notification',
          'signed.topicArn': TOPIC,
          ...(subject === undefined ? {} : { 'signed.subject': subject }),
        });
      }
    }
    expect(calls.map((c) => c.url)).toEqual([CERT_URL, CERT_URL, CERT_URL, CERT_URL]);
  });

  test('verifies any message SNS could sign, and never a body one byte away from it unless the byte is in an unsigned field, where the signed MessageId still keys it as the same message (property)', async () => {
    const s = scheme();
    const { fetch } = served();
    const cache = new PublishedKeyCache(s.published!, { fetch, now: () => NOW });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ message: fc.string({ unit: 'grapheme', maxLength: 200 }), subject: fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }), { nil: undefined }), version: fc.constantFrom('1' as const, '2' as const) }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async ({ message, subject, version }, at, flip) => {
          const signed = snsMessage({ message, subject, version });
          const body = Buffer.from(JSON.stringify(signed));
          expect(await verifyVia(s, { headers: {}, body }, fetch, NOW, cache)).toMatchObject({ ok: true });
          const changed = Buffer.from(body);
          changed[at % changed.length] ^= flip;
          const result = await verdict(verifyVia(s, { headers: {}, body: changed }, fetch, NOW, cache));
          if (result !== 'fetch_failed' && result.ok) {
            expect(result.eventId).toBe(signed.MessageId);
            expect(JSON.parse(changed.toString()).Message).toBe(message);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('another topic\'s message is not_allowed, whoever signed it, before any key is fetched (sns-fetch-budget.test.ts says why)', async () => {
    const { fetch, calls } = served();
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ topic: OTHER_TOPIC })), fetch)).toEqual({ ok: false, reason: 'not_allowed' });
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ topic: OTHER_TOPIC, key: leaves.stranger.privateKey })), fetch)).toEqual({ ok: false, reason: 'not_allowed' });
    expect(calls).toEqual([]);
  });

  test('a tampered field, another signer, or a Timestamp outside the hour is refused; inside it, accepted', async () => {
    const { fetch } = served();
    const message = snsMessage();
    for (const field of ['Message', 'MessageId', 'Timestamp', 'TopicArn']) {
      // Each still as SNS writes it (a MessageId is a UUID): only the signature can refuse it.
      const value = field === 'Timestamp' ? new Date(NOW + 1000).toISOString() : field === 'TopicArn' ? `${TOPIC}2` : field === 'MessageId' ? randomUUID() : `${message[field]}x`;
      expect(await verifyVia(schemeFor({ type: 'sns', topicArns: [TOPIC, `${TOPIC}2`] }), snsRequest({ ...message, [field]: value }), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    }
    expect(await verifyVia(scheme(), snsRequest({ ...message, Subject: 'added' }), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ key: leaves.stranger.privateKey })), fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
    const now = NOW;
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ at: now - 3599_000 })), fetch, now)).toMatchObject({ ok: true });
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ at: now - 3601_000 })), fetch, now)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verifyVia(scheme(), snsRequest(snsMessage({ at: now + 3601_000 })), fetch, now)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    for (const timestamp of ['2026-01-01 00:00:00', '2026-02-30T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-01-01T00:00:00.000+01:00', '1767225600']) {
      expect(await verifyVia(scheme(), snsRequest({ ...message, Timestamp: timestamp }), fetch)).toEqual({ ok: false, reason: 'malformed_timestamp' });
    }
  });

  describe('SigningCertURL is pinned before anything is fetched', () => {
    test.each([
      ['another host', 'https://evil.example.com/SimpleNotificationService-0123abcd.pem'],
      ['http', 'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['a look-alike host', 'https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-0123abcd.pem'],
      ['a host ending in the domain', 'https://evilsns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['an S3 bucket named sns (sns.s3.amazonaws.com)', 'https://sns.s3.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['an S3 bucket on a dash-region endpoint', 'https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['a subdomain of the regional host', 'https://x.sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['.com.cn for a region outside China', 'https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem'],
      ['a China region on .com', 'https://sns.cn-north-1.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['userinfo before the host', 'https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-0123abcd.pem'],
      ['userinfo on the right host', 'https://user:pass@sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem'],
      ['a backslash before @', 'https://sns.us-east-1.amazonaws.com\\@evil.com/SimpleNotificationService-0123abcd.pem'],
      ['a port', 'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0123abcd.pem'],
      ['the default port spelled out', 'https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-0123abcd.pem'],
      ['a path traversal', 'https://sns.us-east-1.amazonaws.com/../evil/SimpleNotificationService-0123abcd.pem'],
      ['an encoded path traversal', 'https://sns.us-east-1.amazonaws.com/%2e%2e/SimpleNotificationService-0123abcd.pem'],
      ['a directory', 'https://sns.us-east-1.amazonaws.com/evil/SimpleNotificationService-0123abcd.pem'],
      ['a query', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem?x=1'],
      ['a fragment', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem#x'],
      ['another file', 'https://sns.us-east-1.amazonaws.com/other.pem'],
      ['upper case', 'https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-0123abcd.pem'],
      ['a trailing dot', 'https://sns.us-east-1.amazonaws.com./SimpleNotificationService-0123abcd.pem'],
      ['a host in another script', 'https://sns.us-east-1.amazonaws.cοm/SimpleNotificationService-0123abcd.pem'],
    ])('refuses %s', async (_label, certUrl) => {
      const { fetch, calls } = fetcher({ [certUrl]: leaves.sns.certificate });
      const request = snsRequest(snsMessage({ certUrl }));
      expect(scheme().published!.reference(request)).toEqual(refusedReference('malformed_header'));
      expect(await verifyVia(scheme(), request, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
      await expect(scheme().published!.load(certUrl, fetch, NOW)).rejects.toThrow(/not on SNS's host/);
      expect(calls).toEqual([]);
    });

    test.each([
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem',
      'https://sns.ap-southeast-2.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem',
      'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem',
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3250158c6506d40f628c21ed8dad1787.pem',
    ])('accepts %s', (certUrl) => {
      expect(scheme().published!.reference(snsRequest(snsMessage({ certUrl })))).toEqual(keyReference(certUrl));
    });
  });

  describe('the certificate load', () => {
    test.each([
      ['expired', 'snsExpired', /not valid now/],
      ['not yet valid', 'snsNotYet', /not valid now/],
      ['issued to another host', 'stranger', /not issued to SNS/],
      ['naming SNS only in its common name, another host in its DNS names', 'snsNameOnlyInCn', /not issued to SNS/],
      ['holding an EC key', 'snsEc', /RSA/],
    ])('throws for a certificate %s', async (_label, leaf, error) => {
      const { fetch } = fetcher({ [CERT_URL]: leaves[leaf].certificate });
      await expect(scheme().published!.load(CERT_URL, fetch, NOW)).rejects.toThrow(error);
    });

    test('throws for the authority\'s own certificate, a body that is no certificate, or a status other than 200', async () => {
      await expect(scheme().published!.load(CERT_URL, fetcher({ [CERT_URL]: ca.certificate }).fetch, NOW)).rejects.toThrow(/not issued to SNS/);
      await expect(scheme().published!.load(CERT_URL, fetcher({ [CERT_URL]: '<Error><Code>AccessDenied</Code></Error>' }).fetch, NOW)).rejects.toThrow();
      await expect(scheme().published!.load(CERT_URL, fetcher({ [CERT_URL]: leaves.sns.certificate }, () => 500).fetch, NOW)).rejects.toThrow(/answered 500/);
      await expect(scheme().published!.load(CERT_URL, fetcher({}).fetch, NOW)).rejects.toThrow(/answered 404/);
    });

    test('returns the certificate\'s RSA key under its URL, until the certificate\'s notAfter', async () => {
      const keys = await scheme().published!.load(CERT_URL, served().fetch, NOW);
      const cert = new X509Certificate(leaves.sns.certificate);
      expect([...keys.keys()]).toEqual([CERT_URL]);
      expect(keys.get(CERT_URL)!.notAfterMs).toBe(Date.parse(cert.validTo));
      expect(keys.get(CERT_URL)!.key.equals(cert.publicKey)).toBe(true);
    });
  });

  describe('through a PublishedKeyCache', () => {
    test('a certificate URL not held is fetched once, then served from the cache; a second URL (SNS rotated) is fetched when first named', async () => {
      const s = scheme();
      const { fetch, calls } = served();
      const cache = new PublishedKeyCache(s.published!, { fetch, now: () => NOW });
      const [a, b] = await Promise.all([verifyVia(s, snsRequest(snsMessage()), fetch, NOW, cache), verifyVia(s, snsRequest(snsMessage()), fetch, NOW, cache)]);
      expect([a.ok, b.ok]).toEqual([true, true]);
      expect((await verifyVia(s, snsRequest(snsMessage()), fetch, NOW, cache)).ok).toBe(true);
      expect(calls.map((c) => c.url)).toEqual([CERT_URL]);
      const rotated = await verifyVia(s, snsRequest(snsMessage({ certUrl: ROTATED_URL, key: leaves.snsRotated.privateKey })), fetch, NOW, new PublishedKeyCache(s.published!, { fetch, now: () => NOW }));
      expect(rotated.ok).toBe(true);
      expect(calls.map((c) => c.url)).toEqual([CERT_URL, ROTATED_URL]);
    });

    test('a failed fetch is a KeyFetchError (5xx, never an accept); a URL not served is not fetched again within the miss interval, and still answered 5xx', async () => {
      const s = scheme();
      const missing = fetcher({});
      const cache = new PublishedKeyCache(s.published!, { fetch: missing.fetch, now: () => NOW });
      await expect(verifyVia(s, snsRequest(snsMessage()), missing.fetch, NOW, cache)).rejects.toBeInstanceOf(KeyFetchError);
      // SNS never retries a 4xx: a certificate that failed to load a moment ago may still be genuine.
      await expect(verifyVia(s, snsRequest(snsMessage()), missing.fetch, NOW, cache)).rejects.toMatchObject({ name: 'KeyFetchError', deferred: true, retryAfterSeconds: 60 });
      expect(missing.calls).toHaveLength(1);
      const down: KeyFetcher = async () => {
        throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
      };
      await expect(verifyVia(s, snsRequest(snsMessage()), down)).rejects.toBeInstanceOf(KeyFetchError);
      const expired = fetcher({ [CERT_URL]: leaves.snsExpired.certificate });
      await expect(verifyVia(s, snsRequest(snsMessage({ key: leaves.snsExpired.privateKey })), expired.fetch)).rejects.toBeInstanceOf(KeyFetchError);
    });
  });

  test('verifies only with the key it is given, and only while that key is valid (NaN is not)', () => {
    const s = scheme();
    const request = snsRequest(snsMessage());
    const now = NOW;
    const valid = activeKey(leaves.sns.certificate);
    expect(s.verify(request, [valid], now, 3600).ok).toBe(true);
    expect(s.verify(request, [activeKey(leaves.snsRotated.certificate)], now, 3600)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(s.verify(request, [{ ...valid, notAfterMs: now }], now, 3600)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [{ ...valid, notAfterMs: Number.NaN }], now, 3600)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [], now, 3600)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [{ key: Buffer.from('a shared secret of some length'), notAfterMs: Infinity }], now, 3600)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [{ key: generateKeyPairSync('ed25519').publicKey, notAfterMs: Infinity }], now, 3600)).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('a body that could be read two ways, or is not what SNS sends, is refused before any fetch', async () => {
    const message = snsMessage();
    const json = JSON.stringify(message);
    const { fetch, calls } = served();
    const cases: [string | Uint8Array, string][] = [
      [json.replace('{', '{"Message":"evil",'), 'malformed_body'],
      [json.replace('{', '{"\\u004dessage":"evil",'), 'malformed_body'],
      [json.replace('{', '{"TopicArn":"arn:aws:sns:us-east-1:123456789012:other",'), 'malformed_body'],
      [json.replace('{', '{"SigningCertURL":"https://evil.example.com/x.pem",'), 'malformed_body'],
      [JSON.stringify({ ...message, Message: 42 }), 'malformed_header'],
      [JSON.stringify({ ...message, Subject: null }), 'malformed_header'],
      [JSON.stringify({ ...message, Signature: 42 }), 'malformed_header'],
      [JSON.stringify({ ...message, TopicArn: undefined }), 'missing_header'],
      [JSON.stringify({ ...message, Signature: undefined }), 'missing_header'],
      [JSON.stringify({ ...message, SignatureVersion: '3' }), 'malformed_header'],
      [JSON.stringify({ ...message, SignatureVersion: 2 }), 'malformed_header'],
      [JSON.stringify({ ...message, SigningCertURL: undefined }), 'missing_header'],
      // The last character before '==' carries stray bits: another spelling of the same bytes.
      [JSON.stringify({ ...message, Signature: `${message.Signature.slice(0, -3)}B==` }), 'malformed_header'],
      [JSON.stringify({ ...message, Type: 'Other' }), 'malformed_header'],
      ['{"order":42}', 'malformed_header'],
      [`[${json}]`, 'malformed_body'],
      ['not json', 'malformed_body'],
      [`\ufeff${json}`, 'malformed_body'],
      [Buffer.concat([Buffer.from(json.slice(0, 20)), Buffer.from([0xff]), Buffer.from(json.slice(21))]), 'malformed_body'],
    ];
    for (const [body, reason] of cases) expect(await verifyVia(scheme(), { headers: {}, body }, fetch)).toEqual({ ok: false, reason });
    expect(calls).toEqual([]);
    expect((await verifyVia(scheme(), { headers: {}, body: Buffer.from(json) }, fetch)).ok).toBe(true);
  });

  test('the unsigned x-amz-sns-* headers must agree with the signed body when sent', async () => {
    const { fetch } = served();
    const message = snsMessage();
    const agreeing = { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': message.MessageId, 'x-amz-sns-topic-arn': TOPIC };
    expect((await verifyVia(scheme(), snsRequest(message, agreeing), fetch)).ok).toBe(true);
    expect((await verifyVia(scheme(), snsRequest(message, { 'X-Amz-Sns-Message-Type': 'Notification' }), fetch)).ok).toBe(true);
    for (const [name, value] of [['x-amz-sns-message-type', 'SubscriptionConfirmation'], ['x-amz-sns-message-id', randomUUID()], ['x-amz-sns-topic-arn', OTHER_TOPIC]]) {
      expect(await verifyVia(scheme(), snsRequest(message, { ...agreeing, [name]: value }), fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(await verifyVia(scheme(), { headers: { 'x-amz-sns-topic-arn': [TOPIC, OTHER_TOPIC] }, body: JSON.stringify(message) }, fetch)).toEqual({ ok: false, reason: 'duplicate_header' });
  });

  describe('subscription messages', () => {
    const subscribeServer = (confirmStatus = 200) => {
      const calls: FetchRequest[] = [];
      const fetch: KeyFetcher = async (request) => {
        calls.push(request);
        if (request.url === CERT_URL) return { status: 200, body: leaves.sns.certificate };
        if (request.url.startsWith('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&')) return { status: confirmStatus, body: '<ConfirmSubscriptionResponse/>' };
        return { status: 404, body: '' };
      };
      return { fetch, calls };
    };

    test('a SubscriptionConfirmation of an allowed topic is confirmed by a GET of its SubscribeURL only, never answered as a plain accept', async () => {
      const s = scheme();
      const message = snsMessage({ type: 'SubscriptionConfirmation' });
      const { fetch, calls } = subscribeServer();
      const body = JSON.stringify(message);
      const result = await verifyVia(s, snsRequest(body), fetch);
      expect(result).toMatchObject({ ok: true, eventId: message.MessageId, metadata: { 'signed.type': 'SubscriptionConfirmation', 'signed.topicArn': TOPIC } });
      if (!result.ok) throw new Error('unreachable');
      expect(s.immediateResponse!(body, result)).toBeUndefined();
      await expect(s.settle!(body, result, fetch)).resolves.toEqual({ body: '{"confirmed":true}' });
      expect(calls).toEqual([{ url: CERT_URL }, { url: message.SubscribeURL }]);
    });

    test('another topic\'s SubscriptionConfirmation never verifies, so it is never confirmed', async () => {
      const { fetch, calls } = subscribeServer();
      expect(await verifyVia(scheme(), snsRequest(snsMessage({ type: 'SubscriptionConfirmation', topic: OTHER_TOPIC })), fetch)).toEqual({ ok: false, reason: 'not_allowed' });
      expect(calls.map((c) => c.url)).toEqual([]);
    });

    test.each([
      ['off SNS\'s host', 'https://evil.example.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:orders&Token=t', /not on SNS's host/],
      ['on an S3 bucket\'s host', 'https://sns.s3.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:orders&Token=t', /not on SNS's host/],
      ['over http', 'http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:orders&Token=t', /not on SNS's host/],
      ['with another action', 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&TopicArn=arn:aws:sns:us-east-1:123456789012:orders', /not on SNS's host/],
      ['with two actions', 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Action=Publish&TopicArn=arn:aws:sns:us-east-1:123456789012:orders', /not on SNS's host/],
      ['on another path', 'https://sns.us-east-1.amazonaws.com/x?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:orders', /not on SNS's host/],
      ['for another topic', 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:other&Token=t', /allowed topic/],
      ['naming no topic', 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t', /allowed topic/],
    ])('a signed SubscribeURL %s is never fetched; settling rejects (5xx: SNS asks again)', async (_label, subscribeUrl, error) => {
      const s = scheme();
      const body = JSON.stringify(snsMessage({ type: 'SubscriptionConfirmation', subscribeUrl }));
      const { fetch, calls } = subscribeServer();
      const result = await verifyVia(s, snsRequest(body), fetch);
      if (!result.ok) throw new Error(`expected a verified confirmation, got ${result.reason}`);
      await expect(s.settle!(body, result, fetch)).rejects.toThrow(error);
      expect(calls.map((c) => c.url)).toEqual([CERT_URL]);
    });

    test('a confirmation SNS does not answer 200 rejects (5xx)', async () => {
      const s = scheme();
      const body = JSON.stringify(snsMessage({ type: 'SubscriptionConfirmation' }));
      const { fetch } = subscribeServer(500);
      const result = await verifyVia(s, snsRequest(body), fetch);
      if (!result.ok) throw new Error('unreachable');
      await expect(s.settle!(body, result, fetch)).rejects.toThrow(/answered 500/);
    });

    test('settling reads the verified result, not the last request the scheme parsed, and only with the body that result is for', async () => {
      const s = scheme();
      const { fetch, calls } = subscribeServer();
      const confirmation = snsMessage({ type: 'SubscriptionConfirmation' });
      const confirmationBody = JSON.stringify(confirmation);
      const unsubscribeBody = JSON.stringify(snsMessage({ type: 'UnsubscribeConfirmation' }));
      const notificationBody = JSON.stringify(snsMessage());
      const cache = new PublishedKeyCache(s.published!, { fetch, now: () => NOW });
      // Three deliveries verified one after another on one scheme instance (one process), answered after.
      const [confirmed, unsubscribed, notified] = await Promise.all([confirmationBody, unsubscribeBody, notificationBody].map((body) => verifyVia(s, snsRequest(body), fetch, NOW, cache)));
      if (!confirmed.ok || !unsubscribed.ok || !notified.ok) throw new Error('unreachable');
      expect(s.immediateResponse!(unsubscribeBody, unsubscribed)).toEqual({ body: '{"received":true}' });
      expect(s.immediateResponse!(notificationBody, notified)).toBeUndefined();
      expect(s.settle!(notificationBody, notified, fetch)).toBeUndefined();
      await expect(s.settle!(notificationBody, confirmed, fetch)).rejects.toThrow(/not the one verified/);
      await expect(s.settle!(confirmationBody, confirmed, fetch)).resolves.toEqual({ body: '{"confirmed":true}' });
      expect(calls.map((c) => c.url)).toEqual([CERT_URL, confirmation.SubscribeURL]);
    });

    test('an UnsubscribeConfirmation is answered and never settled or queued', async () => {
      const s = scheme();
      const { fetch, calls } = subscribeServer();
      const body = JSON.stringify(snsMessage({ type: 'UnsubscribeConfirmation' }));
      const result = await verifyVia(s, snsRequest(body), fetch);
      if (!result.ok) throw new Error('unreachable');
      expect(s.immediateResponse!(body, result)).toEqual({ body: '{"received":true}' });
      expect(s.immediateResponse!(body)).toEqual({ body: '{"received":true}' });
      expect(s.settle!(body, result, fetch)).toBeUndefined();
      expect(calls.map((c) => c.url)).toEqual([CERT_URL]);
    });
  });

  test('signDelivery makes what SNS sends (its string to sign is the documented one); PublishedKeyVerifier verifies it with one fetch', async () => {
    const { fetch, calls } = served();
    const s = scheme();
    const secret = JSON.stringify({ privateKey: leaves.sns.privateKey, certUrl: CERT_URL });
    const delivery = s.signDelivery!({ body: '{"order":7}', id: '0f2b1f7e-5a4c-4d1e-9d5e-1c2b3a4d5e6f', timestamp: NOW / 1000 }, secret);
    const sent = JSON.parse(delivery.body as string) as Record<string, string>;
    expect(sent).toMatchObject({ Type: 'Notification', MessageId: '0f2b1f7e-5a4c-4d1e-9d5e-1c2b3a4d5e6f', TopicArn: TOPIC, Message: '{"order":7}', SignatureVersion: '2', SigningCertURL: CERT_URL });
    const cert = new X509Certificate(leaves.sns.certificate);
    expect(createVerify('RSA-SHA256').update(stringToSign(sent)).verify(cert.publicKey, sent.Signature, 'base64')).toBe(true);
    expect(delivery.headers).toMatchObject({ 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': sent.MessageId, 'x-amz-sns-topic-arn': TOPIC });
    const verifier = new PublishedKeyVerifier({ scheme: { type: 'sns', topicArns: [TOPIC] }, cache: { fetch, now: () => NOW } });
    expect(await verifier.verify({ headers: delivery.headers, body: delivery.body }, NOW)).toMatchObject({ ok: true, eventId: sent.MessageId });
    expect(await verifier.verify({ headers: delivery.headers, body: delivery.body }, NOW)).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
    const elsewhere = s.signDelivery!({ body: '{}' }, JSON.stringify({ privateKey: leaves.sns.privateKey, certUrl: CERT_URL, topicArn: OTHER_TOPIC }));
    expect(await verifier.verify(elsewhere, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
  });

  test('signing refuses a secret it cannot use, naming what it needs', () => {
    const s = scheme();
    expect(() => s.sign({ body: '{}' }, 'not json')).toThrow(/privateKey.*certUrl/);
    expect(() => s.sign({ body: '{}' }, JSON.stringify({ privateKey: leaves.sns.privateKey, certUrl: 'https://evil.example.com/x.pem' }))).toThrow(WebhookConfigurationError);
    expect(() => s.sign({ body: '{}' }, JSON.stringify({ privateKey: 'nope', certUrl: CERT_URL }))).toThrow(/privateKey/);
    expect(() => s.sign({ body: '{}' }, JSON.stringify({ privateKey: leaves.sns.privateKey, certUrl: CERT_URL, topicArn: 'orders' }))).toThrow(/"orders" is not a topic ARN/);
  });

  test('configuration: topicArns required, each checked, every bad one named with the form to use; no key of ours', () => {
    expect(() => schemeFor({ type: 'sns', topicArns: [] })).toThrow(WebhookConfigurationError);
    expect(() => schemeFor({ type: 'sns' } as never)).toThrow(/topicArns undefined must be a non-empty list/);
    expect(() => schemeFor({ type: 'sns', topicArns: TOPIC } as never)).toThrow(/must be a non-empty list/);
    expect(() => schemeFor({ type: 'sns', topicArns: ['not-an-arn', TOPIC, 'arn:aws:sqs:us-east-1:123456789012:q'] })).toThrow(
      /"not-an-arn", "arn:aws:sqs:us-east-1:123456789012:q" are not topic ARNs: give each as arn:aws:sns:<region>:<account>:<topic>/,
    );
    expect(() => schemeFor({ type: 'sns', topicArns: ['arn:aws-cn:sns:cn-north-1:123456789012:orders', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:orders.fifo'] })).not.toThrow();
    const s = scheme();
    expect(() => s.decodeKey('x')).toThrow(WebhookConfigurationError);
    expect(() => s.generateKey()).toThrow(WebhookConfigurationError);
    expect(s.published!.needsCredential).toBe(false);
    expect(s.issuesKey).toBe(true);
    expect(s.defaultToleranceSeconds).toBe(3600);
  });

  test('pinnedSnsUrl: a SubscribeURL and a certificate URL are two different pins', () => {
    expect(pinnedSnsUrl('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=a', 'subscribe')).toBeDefined();
    expect(pinnedSnsUrl('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=a', 'certificate')).toBeUndefined();
    expect(pinnedSnsUrl(CERT_URL, 'subscribe')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// PayPal
// ---------------------------------------------------------------------------------------------

const WEBHOOK_ID = '1JE4291016473214C';
const PAYPAL_CERT = 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-df8cd2d5';
const SANDBOX_CERT = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';
const BODY = '{"id":"WH-2WR32451HC0233532-67976317FL4543714","event_version":"1.0","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"amount":{"value":"10.00"}}}';

/**
 * Headers as PayPal sends them, signed as PayPal's documentation
 * (https://developer.paypal.com/api/rest/webhooks/rest/#link-selfverificationmethod) says:
 * SHA256withRSA over `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`.
 */
function paypalHeaders(body: string | Uint8Array, options: { id?: string; time?: string; key?: string; certUrl?: string; webhookId?: string; algo?: string } = {}): Record<string, string> {
  const id = options.id ?? randomUUID();
  const time = options.time ?? new Date(NOW).toISOString().replace(/\.\d+Z$/, 'Z');
  const crc = crc32(typeof body === 'string' ? Buffer.from(body) : body) >>> 0;
  return {
    'content-type': 'application/json',
    'paypal-transmission-id': id,
    'paypal-transmission-time': time,
    'paypal-transmission-sig': createSign('RSA-SHA256').update(`${id}|${time}|${options.webhookId ?? WEBHOOK_ID}|${crc}`).sign(options.key ?? leaves.paypalLive.privateKey).toString('base64'),
    'paypal-cert-url': options.certUrl ?? PAYPAL_CERT,
    'paypal-auth-algo': options.algo ?? 'SHA256withRSA',
  };
}

// CRC-32 (reflected, polynomial 0xEDB88320) as zlib computes it, to forge a body with a chosen CRC.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const CRC_BY_TOP_BYTE = new Map(CRC_TABLE.map((value, index) => [value >>> 24, index]));

/**
 * `prefix` followed by the four bytes that make its CRC32 `target`: the register after four more
 * bytes depends only on which table entries those bytes select, and each entry's top byte is unique,
 * so the entries are read backwards from the target, then the bytes that select them forwards.
 */
function withCrc32(prefix: Buffer, target: number): Buffer {
  const entries: number[] = [];
  let register = ~target >>> 0;
  for (let k = 3; k >= 0; k--) {
    entries[k] = CRC_BY_TOP_BYTE.get(register >>> 24)!;
    register = ((register ^ CRC_TABLE[entries[k]]) << 8) >>> 0;
  }
  register = ~crc32(prefix) >>> 0;
  const tail = Buffer.alloc(4);
  for (let k = 0; k < 4; k++) {
    tail[k] = (register ^ entries[k]) & 0xff;
    register = ((register >>> 8) ^ CRC_TABLE[entries[k]]) >>> 0;
  }
  return Buffer.concat([prefix, tail]);
}

describe('paypal', () => {
  const scheme = () => schemeFor({ type: 'paypal', webhookId: WEBHOOK_ID });
  const served = () => fetcher({ [PAYPAL_CERT]: leaves.paypalLive.certificate });

  describe('a delivery PayPal signed (PayPal\'s Java SDK tests)', () => {
    // From paypal/PayPal-Java-SDK, rest-api-sdk/src/test/java/com/paypal/base/ValidateCertTest.java
    // (testValidEndpoint: Event.validateReceivedEvent returns true) and
    // rest-api-sdk/src/test/resources/clientCertTest.crt: a sandbox delivery of 2019-08-29, its
    // headers, body and webhook id, and the certificate PayPal served at its PAYPAL-CERT-URL
    // (CN and DNS name messageverificationcerts.sandbox.paypal.com, DigiCert EV, valid 2019-04-02 to 2021-05-24).
    const SDK_WEBHOOK_ID = '0FV983392A0531201';
    const SDK_CERT_URL = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270';
    const SENT_AT = Date.parse('2019-08-29T10:50:00Z');
    const SDK_HEADERS = {
      'PAYPAL-CERT-URL': SDK_CERT_URL,
      'PAYPAL-TRANSMISSION-ID': 'afa30d40-ca4a-11e9-ab68-7d4e2605c70c',
      'PAYPAL-TRANSMISSION-TIME': '2019-08-29T10:49:33Z',
      'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
      'PAYPAL-TRANSMISSION-SIG':
        'K7DF5+hOyGS6v0xTZ9PkEO+BFNQmpryxw2hFlXbHgmxpu+883ldEC9HcL6ccEmB8sfy80y/Q3qcZZL1MR8Qi0e1ysylVj/yROgKK6zBsQPoNmgXC8yTiNoAjULuhk5Aoau0Itk3nrkgAfji1zvADlErMFM9VZe2nDvhM3nDMLjCi/K5fRjWp3eGo6Nx17GX/WIEibeKDyS+YdJMex3i+KO4aWmm9zznC/FJ5Y/ntd0MxOJNrM0r0f3y7c3e3sO5pB3oPgN6KzKVS5P6AWHqtS8acD3DjgCKZ1uqKz7q954G1aBz2/m0wRGOFFsv0/D3FE2uIheRRmoQtVSOAX7Aupg==',
    };
    const PAYPAL_SANDBOX_CERT = [
      '-----BEGIN CERTIFICATE-----',
      'MIIHijCCBnKgAwIBAgIQB3GqTB0N3B8PmVGEuwt6/zANBgkqhkiG9w0BAQsFADB1',
      'MQswCQYDVQQGEwJVUzEVMBMGA1UEChMMRGlnaUNlcnQgSW5jMRkwFwYDVQQLExB3',
      'd3cuZGlnaWNlcnQuY29tMTQwMgYDVQQDEytEaWdpQ2VydCBTSEEyIEV4dGVuZGVk',
      'IFZhbGlkYXRpb24gU2VydmVyIENBMB4XDTE5MDQwMjAwMDAwMFoXDTIxMDUyNDEy',
      'MDAwMFowgf0xHTAbBgNVBA8MFFByaXZhdGUgT3JnYW5pemF0aW9uMRMwEQYLKwYB',
      'BAGCNzwCAQMTAlVTMRkwFwYLKwYBBAGCNzwCAQITCERlbGF3YXJlMRAwDgYDVQQF',
      'EwczMDE0MjY3MQswCQYDVQQGEwJVUzETMBEGA1UECBMKQ2FsaWZvcm5pYTERMA8G',
      'A1UEBxMIU2FuIEpvc2UxFTATBgNVBAoTDFBheVBhbCwgSW5jLjEYMBYGA1UECxMP',
      'UGFydG5lciBTdXBwb3J0MTQwMgYDVQQDEyttZXNzYWdldmVyaWZpY2F0aW9uY2Vy',
      'dHMuc2FuZGJveC5wYXlwYWwuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB',
      'CgKCAQEAhk0EEavi3s7O0rXkPQ3zWbW8gGISd0iP43Je+8Ydo3uqgSjoF6C0Ih+T',
      '7kM9Vq/fa3TqcfEM5FFJBf8AxYrC1POfRknDTMZF2jvyMNoOvEKrGI/boZpR71LK',
      '0ZQuLzXGbqzIcPE+PYcr75lVEITX7CdblXhup40XINGxhduFmEuf6qpqamGFXEW6',
      'PnKgVIK7lRrahp6wFRySLp8uPYBmIY9oJdCzNJMgR6kH+qCTGexoFYM/bthn7UoI',
      '2qpgaxR54OPdlalGLCZ95cU1av4cz4gvuT4w+0E67PJVefNInjTbxitRzmbmfDmy',
      '4EACE5f5MvQl+/3fxh2J8esdBU8qZwIDAQABo4IDizCCA4cwHwYDVR0jBBgwFoAU',
      'PdNQpdagre7zSmAKZdMh1Pj41g8wHQYDVR0OBBYEFD86g/8OQmYZVefgSxQDdoQ/',
      'a+ObMDYGA1UdEQQvMC2CK21lc3NhZ2V2ZXJpZmljYXRpb25jZXJ0cy5zYW5kYm94',
      'LnBheXBhbC5jb20wDgYDVR0PAQH/BAQDAgWgMB0GA1UdJQQWMBQGCCsGAQUFBwMB',
      'BggrBgEFBQcDAjB1BgNVHR8EbjBsMDSgMqAwhi5odHRwOi8vY3JsMy5kaWdpY2Vy',
      'dC5jb20vc2hhMi1ldi1zZXJ2ZXItZzIuY3JsMDSgMqAwhi5odHRwOi8vY3JsNC5k',
      'aWdpY2VydC5jb20vc2hhMi1ldi1zZXJ2ZXItZzIuY3JsMEsGA1UdIAREMEIwNwYJ',
      'YIZIAYb9bAIBMCowKAYIKwYBBQUHAgEWHGh0dHBzOi8vd3d3LmRpZ2ljZXJ0LmNv',
      'bS9DUFMwBwYFZ4EMAQEwgYgGCCsGAQUFBwEBBHwwejAkBggrBgEFBQcwAYYYaHR0',
      'cDovL29jc3AuZGlnaWNlcnQuY29tMFIGCCsGAQUFBzAChkZodHRwOi8vY2FjZXJ0',
      'cy5kaWdpY2VydC5jb20vRGlnaUNlcnRTSEEyRXh0ZW5kZWRWYWxpZGF0aW9uU2Vy',
      'dmVyQ0EuY3J0MAwGA1UdEwEB/wQCMAAwggF/BgorBgEEAdZ5AgQCBIIBbwSCAWsB',
      'aQB2ALvZ37wfinG1k5Qjl6qSe0c4V5UKq1LoGpCWZDaOHtGFAAABad+/lkUAAAQD',
      'AEcwRQIgT9BVT/eHgjGr6rUUYcQIhVFYnfZ6nJGGPTyIT7pOGvoCIQC9n9SpeR8a',
      'RGMwCbxjRcPFxXMIpkdoKOWrYO4s0zjE9AB2AFYUBpov18Ls0/XhvUSyPsdGdrm8',
      'mRFcwO+UmFXWidDdAAABad+/lsIAAAQDAEcwRQIgAYEuDGKo0fzMUu7gbgshzDc1',
      'On5OUGEYPb7XxAhRcEcCIQCEMEo0Dg18DsTA3xfeGxGluPEERqCSPDJHw6DHLt7H',
      'XgB3AId1v+dZfPiMQ5lfvfNu/1aNR1Y2/0q1YMG06v9eoIMPAAABad+/mJAAAAQD',
      'AEgwRgIhAIfjNYkADzqs0QlTLWWKrBf5eFEiGJZm6pB7XD8FyVc9AiEA/bxg9jFP',
      'un3Xdorxxo1H0kx761k/V5Qt4kxkBYmHsdAwDQYJKoZIhvcNAQELBQADggEBAFdV',
      'EwP/P8X1HzkYcFi82vRbUd9uLn4DnnHJH2Y5mcsH6wXi5hhMtJDMAm4vd39m0r82',
      'MWHvpK+Hxh4e+DzNEiLPowerZNxtRo7bqV67BavDUG5yuAzVPPWZSdoYRwYUQBWM',
      '9QZvVnLdZTh2R3DemH7t6awCu5ePo+XLzJXTMHvW93rzzpktXO6GfsFsXLh5/a43',
      'Go5OaSZZYofmV/SxRiQyvE+RZHysDKAtHcU0xJJRfSzaBrLkAwO55+QSscrdPMpG',
      'B5TCRdCa3nvtJOjfhSCgGi1MWUaLaHviSDTwm6LtczvYtFO+56jQPaMcty4JFeqn',
      'nj67G5R+JlvQHScHGWA=',
      '-----END CERTIFICATE-----',
    ].join('\n');
    const SDK_BODY =
      '{"id":"WH-7MU294299R542214K-4N1831857K851783H","event_version":"1.0","create_time":"2019-08-29T10:49:03.439Z","resource_type":"payment","eve' +
      'nt_type":"PAYMENTS.PAYMENT.CREATED","summary":"Checkout payment is created and approved by buyer","resource":{"update_time":"2019-08-29T10:4' +
      '8:54Z","create_time":"2019-08-29T10:47:51Z","links":[{"href":"https://api.sandbox.paypal.com/v1/payments/payment/PAYID-LVT22VY7N839502VJ6787' +
      '25M","rel":"self","method":"GET"}],"id":"PAYID-LVT22VY7N839502VJ678725M","state":"approved","transactions":[{"amount":{"total":"30.11","curr' +
      'ency":"USD","details":{"subtotal":"30.00","tax":"0.07","shipping":"0.03","insurance":"0.01","handling_fee":"1.00","shipping_discount":"-1.00' +
      '"}},"payee":{"merchant_id":"2BP3WP8PK6566","email":"jaypatel512-facilitator@hotmail.com"},"description":"The payment transaction description' +
      '.","custom":"EBAY_EMS_90048630024435","invoice_number":"48787589673111","item_list":{"items":[{"name":"hat","sku":"1","description":"Brown h' +
      'at.","price":"3.00","currency":"USD","tax":"0.01","quantity":5},{"name":"handbag","sku":"product34","description":"Black handbag.","price":"' +
      '15.00","currency":"USD","tax":"0.02","quantity":1}],"shipping_address":{"recipient_name":"Brian Robinson","line1":"4th Floor","line2":"Unit ' +
      '#34","city":"San Jose","state":"CA","postal_code":"95131","country_code":"US","default_address":false,"preferred_address":false,"primary_add' +
      'ress":false,"disable_for_transaction":false}},"related_resources":[{"sale":{"id":"08U30449S6662931K","state":"completed","amount":{"total":"' +
      '30.11","currency":"USD","details":{"subtotal":"30.00","tax":"0.07","shipping":"0.03","insurance":"0.01","handling_fee":"1.00","shipping_disc' +
      'ount":"-1.00"}},"payment_mode":"INSTANT_TRANSFER","protection_eligibility":"ELIGIBLE","protection_eligibility_type":"ITEM_NOT_RECEIVED_ELIGI' +
      'BLE,UNAUTHORIZED_PAYMENT_ELIGIBLE","transaction_fee":{"value":"1.17","currency":"USD"},"parent_payment":"PAYID-LVT22VY7N839502VJ678725M","cr' +
      'eate_time":"2019-08-29T10:48:54Z","update_time":"2019-08-29T10:48:54Z","links":[{"href":"https://api.sandbox.paypal.com/v1/payments/sale/08U' +
      '30449S6662931K","rel":"self","method":"GET"},{"href":"https://api.sandbox.paypal.com/v1/payments/sale/08U30449S6662931K/refund","rel":"refun' +
      'd","method":"POST"},{"href":"https://api.sandbox.paypal.com/v1/payments/payment/PAYID-LVT22VY7N839502VJ678725M","rel":"parent_payment","meth' +
      'od":"GET"}]}}]}],"intent":"sale","payer":{"payment_method":"paypal","status":"VERIFIED","payer_info":{"email":"sb-ahlmo117121@personal.examp' +
      'le.com","first_name":"John","last_name":"Doe","payer_id":"WZH5NSHUBE63W","shipping_address":{"recipient_name":"Brian Robinson","line1":"4th ' +
      'Floor","line2":"Unit #34","city":"San Jose","state":"CA","postal_code":"95131","country_code":"US","default_address":false,"preferred_addres' +
      's":false,"primary_address":false,"disable_for_transaction":false},"phone":"4084959323","country_code":"US"}},"cart":"1R7827981J4260732"},"li' +
      'nks":[{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-7MU294299R542214K-4N1831857K851783H","rel":"self","method"' +
      ':"GET"},{"href":"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/WH-7MU294299R542214K-4N1831857K851783H/resend","rel":"resen' +
      'd","method":"POST"}]}';
    const sandbox = () => schemeFor({ type: 'paypal', webhookId: SDK_WEBHOOK_ID, environment: 'sandbox' });

    test('its body\'s CRC32, as the unsigned decimal PayPal signs, is above 2^31 (a signed reading would differ)', () => {
      expect(crc32Decimal(SDK_BODY)).toBe('3674300368');
      expect(crc32Decimal(Buffer.from(SDK_BODY))).toBe('3674300368');
    });

    test('verifies with PayPal\'s certificate, whose subject passes the check for the sandbox; the transmission id keys duplicates', async () => {
      const { fetch, calls } = fetcher({ [SDK_CERT_URL]: PAYPAL_SANDBOX_CERT });
      const result = await verifyVia(sandbox(), { headers: SDK_HEADERS, body: SDK_BODY }, fetch, SENT_AT);
      expect(result).toMatchObject({ ok: true, eventId: 'afa30d40-ca4a-11e9-ab68-7d4e2605c70c', dedupeKey: 'afa30d40-ca4a-11e9-ab68-7d4e2605c70c', timestamp: Date.parse('2019-08-29T10:49:33Z') / 1000 });
      expect(result.ok && result.metadata).toEqual({
        'signed.eventId': 'afa30d40-ca4a-11e9-ab68-7d4e2605c70c',
        'unsigned.eventId': 'WH-7MU294299R542214K-4N1831857K851783H',
        'unsigned.eventType': 'PAYMENTS.PAYMENT.CREATED',
      });
      expect(calls.map((c) => c.url)).toEqual([SDK_CERT_URL]);
    });

    test('rejects it changed, for another webhook, out of the window, from a live source, or once the certificate has expired', async () => {
      const { fetch, calls } = fetcher({ [SDK_CERT_URL]: PAYPAL_SANDBOX_CERT });
      expect(await verifyVia(sandbox(), { headers: SDK_HEADERS, body: SDK_BODY.replace('"30.11"', '"31.11"') }, fetch, SENT_AT)).toEqual({ ok: false, reason: 'signature_invalid' });
      expect(await verifyVia(schemeFor({ type: 'paypal', webhookId: 'NotToBeFound', environment: 'sandbox' }), { headers: SDK_HEADERS, body: SDK_BODY }, fetch, SENT_AT)).toEqual({ ok: false, reason: 'signature_invalid' });
      expect(await verifyVia(sandbox(), { headers: SDK_HEADERS, body: SDK_BODY }, fetch, SENT_AT + 301_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      const fetched = calls.length;
      expect(await verifyVia(schemeFor({ type: 'paypal', webhookId: SDK_WEBHOOK_ID }), { headers: SDK_HEADERS, body: SDK_BODY }, fetch, SENT_AT)).toEqual({ ok: false, reason: 'malformed_header' });
      expect(calls).toHaveLength(fetched);
      await expect(sandbox().published!.load(SDK_CERT_URL, fetch, Date.parse('2021-05-25T00:00:00Z'))).rejects.toThrow(/not valid now/);
      // A live source would not take a sandbox certificate even from its own host.
      await expect(scheme().published!.load(PAYPAL_CERT, fetcher({ [PAYPAL_CERT]: PAYPAL_SANDBOX_CERT }).fetch, SENT_AT)).rejects.toThrow(/message-verification/);
    });
  });

  test('verifies the documented recipe: the signed transmission id keys duplicates, the body\'s ids travel unsigned', async () => {
    const { fetch, calls } = served();
    const headers = paypalHeaders(BODY);
    const result = await verifyVia(scheme(), { headers, body: BODY }, fetch);
    expect(result).toMatchObject({ ok: true, eventId: headers['paypal-transmission-id'], dedupeKey: headers['paypal-transmission-id'], unsignedEventId: 'WH-2WR32451HC0233532-67976317FL4543714', unsignedEventType: 'PAYMENT.CAPTURE.COMPLETED' });
    expect(result.ok && result.metadata).toEqual({
      'signed.eventId': headers['paypal-transmission-id'],
      'unsigned.eventId': 'WH-2WR32451HC0233532-67976317FL4543714',
      'unsigned.eventType': 'PAYMENT.CAPTURE.COMPLETED',
    });
    expect(calls.map((c) => c.url)).toEqual([PAYPAL_CERT]);
    // A body that is not a JSON object still verifies (PayPal signs bytes); it just names no event.
    const text = await verifyVia(scheme(), { headers: paypalHeaders('plain'), body: 'plain' }, fetch);
    expect(text).toMatchObject({ ok: true, unsignedEventId: undefined, unsignedEventType: undefined });
  });

  test('verifies any body PayPal could sign (UTF-8 text), and never one with a single byte changed (CRC32 catches every one-byte change) (property)', async () => {
    const s = scheme();
    const { fetch } = served();
    const cache = new PublishedKeyCache(s.published!, { fetch, now: () => NOW });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (text, at, flip) => {
        const body = Buffer.from(text);
        const headers = paypalHeaders(body);
        expect(await verifyVia(s, { headers, body }, fetch, NOW, cache)).toMatchObject({ ok: true });
        const changed = Buffer.from(body);
        changed[at % changed.length] ^= flip;
        expect(await verifyVia(s, { headers, body: changed }, fetch, NOW, cache)).toEqual({ ok: false, reason: 'signature_invalid' });
      }),
      { numRuns: 150 },
    );
  });

  test('the weakness PayPal\'s scheme has: a body forged to the same CRC32 verifies under a captured signature, and is a duplicate of the delivery it was made from', async () => {
    const { fetch } = served();
    const headers = paypalHeaders(BODY);
    const genuine = await verifyVia(scheme(), { headers, body: BODY }, fetch);
    // Four bytes chosen to hit the captured CRC32. A forgery must also be UTF-8 (a body that is not
    // is refused, as PayPal never sends one): a few bytes of padding more find one.
    const altered = BODY.replace('COMPLETED', 'REFUNDED').replace('10.00', '99.99');
    const forgeries = Array.from({ length: 64 }, (_, n) => withCrc32(Buffer.from(altered + ' '.repeat(n)), crc32(Buffer.from(BODY)) >>> 0));
    expect(await verifyVia(scheme(), { headers, body: forgeries.find((f) => !isUtf8(f))! }, fetch)).toEqual({ ok: false, reason: 'malformed_body' });
    const forged = forgeries.find((f) => isUtf8(f))!;
    const result = await verifyVia(scheme(), { headers, body: forged }, fetch);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'partial' });
    expect(result.ok && genuine.ok && result.dedupeKey === genuine.dedupeKey).toBe(true);
    expect(result.ok && result.payloadSha256 !== (genuine.ok && genuine.payloadSha256)).toBe(true);
  });

  describe('PAYPAL-CERT-URL is pinned before anything is fetched', () => {
    test.each([
      ['another host', 'https://evil.example.com/v1/notifications/certs/CERT-1'],
      ['the sandbox host, for a live webhook', 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1'],
      ['a look-alike host', 'https://api.paypal.com.evil.com/v1/notifications/certs/CERT-1'],
      ['another PayPal host', 'https://www.paypal.com/v1/notifications/certs/CERT-1'],
      ['the message-verification host itself', 'https://messageverificationcerts.paypal.com/v1/notifications/certs/CERT-1'],
      ['another path', 'https://api.paypal.com/v1/oauth2/token'],
      ['a path traversal', 'https://api.paypal.com/v1/notifications/certs/../../oauth2/token'],
      ['an encoded path traversal', 'https://api.paypal.com/v1/notifications/certs/%2e%2e/CERT-1'],
      ['a deeper path', 'https://api.paypal.com/v1/notifications/certs/CERT-1/x'],
      ['http', 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
      ['userinfo before the host', 'https://api.paypal.com@evil.com/v1/notifications/certs/CERT-1'],
      ['userinfo on the right host', 'https://u:p@api.paypal.com/v1/notifications/certs/CERT-1'],
      ['a port', 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1'],
      ['the default port spelled out', 'https://api.paypal.com:443/v1/notifications/certs/CERT-1'],
      ['a query', 'https://api.paypal.com/v1/notifications/certs/CERT-1?x=1'],
      ['a fragment', 'https://api.paypal.com/v1/notifications/certs/CERT-1#x'],
      ['upper case', 'https://API.PAYPAL.COM/v1/notifications/certs/CERT-1'],
    ])('refuses %s', async (_label, certUrl) => {
      const { fetch, calls } = fetcher({ [certUrl]: leaves.paypalLive.certificate });
      const headers = paypalHeaders(BODY, { certUrl });
      expect(scheme().published!.reference({ headers, body: BODY })).toEqual(refusedReference('malformed_header'));
      expect(await verifyVia(scheme(), { headers, body: BODY }, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
      await expect(scheme().published!.load(certUrl, fetch, NOW)).rejects.toThrow(/not on PayPal's API host/);
      expect(calls).toEqual([]);
    });

    test('accepts api.paypal.com and api-m.paypal.com for live, their sandbox hosts for sandbox, and nothing across', () => {
      const live = scheme();
      const sandbox = schemeFor({ type: 'paypal', webhookId: WEBHOOK_ID, environment: 'sandbox' });
      const at = (url: string) => ({ headers: paypalHeaders(BODY, { certUrl: url }), body: BODY });
      for (const url of [PAYPAL_CERT, 'https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-df8cd2d5']) {
        expect(live.published!.reference(at(url))).toEqual(keyReference(url));
        expect(sandbox.published!.reference(at(url))).toEqual(refusedReference('malformed_header'));
      }
      for (const url of [SANDBOX_CERT, 'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77']) {
        expect(sandbox.published!.reference(at(url))).toEqual(keyReference(url));
        expect(live.published!.reference(at(url))).toEqual(refusedReference('malformed_header'));
      }
    });
  });

  describe('the certificate load', () => {
    test.each([
      ['issued to another host', 'stranger', /message-verification/],
      ['issued to the sandbox\'s verification host', 'paypalSandbox', /message-verification/],
      ['expired', 'paypalExpired', /not valid now/],
    ])('throws for a certificate %s', async (_label, leaf, error) => {
      await expect(scheme().published!.load(PAYPAL_CERT, fetcher({ [PAYPAL_CERT]: leaves[leaf].certificate }).fetch, NOW)).rejects.toThrow(error);
    });

    test('throws for the authority\'s own certificate, a body that is no certificate, or a status other than 200', async () => {
      await expect(scheme().published!.load(PAYPAL_CERT, fetcher({ [PAYPAL_CERT]: ca.certificate }).fetch, NOW)).rejects.toThrow(/message-verification/);
      await expect(scheme().published!.load(PAYPAL_CERT, fetcher({ [PAYPAL_CERT]: '{"name":"RESOURCE_NOT_FOUND"}' }).fetch, NOW)).rejects.toThrow();
      await expect(scheme().published!.load(PAYPAL_CERT, fetcher({ [PAYPAL_CERT]: leaves.paypalLive.certificate }, () => 503).fetch, NOW)).rejects.toThrow(/answered 503/);
    });

    test('a sandbox source takes the sandbox verification host\'s certificate', async () => {
      const sandbox = schemeFor({ type: 'paypal', webhookId: WEBHOOK_ID, environment: 'sandbox' });
      const keys = await sandbox.published!.load(SANDBOX_CERT, fetcher({ [SANDBOX_CERT]: leaves.paypalSandbox.certificate }).fetch, NOW);
      expect([...keys.keys()]).toEqual([SANDBOX_CERT]);
    });
  });

  test('through a PublishedKeyCache: one fetch, then the cached key; a failed fetch is a KeyFetchError', async () => {
    const s = scheme();
    const { fetch, calls } = served();
    const cache = new PublishedKeyCache(s.published!, { fetch, now: () => NOW });
    for (let i = 0; i < 3; i++) expect((await verifyVia(s, { headers: paypalHeaders(BODY), body: BODY }, fetch, NOW, cache)).ok).toBe(true);
    expect(calls).toHaveLength(1);
    const missing = fetcher({});
    await expect(verifyVia(s, { headers: paypalHeaders(BODY), body: BODY }, missing.fetch)).rejects.toBeInstanceOf(KeyFetchError);
    const wrong = fetcher({ [PAYPAL_CERT]: leaves.stranger.certificate });
    await expect(verifyVia(s, { headers: paypalHeaders(BODY, { key: leaves.stranger.privateKey }), body: BODY }, wrong.fetch)).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('headers: each one required once; the algorithm, signature encoding and time checked; another signer or webhook refused', async () => {
    const { fetch } = served();
    const headers = paypalHeaders(BODY);
    for (const name of ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo']) {
      const { [name]: _dropped, ...without } = headers;
      expect(await verifyVia(scheme(), { headers: without, body: BODY }, fetch)).toEqual({ ok: false, reason: 'missing_header' });
      expect(await verifyVia(scheme(), { headers: { ...headers, [name]: [headers[name], headers[name]] }, body: BODY }, fetch)).toEqual({ ok: false, reason: 'duplicate_header' });
    }
    const now = NOW;
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const cases: [Record<string, string>, string][] = [
      [paypalHeaders(BODY, { algo: 'SHA1withRSA' }), 'malformed_header'],
      [{ ...headers, 'paypal-transmission-sig': `${headers['paypal-transmission-sig'].slice(0, -3)}B==` }, 'malformed_header'],
      [{ ...headers, 'paypal-transmission-sig': 'not base64!' }, 'malformed_header'],
      [paypalHeaders(BODY, { id: 'id with spaces' }), 'malformed_header'],
      [paypalHeaders(BODY, { time: '1724760000' }), 'malformed_timestamp'],
      [paypalHeaders(BODY, { time: '2026-02-30T00:00:00Z' }), 'malformed_timestamp'],
      [paypalHeaders(BODY, { time: '2026-01-01T23:60:00Z' }), 'malformed_timestamp'],
      [paypalHeaders(BODY, { time: '2026-01-01T00:00:00+24:00' }), 'malformed_timestamp'],
      [paypalHeaders(BODY, { time: '2026-01-01T00:00:00' }), 'malformed_timestamp'],
      [paypalHeaders(BODY, { time: iso(now - 301_000) }), 'timestamp_out_of_tolerance'],
      [paypalHeaders(BODY, { time: iso(now + 301_000) }), 'timestamp_out_of_tolerance'],
      [paypalHeaders(BODY, { key: leaves.stranger.privateKey }), 'signature_invalid'],
      [paypalHeaders(BODY, { webhookId: 'WH9ZZ' }), 'signature_invalid'],
      [{ ...paypalHeaders(BODY), 'paypal-transmission-id': randomUUID() }, 'signature_invalid'],
    ];
    for (const [h, reason] of cases) expect(await verifyVia(scheme(), { headers: h, body: BODY }, fetch, now)).toEqual({ ok: false, reason });
    expect(await verifyVia(scheme(), { headers: paypalHeaders(BODY, { time: iso(now - 299_000) }), body: BODY }, fetch, now)).toMatchObject({ ok: true });
    // NOW's UTC day, at 12:00 UTC, in three of the offsets RFC 3339 allows; checked a minute later.
    const day = isoAt(NOW).slice(0, 10);
    expect(Date.parse(`${day}T12:00:00Z`)).toBe(NOW);
    for (const time of [`${day}T12:00:00.123+00:00`, `${day}T10:30:00-01:30`, `${day}T14:00:00+02:00`]) {
      expect(await verifyVia(scheme(), { headers: paypalHeaders(BODY, { time }), body: BODY }, fetch, NOW + MINUTE)).toMatchObject({ ok: true, timestamp: Date.parse(time) / 1000 });
    }
  });

  test('verifies only with the key it is given, and only while that key is valid (NaN is not)', () => {
    const s = scheme();
    const request = { headers: paypalHeaders(BODY), body: BODY };
    const now = NOW;
    const valid = activeKey(leaves.paypalLive.certificate);
    expect(s.verify(request, [valid], now, 300).ok).toBe(true);
    expect(s.verify(request, [activeKey(leaves.paypalSandbox.certificate)], now, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(s.verify(request, [{ ...valid, notAfterMs: now }], now, 300)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [{ ...valid, notAfterMs: Number.NaN }], now, 300)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(s.verify(request, [{ key: Buffer.from('a shared secret of some length'), notAfterMs: Infinity }], now, 300)).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('sign makes the headers PayPal sends, over the documented string; PublishedKeyVerifier verifies them', async () => {
    const { fetch, calls } = served();
    const headers = scheme().sign({ body: BODY, id: 'b2384410-f8d2-11e4-8bf3-77339302725b', timestamp: Math.floor(NOW / 1000) }, JSON.stringify({ privateKey: leaves.paypalLive.privateKey, certUrl: PAYPAL_CERT }));
    const time = new Date(Math.floor(NOW / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(headers).toMatchObject({ 'paypal-transmission-id': 'b2384410-f8d2-11e4-8bf3-77339302725b', 'paypal-transmission-time': time, 'paypal-cert-url': PAYPAL_CERT, 'paypal-auth-algo': 'SHA256withRSA' });
    const signed = `b2384410-f8d2-11e4-8bf3-77339302725b|${time}|${WEBHOOK_ID}|${crc32(Buffer.from(BODY)) >>> 0}`;
    expect(createVerify('RSA-SHA256').update(signed).verify(new X509Certificate(leaves.paypalLive.certificate).publicKey, headers['paypal-transmission-sig'], 'base64')).toBe(true);
    const verifier = new PublishedKeyVerifier({ scheme: { type: 'paypal', webhookId: WEBHOOK_ID }, cache: { fetch, now: () => NOW } });
    expect(await verifier.verify({ headers, body: BODY }, NOW)).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
    expect(() => scheme().sign({ body: BODY }, JSON.stringify({ privateKey: leaves.paypalLive.privateKey, certUrl: SANDBOX_CERT }))).toThrow(/certUrl must be https:\/\/api.paypal.com or api-m.paypal.com/);
    expect(() => scheme().sign({ body: BODY }, 'not json')).toThrow(WebhookConfigurationError);
  });

  test('configuration: every bad value named at once, with the fix; no key of ours', () => {
    expect(() => schemeFor({ type: 'paypal', webhookId: 'lower case', environment: 'prod' as never })).toThrow(/webhookId "lower case" is not a PayPal webhook id: give the id the app's webhook settings show[\s\S]*environment "prod" must be 'live' or 'sandbox'/);
    expect(() => schemeFor({ type: 'paypal' } as never)).toThrow(/webhookId undefined/);
    expect(() => schemeFor({ type: 'paypal', webhookId: 'A'.repeat(51) })).toThrow(WebhookConfigurationError);
    // PayPal documents webhook ids as ^[a-zA-Z0-9]+$ (verify-webhook-signature).
    expect(() => schemeFor({ type: 'paypal', webhookId: '8PT597110X687430LKGECATA' })).not.toThrow();
    expect(() => schemeFor({ type: 'paypal', webhookId: 'NotToBeFound', environment: 'sandbox' })).not.toThrow();
    const s = scheme();
    expect(() => s.decodeKey('x')).toThrow(WebhookConfigurationError);
    expect(() => s.generateKey()).toThrow(WebhookConfigurationError);
    expect(s.published!.needsCredential).toBe(false);
    expect(s.issuesKey).toBe(true);
    expect(s.defaultToleranceSeconds).toBe(300);
    expect(s.describe!().signature).toMatch(/bound only by CRC32/);
  });
});
