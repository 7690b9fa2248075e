import { createHash, createHmac } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult, WebhookConfigurationError } from '../../../lib/runtime';
import { PAYMENTS } from '../../../lib/runtime/schemes/senders/payments';
import { muxOracle, Oracle, paddleOracle, razorpayOracle, squareOracle } from './payments-oracles';
import { atTestNow, TEST_NOW } from '../../support/clock';
import { describeScheme } from '../../../lib/runtime/schemes/describe-row';

// The payments and commerce senders of the catalogue (lib/runtime/schemes/senders/payments.ts).
//
// Vectors. None of these senders publishes a complete example (secret, body and the signature over
// them): Paddle and Mux show an example header only, with neither its secret nor its body. So every
// vector is computed with node:crypto's createHmac following the sender's page literally (key bytes,
// signed bytes and their order, algorithm, encoding, prefix), and the request is built by hand from
// those words, never by our sign(): our verifier must accept it, and our sign() must produce the same
// signature. Where a page shows example values (Paddle's example secret key and `ts`, Mux's example
// `t`, Square's example notification URL), the vector uses them.
//
// Oracles. Square (`square` WebhooksHelper), Paddle (@paddle/paddle-node-sdk), Razorpay (`razorpay`)
// and Mux (@mux/mux-node) have official SDKs installed here. They verify but do not sign, so each one
// judges both our sign() and the vector computed from its documentation (which proves the vector is the
// sender's). Paystack, WooCommerce, Lemon Squeezy and Coinbase Commerce have no official verifying SDK
// installed: their vectors stand on the documentation's words alone.

const NOW = TEST_NOW;
const BODY = '{"id":"4f1c5a0e-5b8e-4a5e-9c1d-2b7e1d0c9a11","type":"ping","note":"café ✓"}';
// Square's example notification URL (step 3 of its webhook guide).
const URL = 'https://example.com/webhook';

const schemeOf = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const mac = (algorithm: string, key: string, text: string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(text, 'utf8').digest(encoding);
const changeOneByte = (body: string) => body.replace('ping', 'pinh');
const unix = (ms: number) => String(Math.floor(ms / 1000));
const headerOf = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

interface Timed {
  /** The moment the vector is checked at (epoch ms): the page's example timestamp where it shows one. */
  readonly at: number;
  readonly toleranceSeconds: number;
  /** The timestamp our sign() wrote. */
  readonly read: (headers: Record<string, string>) => string;
}

interface Sender {
  readonly type: keyof typeof PAYMENTS;
  /** The secret as the sender shows it to its user (or as its user types it in). */
  readonly secret: string;
  readonly otherSecret: string;
  /** The page's words, literally: the signature header for `body` signed at `stamp` (unix s) to `url`. */
  readonly documented: (secret: string, body: string, stamp: string, url: string) => Record<string, string>;
  readonly timed?: Timed;
  /** Metadata headers the sender sends, and the attributes they must travel as. */
  readonly metadataHeaders: Record<string, string>;
  readonly metadata: Record<string, string>;
  readonly oracle?: Oracle;
}

const SENDERS: Sender[] = [
  {
    // x-square-hmacsha256-signature: HMAC-SHA-256 of the notification URL then the raw body, base64,
    // under the subscription's signature key.
    type: 'square',
    secret: 'nTb8x-4Qw2LZp0yVf7HcRg',
    otherSecret: 'Qm9vLx7_Jk2Hd5Rt1WcZsA',
    documented: (secret, body, _stamp, url) => ({ 'x-square-hmacsha256-signature': mac('sha256', secret, url + body, 'base64') }),
    metadataHeaders: {
      'square-environment': 'Production',
      'square-retry-number': '2',
      'square-retry-reason': 'http_timeout',
      'square-initial-delivery-timestamp': '2026-11-28T11:55:00.123456Z',
    },
    metadata: {
      'unsigned.environment': 'Production',
      'unsigned.attempt': '2',
      'unsigned.retryReason': 'http_timeout',
      'unsigned.initialDeliveryTimestamp': '2026-11-28T11:55:00.123456Z',
    },
    oracle: squareOracle,
  },
  {
    // Paddle-Signature: ts=<unix>;h1=<hex>, HMAC-SHA256 of ts + ":" + raw body under the destination's
    // secret key. The secret key and ts are the page's examples.
    type: 'paddle',
    secret: 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_a7e4a56cf7c1cd80cb1c735c72bab2aa75d06fe08b8c50a18cf6afbcfe834122',
    otherSecret: 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI',
    documented: (secret, body, stamp) => ({ 'Paddle-Signature': `ts=${stamp};h1=${mac('sha256', secret, `${stamp}:${body}`, 'hex')}` }),
    timed: { at: 1671552777_000, toleranceSeconds: 300, read: (h) => /ts=(\d+)/.exec(headerOf(h, 'paddle-signature')!)![1] },
    metadataHeaders: {},
    metadata: {},
    oracle: paddleOracle,
  },
  {
    // X-Razorpay-Signature: HMAC-SHA256 (hex) of the webhook request body with the webhook secret as key.
    type: 'razorpay',
    secret: 'rzp-webhook-secret-7f3a9c2e51',
    otherSecret: 'rzp-webhook-secret-0b8d6e4f23',
    documented: (secret, body) => ({ 'X-Razorpay-Signature': mac('sha256', secret, body, 'hex') }),
    metadataHeaders: { 'x-razorpay-event-id': 'KZ1hJq4yPq2xAb' },
    metadata: { 'unsigned.eventId': 'KZ1hJq4yPq2xAb' },
    oracle: razorpayOracle,
  },
  {
    // x-paystack-signature: HMAC SHA512 (hex) of the payload, signed with the secret key.
    type: 'paystack',
    secret: 'sk_test_5d8a3f1c9b7e2d4a6c0f8e1b3d5a7c9e2f4b6d80',
    otherSecret: 'sk_test_0a2c4e6f8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f90',
    documented: (secret, body) => ({ 'x-paystack-signature': mac('sha512', secret, body, 'hex') }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // X-WC-Webhook-Signature: a base64 encoded HMAC-SHA256 hash of the payload under the webhook's
    // secret. The other headers are those WooCommerce sends with every delivery.
    type: 'woocommerce',
    secret: '9c1e5b7d3f2a8c4e6b0d1f3a5c7e9b2d',
    otherSecret: '2d9b7e5c3a1f8d6b4e2c0a9f7d5b3e1c',
    documented: (secret, body) => ({ 'X-WC-Webhook-Signature': mac('sha256', secret, body, 'base64') }),
    metadataHeaders: {
      'X-WC-Webhook-Source': 'https://shop.example.com/',
      'X-WC-Webhook-Topic': 'order.created',
      'X-WC-Webhook-Resource': 'order',
      'X-WC-Webhook-Event': 'created',
      'X-WC-Webhook-ID': '3',
      'X-WC-Webhook-Delivery-ID': '36e520ebabc2fa725092ff4a47acedf2',
    },
    metadata: {
      'unsigned.eventType': 'order.created',
      'unsigned.deliveryId': '36e520ebabc2fa725092ff4a47acedf2',
      'unsigned.webhookId': '3',
      'unsigned.source': 'https://shop.example.com/',
    },
  },
  {
    // X-Signature: an HMAC (SHA-256) hex digest of the payload under the signing secret.
    type: 'lemonsqueezy',
    secret: 'ls-signing-secret-2f9c4b7a',
    otherSecret: 'ls-signing-secret-8e1d6c3b',
    documented: (secret, body) => ({ 'X-Signature': mac('sha256', secret, body, 'hex') }),
    metadataHeaders: { 'X-Event-Name': 'order_created' },
    metadata: { 'unsigned.eventType': 'order_created' },
  },
  {
    // X-CC-Webhook-Signature: the SHA256 HMAC signature (hex) of the raw request payload under the
    // shared webhook secret.
    type: 'coinbase-commerce',
    secret: '3f6c2a1e-9b7d-4c5e-8a2f-1d0e9c8b7a65',
    otherSecret: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    documented: (secret, body) => ({ 'X-CC-Webhook-Signature': mac('sha256', secret, body, 'hex') }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // Mux-Signature: t=<unix>,v1=<hex>, HMAC-SHA256 of t + "." + raw body under the signing secret.
    // The time is the page's example t.
    type: 'mux',
    secret: 'k3vq9rlb8p7m0c5h2u1t6a4s9d8f7g6j',
    otherSecret: 'p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7',
    documented: (secret, body, stamp) => ({ 'Mux-Signature': `t=${stamp},v1=${mac('sha256', secret, `${stamp}.${body}`, 'hex')}` }),
    timed: { at: 1565220904_000, toleranceSeconds: 300, read: (h) => /t=(\d+)/.exec(headerOf(h, 'mux-signature')!)![1] },
    metadataHeaders: {},
    metadata: {},
    oracle: muxOracle,
  },
];

test('every payments sender has its tests', () => {
  expect(SENDERS.map((s) => s.type).sort()).toEqual(Object.keys(PAYMENTS).sort());
});

describe.each(SENDERS)('$type', ({ type, secret, otherSecret, documented, timed, metadataHeaders, metadata, oracle }) => {
  const scheme = schemeOf(type);
  const keys = keysOf(scheme, secret);
  const at = timed?.at ?? NOW;
  const stamp = unix(at);
  const verify = (headers: Record<string, string>, body: string | Uint8Array = BODY, k = keys, now = at): VerifyResult =>
    scheme.verify({ headers, body, url: URL }, k, now, timed?.toleranceSeconds ?? 0);
  const delivery = { 'content-type': 'application/json', ...documented(secret, BODY, stamp, URL), ...metadataHeaders };
  const signatureHeader = Object.keys(documented(secret, BODY, stamp, URL)).find((h) => scheme.signatureHeaders.includes(h.toLowerCase()))!;

  test('accepts the vector computed from the documentation at its time; our sign() signs it the same way', () => {
    const result = verify(delivery);
    expect(result.ok).toBe(true);
    if (timed) expect(result.ok && result.timestamp).toBe(Math.floor(at / 1000));
    const signed = scheme.sign({ body: BODY, url: URL, timestamp: at / 1000 }, secret);
    const expected = documented(secret, BODY, timed ? timed.read(signed) : '', URL);
    expect(headerOf(signed, signatureHeader)).toBe(headerOf(expected, signatureHeader));
    expect(verify(signed).ok).toBe(true);
  });

  if (oracle) {
    test("the sender's SDK accepts our sign() and the documented vector, and refuses another key's", async () => {
      // The SDKs read the system clock and take no time of their own: pinned at NOW while they run.
      const nowMs = NOW;
      const signed = scheme.sign({ body: BODY, url: URL, timestamp: nowMs / 1000 }, secret);
      expect(await atTestNow(() => oracle({ body: BODY, headers: signed, secret, url: URL }))).toBe(true);
      expect(await atTestNow(() => oracle({ body: BODY, headers: signed, secret: otherSecret, url: URL }))).toBe(false);
      const vector = documented(secret, BODY, unix(nowMs), URL);
      expect(await atTestNow(() => oracle({ body: BODY, headers: vector, secret, url: URL }))).toBe(true);
      expect(verify(vector, BODY, keys, nowMs).ok).toBe(true);
      const theirs = documented(otherSecret, BODY, unix(nowMs), URL);
      expect(verify(theirs, BODY, keys, nowMs)).toEqual({ ok: false, reason: 'signature_invalid' });
    });
  }

  test('accepts the exact bytes of a body that is not UTF-8, and no re-encoding of them', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const headers = scheme.sign({ body: bytes, url: URL, timestamp: at / 1000 }, secret);
    expect(verify(headers, bytes).ok).toBe(true);
    expect(verify(headers, Buffer.from(bytes.toString('utf8'), 'utf8'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a one-byte change of the body', () => {
    expect(verify(delivery, changeOneByte(BODY))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects another key, and accepts again when the right key is one of the active ones', () => {
    expect(verify(delivery, BODY, keysOf(scheme, otherSecret))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery, BODY, keysOf(scheme, otherSecret, secret)).ok).toBe(true);
  });

  test('rejects a missing, duplicated or malformed signature header', () => {
    const value = delivery[signatureHeader as keyof typeof delivery] as string;
    const without: Record<string, string> = { ...delivery };
    delete without[signatureHeader];
    expect(verify(without)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ ...without, [signatureHeader.toLowerCase()]: [value, value] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify({ ...without, [signatureHeader]: value.slice(0, -2) })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('forwards its metadata under unsigned. names; duplicates key on the body, whatever the metadata says', () => {
    const result = verify(delivery);
    expect(result.ok && { ...result.metadata }).toEqual(metadata);
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
    const respelled = Object.fromEntries(Object.keys(metadataHeaders).map((k) => [k, 'changed-by-a-replayer']));
    const other = verify({ ...delivery, ...respelled });
    expect(other.ok && other.dedupeKey).toBe(`sha256:${sha256(BODY)}`);
  });

  test('answers no signed delivery instead of queueing it', () => {
    // Only WooCommerce has a handshake: its unsigned activation ping (tested below).
    if (type !== 'woocommerce') expect(scheme.handshake).toBeUndefined();
    const result = verify(delivery);
    expect(result.ok && scheme.immediateResponse?.(BODY, result, delivery)).toBeUndefined();
  });

  if (timed) {
    test(`rejects a signed timestamp outside the ${timed.toleranceSeconds} s window, both ways; accepts one inside`, () => {
      expect(scheme.defaultToleranceSeconds).toBe(timed.toleranceSeconds);
      for (const offset of [timed.toleranceSeconds + 1, -(timed.toleranceSeconds + 1)]) {
        const headers = { ...delivery, ...documented(secret, BODY, unix(at + offset * 1000), URL) };
        expect(verify(headers)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      }
      const inside = { ...delivery, ...documented(secret, BODY, unix(at - (timed.toleranceSeconds - 1) * 1000), URL) };
      expect(verify(inside).ok).toBe(true);
    });

    test('rejects a timestamp that is not one (fails closed, never read as NaN)', () => {
      for (const bad of ['', 'soon', '1.5e9', '-1', '0x5f5e100', `${stamp}0000000`]) {
        expect(verify({ ...delivery, ...documented(secret, BODY, bad, URL) }).ok).toBe(false);
      }
    });
  } else {
    test('signs no timestamp: it declares no tolerance (the dedupe record is the replay control)', () => {
      expect(scheme.defaultToleranceSeconds).toBeUndefined();
      expect(describeScheme(scheme)?.replay).toMatch(/dedupe record only/);
    });
  }
});

describe('square: the notification URL is signed', () => {
  const scheme = schemeOf('square');
  const secret = SENDERS[0].secret;
  const keys = keysOf(scheme, secret);
  const headers = { 'x-square-hmacsha256-signature': mac('sha256', secret, URL + BODY, 'base64') };

  test('rejects the same delivery verified against another URL (path, trailing slash, query, scheme)', () => {
    for (const url of ['https://example.com/webhook/', 'https://example.com/webhooks', 'https://example.com/webhook?x=1', 'http://example.com/webhook']) {
      expect(scheme.verify({ headers, body: BODY, url }, keys, NOW, 0)).toEqual({ ok: false, reason: 'signature_invalid' });
    }
  });

  test('fails as a configuration error, not a rejection, when the verifier is not given the URL', () => {
    expect(() => scheme.verify({ headers, body: BODY }, keys, NOW, 0)).toThrow(WebhookConfigurationError);
    expect(() => scheme.sign({ body: BODY }, secret)).toThrow(WebhookConfigurationError);
  });

  test('does not accept the legacy x-square-signature (HMAC-SHA1) in place of the SHA-256 one', () => {
    const legacy = { 'x-square-signature': mac('sha1', secret, URL + BODY, 'base64') };
    expect(scheme.verify({ headers: legacy, body: BODY, url: URL }, keys, NOW, 0)).toEqual({ ok: false, reason: 'missing_header' });
  });
});

describe('paddle: several h1 while a secret rotates', () => {
  const scheme = schemeOf('paddle');
  const [current, previous] = [SENDERS[1].secret, SENDERS[1].otherSecret];
  const at = 1671552777_000;
  const ts = unix(at);
  const h1 = (secret: string, body = BODY) => mac('sha256', secret, `${ts}:${body}`, 'hex');
  const verify = (value: string, keys = keysOf(scheme, current)) => scheme.verify({ headers: { 'Paddle-Signature': value }, body: BODY }, keys, at, 300);

  test('accepts a header with one h1 per secret when any one matches an active key', () => {
    expect(verify(`ts=${ts};h1=${h1(previous)};h1=${h1(current)}`).ok).toBe(true);
    expect(verify(`ts=${ts};h1=${h1(current)};h1=${h1(previous)}`).ok).toBe(true);
    expect(verify(`ts=${ts};h1=${h1(previous)}`)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('refuses an ambiguous header: two ts, no ts, no h1, or more h1 than a rotation needs', () => {
    expect(verify(`ts=${ts};ts=${ts};h1=${h1(current)}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`h1=${h1(current)}`)).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verify(`ts=${ts}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`ts=${ts};${Array.from({ length: 9 }, () => `h1=${h1(current)}`).join(';')}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('signs ts with a colon, not a dot: a Stripe-style payload does not verify', () => {
    const dotted = mac('sha256', current, `${ts}.${BODY}`, 'hex');
    expect(verify(`ts=${ts};h1=${dotted}`)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('mux: v1 signatures only', () => {
  const scheme = schemeOf('mux');
  const secret = SENDERS[7].secret;
  const at = 1565220904_000;
  const t = unix(at);
  const v1 = (key: string) => mac('sha256', key, `${t}.${BODY}`, 'hex');
  const verify = (value: string) => scheme.verify({ headers: { 'Mux-Signature': value }, body: BODY }, keysOf(scheme, secret), at, 300);

  test('accepts any matching v1 among several; ignores other schemes', () => {
    expect(verify(`t=${t},v1=${v1(SENDERS[7].otherSecret)},v1=${v1(secret)}`).ok).toBe(true);
    expect(verify(`t=${t},v0=${'0'.repeat(64)},v1=${v1(secret)}`).ok).toBe(true);
  });

  test('refuses a header whose only valid signature is under another scheme name', () => {
    expect(verify(`t=${t},v0=${v1(secret)}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('paystack: HMAC-SHA512', () => {
  const scheme = schemeOf('paystack');
  const secret = SENDERS[3].secret;

  test('refuses a SHA-256-length signature as malformed, and the SHA-256 HMAC of the body as invalid', () => {
    const sha256Mac = mac('sha256', secret, BODY, 'hex');
    expect(scheme.verify({ headers: { 'x-paystack-signature': sha256Mac }, body: BODY }, keysOf(scheme, secret), NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { 'x-paystack-signature': sha256Mac + sha256Mac }, body: BODY }, keysOf(scheme, secret), NOW, 0)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('woocommerce: the activation ping, metadata values, its secret', () => {
  const scheme = schemeOf('woocommerce');
  const secret = SENDERS[4].secret;
  const keys = keysOf(scheme, secret);

  test('the unsigned activation ping (webhook_id=<id>) is answered by the handshake, never verified as a delivery; nothing else is', () => {
    const ping = 'webhook_id=3';
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)' };
    expect(scheme.verify({ headers, body: ping }, keys, NOW, 0)).toEqual({ ok: false, reason: 'missing_header' });
    expect(scheme.handshake?.unsigned?.(ping, headers, {})).toEqual({ body: '{}' });
    for (const other of ['webhook_id=3&x=1', 'webhook_id=', 'webhook_id=abc', '{"webhook_id":3}', 'webhook_id=3\n']) {
      expect(scheme.handshake?.unsigned?.(other, headers, {})).toBeUndefined();
    }
  });

  test('refuses a metadata value that is not printable ASCII rather than forwarding it', () => {
    const headers = { 'X-WC-Webhook-Signature': mac('sha256', secret, BODY, 'base64'), 'X-WC-Webhook-Topic': 'order.créé' };
    expect(scheme.verify({ headers, body: BODY }, keys, NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('generates its secret (the admin pastes it) as hex, which WordPress stores unchanged', () => {
    expect(scheme.issuesKey).toBe(false);
    expect(scheme.generateKey()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('lemonsqueezy: a secret Lemon Squeezy takes (6 to 40 characters)', () => {
  const scheme = schemeOf('lemonsqueezy');

  test('generates 40 hex digits, and verifies what it signs with them', () => {
    const secret = scheme.generateKey();
    expect(secret).toMatch(/^[0-9a-f]{40}$/);
    const headers = scheme.sign({ body: BODY }, secret);
    expect(headerOf(headers, 'x-signature')).toBe(mac('sha256', secret, BODY, 'hex'));
    expect(scheme.verify({ headers, body: BODY }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
  });

  test('refuses a secret shorter than 16 characters, though Lemon Squeezy would take it', () => {
    expect(() => scheme.decodeKey('short-secret')).toThrow(WebhookConfigurationError);
  });
});

describe('razorpay: the key is ours to generate', () => {
  const scheme = schemeOf('razorpay');

  test("a generated secret signs what Razorpay's SDK verifies", async () => {
    expect(scheme.issuesKey).toBe(false);
    const secret = scheme.generateKey();
    const headers = scheme.sign({ body: BODY }, secret);
    expect(await razorpayOracle({ body: BODY, headers, secret })).toBe(true);
  });
});
