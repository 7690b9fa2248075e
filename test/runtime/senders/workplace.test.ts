import { Signature } from '@hubspot/api-client';
import { createHash, createHmac } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult, WebhookConfigurationError } from '../../../lib/runtime';
import { DOCUSIGN_MAX_KEYS } from '../../../lib/runtime/schemes/senders/docusign';
import { hubspotSignedUri } from '../../../lib/runtime/schemes/senders/hubspot';
import { WORKPLACE } from '../../../lib/runtime/schemes/senders/workplace';
import { useFakeAws } from '../../support/fake-aws';
import { workplaceHandler } from './workplace-handler';
import { atTestNow, TEST_NOW } from '../../support/clock';
import { describeScheme } from '../../../lib/runtime/schemes/describe-row';

// The workplace, support and CRM senders of the catalogue (lib/runtime/schemes/senders/workplace.ts).
//
// Vectors. HubSpot is checked against its official SDK (@hubspot/api-client `Signature`, v3) both
// ways. None of the others publishes a complete example (secret, body and the signature over them)
// in its documentation, and none has an official verifying SDK installed here (Zoom's Rivet, Box's,
// DocuSign's and Notion's SDKs are not dependencies). So each of their vectors is computed with
// node:crypto's createHmac following the sender's page literally (key bytes, signed bytes and their
// order, algorithm, encoding, prefix) and the request is built by hand from those words, never by our
// sign(): our verifier must accept it, and our sign() must produce the same signature. Where a page
// shows example headers or a documented secret (Zendesk's static test secret and example timestamp,
// Box's example timestamp and delivery id), the vector uses them.

const NOW = TEST_NOW;
const BODY = '{"id":"4f1c5a0e-5b8e-4a5e-9c1d-2b7e1d0c9a11","type":"ping","note":"café ✓"}';

const schemeOf = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const mac = (algorithm: string, key: string, text: string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(text, 'utf8').digest(encoding);
const changeOneByte = (body: string) => body.replace('ping', 'pinh');
const unix = (ms: number) => String(Math.floor(ms / 1000));
// An RFC 3339 instant in whole seconds, as Zendesk's and Box's example headers write it.
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const headerOf = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

interface Timed {
  /** The documented moment the vector is checked at (epoch ms). */
  readonly at: number;
  readonly toleranceSeconds: number;
  /** The timestamp as the sender writes it for a moment. */
  readonly text: (ms: number) => string;
  /** The timestamp our sign() wrote. */
  readonly read: (headers: Record<string, string>) => string;
}

interface Sender {
  readonly type: keyof typeof WORKPLACE;
  /** The secret as the sender shows it to its user. */
  readonly secret: string;
  readonly otherSecret: string;
  /** The page's words, literally: the signature (and timestamp) headers for `body` signed at `stamp`. */
  readonly documented: (secret: string, body: string, stamp: string) => Record<string, string>;
  readonly timed?: Timed;
  /** Metadata headers the sender sends, and the attributes they must travel as. */
  readonly metadataHeaders: Record<string, string>;
  readonly metadata: Record<string, string>;
}

const SENDERS: Sender[] = [
  {
    // "v0:" + x-zm-request-timestamp + ":" + raw body, HMAC-SHA256 hex under the Secret Token, "v0=" prefix.
    type: 'zoom',
    secret: 'zM8sEcReTtOkEn4Q9wXy2A',
    otherSecret: 'aN0tHeRsEcReTtOkEn7Zq1',
    documented: (secret, body, stamp) => ({ 'x-zm-request-timestamp': stamp, 'x-zm-signature': `v0=${mac('sha256', secret, `v0:${stamp}:${body}`, 'hex')}` }),
    timed: { at: NOW, toleranceSeconds: 300, text: unix, read: (h) => headerOf(h, 'x-zm-request-timestamp')! },
    metadataHeaders: { 'x-zm-trackingid': 'v=2.0;clid=us06;rid=WEB_9b1f0c2d3e4f' },
    metadata: { 'unsigned.trackingId': 'v=2.0;clid=us06;rid=WEB_9b1f0c2d3e4f' },
  },
  {
    // X-Hub-Signature: "sha1=" + the 40-hex-digit HMAC-SHA1 of the JSON notification under the secret.
    type: 'intercom',
    secret: '0f3c9a52-6d1e-4b7f-8a2c-5e9d1b3f7a60',
    otherSecret: 'a7e4b1c8-2f5d-4e9a-b3c6-1d8f0e2a4b97',
    documented: (secret, body) => ({ 'X-Hub-Signature': `sha1=${mac('sha1', secret, body, 'hex')}` }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // base64(HMACSHA256(TIMESTAMP + BODY)) under the signing secret as revealed (its text). The secret
    // is the static one Zendesk documents for test requests; the time and ids are its example headers.
    type: 'zendesk',
    secret: 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==',
    otherSecret: 'bm90X3RoZV96ZW5kZXNrX3Rlc3Rfc2VjcmV0Li4u',
    documented: (secret, body, stamp) => ({
      'x-zendesk-webhook-signature-timestamp': stamp,
      'x-zendesk-webhook-signature': mac('sha256', secret, stamp + body, 'base64'),
    }),
    timed: { at: Date.parse('2021-03-25T05:09:27Z'), toleranceSeconds: 300, text: rfc3339, read: (h) => headerOf(h, 'x-zendesk-webhook-signature-timestamp')! },
    metadataHeaders: { 'x-zendesk-account-id': '123456', 'x-zendesk-webhook-id': '01F1KRFQ6BG29CNWFR60NK5FNY', 'x-zendesk-webhook-invocation-id': '8350205582' },
    metadata: { 'unsigned.eventId': '8350205582', 'unsigned.webhookId': '01F1KRFQ6BG29CNWFR60NK5FNY', 'unsigned.accountId': '123456' },
  },
  {
    // Typeform-Signature: "sha256=" + base64 of the HMAC-SHA256 of the entire payload under the secret
    // (a random string its user sets, e.g. SecureRandom.hex(20)).
    type: 'typeform',
    secret: '3f9d2c1b0a8e7d6c5b4a39281706f5e4d3c2b1a0',
    otherSecret: 'a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d',
    documented: (secret, body) => ({ 'Typeform-Signature': `sha256=${mac('sha256', secret, body, 'base64')}` }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // Calendly-Webhook-Signature: "t=<unix s>,v1=<hex>", HMAC-SHA256 of t + "." + raw body under the signing key.
    type: 'calendly',
    secret: 'calendly-webhook-signing-key-0123456789',
    otherSecret: 'calendly-webhook-signing-key-9876543210',
    documented: (secret, body, stamp) => ({ 'Calendly-Webhook-Signature': `t=${stamp},v1=${mac('sha256', secret, `${stamp}.${body}`, 'hex')}` }),
    timed: { at: NOW, toleranceSeconds: 180, text: unix, read: (h) => /t=(\d+)/.exec(headerOf(h, 'calendly-webhook-signature')!)![1] },
    metadataHeaders: {},
    metadata: {},
  },
  {
    // X-DocuSign-Signature-1: base64 HMAC-SHA256 of the whole body (line endings included) under the HMAC key's text.
    type: 'docusign',
    secret: 'qK7xY2mN9pR4tV6wZ8bC1dF3gH5jL0sA2eU4iO6uY8c=',
    otherSecret: 'wE3rT5yU7iO9pA1sD3fG5hJ7kL9zX1cV3bN5mQ7wE9r=',
    documented: (secret, body) => ({ 'X-DocuSign-Signature-1': mac('sha256', secret, body, 'base64') }),
    metadataHeaders: {},
    metadata: {},
  },
  {
    // BOX-SIGNATURE-PRIMARY: base64 HMAC-SHA256 of the body's bytes then BOX-DELIVERY-TIMESTAMP's, under
    // the primary key; the time and delivery id are the page's example headers.
    type: 'box',
    secret: 'SamplePrimaryKey0123456789abcdef',
    otherSecret: 'SampleSecondaryKeyfedcba98765432',
    documented: (secret, body, stamp) => ({ 'BOX-DELIVERY-TIMESTAMP': stamp, 'BOX-SIGNATURE-PRIMARY': mac('sha256', secret, body + stamp, 'base64') }),
    timed: { at: Date.parse('2016-07-11T10:10:33-07:00'), toleranceSeconds: 600, text: rfc3339, read: (h) => headerOf(h, 'box-delivery-timestamp')! },
    metadataHeaders: { 'BOX-DELIVERY-ID': '673a081b-bb4b-4d45-b4f1-4131a29c1d07', 'BOX-SIGNATURE-VERSION': '1', 'BOX-SIGNATURE-ALGORITHM': 'HmacSHA256' },
    metadata: { 'unsigned.deliveryId': '673a081b-bb4b-4d45-b4f1-4131a29c1d07' },
  },
  {
    // X-Notion-Signature: "sha256=" + hex HMAC-SHA256 of the raw body under the verification_token.
    type: 'notion',
    secret: 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6',
    otherSecret: 'secret_Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Pa0Sd1Fg2Hj3Kl4',
    documented: (secret, body) => ({ 'X-Notion-Signature': `sha256=${mac('sha256', secret, body, 'hex')}` }),
    metadataHeaders: {},
    metadata: {},
  },
];

describe.each(SENDERS)('$type', ({ type, secret, otherSecret, documented, timed, metadataHeaders, metadata }) => {
  const scheme = schemeOf(type);
  const keys = keysOf(scheme, secret);
  const at = timed?.at ?? NOW;
  const stamp = timed ? timed.text(at) : '';
  const verify = (headers: Record<string, string>, body: string | Uint8Array = BODY, k = keys, now = at): VerifyResult =>
    scheme.verify({ headers, body }, k, now, timed?.toleranceSeconds ?? 0);
  const delivery = { 'content-type': 'application/json', ...documented(secret, BODY, stamp), ...metadataHeaders };
  const signatureHeader = Object.keys(documented(secret, BODY, stamp)).find((h) => scheme.signatureHeaders.includes(h.toLowerCase()))!;

  test('accepts the vector computed from the documentation at its time; our sign() signs it the same way', () => {
    const result = verify(delivery);
    expect(result.ok).toBe(true);
    if (timed) expect(result.ok && result.timestamp).toBe(Math.floor(at / 1000));
    const signed = scheme.sign({ body: BODY, timestamp: at / 1000 }, secret);
    const expected = documented(secret, BODY, timed ? timed.read(signed) : '');
    expect(headerOf(signed, signatureHeader)).toBe(headerOf(expected, signatureHeader));
    expect(verify(signed).ok).toBe(true);
  });

  test('accepts the exact bytes of a body that is not UTF-8, and no re-encoding of them', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const headers = scheme.sign({ body: bytes, timestamp: at / 1000 }, secret);
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

  if (timed) {
    test(`rejects a signed timestamp outside the ${timed.toleranceSeconds} s window, both ways; accepts one inside`, () => {
      expect(scheme.defaultToleranceSeconds).toBe(timed.toleranceSeconds);
      for (const offset of [timed.toleranceSeconds + 1, -(timed.toleranceSeconds + 1)]) {
        const headers = { ...delivery, ...documented(secret, BODY, timed.text(at + offset * 1000)) };
        expect(verify(headers)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      }
      const inside = { ...delivery, ...documented(secret, BODY, timed.text(at - (timed.toleranceSeconds - 1) * 1000)) };
      expect(verify(inside).ok).toBe(true);
    });

    test('rejects a timestamp that is not one (fails closed, never read as NaN)', () => {
      for (const bad of ['', 'soon', '1.5e9', '-1', `${stamp} `]) {
        const result = verify({ ...delivery, ...documented(secret, BODY, bad) });
        expect(result.ok).toBe(false);
      }
    });
  } else {
    test('signs no timestamp: it declares no tolerance (the dedupe record is the replay control)', () => {
      expect(scheme.defaultToleranceSeconds).toBeUndefined();
      expect(describeScheme(scheme)?.replay).toMatch(/dedupe record only/);
    });
  }
});

describe('zoom: endpoint.url_validation', () => {
  const scheme = schemeOf('zoom');
  const secret = 'zM8sEcReTtOkEn4Q9wXy2A';
  const keys = keysOf(scheme, secret);
  const plainToken = 'qgg8vlvZRS6UYooatFL8Aw';
  const validation = JSON.stringify({ payload: { plainToken }, event_ts: NOW, event: 'endpoint.url_validation' });
  const signed = (body: string, key = secret) => {
    const ts = unix(NOW);
    return { 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${mac('sha256', key, `v0:${ts}:${body}`, 'hex')}` };
  };
  const answer = (body: string, headers: Record<string, string>) => {
    const result = scheme.verify({ headers, body }, keys, NOW, 300);
    return scheme.immediateResponse?.(body, result.ok ? result : undefined, headers);
  };

  test('a signed validation is answered with the plain token and its HMAC-SHA256 (hex) under the secret token', () => {
    expect(answer(validation, signed(validation))).toEqual({ body: JSON.stringify({ plainToken, encryptedToken: mac('sha256', secret, plainToken, 'hex') }) });
  });

  test('an unsigned, wrongly signed or stale validation is not answered (it is rejected)', () => {
    expect(answer(validation, {})).toBeUndefined();
    expect(answer(validation, signed(validation, 'aN0tHeRsEcReTtOkEn7Zq1'))).toBeUndefined();
    const stale = { 'x-zm-request-timestamp': unix(NOW - 301_000), 'x-zm-signature': `v0=${mac('sha256', secret, `v0:${unix(NOW - 301_000)}:${validation}`, 'hex')}` };
    expect(scheme.verify({ headers: stale, body: validation }, keys, NOW, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(answer(validation, stale)).toBeUndefined();
  });

  test('a signed ordinary event is not answered (it is queued); a token that could turn the echo into markup is not echoed', () => {
    const event = JSON.stringify({ event: 'meeting.started', payload: { object: { id: '1' } } });
    expect(answer(event, signed(event))).toBeUndefined();
    const markup = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: '<script>' } });
    expect(answer(markup, signed(markup))).toBeUndefined();
  });
});

describe('zendesk', () => {
  const scheme = schemeOf('zendesk');
  const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
  test('the key is the secret\'s text, not its base64 decode', () => {
    const stamp = '2021-03-25T05:09:27Z';
    const decoded = createHmac('sha256', Buffer.from(secret, 'base64')).update(stamp + BODY).digest('base64');
    const headers = { 'x-zendesk-webhook-signature-timestamp': stamp, 'x-zendesk-webhook-signature': decoded };
    expect(scheme.verify({ headers, body: BODY }, keysOf(scheme, secret), Date.parse(stamp), 300)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
  test('trigger webhooks post JSON, XML or a form: all three are its media types', () => {
    expect(scheme.contentTypes).toEqual(['application/json', 'application/xml', 'application/x-www-form-urlencoded']);
  });
  test('refuses a timestamp that is not an RFC 3339 instant', () => {
    const stamp = 'Thu, 25 Mar 2021 05:09:27 GMT';
    const headers = { 'x-zendesk-webhook-signature-timestamp': stamp, 'x-zendesk-webhook-signature': mac('sha256', secret, stamp + BODY, 'base64') };
    expect(scheme.verify({ headers, body: BODY }, keysOf(scheme, secret), Date.parse(stamp), 300)).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });
});

describe('calendly', () => {
  const scheme = schemeOf('calendly');
  const secret = 'calendly-webhook-signing-key-0123456789';
  const t = unix(NOW);
  const v1 = (key: string) => `v1=${mac('sha256', key, `${t}.${BODY}`, 'hex')}`;
  const verify = (header: string) => scheme.verify({ headers: { 'Calendly-Webhook-Signature': header }, body: BODY }, keysOf(scheme, secret), NOW, 180);
  test('refuses a header without its timestamp, with two of them, or without a v1', () => {
    expect(verify(v1(secret))).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verify(`t=${t},t=${t},${v1(secret)}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`t=${t}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });
  test('the timestamp is signed: a fresh t on an old signature does not verify', () => {
    expect(verify(`t=${unix(NOW + 1000)},${v1(secret)}`)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('box: primary and secondary signatures', () => {
  const scheme = schemeOf('box');
  const primary = 'SamplePrimaryKey0123456789abcdef';
  const secondary = 'SampleSecondaryKeyfedcba98765432';
  const stamp = '2016-07-11T10:10:33-07:00';
  const at = Date.parse(stamp);
  const sig = (key: string, ts = stamp) => mac('sha256', key, BODY + ts, 'base64');
  const both = { 'BOX-DELIVERY-TIMESTAMP': stamp, 'BOX-SIGNATURE-PRIMARY': sig(primary), 'BOX-SIGNATURE-SECONDARY': sig(secondary) };
  const verify = (headers: Record<string, string>, ...secrets: string[]) => scheme.verify({ headers, body: BODY }, keysOf(scheme, ...secrets), at, 600);

  test('either key verifies while both are configured (rolling one while the other verifies)', () => {
    expect(verify(both, primary).ok).toBe(true);
    expect(verify(both, secondary).ok).toBe(true);
    expect(verify({ 'BOX-DELIVERY-TIMESTAMP': stamp, 'BOX-SIGNATURE-SECONDARY': sig(secondary) }, secondary).ok).toBe(true);
    expect(verify(both, 'AnUnrelatedBoxKey000000000000000')).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('refuses a delivery with neither signature, and the timestamp is required', () => {
    expect(verify({ 'BOX-DELIVERY-TIMESTAMP': stamp }, primary)).toEqual({ ok: false, reason: 'missing_header' });
    expect(scheme.requiredHeaders).toEqual(['box-delivery-timestamp']);
  });

  test('body then timestamp, in that order: the reverse does not verify', () => {
    const reversed = { 'BOX-DELIVERY-TIMESTAMP': stamp, 'BOX-SIGNATURE-PRIMARY': mac('sha256', primary, stamp + BODY, 'base64') };
    expect(verify(reversed, primary)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('docusign: one numbered header per active Connect key', () => {
  const scheme = schemeOf('docusign');
  const older = 'qK7xY2mN9pR4tV6wZ8bC1dF3gH5jL0sA2eU4iO6uY8c=';
  const newer = 'wE3rT5yU7iO9pA1sD3fG5hJ7kL9zX1cV3bN5mQ7wE9r=';
  const sig = (key: string) => mac('sha256', key, BODY, 'base64');
  const verify = (headers: Record<string, string>, ...secrets: string[]) => scheme.verify({ headers, body: BODY }, keysOf(scheme, ...secrets), NOW, 0);

  test('while two keys are active, DocuSign sends -1 and -2: either key verifies', () => {
    const headers = { 'X-DocuSign-Signature-1': sig(older), 'X-DocuSign-Signature-2': sig(newer) };
    expect(verify(headers, older).ok).toBe(true);
    expect(verify(headers, newer).ok).toBe(true);
  });

  test(`reads every header up to -${DOCUSIGN_MAX_KEYS}, none beyond`, () => {
    expect(verify({ [`X-DocuSign-Signature-${DOCUSIGN_MAX_KEYS}`]: sig(newer) }, newer).ok).toBe(true);
    expect(verify({ [`X-DocuSign-Signature-${DOCUSIGN_MAX_KEYS + 1}`]: sig(newer) }, newer)).toEqual({ ok: false, reason: 'missing_header' });
  });

  test('describes its headers as one range', () => {
    expect(describeScheme(scheme)?.signature).toBe(`\`X-DocuSign-Signature-1\` … \`-${DOCUSIGN_MAX_KEYS}\` (one per active Connect key), HMAC-SHA256 base64 over body`);
  });
});

describe('notion: the verification-token handshake', () => {
  const scheme = schemeOf('notion');
  const token = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
  const unsigned = (body: string | Uint8Array) => scheme.handshake!.capture!(body, { 'content-type': 'application/json' });

  test('captures the token of exactly {"verification_token": ...} and answers 200 with nothing of it', () => {
    const result = unsigned(JSON.stringify({ verification_token: token }));
    expect(result).toEqual({ answer: { body: '{}' }, captured: token });
    expect(result?.answer.body).not.toContain(token);
    expect(unsigned(Buffer.from(`{ "verification_token" : "${token}" }`))?.captured).toBe(token);
  });

  test.each([
    ['another key beside it', JSON.stringify({ verification_token: token, type: 'page.created' })],
    ['the key twice', `{"verification_token":"secret_attackerchosen0000000","verification_token":"${token}"}`],
    ['a token that is not a string', JSON.stringify({ verification_token: 12345678901234567890 })],
    ['a token too short to be a key', JSON.stringify({ verification_token: 'secret_x' })],
    ['a token with characters no token has', JSON.stringify({ verification_token: 'secret_<script>alert(1)</script>' })],
    ['a nested token', JSON.stringify({ data: { verification_token: token } })],
    ['an array', JSON.stringify([{ verification_token: token }])],
    ['a body that is not JSON', `verification_token=${token}`],
    ['an event', JSON.stringify({ id: '1', type: 'page.created' })],
  ])('is not the handshake: %s', (_, body) => {
    expect(unsigned(body)).toBeUndefined();
  });

  test('what it captures verifies nothing by itself; once put as the key, it verifies signed deliveries', () => {
    const body = JSON.stringify({ verification_token: token });
    expect(scheme.verify({ headers: {}, body }, keysOf(scheme, 'secret_AnEarlierKey0000000000000000'), NOW, 0)).toEqual({ ok: false, reason: 'missing_header' });
    const captured = unsigned(body)!.captured;
    const headers = { 'X-Notion-Signature': `sha256=${mac('sha256', captured, BODY, 'hex')}` };
    expect(scheme.verify({ headers, body: BODY }, keysOf(scheme, captured), NOW, 0).ok).toBe(true);
  });

  test('its signature header is not a required header (the handshake carries none), yet a delivery without it is refused', () => {
    expect(scheme.requiredHeaders).toEqual([]);
    expect(scheme.signatureHeaders).toEqual(['x-notion-signature']);
    expect(scheme.verify({ headers: {}, body: BODY }, keysOf(scheme, token), NOW, 0)).toEqual({ ok: false, reason: 'missing_header' });
    expect(scheme.verify({ headers: { 'x-notion-signature': '' }, body: BODY }, keysOf(scheme, token), NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { 'x-notion-signature': mac('sha256', token, BODY, 'hex') }, body: BODY }, keysOf(scheme, token), NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('answers no signed POST itself: every verified POST is a delivery', () => {
    expect(scheme.immediateResponse).toBeUndefined();
    expect(scheme.handshake?.post).toBeUndefined();
  });
});

describe('hubspot (v3)', () => {
  const scheme = schemeOf('hubspot');
  const clientSecret = 'yyyyyyyy-1111-4a2b-8c3d-yyyyyyyyyyyy';
  const keys = keysOf(scheme, clientSecret);
  const url = 'https://hooks.example.com/prod/webhooks/hubspot?portal=62515&cb=a%3Ab%2Fc%40d%21e%24%27%28%29%2A%2C%3B%3F&q=%20x%25y';
  const body = '[{"eventId":100,"subscriptionId":1234,"portalId":62515,"occurredAt":1764331200000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW"}]';
  // What HubSpot signs: its table of percent-encodings decoded, nothing else (%20 and %25 stay).
  const decodedUrl = 'https://hooks.example.com/prod/webhooks/hubspot?portal=62515&cb=a:b/c@d!e$\'()*,;?&q=%20x%25y';
  const sdkSignature = (timestamp: number, method = 'POST', signedUrl = decodedUrl, signedBody = body) =>
    Signature.getSignature(method, 'v3', { clientSecret, requestBody: signedBody, url: signedUrl, timestamp } as never);
  const verify = (headers: Record<string, string>, opts: { now?: number; method?: string; requestUrl?: string; payload?: string } = {}) =>
    scheme.verify({ headers, body: opts.payload ?? body, url: opts.requestUrl ?? url, method: opts.method }, keys, opts.now ?? NOW, 300);

  test('decodes exactly the percent-encodings HubSpot lists, in either case', () => {
    expect(hubspotSignedUri(url)).toBe(decodedUrl);
    expect(hubspotSignedUri('https://h.example/p?a=%3a%2f%3F')).toBe('https://h.example/p?a=:/?');
    expect(hubspotSignedUri('https://h.example/p?a=%253A')).toBe('https://h.example/p?a=%253A');
  });

  test('SDK oracle: a delivery signed by @hubspot/api-client over the URI HubSpot signs is accepted at the URL it was posted to', () => {
    const timestamp = NOW;
    const headers = { 'X-HubSpot-Signature-v3': sdkSignature(timestamp), 'X-HubSpot-Request-Timestamp': String(timestamp), 'X-HubSpot-Signature-Version': 'v3' };
    const result = verify(headers);
    expect(result.ok && result.timestamp).toBe(NOW / 1000);
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(body)}`);
    expect(result.ok && { ...result.metadata }).toEqual({});
    // The undecoded URL is not what HubSpot signs: a signature over it is refused.
    expect(verify({ ...headers, 'X-HubSpot-Signature-v3': sdkSignature(timestamp, 'POST', url) })).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('SDK oracle: Signature.isValid (v3) accepts what our sign() signs, and refuses it changed', () => {
    const now = NOW;
    const headers = scheme.sign({ body, url, timestamp: now / 1000 }, clientSecret);
    const timestamp = Number(headers['x-hubspot-request-timestamp']);
    // The SDK checks the timestamp's age against the system clock and takes no time of its own: pinned at NOW.
    const check = (over: Partial<{ url: string; requestBody: string; method: string; clientSecret: string }>) =>
      atTestNow(() => Signature.isValid({ signatureVersion: 'v3', signature: headers['x-hubspot-signature-v3'], clientSecret, requestBody: body, url: decodedUrl, method: 'POST', timestamp, ...over }));
    expect(check({})).toBe(true);
    expect(check({ requestBody: body.replace('NEW', 'NEX') })).toBe(false);
    expect(check({ clientSecret: 'zzzzzzzz-2222-4a2b-8c3d-zzzzzzzzzzzz' })).toBe(false);
    expect(check({ method: 'PUT' })).toBe(false);
    expect(scheme.verify({ headers, body, url }, keys, now, 300).ok).toBe(true);
  });

  test('signs the method: a GET signature does not verify a POST; request.method is honoured', () => {
    const headers = { 'X-HubSpot-Signature-v3': sdkSignature(NOW, 'GET'), 'X-HubSpot-Request-Timestamp': String(NOW) };
    expect(verify(headers)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, { method: 'GET' }).ok).toBe(true);
    const signed = scheme.sign({ body: '', url, method: 'GET', timestamp: NOW / 1000 }, clientSecret);
    expect(signed['x-hubspot-signature-v3']).toBe(sdkSignature(NOW, 'GET', decodedUrl, ''));
  });

  test('rejects a one-byte change of the body, another key, and a timestamp outside 5 minutes both ways', () => {
    const headers = { 'X-HubSpot-Signature-v3': sdkSignature(NOW), 'X-HubSpot-Request-Timestamp': String(NOW) };
    expect(verify(headers, { payload: body.replace('NEW', 'NEX') })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers, body, url }, keysOf(scheme, 'zzzzzzzz-2222-4a2b-8c3d-zzzzzzzzzzzz'), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, { now: NOW + 301_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(headers, { now: NOW - 301_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(headers, { now: NOW + 299_000 }).ok).toBe(true);
    expect(scheme.defaultToleranceSeconds).toBe(300);
  });

  test('the timestamp is signed and in milliseconds: a changed or malformed one is refused', () => {
    const signature = sdkSignature(NOW);
    expect(verify({ 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': String(NOW + 1) })).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const bad of [String(NOW / 1000) + '.5', '-1', '1e12', ' 1764331200000', '']) {
      expect(verify({ 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': bad }).ok).toBe(false);
    }
    expect(verify({ 'X-HubSpot-Signature-v3': signature })).toEqual({ ok: false, reason: 'missing_header' });
  });

  test('a v1/v2 signature alone is not accepted; without the public URL, verifying is a configuration error', () => {
    const v1 = createHash('sha256').update(clientSecret + body).digest('hex');
    expect(verify({ 'X-HubSpot-Signature': v1, 'X-HubSpot-Signature-Version': 'v1' })).toEqual({ ok: false, reason: 'missing_header' });
    expect(() => scheme.verify({ headers: {}, body }, keys, NOW, 300)).toThrow(WebhookConfigurationError);
    expect(() => scheme.sign({ body }, clientSecret)).toThrow(WebhookConfigurationError);
  });
});

describe('every workplace sender describes itself for the README table', () => {
  test.each(Object.keys(WORKPLACE))('%s', (type) => {
    const described = describeScheme(schemeOf(type));
    expect(described?.signature).toMatch(/HMAC-SHA(1|256)/);
    expect(described?.replay).toBeTruthy();
  });
});

describe('notion through the verifier handler', () => {
  const aws = useFakeAws();
  const token = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
  const handshake = JSON.stringify({ verification_token: token });
  // A secret still awaiting its key; the placeholder verifies nothing Notion signs.
  const awaiting = { current: 'placeholder-awaiting-notion-0000', awaitingKey: true };
  const versionsOf = (arn: string) => aws.secrets.get(arn)!.versions.size;
  const valueOf = (arn: string) => aws.stage(arn, 'AWSCURRENT')!.value!;

  test('the unsigned verification request is answered 200 and kept in the capture secret with when, from where and which request; never queued', async () => {
    const { secretId, captureSecretId, post, lastLog } = workplaceHandler(aws, 'notion', awaiting, NOW, true);
    const signingBefore = valueOf(secretId);
    const response = await post(handshake, {}, { requestId: 'req-notion-1', sourceIp: '198.51.100.20' });
    expect(response.statusCode).toBe(200);
    expect(lastLog()).toMatchObject({ reason: 'captured_handshake', sourceIp: '198.51.100.20' });
    const keyVersion = aws.stage(secretId, 'AWSCURRENT')!.versionId;
    expect(JSON.parse(valueOf(captureSecretId!))).toEqual({ token, capturedAt: new Date(NOW).toISOString(), sourceIp: '198.51.100.20', requestId: 'req-notion-1', keyVersion });
    // The signing secret is not written at all: same value, one version.
    expect(valueOf(secretId)).toBe(signingBefore);
    expect(versionsOf(secretId)).toBe(1);
    expect(aws.queue).toHaveLength(0);
    expect(JSON.stringify(lastLog())).not.toContain(token);
  });

  test('the first capture stands: a later one (another token, or the same) is refused 409, logged with its source IP, and creates no version', async () => {
    const { secretId, captureSecretId, post, lastLog } = workplaceHandler(aws, 'notion', awaiting, NOW, true);
    expect((await post(handshake, {}, { requestId: 'req-first', sourceIp: '198.51.100.20' })).statusCode).toBe(200);
    const kept = valueOf(captureSecretId!);
    const versions = versionsOf(captureSecretId!);
    const impostor = JSON.stringify({ verification_token: 'secret_Impostor0000000000000000000000' });
    for (const [i, body] of [impostor, handshake, impostor].entries()) {
      const refused = await post(body, {}, { requestId: `req-later-${i}`, sourceIp: '192.0.2.66' });
      expect(refused.statusCode).toBe(409);
      expect(JSON.parse(refused.body)).toEqual({ error: 'Conflict', requestId: `req-later-${i}` });
      expect(lastLog()).toMatchObject({ outcome: 'CaptureRefused', reason: 'capture_refused', status: 409, sourceIp: '192.0.2.66', requestId: `req-later-${i}`, CaptureRefused: 1 });
    }
    expect(valueOf(captureSecretId!)).toBe(kept);
    expect(versionsOf(captureSecretId!)).toBe(versions);
    expect(versionsOf(secretId)).toBe(1);
    expect(aws.queue).toHaveLength(0);
  });

  test('a capture that cannot be stored is a 503 (Notion asks again), nothing kept', async () => {
    const { captureSecretId, post, lastLog } = workplaceHandler(aws, 'notion', awaiting, NOW, true);
    aws.fail('PutSecretValue', 5);
    const response = await post(handshake, {});
    expect(response.statusCode).toBe(503);
    expect(lastLog()).toMatchObject({ reason: 'handshake_store_failed', error: 'InternalFailure' });
    expect(valueOf(captureSecretId!)).toBe('{}');
  });

  test('the same body with a (bad) signature header is verified like any delivery: refused, nothing captured or queued', async () => {
    const { captureSecretId, post } = workplaceHandler(aws, 'notion', awaiting, NOW, true);
    const response = await post(handshake, { 'x-notion-signature': `sha256=${mac('sha256', 'secret_NotTheKeyAtAll000000000', handshake, 'hex')}` });
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(valueOf(captureSecretId!)).toBe('{}');
    expect(aws.callCount('PutSecretValue')).toBe(0);
    expect(aws.queue).toHaveLength(0);
  });

  test('without a capture secret (keys not imported) nothing is captured: the handshake is refused as unsigned', async () => {
    const { post, lastLog } = workplaceHandler(aws, 'notion', awaiting, NOW);
    expect((await post(handshake, {})).statusCode).toBe(400);
    expect(lastLog().reason).toBe('missing_header');
    expect(aws.callCount('PutSecretValue')).toBe(0);
  });

  test('once the token is the key, nothing is captured any more and signed deliveries are queued', async () => {
    const { captureSecretId, post } = workplaceHandler(aws, 'notion', { current: token }, NOW, true);
    expect((await post(handshake, {})).statusCode).toBeGreaterThanOrEqual(400);
    expect(aws.callCount('PutSecretValue')).toBe(0);
    expect(valueOf(captureSecretId!)).toBe('{}');
    const response = await post(BODY, { 'X-Notion-Signature': `sha256=${mac('sha256', token, BODY, 'hex')}` });
    expect(response.statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
  });

  // The secret as lib/signing-secret.ts creates it for a capturing sender: its template
  // `{ previous: [], awaitingKey: true }` plus the random 44-character `current` that Secrets
  // Manager generates into it (generateStringKey: 'current'; test/endpoint.test.ts checks the template).
  test('with the secret as signing-secret.ts creates it (a generated placeholder key, awaitingKey), the token is captured', async () => {
    const { captureSecretId, post } = workplaceHandler(aws, 'notion', { previous: [], awaitingKey: true, current: 'Zx8Qp3Lm7Rt2Vb9Nc4Kd6Hf1Gj5Ws0Ey3Ua8Io2Pq7T' }, NOW, true);
    expect((await post(handshake, {})).statusCode).toBe(200);
    expect(JSON.parse(valueOf(captureSecretId!)).token).toBe(token);
    expect(aws.queue).toHaveLength(0);
  });
});
