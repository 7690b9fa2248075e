import { createHash, createHmac } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult, WebhookVerifier } from '../../../lib/runtime';
import { DEVELOPER } from '../../../lib/runtime/schemes/senders/developer';
import { linearOracle } from './developer-linear-oracle';
import { TEST_NOW } from '../../support/clock';
import { describeScheme } from '../../../lib/runtime/schemes/describe-row';

// The developer-tools senders of the catalogue (lib/runtime/schemes/senders/developer.ts).
//
// Vectors: none of these senders publishes a complete example (secret, body and signature) in its
// documentation, and only Linear has an official SDK installed here (@linear/sdk, used as an oracle
// below). So each sender's vector is computed with node:crypto's createHmac following its page's words
// literally (key, signed bytes, algorithm, encoding, prefix), and the request is built by hand from
// those words, not by our sign(): our verifier must accept it, and our sign() must produce it.

const NOW = TEST_NOW;
const BODY = '{"id":"4f1c5a0e-5b8e-4a5e-9c1d-2b7e1d0c9a11","type":"ping","note":"café ✓"}';

const schemeOf = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const hmacOf = (algorithm: string, key: string | Buffer, body: string) => createHmac(algorithm, key).update(body, 'utf8').digest('hex');
const changeOneByte = (body: string) => body.replace('ping', 'pinh');

interface BodySender {
  readonly type: keyof typeof DEVELOPER;
  /** The secret as the sender shows it to its user. */
  readonly secret: string;
  readonly otherSecret: string;
  /** The doc's words, literally: the signature header's value for `body` under `secret`. */
  readonly documented: (secret: string, body: string) => Record<string, string>;
  /** Metadata headers the sender sends, and the attributes they must travel as. */
  readonly metadataHeaders: Record<string, string>;
  readonly metadata: Record<string, string>;
}

const SENDERS: BodySender[] = [
  {
    // "the HMAC-SHA256 of the request body, using your app secret as the key", hex, X-Dropbox-Signature.
    type: 'dropbox',
    secret: 'k3j4h5g6f7d8s9a',
    otherSecret: 'a9s8d7f6g5h4j3k',
    documented: (secret, body) => ({ 'X-Dropbox-Signature': hmacOf('sha256', secret, body) }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // "X-Hub-Signature ... sha256=<hex>": HMAC-SHA256 of the raw body keyed by the webhook secret.
    type: 'bitbucket',
    secret: 'bb-webhook-secret-0123456789',
    otherSecret: 'bb-webhook-secret-9876543210',
    documented: (secret, body) => ({ 'X-Hub-Signature': `sha256=${hmacOf('sha256', secret, body)}` }),
    metadataHeaders: {
      'X-Event-Key': 'repo:push',
      'X-Request-UUID': '0d8b4f5e-2f4e-4a47-9a0c-3f6e1f6b3d21',
      'X-Hook-UUID': '{6b3b8f8e-1c1a-4a8e-8f5b-1f2c3d4e5f60}',
      'X-Attempt-Number': '2',
    },
    metadata: {
      'unsigned.eventId': '0d8b4f5e-2f4e-4a47-9a0c-3f6e1f6b3d21',
      'unsigned.eventType': 'repo:push',
      'unsigned.hookId': '{6b3b8f8e-1c1a-4a8e-8f5b-1f2c3d4e5f60}',
      'unsigned.attempt': '2',
    },
  },
  {
    // Jira: "X-Hub-Signature header ... method=signature", method sha256, HMAC of the raw body.
    type: 'atlassian',
    secret: 'jira-admin-webhook-secret-42',
    otherSecret: 'jira-admin-webhook-secret-43',
    documented: (secret, body) => ({ 'X-Hub-Signature': `sha256=${hmacOf('sha256', secret, body)}` }),
    metadataHeaders: { 'X-Atlassian-Webhook-Identifier': '1741787421812-1', 'X-Atlassian-Webhook-Retry': '1', 'X-Atlassian-Webhook-Flow': 'Primary' },
    metadata: { 'unsigned.eventId': '1741787421812-1', 'unsigned.attempt': '1', 'unsigned.flow': 'Primary' },
  },
  {
    // x-vercel-signature: HMAC-SHA1 hex of the raw body, keyed by the webhook (or integration client) secret.
    type: 'vercel',
    secret: 'vercelWebhookSecret1234',
    otherSecret: 'vercelWebhookSecret5678',
    documented: (secret, body) => ({ 'x-vercel-signature': hmacOf('sha1', secret, body) }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // Sentry-Hook-Signature: HMAC-SHA256 hex of the body under the Client Secret.
    type: 'sentry',
    secret: '5a1d6b0e9f8c7b6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e',
    otherSecret: '0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d',
    documented: (secret, body) => ({ 'Sentry-Hook-Signature': hmacOf('sha256', secret, body) }),
    metadataHeaders: { 'Sentry-Hook-Resource': 'issue', 'Request-ID': '8f0b5e4c-7a6d-4c3b-9a2f-1e0d9c8b7a65', 'Sentry-Hook-Timestamp': '1764331200' },
    metadata: { 'unsigned.eventId': '8f0b5e4c-7a6d-4c3b-9a2f-1e0d9c8b7a65', 'unsigned.eventType': 'issue', 'unsigned.timestamp': '1764331200' },
  },
  {
    // circleci-signature: "v1=" + HMAC-SHA256 hex of the request body under the secret token.
    type: 'circleci',
    secret: 'circleci-secret-token-123456',
    otherSecret: 'circleci-secret-token-654321',
    documented: (secret, body) => ({ 'circleci-signature': `v1=${hmacOf('sha256', secret, body)}` }),
    metadataHeaders: { 'circleci-event-type': 'workflow-completed' },
    metadata: { 'unsigned.eventType': 'workflow-completed' },
  },
  {
    // X-LD-Signature: "HMAC SHA256 hex digest of the webhook payload, using the secret as the key".
    type: 'launchdarkly',
    secret: 'ld-webhook-secret-abcdef012345',
    otherSecret: 'ld-webhook-secret-543210fedcba',
    documented: (secret, body) => ({ 'X-LD-Signature': hmacOf('sha256', secret, body) }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // X-PagerDuty-Signature: "v1=" + Base16 HMAC-SHA256 of the entire body, one per signing secret, comma-separated.
    type: 'pagerduty',
    secret: 'pd-subscription-secret-Zm9vYmFyYmF6cXV4',
    otherSecret: 'pd-subscription-secret-cXV4YmF6YmFyZm9v',
    documented: (secret, body) => ({ 'X-PagerDuty-Signature': `v1=${hmacOf('sha256', secret, body)}` }),
    metadataHeaders: { 'X-Webhook-Id': '3b7a0c1e-8d4f-4b2a-9e6c-5f1d2a3b4c5d', 'X-Webhook-Subscription': 'PY1OGAM' },
    metadata: { 'unsigned.eventId': '3b7a0c1e-8d4f-4b2a-9e6c-5f1d2a3b4c5d', 'unsigned.subscriptionId': 'PY1OGAM' },
  },
  {
    // X-Airtable-Content-MAC: "hmac-sha256=" + hex HMAC-SHA256 of the body, keyed by the base64 decode of macSecretBase64.
    type: 'airtable',
    secret: Buffer.from('airtable mac secret: 32 bytes!!!').toString('base64'),
    otherSecret: Buffer.from('another airtable mac secret, 32b').toString('base64'),
    documented: (secret, body) => ({ 'X-Airtable-Content-MAC': `hmac-sha256=${hmacOf('sha256', Buffer.from(secret, 'base64'), body)}` }),
    metadataHeaders: {},
    metadata: {},
  },
];

describe.each(SENDERS)('$type', ({ type, secret, otherSecret, documented, metadataHeaders, metadata }) => {
  const scheme = schemeOf(type);
  const keys = keysOf(scheme, secret);
  const verify = (headers: Record<string, string>, body: string | Uint8Array = BODY, k = keys): VerifyResult => scheme.verify({ headers, body }, k, NOW, 0);
  const delivery = { 'content-type': 'application/json', ...documented(secret, BODY), ...metadataHeaders };

  test('accepts the vector computed from the documentation, and our sign() produces the same signature', () => {
    expect(verify(delivery).ok).toBe(true);
    const signed = scheme.sign({ body: BODY, timestamp: NOW / 1000 }, secret);
    const [name, value] = Object.entries(documented(secret, BODY))[0];
    expect(Object.entries(signed).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]).toBe(value);
    expect(verify(signed).ok).toBe(true);
  });

  test('accepts the exact bytes of a body that is not UTF-8', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const headers = scheme.sign({ body: bytes }, secret);
    expect(verify(headers, bytes).ok).toBe(true);
    expect(verify(headers, Buffer.from(bytes.toString('utf8'), 'utf8'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a one-byte change of the body', () => {
    expect(verify(delivery, changeOneByte(BODY))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects another key, and accepts again when that key is one of the active ones', () => {
    expect(verify(delivery, BODY, keysOf(scheme, otherSecret))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery, BODY, keysOf(scheme, otherSecret, secret)).ok).toBe(true);
  });

  test('rejects a missing, duplicated or malformed signature header', () => {
    const [name, value] = Object.entries(documented(secret, BODY))[0];
    const without = { ...delivery } as Record<string, string>;
    delete without[name];
    expect(verify(without).ok).toBe(false);
    expect(verify({ ...without, [name.toLowerCase()]: [value, value] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify({ ...without, [name]: value.slice(0, -2) })).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify({ ...without, [name]: `${value.slice(0, -1)}g` })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('forwards its metadata under unsigned. names; the dedupe key is the body hash, whatever they say', () => {
    const result = verify(delivery);
    expect(result.ok && { ...result.metadata }).toEqual(metadata);
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
    const respelled = Object.fromEntries(Object.entries(metadataHeaders).map(([k]) => [k, 'changed-by-a-replayer']));
    const other = verify({ ...delivery, ...respelled });
    expect(other.ok && other.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
  });

  test('signs no timestamp: it declares no tolerance (the dedupe record is the replay control)', () => {
    expect(scheme.defaultToleranceSeconds).toBeUndefined();
    expect(describeScheme(scheme)?.replay).toMatch(/dedupe record only/);
  });
});

describe('dropbox', () => {
  const scheme = schemeOf('dropbox');
  const get = (query: Record<string, string[] | undefined>) => scheme.handshake!.get!({ headers: {}, query }, [], NOW, scheme);

  test('GET ?challenge= is answered with the challenge echoed as text/plain', () => {
    expect(get({ challenge: ['l5nW0bTmGuYbE7Yl2cHv'] })).toEqual({ body: 'l5nW0bTmGuYbE7Yl2cHv', contentType: 'text/plain' });
  });

  test('rejects a GET with no challenge, a repeated one, or one that could turn the echo into markup', () => {
    expect(get({})).toBe('malformed_header');
    expect(get({ challenge: ['a', 'b'] })).toBe('malformed_header');
    expect(get({ challenge: ['<script>alert(1)</script>'] })).toBe('malformed_header');
    expect(get({ challenge: [''] })).toBe('malformed_header');
  });

  test('answers no POST itself: every signed POST is a delivery', () => {
    expect(scheme.handshake!.post).toBeUndefined();
  });
});

describe('pagerduty', () => {
  const scheme = schemeOf('pagerduty');
  const current = 'pd-subscription-secret-Zm9vYmFyYmF6cXV4';
  const previous = 'pd-subscription-secret-cXV4YmF6YmFyZm9v';
  const v1 = (secret: string) => `v1=${hmacOf('sha256', secret, BODY)}`;
  const verify = (signature: string, keys = keysOf(scheme, current)) => scheme.verify({ headers: { 'X-PagerDuty-Signature': signature }, body: BODY }, keys, NOW, 0);

  test('during a rotation: two v1 signatures, either key verifies', () => {
    const both = `${v1(previous)},${v1(current)}`;
    expect(verify(both).ok).toBe(true);
    expect(verify(both, keysOf(scheme, previous)).ok).toBe(true);
    expect(verify(both, keysOf(scheme, 'pd-subscription-secret-unrelated000')).ok).toBe(false);
  });

  test('ignores other versions; refuses a list with no v1, or a malformed v1', () => {
    expect(verify(`v2=abc,${v1(current)}`).ok).toBe(true);
    expect(verify('v2=abc')).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`${v1(current)},v1=zz`)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('refuses more signatures than any rotation needs', () => {
    expect(verify(Array.from({ length: 9 }, () => v1(current)).join(','))).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('circleci', () => {
  const scheme = schemeOf('circleci');
  const secret = 'circleci-secret-token-123456';
  test('reads the comma-separated versioned list: v1 counts, unknown versions are ignored', () => {
    const headers = { 'circleci-signature': `v1=${hmacOf('sha256', secret, BODY)},v2=not-yet-defined` };
    expect(scheme.verify({ headers, body: BODY }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
  });
});

describe('airtable', () => {
  const scheme = schemeOf('airtable');
  test('the key is the base64 decode of macSecretBase64, not its text', () => {
    const macSecretBase64 = Buffer.from('airtable mac secret: 32 bytes!!!').toString('base64');
    const keyedByText = { 'X-Airtable-Content-MAC': `hmac-sha256=${hmacOf('sha256', macSecretBase64, BODY)}` };
    expect(scheme.verify({ headers: keyedByText, body: BODY }, keysOf(scheme, macSecretBase64), NOW, 0)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
  test('refuses a secret that is not base64', () => {
    expect(() => scheme.decodeKey('not base64 at all, no!')).toThrow(/base64/);
  });
});

describe('sentry', () => {
  const scheme = schemeOf('sentry');
  const secret = '5a1d6b0e9f8c7b6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e';
  test('Sentry-Hook-Timestamp is not signed: an old one is forwarded, never used to accept or refuse', () => {
    const headers = { 'Sentry-Hook-Signature': hmacOf('sha256', secret, BODY), 'Sentry-Hook-Timestamp': '1000000000' };
    const result = scheme.verify({ headers, body: BODY }, keysOf(scheme, secret), NOW, 300);
    expect(result.ok && result.metadata).toEqual({ 'unsigned.timestamp': '1000000000' });
    expect(result.ok && result.timestamp).toBeUndefined();
  });
});

describe('gitlab (a shared token, weaker than a signature)', () => {
  const scheme = schemeOf('gitlab');
  const token = 'gitlab-secret-token-0123456789';
  const headers = {
    'X-Gitlab-Token': token,
    'X-Gitlab-Event': 'Push Hook',
    'X-Gitlab-Event-UUID': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    'X-Gitlab-Webhook-UUID': '6f1e9b2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b',
    'Idempotency-Key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
  };
  const verify = (h: Record<string, string>, body = BODY, keys = keysOf(scheme, token)) => scheme.verify({ headers: h, body }, keys, NOW, 0);

  test('accepts the token exactly as configured in GitLab; forwards its metadata as unsigned', () => {
    const result = verify(headers);
    expect(result.ok && { ...result.metadata }).toEqual({
      'unsigned.eventId': '13792a34-cac6-4fda-95a8-c58e00a3954e',
      'unsigned.eventType': 'Push Hook',
      'unsigned.webhookId': '6f1e9b2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b',
      'unsigned.idempotencyKey': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
    });
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
  });

  test('rejects another token, a token one character off, a missing or a duplicated one', () => {
    expect(verify({ ...headers, 'X-Gitlab-Token': `${token}x` })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify({ ...headers, 'X-Gitlab-Token': token.slice(0, -1) })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, BODY, keysOf(scheme, 'gitlab-secret-token-9876543210'))).toEqual({ ok: false, reason: 'signature_invalid' });
    const { 'X-Gitlab-Token': _, ...without } = headers;
    expect(verify(without)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ ...without, 'x-gitlab-token': [token, token] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
  });

  test('binds no body: a changed body under the same token is accepted (why a token is weaker), and keys a new dedupe record', () => {
    const result = verify(headers, changeOneByte(BODY));
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(changeOneByte(BODY))}`);
    expect(describeScheme(scheme)?.signature).toMatch(/shared token/);
  });
});

describe('linear (timestamp inside the signed body)', () => {
  const scheme = schemeOf('linear');
  const secret = 'lin_wh_k4Jd9sP2mXq7Rt1Vb8Nc3Lz6Hf0Ga5We';
  const keys = keysOf(scheme, secret);
  const bodyAt = (ms: number, extra = '') => `{"action":"create","type":"Issue","data":{"id":"7a9b","title":"webhookTimestamp in a title: \\"webhookTimestamp\\""}${extra},"webhookTimestamp":${ms},"webhookId":"0c1d"}`;
  const signedHeaders = (body: string) => ({ 'Linear-Signature': hmacOf('sha256', secret, body), 'Linear-Delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72', 'Linear-Event': 'Issue' });
  const verify = (body: string, headers = signedHeaders(body), now = NOW, k = keys) => scheme.verify({ headers, body }, k, now, scheme.defaultToleranceSeconds!);

  test('SDK oracle: @linear/sdk LinearWebhookClient accepts what our sign() signs, and we accept it too', () => {
    const now = NOW;
    const body = bodyAt(now);
    const headers = scheme.sign({ body }, secret);
    const oracle = linearOracle(secret, [
      { body, signature: headers['linear-signature'] },
      { body: bodyAt(now + 1), signature: headers['linear-signature'] },
      { body: bodyAt(now - 61_000), signature: scheme.sign({ body: bodyAt(now - 61_000) }, secret)['linear-signature'] },
    ], now);
    expect(oracle).toEqual([true, false, false]);
    expect(scheme.verify({ headers, body }, keys, now, 60).ok).toBe(true);
    expect(scheme.verify({ headers, body: bodyAt(now + 1) }, keys, now, 60)).toEqual({ ok: false, reason: 'signature_invalid' });
    const stale = bodyAt(now - 61_000);
    expect(scheme.verify({ headers: scheme.sign({ body: stale }, secret), body: stale }, keys, now, 60)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('accepts a delivery whose signed webhookTimestamp is within the documented minute, both ways', () => {
    expect(scheme.defaultToleranceSeconds).toBe(60);
    const result = verify(bodyAt(NOW - 59_000));
    expect(result.ok && result.timestamp).toBe((NOW - 59_000) / 1000);
    expect(verify(bodyAt(NOW + 59_000)).ok).toBe(true);
  });

  test('rejects a signed webhookTimestamp outside the minute, both ways', () => {
    expect(verify(bodyAt(NOW - 61_000))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(bodyAt(NOW + 61_000))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('ignores the unsigned Linear-Timestamp header: a fresh one does not revive a stale body', () => {
    const stale = bodyAt(NOW - 3_600_000);
    expect(verify(stale, { ...signedHeaders(stale), 'Linear-Timestamp': String(NOW) } as never)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test.each([
    ['missing', '{"action":"create","type":"Issue"}'],
    ['a string', '{"webhookTimestamp":"1795867200000"}'],
    ['a fraction', `{"webhookTimestamp":${NOW + 0.5}}`],
    ['in seconds', `{"webhookTimestamp":${NOW / 1000}}`],
    ['present twice', `{"webhookTimestamp":${NOW - 3_600_000},"webhookTimestamp":${NOW}}`],
    ['also a nested key', `{"data":{"webhookTimestamp":1},"webhookTimestamp":${NOW}}`],
    ['in a body that is not JSON', `webhookTimestamp=${NOW}`],
    ['in an array', `[{"webhookTimestamp":${NOW}}]`],
  ])('fails closed on a signed body whose webhookTimestamp is %s', (_, body) => {
    expect(verify(body)).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });

  test('fails closed on a body that is not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(`{"webhookTimestamp":${NOW},"t":"`), Buffer.from([0xff]), Buffer.from('"}')]);
    const headers = { 'Linear-Signature': createHmac('sha256', secret).update(bytes).digest('hex') };
    expect(scheme.verify({ headers, body: bytes }, keys, NOW, 60)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('reads the body as its consumer\'s JSON.parse does: a signed body with a BOM, or a key twice, has no timestamp', () => {
    // Before: a BOM-stripping decoder read a timestamp from a body the consumer's JSON.parse refuses.
    for (const body of [`\ufeff{"webhookTimestamp":${NOW}}`, Buffer.from(`\ufeff{"webhookTimestamp":${NOW}}`), `{"webhookTimestamp":${NOW},"webhook\\u0054imestamp":${NOW - 3_600_000}}`]) {
      const headers = { 'Linear-Signature': createHmac('sha256', secret).update(body).digest('hex') };
      expect(scheme.verify({ headers, body }, keys, NOW, 60)).toEqual({ ok: false, reason: 'malformed_timestamp' });
    }
  });

  test('reads the body only after its signature matched: an unsigned body is a signature failure', () => {
    const body = '{"no":"timestamp"}';
    expect(verify(body, { ...signedHeaders(body), 'Linear-Signature': hmacOf('sha256', 'someone-else-entirely-00', body) })).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a one-byte change of the body and another key', () => {
    const body = bodyAt(NOW);
    expect(verify(body.replace('create', 'crease'), signedHeaders(body))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(body, signedHeaders(body), NOW, keysOf(scheme, 'lin_wh_another0secret0entirely00'))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(body, { ...signedHeaders(body), 'Linear-Signature': 'zz' })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('forwards Linear-Delivery and Linear-Event as unsigned; duplicates key on the signed body', () => {
    const body = bodyAt(NOW);
    const result = verify(body);
    expect(result.ok && { ...result.metadata }).toEqual({ 'unsigned.eventId': '234d1a4e-b617-4388-90fe-adc3633d6b72', 'unsigned.eventType': 'Issue' });
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(body)}`);
    const other = verify(body, { ...signedHeaders(body), 'Linear-Delivery': 'another-delivery-id' });
    expect(other.ok && other.dedupeKey).toBe(`sha256:${sha256(body)}`);
  });

  test('describes itself for the README table', () => {
    expect(describeScheme(scheme)).toEqual({
      signature: '`Linear-Signature`, HMAC-SHA256 hex over body',
      replay: 'signed `webhookTimestamp` inside the body (unix ms), 1 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['unsigned.eventId', 'unsigned.eventType'],
    });
  });

  test('by name through the verifier: the 60 s tolerance is the default', () => {
    const body = bodyAt(NOW - 90_000);
    const verifier = new WebhookVerifier({ scheme: { type: 'linear' } as SchemeConfig, secrets: [secret] });
    expect(verifier.verify({ headers: signedHeaders(body), body }, NOW)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });
});
