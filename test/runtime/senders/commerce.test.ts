import { createHash, createHmac } from 'node:crypto';
import { ActiveKey, Scheme, SchemeConfig, schemeFor, VerifyResult, WebhookConfigurationError } from '../../../lib/runtime';
import { COMMERCE } from '../../../lib/runtime/schemes/senders/commerce';
import { TEST_NOW } from '../../support/clock';
import { useFakeAws } from '../../support/fake-aws';
import { workplaceHandler } from './workplace-handler';
import { describeScheme } from '../../../lib/runtime/schemes/describe-row';

// The commerce family (lib/runtime/schemes/senders/commerce.ts): Checkout.com, QuickBooks Online, Xero,
// GoCardless, Recurly, Revolut, Authorize.Net and Coinbase Developer Platform.
//
// Vectors. Four senders have a complete one in public, checked below as published:
// - GoCardless: its official Node SDK's test (gocardless/gocardless-nodejs, src/__tests__/webhooks.test.ts
//   with src/fixtures/webhook_body.json): secret ED7D658C-..., the fixture's JSON re-serialised
//   compactly, signature 2693754819d3....
// - Recurly: its official Ruby client's spec (recurly/recurly-client-ruby, spec/recurly/webhooks_spec.rb,
//   "with notification older than five minutes"): secret 354fab5b..., body, header
//   `1663103925004,ad24699f...`.
// - Coinbase Developer Platform signs with Hook0 (X-Hook0-Signature): Hook0's shared conformance
//   vectors (hook0/hook0, clients/conformance/signature.json), "computed outside every implementation".
// - Authorize.Net: a delivery it sent (Signature Key, body, X-ANET-Signature) posted on its developer
//   forum, thread 88640; it settles that the key is used as its text.
// Revolut's page gives a secret, a timestamp and a payload but no signature over them (its example
// header is over another body): the vector is computed from them. The others publish the words only,
// and each vector is computed here with node:crypto's createHmac following the page literally (key
// bytes, signed bytes and their order, algorithm, encoding, prefix), the request built by hand, never
// by our sign(): our verifier must accept it, and our sign() must produce the same signature.

const NOW = TEST_NOW;
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const mac = (algorithm: string, key: string | Buffer, text: string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(text, 'utf8').digest(encoding);
const schemeOf = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const headerOf = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
const rejected = (reason: string) => ({ ok: false, reason });

// Payloads in the senders' own shapes (the pages' samples where they show one).
const CHECKOUT_BODY = '{"id":"evt_az5sblvku4ge3dwpztvyizgcau","type":"payment_approved","version":"1.0.33","created_on":"2026-11-28T11:59:58.000Z","data":{"id":"pay_mbabizu24mvu3mela5njyhpit4","amount":6540,"currency":"GBP","reference":"ORD-5023-4E89 ©"}}';
// The sample payload of Intuit's "Managing webhooks notifications" page, compacted.
const QUICKBOOKS_BODY = '{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"},{"name":"Vendor","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}';
// The sample of Intuit's announcement of the CloudEvents format (blogs.intuit.com, 2025-11-12).
const QUICKBOOKS_CLOUDEVENTS = '[{"specversion":"1.0","id":"88cd52aa-33b6-4351-9aa4-47572edbd068","source":"intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=","type":"qbo.account.created.v1","datacontenttype":"application/json","time":"2025-09-10T21:31:25.179851517Z","intuitentityid":"1234","intuitaccountid":"310687","data":{}}]';
const XERO_BODY = '{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Contacts/717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","resourceId":"717f2bfc-c6d4-41fd-b238-3f2f0c0cf777","eventDateUtc":"2026-11-28T11:59:50.000","eventType":"CREATE","eventCategory":"CONTACT","tenantId":"c2cc9b6e-9458-4c7d-93cc-f02b81b0594f","tenantType":"ORGANISATION"}],"firstEventSequence":1,"lastEventSequence":1,"entropy":"YSXCMKAQBJOEMGUZEPFZ"}';
// The validation request of Xero's "Intent to receive" section, as JSON.
const XERO_ITR = '{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}';
// GoCardless's SDK fixture (src/fixtures/webhook_body.json) as the SDK's test serialises it.
const GOCARDLESS_BODY =
  '{"events":[{"id":"EV00BD05S5VM2T","created_at":"2018-07-05T09:13:51.404Z","resource_type":"subscriptions","action":"created","links":{"subscription":"SB0003JJQ2MR06"},"details":{"origin":"api","cause":"subscription_created","description":"Subscription created via the API."},"metadata":{}},{"id":"EV00BD05TB8K63","created_at":"2018-07-05T09:13:56.893Z","resource_type":"mandates","action":"created","links":{"mandate":"MD000AMA19XGEC"},"details":{"origin":"api","cause":"mandate_created","description":"Mandate created via the API."},"metadata":{}}]}';
const GOCARDLESS_SECRET = 'ED7D658C-D8EB-4941-948B-3973214F2D49';
const GOCARDLESS_SIGNATURE = '2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e';
// Recurly's client spec.
const RECURLY_SECRET = '354fab5bd35f5a0d50845ee7e30165244468b13c2c343f104e4e730a59326d9d';
const RECURLY_BODY = '{"id":"rjxwmwedwqug","object_type":"account","site_id":"qc326l1hl8k9","event_type":"created","event_time":"2022-09-13T21:18:40Z","account_code":"adfas23zzz14123"}';
const RECURLY_AT = 1663103925004;
const RECURLY_HEADER = '1663103925004,ad24699f3beaa24c9af2cc7ada3ce4c835da0090194241b9d3add83d27f14bc3';
// Revolut's page: its example signing secret, Revolut-Request-Timestamp and raw payload.
const REVOLUT_SECRET = 'wsk_r59a4HfWVAKycbCaNO1RvgCJec02gRd8';
const REVOLUT_AT = 1683650202360;
const REVOLUT_BODY =
  '{"data":{"id":"645a7696-22f3-aa47-9c74-cbae0449cc46","new_state":"completed","old_state":"pending","request_id":"app_charges-9f5d5eb3-1e06-46c5-b1c0-3914763e0bcb"},"event":"TransactionStateChanged","timestamp":"2023-05-09T16:36:38.028960Z"}';
const ANET_BODY = '{"notificationId":"d0e8e7fe-c3e7-4add-a480-27bc5ce28a6e","eventType":"net.authorize.payment.authcapture.created","eventDate":"2026-11-28T11:59:59.6937294Z","webhookId":"ba4c73f3-0808-48bf-ae2f-f49064770e60","payload":{"responseCode":1,"authCode":"572","avsResponse":"Y","authAmount":45.0,"entityName":"transaction","id":"60020981676"}}';
// A Signature Key as the Merchant Interface shows it: 128 hexadecimal characters.
const ANET_KEY = 'E870EBB93F2742A2BEAF3033BAAA18C002E74732CB83767703F55B0B89CC972E25084DD47599DE661CD60A91E6E06F02BBF1C51A2F919AD65BAAB2683D810A42';
const ANET_OTHER_KEY = '58BF7854AB5D47222E3780C5754BC7B1BA64BF1ECE7412892904963864EC884BD72DCC378432C1765A77C0BAB6341DD255C735A09D1D245922E2FB5A1EDD42DE';
const CDP_BODY = '{"id":"b7b0cf7e-2a8c-4f4b-9a7e-4a62f8c3d1e5","type":"checkout.payment.success","data":{"amount":"12.50","currency":"USDC","note":"café ✓"}}';

interface Sender {
  readonly type: keyof typeof COMMERCE;
  readonly secret: string;
  readonly otherSecret: string;
  readonly body: string;
  /** When the vector is checked (epoch ms): the page's example time where it shows one. */
  readonly at: number;
  /** The page's words, literally: the headers the sender sends for `body` signed with `secret` at `atMs`. */
  readonly documented: (secret: string, body: string, atMs: number) => Record<string, string>;
  readonly signatureHeader: string;
  /** The documented window, in seconds, for senders that sign a time. */
  readonly window?: number;
  /** Whether the timestamp is in ms (the window's edge is then 1 ms wide). */
  readonly ms?: boolean;
  readonly metadataHeaders: Record<string, string>;
  readonly metadata: Record<string, string>;
  /** What a signature that cannot be decoded is refused as. @default malformed_header */
  readonly undecodable?: string;
}

const SENDERS: Sender[] = [
  {
    // "Hash the contents in the webhook body with the SHA-256 hash function, using your webhook's
    // signature key as the hash key", sent "in the hex-encoded (Base16) Cko-Signature header".
    type: 'checkout-com',
    secret: '8f2c1e9a-6b4d-4c3f-a7e5-0d9b2f6a1c84',
    otherSecret: '1d7e3b5a-9c2f-4e8d-b6a0-5f4c3e2d1b09',
    body: CHECKOUT_BODY,
    at: NOW,
    documented: (secret, body) => ({ 'Cko-Signature': mac('sha256', secret, body, 'hex') }),
    signatureHeader: 'cko-signature',
    // The static Authorization header Checkout.com lets its user add: not read, not forwarded.
    metadataHeaders: { Authorization: 'Bearer sk_webhook_auth_5a7c' },
    metadata: {},
  },
  {
    // "Hash the notification payload with HMAC_SHA256_ALGORITHM using your verifier token as the
    // key", and compare with intuit-signature "from base-64".
    type: 'quickbooks',
    secret: '3f8e2c1a-7b9d-4e6f-a5c3-9d1b7e2f4a60',
    otherSecret: 'c6a1e3f5-2b4d-4f8a-9e7c-1a3b5d7f9e20',
    body: QUICKBOOKS_BODY,
    at: NOW,
    documented: (secret, body) => ({ 'intuit-signature': mac('sha256', secret, body, 'base64') }),
    signatureHeader: 'intuit-signature',
    metadataHeaders: {},
    metadata: {},
  },
  {
    // "If the payload is hashed using HMACSHA256 with your webhook signing key and base64 encoded, it
    // should match the signature in the header."
    type: 'xero',
    secret: 'q9Vb3Lr7Xk2Np5Wd8Zt1Hc6Fj4Mg0Ys3Ae7Ru2Ko9Iw5Lb8Tv1Qx6Pd3Nz0Sh4Gf7Cm2Ja5Ub9Ey1Rk6Wo3Xi8Vl0Tp==',
    otherSecret: 'M4nB7vC1xZ9lK3jH6gF0dS2aP8oI5uY7tR1eW4qQ9mN2bV6cX3zL0kJ8hG5fD1sA7pO4iU2yT9rE6wQ3mN0bV5cX8zL1kJ==',
    body: XERO_BODY,
    at: NOW,
    documented: (secret, body) => ({ 'x-xero-signature': mac('sha256', secret, body, 'base64') }),
    signatureHeader: 'x-xero-signature',
    metadataHeaders: {},
    metadata: {},
    undecodable: 'signature_invalid',
  },
  {
    // Webhook-Signature: the HMAC-SHA256 (hex) of the body under the endpoint's secret; the page's
    // example request carries Origin beside it.
    type: 'gocardless',
    secret: GOCARDLESS_SECRET,
    otherSecret: '9B1C4D7E-2F5A-4B8C-9D3E-6F1A4B7C2D5E',
    body: GOCARDLESS_BODY,
    at: NOW,
    documented: (secret, body) => ({ 'Webhook-Signature': mac('sha256', secret, body, 'hex') }),
    signatureHeader: 'webhook-signature',
    metadataHeaders: { Origin: 'https://api.gocardless.com' },
    metadata: { 'unsigned.origin': 'https://api.gocardless.com' },
  },
  {
    // "The recurly-signature header is formatted as a Unix timestamp (in milliseconds), followed by
    // one or more hexadecimal signatures"; the message is the timestamp, a `.`, and the body.
    type: 'recurly',
    secret: RECURLY_SECRET,
    otherSecret: '0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a19087f6e5d4c3',
    body: RECURLY_BODY,
    at: RECURLY_AT,
    documented: (secret, body, atMs) => ({ 'recurly-signature': `${atMs},${mac('sha256', secret, `${atMs}.${body}`, 'hex')}` }),
    signatureHeader: 'recurly-signature',
    window: 300,
    ms: true,
    metadataHeaders: {},
    metadata: {},
  },
  {
    // payload_to_sign = "v1." + Revolut-Request-Timestamp + "." + raw payload; signature = "v1=" +
    // hex HMAC-SHA256 under the signing secret.
    type: 'revolut',
    secret: REVOLUT_SECRET,
    otherSecret: 'wsk_Hq2Lk9Vb4Nm7Xc1Zp6Rt3Yw8Sd5Fg0Ja',
    body: REVOLUT_BODY,
    at: REVOLUT_AT,
    documented: (secret, body, atMs) => ({
      'Revolut-Request-Timestamp': String(atMs),
      'Revolut-Signature': `v1=${mac('sha256', secret, `v1.${atMs}.${body}`, 'hex')}`,
    }),
    signatureHeader: 'revolut-signature',
    window: 300,
    ms: true,
    metadataHeaders: {},
    metadata: {},
  },
  {
    // "The body of the message is hashed with your signature key using HMAC SHA-512", sent as
    // `X-ANET-Signature: sha512=<HEX>` (upper case, as Authorize.Net writes it).
    type: 'authorize-net',
    secret: ANET_KEY,
    otherSecret: ANET_OTHER_KEY,
    body: ANET_BODY,
    at: NOW,
    documented: (secret, body) => ({ 'X-ANET-Signature': `sha512=${mac('sha512', secret, body, 'hex').toUpperCase()}` }),
    signatureHeader: 'x-anet-signature',
    metadataHeaders: {},
    metadata: {},
  },
  {
    // "Concatenate timestamp.headerNames.headerValues.rawBody", HMAC-SHA256 with the subscription's
    // secret, v1 in hex; the headers are those `h` names, their values joined by `.` (Hook0).
    type: 'coinbase-cdp',
    secret: '4d7c2a9e-1b3f-4e6d-8a5c-7f9e2b1d3c60',
    otherSecret: 'e2f4a6c8-0b1d-4f3a-9c5e-7a9b1d3f5e70',
    body: CDP_BODY,
    at: NOW,
    documented: (secret, body, atMs) => {
      const t = String(Math.floor(atMs / 1000));
      const values = ['application/json', 'b7b0cf7e-2a8c-4f4b-9a7e-4a62f8c3d1e5', 'checkout.payment.success'].join('.');
      const v1 = mac('sha256', secret, `${t}.content-type x-event-id x-event-type.${values}.${body}`, 'hex');
      return {
        'content-type': 'application/json',
        'X-Event-Id': 'b7b0cf7e-2a8c-4f4b-9a7e-4a62f8c3d1e5',
        'X-Event-Type': 'checkout.payment.success',
        'X-Hook0-Signature': `t=${t},h=content-type x-event-id x-event-type,v1=${v1}`,
      };
    },
    signatureHeader: 'x-hook0-signature',
    window: 300,
    metadataHeaders: {},
    metadata: { 'unsigned.eventId': 'b7b0cf7e-2a8c-4f4b-9a7e-4a62f8c3d1e5', 'unsigned.eventType': 'checkout.payment.success' },
  },
];

test('every commerce sender has its tests, its documentation link and, where published, its IP list', () => {
  expect(SENDERS.map((s) => s.type).sort()).toEqual(Object.keys(COMMERCE).sort());
  for (const entry of Object.values(COMMERCE)) expect(entry.docs).toMatch(/^https:\/\//);
  const ipRanges = Object.fromEntries(Object.entries(COMMERCE).flatMap(([type, entry]) => ('ipRanges' in entry ? [[type, entry.ipRanges]] : [])));
  expect(ipRanges).toEqual({
    'checkout-com': 'https://www.checkout.com/docs/developer-resources/ip-addresses',
    recurly: 'https://docs.recurly.com/docs/ip-allowlist',
    revolut: 'https://developer.revolut.com/docs/api/merchant/operations/webhook-webhook-event',
  });
});

describe.each(SENDERS)('$type', (sender) => {
  const { type, secret, otherSecret, body, at, documented, signatureHeader, window, ms, metadataHeaders, metadata } = sender;
  const scheme = schemeOf(type);
  const keys = keysOf(scheme, secret);
  const verify = (headers: Record<string, string | string[]>, text: string | Uint8Array = body, k = keys, now = at): VerifyResult =>
    scheme.verify({ headers, body: text }, k, now, window ?? 0);
  const delivery = { 'content-type': 'application/json', ...documented(secret, body, at), ...metadataHeaders };
  const sent = headerOf(delivery, signatureHeader)!;
  const withSignature = (value: string | string[]) => {
    const out: Record<string, string | string[]> = Object.fromEntries(Object.entries(delivery).filter(([k]) => k.toLowerCase() !== signatureHeader));
    out[signatureHeader] = value;
    return out;
  };

  test('accepts the vector made from the documentation; our sign() signs it the same way', () => {
    const result = verify(delivery);
    expect(result.ok).toBe(true);
    expect(result.ok && result.bodyBinding).toBe('signed');
    const signed = scheme.sign({ body, timestamp: at / 1000, id: 'b7b0cf7e-2a8c-4f4b-9a7e-4a62f8c3d1e5' }, secret);
    expect(headerOf(signed, signatureHeader)).toBe(sent);
    expect(verify(signed).ok).toBe(true);
  });

  test('rejects a one-byte change of the body', () => {
    expect(verify(delivery, body.replace('e', 'f'))).toEqual(rejected('signature_invalid'));
  });

  test('rejects another key, and accepts when the right key is one of the active ones', () => {
    expect(verify(delivery, body, keysOf(scheme, otherSecret))).toEqual(rejected('signature_invalid'));
    expect(verify(delivery, body, keysOf(scheme, otherSecret, secret)).ok).toBe(true);
  });

  test('rejects a missing, duplicated or undecodable signature header', () => {
    const without = Object.fromEntries(Object.entries(delivery).filter(([k]) => k.toLowerCase() !== signatureHeader));
    expect(verify(without)).toEqual(rejected('missing_header'));
    expect(verify(withSignature([sent, sent]))).toEqual(rejected('duplicate_header'));
    expect(verify(withSignature(sent.slice(0, -2)))).toEqual(rejected(sender.undecodable ?? 'malformed_header'));
  });

  test('forwards its metadata under unsigned. names only; duplicates key on the body', () => {
    const result = verify(delivery);
    expect(result.ok && { ...result.metadata }).toEqual(metadata);
    expect(result.ok && result.eventId).toBeUndefined();
    expect(result.ok && result.dedupeKey).toBe(`sha256:${sha256(body)}`);
  });

  test('answers no signed delivery: every one is queued', () => {
    const result = verify(delivery);
    expect(result.ok && scheme.immediateResponse?.(body, result, delivery)).toBeFalsy();
    if (type !== 'xero') expect(scheme.handshake).toBeUndefined();
  });

  if (window !== undefined) {
    test(`rejects a signed time past the ${window} s window, both ways; accepts one at its edge`, () => {
      expect(scheme.defaultToleranceSeconds).toBe(window);
      const step = ms ? 1 : 1000;
      for (const offset of [window * 1000 + step, -(window * 1000 + step)]) {
        expect(verify({ ...delivery, ...documented(secret, body, at + offset) })).toEqual(rejected('timestamp_out_of_tolerance'));
      }
      for (const offset of [window * 1000, -window * 1000]) expect(verify({ ...delivery, ...documented(secret, body, at + offset) }).ok).toBe(true);
    });
  } else {
    test('signs no time: no window, and the dedupe record is the replay control', () => {
      expect(scheme.defaultToleranceSeconds).toBeUndefined();
      expect(describeScheme(scheme)?.replay).toMatch(/dedupe record only/);
    });
  }

  test('describes itself for the README table', () => {
    const described = describeScheme(scheme);
    expect(described?.signature).toMatch(new RegExp(signatureHeader, 'i'));
    expect(described?.dedupe).toBe('SHA-256 of the body');
    expect(described?.metadata).toEqual(Object.keys(metadata));
  });
});

describe('checkout-com: the optional static Authorization header', () => {
  const scheme = schemeOf('checkout-com');
  const secret = SENDERS[0].secret;
  const headers = { 'Cko-Signature': mac('sha256', secret, CHECKOUT_BODY, 'hex') };

  test('is neither required nor read: any value, or none, verifies alike; the body alone is signed', () => {
    for (const extra of [{}, { Authorization: 'anything' }, { Authorization: ['a', 'b'] }]) {
      expect(scheme.verify({ headers: { ...headers, ...extra }, body: CHECKOUT_BODY }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
    }
    expect(scheme.requiredHeaders).toEqual(['cko-signature']);
  });
});

describe('quickbooks: the CloudEvents format', () => {
  const scheme = schemeOf('quickbooks');
  const secret = SENDERS[1].secret;

  test('accepts a CloudEvents array, signed alike, under either JSON media type', () => {
    const headers = { 'intuit-signature': mac('sha256', secret, QUICKBOOKS_CLOUDEVENTS, 'base64') };
    expect(scheme.verify({ headers, body: QUICKBOOKS_CLOUDEVENTS }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
    expect(scheme.contentTypes).toEqual(['application/json', 'application/cloudevents-batch+json']);
  });
});

describe('gocardless: the official SDK test vector', () => {
  const scheme = schemeOf('gocardless');

  test("accepts the SDK's signature over its fixture, and our sign() gives the same", () => {
    const result = scheme.verify({ headers: { 'Webhook-Signature': GOCARDLESS_SIGNATURE }, body: GOCARDLESS_BODY }, keysOf(scheme, GOCARDLESS_SECRET), NOW, 0);
    expect(result.ok).toBe(true);
    expect(headerOf(scheme.sign({ body: GOCARDLESS_BODY }, GOCARDLESS_SECRET), 'webhook-signature')).toBe(GOCARDLESS_SIGNATURE);
  });

  test("refuses the SDK's own bad example ('NOTVERYCONVINCING') as malformed; a wrong signature is a 401 (signature_invalid), not GoCardless's 498", () => {
    const keys = keysOf(scheme, GOCARDLESS_SECRET);
    expect(scheme.verify({ headers: { 'Webhook-Signature': 'NOTVERYCONVINCING' }, body: GOCARDLESS_BODY }, keys, NOW, 0)).toEqual(rejected('malformed_header'));
    expect(scheme.verify({ headers: { 'Webhook-Signature': GOCARDLESS_SIGNATURE.replace(/^26/, '62') }, body: GOCARDLESS_BODY }, keys, NOW, 0)).toEqual(rejected('signature_invalid'));
  });
});

describe('recurly: the official client spec vector and the header format', () => {
  const scheme = schemeOf('recurly');
  const keys = keysOf(scheme, RECURLY_SECRET);
  const verify = (header: string, now = RECURLY_AT) => scheme.verify({ headers: { 'recurly-signature': header }, body: RECURLY_BODY }, keys, now, 300);
  const [stamp, signature] = RECURLY_HEADER.split(',');
  const other = mac('sha256', SENDERS[4].otherSecret, `${stamp}.${RECURLY_BODY}`, 'hex');

  test("accepts the spec's header at its time, and refuses it five minutes and a millisecond later, as the client does", () => {
    expect(verify(RECURLY_HEADER).ok).toBe(true);
    expect(verify(RECURLY_HEADER, RECURLY_AT + 300_001)).toEqual(rejected('timestamp_out_of_tolerance'));
    expect(scheme.sign({ body: RECURLY_BODY, timestamp: RECURLY_AT / 1000 }, RECURLY_SECRET)['recurly-signature']).toBe(RECURLY_HEADER);
  });

  test('accepts any matching signature among several (both secrets sign for 24 h after a regeneration)', () => {
    expect(verify(`${stamp},${other},${signature}`).ok).toBe(true);
    expect(verify(`${stamp},${signature},${other}`).ok).toBe(true);
    expect(verify(`${stamp},${other}`)).toEqual(rejected('signature_invalid'));
  });

  test('refuses any other format: no signature, a name, spaces, an empty entry, a non-decimal or zero-led timestamp, too many signatures', () => {
    expect(verify(`${stamp}`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp},`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp},,${signature}`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp}, ${signature}`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp},v1=${signature}`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp},de1ec7ab1e,${signature}`)).toEqual(rejected('malformed_header'));
    expect(verify(`${stamp},${Array.from({ length: 9 }, () => signature).join(',')}`)).toEqual(rejected('malformed_header'));
    for (const bad of ['abc', ` ${stamp}`, `0${stamp}`, '1.663103925004e12', `-${stamp}`, `${stamp}000000`]) {
      expect(verify(`${bad},${signature}`)).toEqual(rejected('malformed_timestamp'));
    }
  });

  test('signs the timestamp as sent: the same instant in seconds is another message', () => {
    const seconds = String(Math.floor(RECURLY_AT / 1000));
    const inSeconds = mac('sha256', RECURLY_SECRET, `${seconds}.${RECURLY_BODY}`, 'hex');
    expect(verify(`${seconds},${inSeconds}`)).toEqual(rejected('timestamp_out_of_tolerance'));
  });
});

describe("revolut: the page's example, rotation, and milliseconds", () => {
  const scheme = schemeOf('revolut');
  const keys = keysOf(scheme, REVOLUT_SECRET);
  const v1 = (secret: string, stamp = String(REVOLUT_AT)) => mac('sha256', secret, `v1.${stamp}.${REVOLUT_BODY}`, 'hex');
  const verify = (signature: string, stamp = String(REVOLUT_AT)) =>
    scheme.verify({ headers: { 'Revolut-Request-Timestamp': stamp, 'Revolut-Signature': signature }, body: REVOLUT_BODY }, keys, REVOLUT_AT, 300);

  test("accepts the signature over the page's secret, timestamp and payload at that time", () => {
    expect(v1(REVOLUT_SECRET)).toBe('bca326fb378d0da7f7c490ad584a8106bab9723d8d9cdd0d50b4c5b3be3837c0');
    expect(verify(`v1=${v1(REVOLUT_SECRET)}`).ok).toBe(true);
  });

  test('accepts any matching v1 among the comma-separated ones sent while a rotated secret lives; ignores other versions', () => {
    const old = v1(SENDERS[5].otherSecret);
    expect(verify(`v1=${old},v1=${v1(REVOLUT_SECRET)}`).ok).toBe(true);
    expect(verify(`v2=${old},v1=${v1(REVOLUT_SECRET)}`).ok).toBe(true);
    expect(verify(`v1=${old}`)).toEqual(rejected('signature_invalid'));
    expect(verify(`v2=${v1(REVOLUT_SECRET)}`)).toEqual(rejected('malformed_header'));
  });

  test('reads the timestamp as milliseconds: the same instant in seconds is out of the window, not a match', () => {
    const seconds = String(Math.floor(REVOLUT_AT / 1000));
    expect(verify(`v1=${v1(REVOLUT_SECRET, seconds)}`, seconds)).toEqual(rejected('timestamp_out_of_tolerance'));
    for (const bad of ['', 'now', '1.68365020236e12', '-1683650202360']) expect(verify(`v1=${v1(REVOLUT_SECRET, bad)}`, bad).ok).toBe(false);
  });
});

describe('authorize-net: a signature Authorize.Net sent, published on its developer forum', () => {
  // https://community.developer.cybersource.com/t5/Integration-and-Testing/The-verification-of-the-webhook-signature-is-contingent-on-the/td-p/88640
  // (2023-12, sandbox): the Signature Key, the body and the X-ANET-Signature Authorize.Net sent with it.
  // The body Authorize.Net signed carries `"authAmount":1.10`; the poster's framework had re-serialised
  // it as 1.1, which is why theirs did not match: the raw bytes are what is signed.
  const scheme = schemeOf('authorize-net');
  const key = 'A6214F6105625D5ED957CF02E749BB440DBD4E418533D219CAD26AECD104BFFE7F47DBBE5C81927CCA484AE7722BE82CE57FB5318EDE02122277A2FE90EE68EB';
  const bodyWith = (amount: string) =>
    `{"notificationId":"570f7282-687a-42b7-903b-48e487d7694d","eventType":"net.authorize.payment.authcapture.created","eventDate":"2023-12-12T12:45:09.3492643Z","webhookId":"a585ea29-a370-495a-bd83-f9be7160f260","payload":{"responseCode":1,"avsResponse":"P","authAmount":${amount},"merchantReferenceId":"2M4zHFzshYBudvgIZ11B","entityName":"transaction","id":"120011377052"}}`;
  const sent = { 'X-ANET-Signature': 'sha512=8E3D41B0191A9A1E668FB729F350B73C6BBB81D676070FE7CFF001CA2543ABA91BD16A4374A0F6FA4542659728C7DAF79D7EC901FEC582FC2DA3263A2D604DCF' };

  test('verifies keyed with the key as its text, over the raw body; not re-serialised, and not keyed with the bytes its hex digits spell', () => {
    expect(scheme.verify({ headers: sent, body: bodyWith('1.10') }, keysOf(scheme, key), NOW, 0).ok).toBe(true);
    expect(scheme.sign({ body: bodyWith('1.10') }, key)['x-anet-signature']).toBe(sent['X-ANET-Signature']);
    expect(scheme.verify({ headers: sent, body: bodyWith('1.1') }, keysOf(scheme, key), NOW, 0)).toEqual(rejected('signature_invalid'));
    expect(mac('sha512', Buffer.from(key, 'hex'), bodyWith('1.10'), 'hex').toUpperCase()).not.toBe(sent['X-ANET-Signature'].slice(7));
  });
});

describe('authorize-net: the Signature Key is used as its text', () => {
  const scheme = schemeOf('authorize-net');
  const keys = keysOf(scheme, ANET_KEY);
  const verify = (value: string) => scheme.verify({ headers: { 'X-ANET-Signature': value }, body: ANET_BODY }, keys, NOW, 0);
  const upper = mac('sha512', ANET_KEY, ANET_BODY, 'hex').toUpperCase();

  test('accepts the upper-case digest Authorize.Net sends, and signs in upper case too', () => {
    expect(verify(`sha512=${upper}`).ok).toBe(true);
    expect(scheme.sign({ body: ANET_BODY }, ANET_KEY)['x-anet-signature']).toBe(`sha512=${upper}`);
  });

  test('reads the same digest in lower case (the same bytes: no other message verifies)', () => {
    expect(verify(`sha512=${upper.toLowerCase()}`).ok).toBe(true);
  });

  test("refuses a digest keyed with the key's hex-decoded bytes, and one without the sha512= prefix", () => {
    const decoded = mac('sha512', Buffer.from(ANET_KEY, 'hex'), ANET_BODY, 'hex').toUpperCase();
    expect(verify(`sha512=${decoded}`)).toEqual(rejected('signature_invalid'));
    expect(verify(upper)).toEqual(rejected('malformed_header'));
    expect(verify(`sha256=${upper}`)).toEqual(rejected('malformed_header'));
  });

  test('refuses, as a configuration error, a key shorter than the 128 characters Authorize.Net issues (its other credentials)', () => {
    expect(() => scheme.decodeKey(ANET_KEY.slice(0, 127))).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('7uP4xQ2rT9')).toThrow(WebhookConfigurationError);
  });
});

describe('xero: Intent to Receive', () => {
  const scheme = schemeOf('xero');
  const { secret, otherSecret } = SENDERS[2];
  const keys = keysOf(scheme, secret);
  const signed = (body: string, key = secret) => ({ 'x-xero-signature': mac('sha256', key, body, 'base64') });
  const verify = (headers: Record<string, string>, body: string) => scheme.verify({ headers, body }, keys, NOW, 0);

  test('answers a correctly signed validation request itself, with no body; a delivery with events is not answered', () => {
    const result = verify(signed(XERO_ITR), XERO_ITR);
    expect(result.ok).toBe(true);
    expect(result.ok && scheme.immediateResponse?.(XERO_ITR, result, signed(XERO_ITR))).toEqual({ body: '', contentType: 'text/plain' });
    const delivery = verify(signed(XERO_BODY), XERO_BODY);
    expect(delivery.ok && scheme.immediateResponse?.(XERO_BODY, delivery, signed(XERO_BODY))).toBeUndefined();
  });

  test('refuses an incorrectly signed one as a bad signature (401): another key, a changed payload, or a value that is no signature at all', () => {
    expect(verify(signed(XERO_ITR, otherSecret), XERO_ITR)).toEqual(rejected('signature_invalid'));
    expect(verify(signed(XERO_ITR), XERO_ITR.replace('S0m3', 'S0m4'))).toEqual(rejected('signature_invalid'));
    for (const value of ['HASH_VALUE', '', 'x'.repeat(44), signed(XERO_ITR)['x-xero-signature'].slice(1)]) {
      expect(verify({ 'x-xero-signature': value }, XERO_ITR)).toEqual(rejected(value === '' ? 'missing_header' : 'signature_invalid'));
    }
  });

  test('decides on the signed body alone: no events and an entropy string, nothing else makes it a validation request', () => {
    const answer = (body: string) => {
      const result = verify(signed(body), body);
      return result.ok ? scheme.immediateResponse?.(body, result, {}) : 'refused';
    };
    expect(answer('{"events":[],"entropy":"S0m3r4Nd0mt3xt"}')).toEqual({ body: '', contentType: 'text/plain' });
    for (const body of ['{"events":[],"firstEventSequence":0,"lastEventSequence":0}', '{"events":{},"entropy":"x"}', '{"events":[{}],"entropy":"x"}', '{"events":[],"entropy":1}', '{"events":[],"events":[],"entropy":"x"}']) {
      expect(answer(body)).toBeUndefined();
    }
  });

  test('acknowledges every queued delivery with no body, as Xero asks', () => {
    expect(scheme.acknowledge?.(verify(signed(XERO_BODY), XERO_BODY) as never)).toEqual({ body: '', contentType: 'text/plain' });
  });
});

describe('xero: Intent to Receive through the verifier handler', () => {
  const aws = useFakeAws();
  const { secret, otherSecret } = SENDERS[2];
  const signature = (body: string, key = secret) => ({ 'x-xero-signature': mac('sha256', key, body, 'base64') });

  test('200 with no body and nothing queued for a correctly signed request; 401 for every incorrectly signed one', async () => {
    const { post } = workplaceHandler(aws, 'xero', { current: secret }, NOW);
    const ok = await post(XERO_ITR, signature(XERO_ITR));
    expect([ok.statusCode, ok.body]).toEqual([200, '']);
    for (const headers of [signature(XERO_ITR, otherSecret), { 'x-xero-signature': 'HASH_VALUE' }, signature(`${XERO_ITR} `)]) {
      expect((await post(XERO_ITR, headers)).statusCode).toBe(401);
    }
    expect(aws.queue).toHaveLength(0);
  });

  test('a delivery with events is queued and acknowledged with no body', async () => {
    const { post } = workplaceHandler(aws, 'xero', { current: secret }, NOW);
    const answer = await post(XERO_BODY, signature(XERO_BODY));
    expect([answer.statusCode, answer.body]).toEqual([200, '']);
    expect(aws.queue).toHaveLength(1);
  });
});

describe("coinbase-cdp: Hook0's conformance vectors and the headers h names", () => {
  const scheme = schemeOf('coinbase-cdp');
  // clients/conformance/signature.json: every vector's secret, payload, headers and moment.
  const secret = 'a-subscription-secret';
  const payload = '{"event":"user.created"}';
  const headers = { 'x-event-id': 'evt-1', 'x-delivery-id': 'dlv-1', 'content-type': 'application/json' };
  const at = 1800000000_000;
  const verify = (signature: string, extra: Record<string, string | string[]> = headers, body = payload, now = at) =>
    scheme.verify({ headers: { ...extra, 'X-Hook0-Signature': signature }, body }, keysOf(scheme, secret), now, 300);
  const V1 = '19a6fb8f6581715b241a93af02a58611c3b0ac7b747a8d2a5b120ee418d0c347';
  const V1_REVERSED = 'bf5f4e5fe0c9143510ae192f983316a09ed392d0104d2ce0faa3d7bce3687acb';
  const V0 = 'd17d66b66fca89390c5b967c45e8928fc732db07a0aabe8167b1e98213081ffe';

  test('"a header-scheme signature verifies"; the headers it covers are read in the order h names them', () => {
    expect(mac('sha256', secret, `1800000000.x-event-id x-delivery-id.evt-1.dlv-1.${payload}`, 'hex')).toBe(V1);
    expect(verify(`t=1800000000,h=x-event-id x-delivery-id,v1=${V1}`).ok).toBe(true);
    expect(verify(`t=1800000000,h=x-delivery-id x-event-id,v1=${V1_REVERSED}`).ok).toBe(true);
    expect(verify(`t=1800000000,h=x-delivery-id x-event-id,v1=${V1}`)).toEqual(rejected('signature_invalid'));
  });

  test('verifies v1 only: a v0 beside it is not looked at, and a v0 alone (the body-only scheme) is refused', () => {
    expect(verify(`t=1800000000,h=x-event-id x-delivery-id,v0=${V1_REVERSED},v1=${V1}`).ok).toBe(true);
    expect(verify(`t=1800000000,h=x-event-id x-delivery-id,v0=${V0},v1=${V1_REVERSED}`)).toEqual(rejected('signature_invalid'));
    expect(verify(`t=1800000000,v0=${V0}`)).toEqual(rejected('malformed_header'));
  });

  test('refuses a header h names that the request did not carry, or carried twice, before any code is computed', () => {
    expect(verify(`t=1800000000,h=x-event-id x-missing,v1=${V1}`)).toEqual(rejected('missing_header'));
    expect(verify(`t=1800000000,h=x-event-id x-delivery-id,v1=${V1}`, { ...headers, 'X-Delivery-Id': 'dlv-2' })).toEqual(rejected('duplicate_header'));
  });

  test('refuses an ambiguous or malformed signature header', () => {
    for (const value of [
      `t=1800000000,t=1800000000,h=x-event-id x-delivery-id,v1=${V1}`,
      `t=1800000000,h=x-event-id x-delivery-id,h=x-event-id,v1=${V1}`,
      `t=1800000000,h=x-event-id x-delivery-id,v1=${V1},v1=${V1}`,
      `t=1800000000,h=x-event-id  x-delivery-id,v1=${V1}`,
      `t=1800000000,h=x-event-id x-event-id,v1=${V1}`,
      `t=1800000000,h=X-Event-Id x-delivery-id,v1=${V1}`,
      `t=1800000000,h=x-event-id x-hook0-signature,v1=${V1}`,
      `t=1800000000,h=x-event-id x-delivery-id,v1=${V1.slice(0, -1)}z`,
      `t=1800000000,h=x-event-id x-delivery-id,v1=${V1.slice(0, -1)}`,
      `t=1800000000,h=x-event-id x-delivery-id`,
      `t=1800000000,v1=${V1}`,
      `t=1800000000,h=x-event-id x-delivery-id,${V1}`,
    ]) {
      expect(verify(value)).toEqual(rejected('malformed_header'));
    }
    expect(verify(`h=x-event-id x-delivery-id,v1=${V1}`)).toEqual(rejected('malformed_timestamp'));
    expect(verify(`t=soon,h=x-event-id x-delivery-id,v1=${V1}`)).toEqual(rejected('malformed_timestamp'));
  });

  test('"a moment at the edge of the window" verifies; one past it, either way, does not', () => {
    const at = (t: number) => `t=${t},h=x-event-id x-delivery-id,v1=${mac('sha256', secret, `${t}.x-event-id x-delivery-id.evt-1.dlv-1.${payload}`, 'hex')}`;
    expect(verify(at(1799999700)).ok).toBe(true);
    expect(verify(at(1800000300)).ok).toBe(true);
    expect(verify(at(1799999699))).toEqual(rejected('timestamp_out_of_tolerance'));
    expect(verify(at(1800000301))).toEqual(rejected('timestamp_out_of_tolerance'));
  });

  test('values joined by "." do not fix their own boundaries: a replay that moves text across them keys as the same delivery, and its ids stay unsigned', () => {
    const cdp = SENDERS[7];
    const genuine = cdp.documented(cdp.secret, CDP_BODY, NOW);
    const keys = keysOf(scheme, cdp.secret);
    const original = scheme.verify({ headers: genuine, body: CDP_BODY }, keys, NOW, 300);
    const shifted = { ...genuine, 'X-Event-Id': `${genuine['X-Event-Id']}.checkout`, 'X-Event-Type': 'payment.success' };
    const replay = scheme.verify({ headers: shifted, body: CDP_BODY }, keys, NOW, 300);
    expect(replay.ok).toBe(true);
    expect(replay.ok && original.ok && replay.dedupeKey).toBe(original.ok && original.dedupeKey);
    expect(replay.ok && replay.metadata['unsigned.eventType']).toBe('payment.success');
    expect(replay.ok && replay.eventId).toBeUndefined();
  });

  test('the body must be one strict JSON object: no text can be moved between the last value and the body', () => {
    const cdp = SENDERS[7];
    const genuine = cdp.documented(cdp.secret, CDP_BODY, NOW);
    const keys = keysOf(scheme, cdp.secret);
    const moved = { ...genuine, 'X-Event-Type': 'checkout.payment' };
    expect(scheme.verify({ headers: moved, body: `success.${CDP_BODY}` }, keys, NOW, 300)).toEqual(rejected('malformed_body'));
    for (const body of ['hello !', '[1]', '{"a":1,"a":2}', `\ufeff${payload}`]) {
      expect(verify(`t=1800000000,h=x-event-id x-delivery-id,v1=${mac('sha256', secret, `1800000000.x-event-id x-delivery-id.evt-1.dlv-1.${body}`, 'hex')}`, headers, body)).toEqual(rejected('malformed_body'));
    }
  });

  test("Hook0's own worker test vector is the same construction (t . names . values . body)", () => {
    // hook0/hook0 output-worker/src/work.rs create_signature_v1: secret "secret", payload "hello !".
    expect(mac('sha256', 'secret', '1636936200.x-event-id x-event-type.1a01cb48-5142-4d9b-8f90-d20cca61f0ee.service.resource.verb.hello !', 'hex')).toBe(
      'bc521546ba5de381b12f135782d2008b028c3065c191760b12b76850a8fc8f51',
    );
  });
});
