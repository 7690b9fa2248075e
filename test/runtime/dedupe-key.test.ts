import { createHash, createHmac } from 'node:crypto';
import * as fc from 'fast-check';
import Stripe from 'stripe';
import twilio from 'twilio';
import { SchemeConfig, signWebhook, verifyWebhook, VerifyResult, WebhookRequest } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

// The scheme contract: a verified delivery's dedupeKey comes from signed material only, and every
// spelling of the same signed request has the same one; ids and types from unsigned headers are
// forwarded under unsigned… names and change nothing else.

const NOW = TEST_NOW;
const BODY = '{"id":"evt_1","amount":4200}';
const sha = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex');
const verified = (result: VerifyResult) => {
  if (!result.ok) throw new Error(`expected a verified delivery, got ${result.reason}`);
  return result;
};

describe('Twilio form bodies', () => {
  const token = 'twilio-auth-token-0123456789ab';
  const url = 'https://hooks.example.com/webhooks/sms?tenant=7';
  const run = (body: string, signature: string) =>
    verifyWebhook(
      { headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' }, body, url },
      { scheme: { type: 'twilio' }, secrets: [token], now: NOW },
    );
  // Parameter names and values as Twilio sends them: ASCII and any Unicode, empty values included.
  const params = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 12 }), { minKeys: 1, maxKeys: 6 });
  const encode = (value: string, upper: boolean) => {
    const encoded = encodeURIComponent(value);
    return upper ? encoded : encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  };

  test('every spelling that verifies (any order, either case of %XX) has one dedupe key: the canonical signed string\'s; a repeated or empty pair is refused', () => {
    fc.assert(
      fc.property(params, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), fc.boolean(), fc.integer({ min: -1, max: 5 }), (p, order, upper, ampersands, repeat) => {
        const signature = twilio.getExpectedTwilioSignature(token, url, p);
        const pairs = Object.entries(p).map(([k, v]) => `${encode(k, upper)}=${encode(v, upper)}`);
        const canonical = verified(run(pairs.join('&'), signature));
        // Reorder.
        const shuffled = [...pairs];
        for (const [i, n] of order.entries()) [shuffled[i % shuffled.length], shuffled[n % shuffled.length]] = [shuffled[n % shuffled.length], shuffled[i % shuffled.length]];
        const respelled = verified(run(shuffled.join('&'), signature));
        expect(respelled.dedupeKey).toBe(canonical.dedupeKey);
        // A repeated pair or an empty one adds nothing to the signed string, but a consumer's parse
        // sees it: refused.
        if (repeat >= 0) expect(run([...shuffled, shuffled[repeat % shuffled.length]].join('&'), signature)).toEqual({ ok: false, reason: 'malformed_body' });
        if (ampersands) expect(run(`${shuffled.join('&')}&&`, signature)).toEqual({ ok: false, reason: 'malformed_body' });
        const sorted = Object.keys(p).sort().map((k) => k + p[k]).join('');
        expect(canonical.dedupeKey).toBe(`signed-sha256:${sha('https://hooks.example.com/webhooks/sms?tenant=7' + sorted)}`);
      }),
      { numRuns: 150 },
    );
  });

  test('different signed parameters give different keys', () => {
    const a = verified(run('Body=yes', twilio.getExpectedTwilioSignature(token, url, { Body: 'yes' })));
    const b = verified(run('Body=no', twilio.getExpectedTwilioSignature(token, url, { Body: 'no' })));
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
  });
});

describe('Twilio JSON bodies: bodySHA256 is checked against the raw bytes', () => {
  const token = 'twilio-auth-token-0123456789ab';
  // Not valid UTF-8: a decode would turn 0xff into U+FFFD, and a hash of that would not be the body's.
  const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
  const lossy = raw.toString('utf8');
  const run = (declared: string, idem?: string) => {
    const url = `https://hooks.example.com/webhooks/sms?bodySHA256=${declared}`;
    const headers: Record<string, string> = { 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, {}), 'content-type': 'application/json' };
    if (idem) headers['i-twilio-idempotency-token'] = idem;
    return verifyWebhook({ headers, body: raw, url }, { scheme: { type: 'twilio' }, secrets: [token], now: NOW });
  };

  test('accepts a bodySHA256 of the raw bytes', () => {
    expect(run(sha(raw), 'idem-1')).toMatchObject({ ok: true, unsignedEventId: 'idem-1', eventId: undefined });
  });

  test('rejects a bodySHA256 of a lossy UTF-8 decode of the body', () => {
    expect(sha(lossy)).not.toBe(sha(raw));
    expect(run(sha(lossy))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a captured JSON delivery resent as a form: the signed bodySHA256, not the unsigned Content-Type, binds the body', () => {
    // GIVEN a genuine JSON delivery: the signature covers only the URL, which carries the body's hash
    const url = `https://hooks.example.com/webhooks/sms?bodySHA256=${sha(raw)}`;
    const signature = twilio.getExpectedTwilioSignature(token, url, {});
    // WHEN the same signature and URL arrive with a form Content-Type and a body whose sorted
    // parameters are empty (or any other body)
    for (const body of ['', '&', '&&&', 'Amount=1000000']) {
      const result = verifyWebhook(
        { headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' }, body, url },
        { scheme: { type: 'twilio' }, secrets: [token], now: NOW },
      );
      // THEN the body is still checked against bodySHA256, and refused
      expect(result).toEqual({ ok: false, reason: 'signature_invalid' });
    }
  });

  test('rejects a JSON body whose URL carries no bodySHA256 (nothing would bind it)', () => {
    const url = 'https://hooks.example.com/webhooks/sms';
    const headers = { 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, {}), 'content-type': 'application/json' };
    expect(verifyWebhook({ headers, body: '{}', url }, { scheme: { type: 'twilio' }, secrets: [token], now: NOW })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('rejects two bodySHA256 parameters (which one binds the body would be a guess)', () => {
    const url = `https://hooks.example.com/webhooks/sms?bodySHA256=${sha(raw)}&bodySHA256=${sha('x')}`;
    const headers = { 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, {}), 'content-type': 'application/json' };
    expect(verifyWebhook({ headers, body: raw, url }, { scheme: { type: 'twilio' }, secrets: [token], now: NOW })).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('unsigned ids and event types never reach the dedupe key', () => {
  const ghSecret = 'github-secret-0123456789abcdef';
  const shopSecret = 'shpss_0123456789abcdef0123456789ab';
  const genericSecret = 'generic-secret-0123456789';
  const generic: SchemeConfig = { type: 'hmac', algorithm: 'sha256', encoding: 'hex', signatureHeader: 'X-Sig', signedContent: 'body', eventIdHeader: 'X-Id', eventTypeHeader: 'X-Type' };
  const cases: { name: string; scheme: SchemeConfig; secret: string; request: (id: string, type: string) => WebhookRequest; idField: string; typeField: string }[] = [
    {
      name: 'GitHub',
      scheme: { type: 'github' },
      secret: ghSecret,
      request: (id, type) => ({ headers: { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', ghSecret).update(BODY).digest('hex'), 'x-github-delivery': id, 'x-github-event': type }, body: BODY }),
      idField: 'x-github-delivery',
      typeField: 'x-github-event',
    },
    {
      name: 'Shopify',
      scheme: { type: 'shopify' },
      secret: shopSecret,
      request: (id, type) => ({ headers: { 'x-shopify-hmac-sha256': createHmac('sha256', shopSecret).update(BODY).digest('base64'), 'x-shopify-webhook-id': id, 'x-shopify-topic': type }, body: BODY }),
      idField: 'x-shopify-webhook-id',
      typeField: 'x-shopify-topic',
    },
    {
      name: 'generic hmac',
      scheme: generic,
      secret: genericSecret,
      request: (id, type) => ({ headers: { 'x-sig': createHmac('sha256', genericSecret).update(BODY).digest('hex'), 'x-id': id, 'x-type': type }, body: BODY }),
      idField: 'x-id',
      typeField: 'x-type',
    },
  ];
  const token = fc.stringMatching(/^[\x21-\x7e]{1,40}$/);

  test.each(cases)('$name: forwards id and type as unsigned, keys duplicates on the body hash whatever they say', ({ scheme, secret, request }) => {
    fc.assert(
      fc.property(token, token, (id, type) => {
        const result = verified(verifyWebhook(request(id, type), { scheme, secrets: [secret], now: NOW }));
        expect(result).toMatchObject({ unsignedEventId: id, unsignedEventType: type, eventId: undefined });
        expect(result.dedupeKey).toBe(`sha256:${sha(BODY)}`);
        expect(result.payloadSha256).toBe(sha(BODY));
      }),
      { numRuns: 50 },
    );
  });

  test.each(cases)('$name: rejects the event type header sent twice, and a malformed one', ({ scheme, secret, request, typeField }) => {
    const twice = request('id-1', 'push');
    const headers = { ...twice.headers, [typeField]: ['push', 'issues'] };
    expect(verifyWebhook({ ...twice, headers }, { scheme, secrets: [secret], now: NOW })).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verifyWebhook(request('id-1', 'has space'), { scheme, secrets: [secret], now: NOW })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('the event type header is optional', () => {
    const { headers, body } = cases[0].request('d-1', 'push');
    const { 'x-github-event': _, ...withoutType } = headers as Record<string, string>;
    expect(verifyWebhook({ headers: withoutType, body }, { scheme: { type: 'github' }, secrets: [ghSecret], now: NOW })).toMatchObject({ ok: true, unsignedEventType: undefined });
  });
});

describe('signed keys', () => {
  test('Standard Webhooks keys on its signed id, under any timestamp (a retry)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const key = Buffer.from(secret.slice(6), 'base64');
    const at = (ts: number) => {
      const sig = createHmac('sha256', key).update(`msg_1.${ts}.${BODY}`).digest('base64');
      return verified(verifyWebhook({ headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}` }, body: BODY }, { scheme: { type: 'standard-webhooks' }, secrets: [secret], now: ts * 1000 }));
    };
    expect(at(NOW / 1000)).toMatchObject({ eventId: 'msg_1', dedupeKey: 'msg_1', unsignedEventId: undefined });
    expect(at(NOW / 1000 + 600).dedupeKey).toBe('msg_1');
  });

  test('Stripe keys on the body hash, not on its per-attempt timestamp', () => {
    const secret = 'whsec_test_secret_0123456789abcdef';
    const stripe = new Stripe('sk_test_dummy');
    const at = (ts: number) =>
      verified(verifyWebhook({ headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp: ts }) }, body: BODY }, { scheme: { type: 'stripe' }, secrets: [secret], now: ts * 1000 }));
    expect(at(NOW / 1000).dedupeKey).toBe(`sha256:${sha(BODY)}`);
    expect(at(NOW / 1000 + 60).dedupeKey).toBe(at(NOW / 1000).dedupeKey);
  });
});

describe('Twilio URLs with a port', () => {
  test('a URL with a non-default port verifies as given (the CLI serve on localhost), not with the port dropped', () => {
    const secret = 'twilio-auth-token-0123456789abcdef';
    const url = 'http://localhost:18080/webhooks/sms';
    const body = 'Body=hi&From=%2B15550001111';
    const headers = signWebhook({ scheme: { type: 'twilio' }, secret, body, url });
    expect(verifyWebhook({ headers, body, url }, { scheme: { type: 'twilio' }, secrets: [secret] }).ok).toBe(true);
    // twilio's own library agrees
    expect(twilio.validateRequest(secret, headers['x-twilio-signature'], url, Object.fromEntries(new URLSearchParams(body)))).toBe(true);
    // signed for port 18080, not valid for the same path on the default port
    expect(verifyWebhook({ headers, body, url: 'http://localhost/webhooks/sms' }, { scheme: { type: 'twilio' }, secrets: [secret] }).ok).toBe(false);
  });
});
