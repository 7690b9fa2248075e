import { createHash, createHmac } from 'node:crypto';
import { escape as querystringEscape } from 'node:querystring';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult, verifyWithKeys, WebhookConfigurationError } from '../../../lib/runtime';
import { contentfulSignedPath, SAAS, trelloSignedContent } from '../../../lib/runtime/schemes/senders/saas';
import { TEST_NOW } from '../../support/clock';
import { describeType } from '../../support/sender-table';

// The product and developer SaaS senders of the catalogue (lib/runtime/schemes/senders/saas.ts).
//
// Vectors. None of these senders publishes a complete example (secret, body and the signature over
// them), and no official SDK is installed here as an oracle (WorkOS's and Contentful's are large;
// Sanity's `@sanity/webhook` is small and would serve, see the report). So each vector is computed
// with node:crypto's createHmac following the sender's page (or official SDK source) literally: key
// bytes, signed bytes and their order, algorithm, encoding, header syntax; the request is built by
// hand from those words, never by our sign(): our verifier must accept it, and our sign() must
// produce the same signature. Where a page shows example values (WorkOS's, Webflow's and TikTok's
// timestamps, ClickUp's body, Klaviyo's webhook id), the vectors use them.

const NOW = TEST_NOW;
// An HTTP date, as Klaviyo-Timestamp is written (the example value of Klaviyo's page).
const KLAVIYO_STAMP = 'Thu, 04 Jan 2024 18:05:25 GMT';
const BODY = '{"id":"evt_01HZX3B9Q1","type":"ping","note":"café ✓"}';

const schemeOf = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const mac = (algorithm: string, key: string, text: string | Buffer, encoding: 'hex' | 'base64' | 'base64url') => createHmac(algorithm, key).update(text).digest(encoding);
const changeOneByte = (body: string) => body.replace('ping', 'pinh');
const unix = (ms: number) => String(Math.floor(ms / 1000));
// The signature in a header value: the `v1=`/`s=` entry of a list, else the whole value.
const signatureOf = (value: string) => /(?:v1|s)=([^,\s]+)$/.exec(value)?.[1] ?? value;
const headerOf = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

interface Timed {
  /** The moment the vector is checked at (epoch ms): a documented example timestamp where there is one. */
  readonly at: number;
  readonly toleranceSeconds: number;
  /** The timestamp as the sender writes it for a moment. */
  readonly text: (ms: number) => string;
  /** The timestamp our sign() wrote. */
  readonly read: (headers: Record<string, string>) => string;
}

interface Sender {
  readonly type: keyof typeof SAAS;
  readonly secret: string;
  readonly otherSecret: string;
  /** The page's words, literally: the signature (and timestamp) headers for `body` signed at `stamp`. */
  readonly documented: (secret: string, body: string, stamp: string) => Record<string, string>;
  readonly body?: string;
  readonly timed?: Timed;
  /** For a sender that signs a time it does not check: the value our sign() wrote. */
  readonly signedStamp?: (headers: Record<string, string>) => string;
  readonly metadataHeaders: Record<string, string>;
  readonly metadata: Record<string, string>;
}

const listed = (name: string) => (h: Record<string, string>) => new RegExp(`(?:^|,)\\s*${name}=(\\d+)`).exec(Object.values(h).find((v) => /(?:^|,)\s*t=/.test(v))!)![1];

const SENDERS: Sender[] = [
  {
    // WorkOS-Signature: "t=" + issued timestamp (ms) + ", v1=" + hex HMAC-SHA256 of `${t}.${payload}`
    // under the webhook secret (workos-node's SignatureProvider; WorkOS's "validate the requests
    // manually"). 1626125972272 is the example timestamp of WorkOS's own compute_signature docs.
    type: 'workos',
    secret: 'wh_secret_4hT9qK2mX7pL0vB3nC6e',
    otherSecret: 'wh_secret_8jR1sD5fG9hK2lZ4xC7v',
    documented: (secret, body, stamp) => ({ 'WorkOS-Signature': `t=${stamp}, v1=${mac('sha256', secret, `${stamp}.${body}`, 'hex')}` }),
    timed: { at: 1626125972272, toleranceSeconds: 180, text: String, read: listed('t') },
    metadataHeaders: {},
    metadata: {},
  },
  {
    // Klaviyo-Signature: hex HMAC-SHA256 of the request body, then Klaviyo-Timestamp (an HTTP date,
    // as sent), under the webhook's secret key; Klaviyo-Webhook-Id is the docs' example value. The
    // timestamp is signed content, not a clock (see the row), so no window applies.
    type: 'klaviyo',
    secret: 'klaviyo-webhook-secret-0123456789',
    otherSecret: 'klaviyo-webhook-secret-9876543210',
    documented: (secret, body, stamp) => {
      const ts = stamp || KLAVIYO_STAMP;
      return { 'Klaviyo-Timestamp': ts, 'Klaviyo-Signature': mac('sha256', secret, body + ts, 'hex') };
    },
    signedStamp: (h) => headerOf(h, 'klaviyo-timestamp')!,
    metadataHeaders: { 'Klaviyo-Webhook-Id': 'a8b890458b4bbfaa26d961471b83c101d6de23bd826e7e5173a15310985ec3cb' },
    metadata: { 'signed.sentAt': KLAVIYO_STAMP, 'unsigned.webhookId': 'a8b890458b4bbfaa26d961471b83c101d6de23bd826e7e5173a15310985ec3cb' },
  },
  {
    // x-webflow-signature: hex HMAC-SHA256 of Number(timestamp) + ":" + body under the OAuth app's
    // client secret; 1663849649733 is the page's example X-Webflow-Timestamp.
    type: 'webflow',
    secret: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    otherSecret: '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752',
    documented: (secret, body, stamp) => ({ 'X-Webflow-Timestamp': stamp, 'X-Webflow-Signature': mac('sha256', secret, `${Number(stamp)}:${body}`, 'hex') }),
    timed: { at: 1663849649733, toleranceSeconds: 300, text: String, read: (h) => headerOf(h, 'x-webflow-timestamp')! },
    metadataHeaders: {},
    metadata: {},
  },
  {
    // X-Signature: hex HMAC-SHA256 of the request body under the webhook's secret; the body is the
    // page's example request.
    type: 'clickup',
    secret: 'O4UB1BOXZF4AO8R3Y6F1PV9Q2WKJ0N7M5HDL8ESC3GTAI6',
    otherSecret: 'Q7ZN2K0L9M8J6H5G4F3D2S1A0POIUYTREWQLKJHGFDSA',
    documented: (secret, body) => ({ 'X-Signature': mac('sha256', secret, body, 'hex') }),
    body: '{"webhook_id":"7689a169-a000-4985-8676-6902b96d6627","event":"taskCreated","task_id":"c0j"}',
    metadataHeaders: {},
    metadata: {},
  },
  {
    // TikTok-Signature: "t=" + timestamp + ",s=" + hex HMAC-SHA256 of `${t}.${body}` under the client
    // secret; 1633174587 is the page's example t.
    type: 'tiktok',
    secret: 'tiktok-client-secret-0a1b2c3d4e5f',
    otherSecret: 'tiktok-client-secret-f5e4d3c2b1a0',
    documented: (secret, body, stamp) => ({ 'TikTok-Signature': `t=${stamp},s=${mac('sha256', secret, `${stamp}.${body}`, 'hex')}` }),
    timed: { at: 1633174587000, toleranceSeconds: 300, text: unix, read: listed('t') },
    metadataHeaders: {},
    metadata: {},
  },
  {
    // sanity-webhook-signature: `t=${timestamp},v1=${base64url(HMAC-SHA256(`${timestamp}.${payload}`))}`
    // with the timestamp in ms (@sanity/webhook's encodeSignatureHeader, its official toolkit).
    type: 'sanity',
    secret: 'sanity-webhook-secret-0123456789',
    otherSecret: 'sanity-webhook-secret-9876543210',
    documented: (secret, body, stamp) => ({ 'sanity-webhook-signature': `t=${stamp},v1=${mac('sha256', secret, `${stamp}.${body}`, 'base64url')}` }),
    timed: { at: NOW, toleranceSeconds: 300, text: String, read: listed('t') },
    metadataHeaders: {
      'idempotency-key': 'msg-2pYfZ3hQ7r',
      'sanity-operation': 'update',
      'sanity-webhook-id': 'C3dkHYw9uL3u7vVD',
      'sanity-project-id': '3do82whm',
      'sanity-dataset': 'production',
      'sanity-document-id': 'post-abc123',
      'sanity-transaction-id': 'tXN7Yb0X1EYDxU2BHuG6dg',
    },
    metadata: {
      'unsigned.eventId': 'msg-2pYfZ3hQ7r',
      'unsigned.eventType': 'update',
      'unsigned.webhookId': 'C3dkHYw9uL3u7vVD',
      'unsigned.documentId': 'post-abc123',
      'unsigned.transactionId': 'tXN7Yb0X1EYDxU2BHuG6dg',
    },
  },
  {
    // X-Cal-Signature-256: hex HMAC-SHA256 of the body under the webhook's secret (cal.com's sendPayload).
    type: 'cal-com',
    secret: 'cal-com-webhook-secret-0123456789',
    otherSecret: 'cal-com-webhook-secret-9876543210',
    documented: (secret, body) => ({ 'X-Cal-Signature-256': mac('sha256', secret, body, 'hex') }),
    metadataHeaders: {},
    metadata: {},
  },
];

describe.each(SENDERS)('$type', ({ type, secret, otherSecret, documented, body = BODY, timed, signedStamp, metadataHeaders, metadata }) => {
  const scheme = schemeOf(type);
  const keys = keysOf(scheme, secret);
  const at = timed?.at ?? NOW;
  const stamp = timed ? timed.text(at) : '';
  const verify = (headers: Record<string, string>, sent: string | Uint8Array = body, k = keys, now = at): VerifyResult =>
    scheme.verify({ headers, body: sent }, k, now, timed?.toleranceSeconds ?? 0);
  const delivery = { 'content-type': 'application/json', ...documented(secret, body, stamp), ...metadataHeaders };
  const signatureHeader = Object.keys(documented(secret, body, stamp)).find((h) => scheme.signatureHeaders.includes(h.toLowerCase()))!;

  test('accepts the vector computed from the documentation at its time; our sign() signs it the same way', () => {
    const result = verify(delivery);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'signed' });
    if (timed) expect(result.ok && result.timestamp).toBe(timed.text === unix ? Math.floor(at / 1000) : at / 1000);
    const signed = scheme.sign({ body, timestamp: at / 1000 }, secret);
    const expected = documented(secret, body, timed ? timed.read(signed) : signedStamp?.(signed) ?? '');
    expect(signatureOf(headerOf(signed, signatureHeader)!)).toBe(signatureOf(headerOf(expected, signatureHeader)!));
    if (timed) expect(timed.read(signed)).toBe(stamp);
    expect(verify(signed).ok).toBe(true);
  });

  test('accepts the exact bytes of a body that is not UTF-8, and no re-encoding of them', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const headers = scheme.sign({ body: bytes, timestamp: at / 1000 }, secret);
    expect(verify(headers, bytes).ok).toBe(true);
    expect(verify(headers, Buffer.from(bytes.toString('utf8'), 'utf8'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a one-byte change of the body', () => {
    expect(verify(delivery, changeOneByte(body).replace('taskCreated', 'taskCreatee'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects another key, and accepts again when the right key is one of the active ones', () => {
    expect(verify(delivery, body, keysOf(scheme, otherSecret))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery, body, keysOf(scheme, otherSecret, secret)).ok).toBe(true);
  });

  test('rejects a missing, duplicated or malformed signature header', () => {
    const value = delivery[signatureHeader as keyof typeof delivery] as string;
    const without: Record<string, string> = { ...delivery };
    delete without[signatureHeader];
    expect(verify(without)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ ...without, [signatureHeader.toLowerCase()]: [value, value] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify({ ...without, [signatureHeader]: value.slice(0, -2) })).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify({ ...without, [signatureHeader]: `${value}!` })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('forwards its metadata under unsigned. names; duplicates key on the body, whatever the metadata says', () => {
    const result = verify(delivery);
    expect(result.ok && { ...result.metadata }).toEqual(metadata);
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(body)}`);
    const respelled = Object.fromEntries(Object.keys(metadataHeaders).map((k) => [k, 'changed-by-a-replayer']));
    const other = verify({ ...delivery, ...respelled });
    expect(other.ok && other.dedupeKey).toBe(`sha256:${sha256(body)}`);
  });

  if (timed) {
    test(`rejects a signed timestamp outside the ${timed.toleranceSeconds} s window, both ways; accepts one inside`, () => {
      expect(scheme.defaultToleranceSeconds).toBe(timed.toleranceSeconds);
      for (const offset of [timed.toleranceSeconds + 1, -(timed.toleranceSeconds + 1)]) {
        const headers = { ...delivery, ...documented(secret, body, timed.text(at + offset * 1000)) };
        expect(verify(headers)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      }
      for (const offset of [timed.toleranceSeconds, -timed.toleranceSeconds]) {
        expect(verify({ ...delivery, ...documented(secret, body, timed.text(at + offset * 1000)) }).ok).toBe(true);
      }
    });

    test('the timestamp is signed: a fresh one with an older signature does not verify', () => {
      const old = documented(secret, body, timed.text(at - 1000));
      const fresh = documented(secret, body, stamp);
      const swapped = Object.fromEntries(Object.entries(fresh).map(([k, v]) => [k, k === signatureHeader ? v.replace(signatureOf(v), signatureOf(old[k])) : v]));
      expect(verify({ ...delivery, ...swapped })).toEqual({ ok: false, reason: 'signature_invalid' });
    });

    test('rejects a timestamp that is not one (fails closed, never read as NaN)', () => {
      for (const bad of ['', 'soon', '1.5e9', '-1', `${stamp} x`, '0x10']) {
        expect(verify({ ...delivery, ...documented(secret, body, bad) }).ok).toBe(false);
      }
    });
  } else {
    test('signs no timestamp: it declares no tolerance (the dedupe record is the replay control)', () => {
      expect(scheme.defaultToleranceSeconds).toBeUndefined();
      expect(describeType('trello')?.replay).toMatch(/dedupe record only/);
    });
  }

  test('names its documentation page', () => {
    expect(SAAS[type].docs).toMatch(/^https:\/\//);
  });
});

describe('workos', () => {
  const scheme = schemeOf('workos');
  const secret = 'wh_secret_4hT9qK2mX7pL0vB3nC6e';
  const t = '1626125972272';
  const v1 = mac('sha256', secret, `${t}.${BODY}`, 'hex');
  const verify = (header: string) => scheme.verify({ headers: { 'WorkOS-Signature': header }, body: BODY }, keysOf(scheme, secret), Number(t), 180);

  test('reads the header with or without the space WorkOS puts after the comma; other schemes are ignored', () => {
    expect(verify(`t=${t}, v1=${v1}`).ok).toBe(true);
    expect(verify(`t=${t},v1=${v1}`).ok).toBe(true);
    expect(verify(`t=${t}, v0=${'0'.repeat(64)}, v1=${v1}`).ok).toBe(true);
  });

  test('refuses a header without its timestamp, with two, or without a v1', () => {
    expect(verify(`v1=${v1}`)).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verify(`t=${t}, t=${t}, v1=${v1}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`t=${t}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('the timestamp is in milliseconds: seconds are 1970, far outside the window', () => {
    const seconds = unix(Number(t));
    expect(verify(`t=${seconds}, v1=${mac('sha256', secret, `${seconds}.${BODY}`, 'hex')}`)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });
});

describe('klaviyo', () => {
  const scheme = schemeOf('klaviyo');
  const secret = 'klaviyo-webhook-secret-0123456789';
  const verify = (ts: string | undefined, sig: string) =>
    scheme.verify({ headers: { ...(ts === undefined ? {} : { 'Klaviyo-Timestamp': ts }), 'Klaviyo-Signature': sig }, body: BODY }, keysOf(scheme, secret), NOW, 0);

  test('signs the body, then the timestamp exactly as sent: the reverse, or another spelling, does not verify', () => {
    expect(verify(KLAVIYO_STAMP, mac('sha256', secret, BODY + KLAVIYO_STAMP, 'hex')).ok).toBe(true);
    expect(verify(KLAVIYO_STAMP, mac('sha256', secret, KLAVIYO_STAMP + BODY, 'hex'))).toEqual({ ok: false, reason: 'signature_invalid' });
    // Another spelling of the date is not Klaviyo's form: refused before the signature.
    expect(verify('Thu, 4 Jan 2024 18:05:25 GMT', mac('sha256', secret, BODY + KLAVIYO_STAMP, 'hex'))).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('the timestamp is in its fixed HTTP-date form, so nothing moves between the body and it under one signature', () => {
    // Klaviyo signs body + timestamp with no separator: found in review, `body + T` with `hu, 04 …`, or
    // the body's last `}` moved into the header, verified as new deliveries (new dedupe keys).
    const signature = mac('sha256', secret, BODY + KLAVIYO_STAMP, 'hex');
    const request = (body: string, stamp: string) => ({ headers: { 'content-type': 'application/json', 'klaviyo-signature': signature, 'klaviyo-timestamp': stamp }, body });
    const keys = [{ key: scheme.decodeKey(secret), notAfterMs: Number.POSITIVE_INFINITY }];
    expect(verifyWithKeys(scheme, request(BODY + KLAVIYO_STAMP[0], KLAVIYO_STAMP.slice(1)), keys, NOW)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verifyWithKeys(scheme, request(BODY.slice(0, -1), BODY.slice(-1) + KLAVIYO_STAMP), keys, NOW)).toEqual({ ok: false, reason: 'malformed_header' });
    // sign() writes the date as Klaviyo does.
    expect(scheme.sign({ body: BODY, timestamp: NOW / 1000 }, secret)['klaviyo-timestamp']).toBe(new Date(NOW).toUTCString());
  });

  test('the timestamp is required, and signed: one without it, or a fresh one on an old signature, is refused', () => {
    expect(verify(undefined, mac('sha256', secret, BODY, 'hex'))).toEqual({ ok: false, reason: 'missing_header' });
    const fresh = new Date(NOW).toUTCString();
    expect(verify(fresh, mac('sha256', secret, BODY + KLAVIYO_STAMP, 'hex'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('checks no window on it (its clock has been seen hours off): the dedupe record is the replay control', () => {
    expect(scheme.defaultToleranceSeconds).toBeUndefined();
    const hoursOff = new Date(NOW + 5 * 3600_000).toUTCString();
    const result = verify(hoursOff, mac('sha256', secret, BODY + hoursOff, 'hex'));
    expect(result).toMatchObject({ ok: true, timestamp: undefined, dedupeKey: `sha256:${sha256(BODY)}` });
    expect(result.ok && result.metadata['signed.sentAt']).toBe(hoursOff);
  });
});

describe('sanity', () => {
  const scheme = schemeOf('sanity');
  const secret = 'sanity-webhook-secret-0123456789';
  const t = String(NOW);
  const v1 = mac('sha256', secret, `${t}.${BODY}`, 'base64url');
  const verify = (header: string) => scheme.verify({ headers: { 'sanity-webhook-signature': header }, body: BODY }, keysOf(scheme, secret), NOW, 300);

  test('the signature is base64url without padding, as the toolkit writes it', () => {
    expect(v1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(scheme.sign({ body: BODY, timestamp: NOW / 1000 }, secret)['sanity-webhook-signature']).toBe(`t=${t},v1=${v1}`);
    expect(verify(`t=${t},v1=${v1}`).ok).toBe(true);
  });

  test('refuses a signature that is not exactly one digest, and a missing timestamp', () => {
    expect(verify(`t=${t},v1=${v1.slice(0, -1)}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`t=${t},v1=${v1}AA`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(`v1=${v1}`)).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });
});

describe('tiktok', () => {
  const scheme = schemeOf('tiktok');
  const secret = 'tiktok-client-secret-0a1b2c3d4e5f';
  const t = '1633174587';
  test('the signature is the `s` entry: a `v1` one is not read', () => {
    const sig = mac('sha256', secret, `${t}.${BODY}`, 'hex');
    const verify = (header: string) => scheme.verify({ headers: { 'TikTok-Signature': header }, body: BODY }, keysOf(scheme, secret), Number(t) * 1000, 300);
    expect(verify(`t=${t},s=${sig}`).ok).toBe(true);
    expect(verify(`t=${t},v1=${sig}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('cal-com', () => {
  const scheme = schemeOf('cal-com');
  const secret = 'cal-com-webhook-secret-0123456789';
  test('a webhook without a secret sends "no-secret-provided": refused', () => {
    expect(scheme.verify({ headers: { 'X-Cal-Signature-256': 'no-secret-provided' }, body: BODY }, keysOf(scheme, secret), NOW, 0)).toEqual({ ok: false, reason: 'malformed_header' });
  });
  test('a payload template may post a form: both media types are its own', () => {
    expect(scheme.contentTypes).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    const form = 'triggerEvent=BOOKING_CREATED&uid=abc';
    expect(scheme.verify({ headers: { 'X-Cal-Signature-256': mac('sha256', secret, form, 'hex') }, body: form }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
  });
});

describe('contentful (request verification)', () => {
  const scheme = schemeOf('contentful');
  const secret = 'q8Wm3ZrT6yUe1Io9Pa5Sd2Fg7Hj4Kl0Zx8Cv6Bn3Mq1We5Rt9Yu2Io7Pa4Sd0Fg';
  const url = 'https://hooks.example.com/prod/webhooks/contentful?space=yadj1kx9rmg0&env=master';
  const body = '{"sys":{"type":"Entry","id":"5KsDBWseXY6QegucYAoacS"},"fields":{"title":{"en-US":"Hello – world"}}}';
  const ts = String(NOW);
  const idempotencyKey = 'a3f5c6e2b1d94e7f8a0c2b4d6e8f1a3c5b7d9e0f2a4c6e8b0d2f4a6c8e0b2d4f';

  // The node-apps-toolkit's getNormalizedEncodedURI, literally (src/requests/utils.ts).
  const toolkitPath = (uri: string) => {
    const [pathname, search] = uri.split('?');
    const escapedSearch = search ? querystringEscape(search) : '';
    return encodeURI(escapedSearch ? `${pathname}?${escapedSearch}` : pathname);
  };
  // Its sign-request.ts `hash`: method, path, `key:value` pairs joined by `;`, body, joined by `\n`,
  // HMAC-SHA256 hex under the secret; the headers are the signed ones, sorted, values trimmed.
  const toolkitSignature = (method: string, path: string, headers: Record<string, string>, text: string, key = secret) => {
    const sorted = Object.entries(headers).map(([k, v]) => [k.toLowerCase().trim(), v.trim()]).sort(([a], [b]) => (a > b ? 1 : -1));
    return mac('sha256', key, [method, path, sorted.map(([k, v]) => `${k}:${v}`).join(';'), text].join('\n'), 'hex');
  };
  const signedHeaders = {
    'Content-Type': 'application/vnd.contentful.management.v1+json',
    'X-Contentful-Topic': 'ContentManagement.Entry.publish',
    'X-Contentful-Webhook-Name': 'Publish to site',
    'X-Contentful-Idempotency-Key': idempotencyKey,
    'x-contentful-timestamp': ts,
  };
  const list = 'content-type,x-contentful-idempotency-key,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name';
  const pathOf = (u: string) => new URL(u).pathname + new URL(u).search;
  const delivery = (overrides: Record<string, string> = {}, at = ts) => {
    const headers: Record<string, string> = { ...signedHeaders, 'x-contentful-timestamp': at, 'x-contentful-signed-headers': list, ...overrides };
    const signed = Object.fromEntries(Object.entries(headers).filter(([k]) => list.split(',').includes(k.toLowerCase())));
    return { ...headers, 'x-contentful-signature': toolkitSignature('POST', toolkitPath(pathOf(url)), signed, body) };
  };
  const verify = (headers: Record<string, string>, options: { body?: string; url?: string; method?: string; now?: number } = {}) =>
    scheme.verify({ headers, body: options.body ?? body, url: options.url ?? url, method: options.method ?? 'POST' }, keysOf(scheme, secret), options.now ?? NOW, 30);

  test('accepts the canonical request the toolkit signs; the idempotency key it signs is the event id', () => {
    const result = verify(delivery());
    expect(result).toMatchObject({ ok: true, bodyBinding: 'signed', eventId: idempotencyKey, timestamp: NOW / 1000, dedupeKey: idempotencyKey });
    expect(result.ok && { ...result.metadata }).toEqual({ 'signed.eventId': idempotencyKey, 'signed.eventType': 'ContentManagement.Entry.publish' });
  });

  test('the path is the toolkit\'s: the query escaped, then the whole passed through encodeURI', () => {
    for (const u of [url, 'https://h.example.com/', 'https://h.example.com/a b/é?x=1&y=a b&z=%2F', 'https://h.example.com/p?a=1?b=2', 'https://h.example.com/p?']) {
      expect(contentfulSignedPath(u)).toBe(toolkitPath(pathOf(u)));
    }
    expect(contentfulSignedPath(url)).toBe('/prod/webhooks/contentful?space%253Dyadj1kx9rmg0%2526env%253Dmaster');
  });

  test('signs the method, the path and the body, not the host', () => {
    expect(verify(delivery(), { method: 'PUT' })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery(), { url: url.replace('env=master', 'env=staging') })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery(), { body: body.replace('Hello', 'Hellp') })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(delivery(), { url: url.replace('hooks.example.com', 'other.example.com') }).ok).toBe(true);
  });

  test('every signed header is bound: a changed value does not verify; one outside the list may change', () => {
    const headers = delivery();
    expect(verify({ ...headers, 'X-Contentful-Topic': 'ContentManagement.Entry.delete' })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify({ ...headers, 'X-Contentful-Webhook-Name': 'Other' })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify({ ...headers, 'X-Contentful-CRN': 'crn:contentful:::content:spaces/x' }).ok).toBe(true);
  });

  test('values are read trimmed, as the toolkit reads them', () => {
    const headers = delivery();
    expect(verify({ ...headers, 'X-Contentful-Webhook-Name': '  Publish to site ' }).ok).toBe(true);
  });

  test('a topic and idempotency key outside the list are unsigned metadata; duplicates then key on the body', () => {
    const shortList = 'content-type,x-contentful-signed-headers,x-contentful-timestamp';
    const headers = { ...signedHeaders, 'x-contentful-signed-headers': shortList };
    const signed = { 'content-type': signedHeaders['Content-Type'], 'x-contentful-signed-headers': shortList, 'x-contentful-timestamp': ts };
    const result = verify({ ...headers, 'x-contentful-signature': toolkitSignature('POST', toolkitPath(pathOf(url)), signed, body) });
    expect(result).toMatchObject({ ok: true, eventId: undefined, dedupeKey: `sha256:${sha256(body)}` });
    expect(result.ok && { ...result.metadata }).toEqual({ 'unsigned.eventId': idempotencyKey, 'unsigned.eventType': 'ContentManagement.Entry.publish' });
  });

  test.each([
    ['not sorted', 'x-contentful-timestamp,x-contentful-signed-headers,content-type,x-contentful-topic,x-contentful-webhook-name,x-contentful-idempotency-key'],
    ['a name twice', `${list},x-contentful-webhook-name`],
    ['without itself', list.replace('x-contentful-signed-headers,', '')],
    ['without the timestamp', list.replace('x-contentful-timestamp,', '')],
    ['naming the signature', `${list.replace(',x-contentful-signed-headers', ',x-contentful-signature,x-contentful-signed-headers')}`],
    ['a name in upper case', list.replace('content-type', 'Content-Type')],
    ['a space after a comma', list.replace(',x-contentful-topic', ', x-contentful-topic')],
    ['empty', ''],
  ])('refuses a signed-header list %s', (_, bad) => {
    expect(verify(delivery({ 'x-contentful-signed-headers': bad }))).toEqual({ ok: false, reason: bad === '' ? 'missing_header' : 'malformed_header' });
  });

  test('refuses a listed header that is absent or sent twice, and a value that could end where another begins', () => {
    const headers = delivery();
    const without: Record<string, string> = { ...headers };
    delete without['X-Contentful-Webhook-Name'];
    expect(verify(without)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ ...headers, 'x-contentful-webhook-name': ['a', 'b'] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
    const shifted = delivery({ 'X-Contentful-Topic': 'ContentManagement.Entry.publish;x-contentful-webhook-name:x' });
    expect(verify(shifted)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('rejects a timestamp outside the toolkit\'s 30 s, both ways; refuses one that is not Number#toString\'s', () => {
    expect(scheme.defaultToleranceSeconds).toBe(30);
    expect(verify(delivery({}, String(NOW - 31_000)))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(delivery({}, String(NOW + 31_000)))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(delivery({}, String(NOW - 30_000))).ok).toBe(true);
    for (const bad of [`0${ts}`, `${ts}.0`, '1e12', '', `-${ts}`]) expect(verify(delivery({}, bad)).ok).toBe(false);
  });

  test('rejects another key, a missing signature and a malformed one', () => {
    const headers = delivery();
    expect(scheme.verify({ headers, body, url }, keysOf(scheme, 'Zx8Cv6Bn3Mq1We5Rt9Yu2Io7Pa4Sd0Fgq8Wm3ZrT6yUe1Io9Pa5Sd2Fg7Hj4Kl0'), NOW, 30)).toEqual({ ok: false, reason: 'signature_invalid' });
    const without: Record<string, string> = { ...headers };
    delete without['x-contentful-signature'];
    expect(verify(without)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ ...headers, 'x-contentful-signature': headers['x-contentful-signature'].toUpperCase().slice(1) })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('our sign() makes what the toolkit signs', () => {
    const signed = scheme.sign({ body, url, timestamp: NOW / 1000, id: idempotencyKey }, secret);
    const names = signed['x-contentful-signed-headers'].split(',');
    expect(names).toEqual(['x-contentful-idempotency-key', 'x-contentful-signed-headers', 'x-contentful-timestamp', 'x-contentful-topic']);
    const headers = Object.fromEntries(names.map((n) => [n, signed[n]]));
    expect(signed['x-contentful-signature']).toBe(toolkitSignature('POST', toolkitPath(pathOf(url)), headers, body));
    expect(verify(signed)).toMatchObject({ ok: true, eventId: idempotencyKey });
  });

  test('signs the public URL: without one it is a configuration error', () => {
    expect(scheme.signsUrl).toBe(true);
    expect(() => scheme.verify({ headers: delivery(), body }, keysOf(scheme, secret), NOW, 30)).toThrow(WebhookConfigurationError);
    expect(() => scheme.sign({ body }, secret)).toThrow(WebhookConfigurationError);
  });
});

describe('trello', () => {
  const scheme = schemeOf('trello');
  const secret = '4d7b8f2e9c1a6b3d5e0f7a2c8b4d6e1f9a3c5b7d2e4f6a8c0b1d3e5f7a9c2b4d';
  const callbackURL = 'https://hooks.example.com/prod/webhooks/trello?board=5e8f';
  // An action with an en dash (U+2013), an e acute and an emoji (two UTF-16 units) in its text.
  const body = '{"action":{"id":"6571e3","type":"commentCard","data":{"text":"Done – café 🚀"}},"model":{"id":"5e8f"}}';
  // Trello's docs: the payload is signed as a Node "binary" string: each character's low 8 bits.
  const binary = (text: string) => Buffer.from(text, 'binary');
  const header = (text: string, key = secret) => mac('sha1', key, binary(text), 'base64');
  const verify = (headers: Record<string, string>, options: { body?: string | Uint8Array; url?: string } = {}) =>
    scheme.verify({ headers, body: options.body ?? body, url: options.url ?? callbackURL }, keysOf(scheme, secret), NOW, 0);

  test('the docs\' own example: the en dash U+2013 is signed as the byte 19', () => {
    expect([...binary('\u2013')]).toEqual([19]);
    expect([...trelloSignedContent('\u2013', '')!]).toEqual([19]);
  });

  test('accepts the HMAC-SHA1 (base64) of body + callback URL as Trello signs them; our sign() signs the same', () => {
    const result = verify({ 'X-Trello-Webhook': header(body + callbackURL) });
    expect(result).toMatchObject({ ok: true, bodyBinding: 'partial', eventId: undefined, timestamp: undefined });
    expect(scheme.sign({ body, url: callbackURL }, secret)['x-trello-webhook']).toBe(header(body + callbackURL));
  });

  test('a signature over the UTF-8 bytes does not verify a body with characters beyond ASCII (and is the same for ASCII)', () => {
    const utf8 = mac('sha1', secret, body + callbackURL, 'base64');
    expect(verify({ 'X-Trello-Webhook': utf8 })).toEqual({ ok: false, reason: 'signature_invalid' });
    const ascii = '{"action":{"type":"updateCard"}}';
    expect(verify({ 'X-Trello-Webhook': mac('sha1', secret, ascii + callbackURL, 'base64') }, { body: ascii }).ok).toBe(true);
  });

  test('binds the body only partly: characters with the same low byte sign alike, under one dedupe key', () => {
    expect(scheme.bodyBinding).toBe('partial');
    const headers = { 'X-Trello-Webhook': header(body + callbackURL) };
    const respelled = body.replace('\u2013', '\u0113');
    const [original, other] = [verify(headers), verify(headers, { body: respelled })];
    expect(other.ok).toBe(true);
    expect(original.ok && other.ok && other.dedupeKey === original.dedupeKey).toBe(true);
    expect(original.ok && original.dedupeKey).toMatch(/^signed-sha256:/);
    expect(original.ok && original.payloadSha256).toBe(sha256(body));
  });

  test('rejects a one-byte change, another callback URL, another key', () => {
    const headers = { 'X-Trello-Webhook': header(body + callbackURL) };
    expect(verify(headers, { body: body.replace('commentCard', 'commentCare') })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers, { url: callbackURL.replace('5e8f', '5e8e') })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify({ 'X-Trello-Webhook': header(body + callbackURL, 'f'.repeat(64)) })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers, body, url: callbackURL }, [], NOW, 0)).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('refuses a body that is not UTF-8 (it has no one reading to sign)', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]);
    expect(verify({ 'X-Trello-Webhook': header('{"é"}' + callbackURL) }, { body: bytes })).toEqual({ ok: false, reason: 'malformed_body' });
    expect(() => scheme.sign({ body: bytes, url: callbackURL }, secret)).toThrow(WebhookConfigurationError);
  });

  test('rejects a missing, duplicated or malformed signature header', () => {
    const value = header(body + callbackURL);
    expect(verify({})).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify({ 'x-trello-webhook': [value, value] } as never)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify({ 'X-Trello-Webhook': value.slice(0, -2) })).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify({ 'X-Trello-Webhook': Buffer.from(value, 'base64').toString('hex') })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('signs no timestamp (the dedupe record is the replay control) and signs the callback URL', () => {
    expect(scheme.defaultToleranceSeconds).toBeUndefined();
    expect(describeType('trello')?.replay).toMatch(/dedupe record only/);
    expect(scheme.signsUrl).toBe(true);
    expect(() => scheme.verify({ headers: { 'X-Trello-Webhook': header(body) }, body }, keysOf(scheme, secret), NOW, 0)).toThrow(WebhookConfigurationError);
  });
});

describe('the saas family', () => {
  test('WorkOS publishes the addresses its webhooks come from; the others publish none', () => {
    const published = Object.entries(SAAS).filter(([, entry]) => 'ipRanges' in entry && entry.ipRanges).map(([type]) => type);
    expect(published).toEqual(['workos']);
  });

  test.each(Object.keys(SAAS))('%s describes itself for the README', (type) => {
    const description = describeType(type);
    expect(description?.signature).toMatch(/HMAC-SHA(1|256)/);
    expect(description?.replay).toMatch(/dedupe record/);
  });
});
