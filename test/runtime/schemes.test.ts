import { sign as githubSign, verify as githubVerify } from '@octokit/webhooks-methods';
import { createHash, createHmac } from 'node:crypto';
import Stripe from 'stripe';
import twilio from 'twilio';
import * as fc from 'fast-check';
import { GenericHmacSchemeConfig, REJECTION_REASONS, SchemeConfig, schemeFor, verifyWebhook, verifyWithKeys } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

const NOW = TEST_NOW;
const NOW_S = NOW / 1000;
const JSON_BODY = '{"id":"evt_1","object":"event","data":{"amount":4200,"note":"naïve ☕"}}';

const verify = (scheme: SchemeConfig, headers: Record<string, string | string[]>, body: string, secrets: string[], extra: { url?: string; now?: number; toleranceSeconds?: number } = {}) =>
  verifyWebhook({ headers, body, url: extra.url }, { scheme, secrets, now: extra.now ?? NOW, toleranceSeconds: extra.toleranceSeconds });

describe('Stripe against the stripe library', () => {
  const secret = 'whsec_test_secret_0123456789abcdef';
  const stripe = new Stripe('sk_test_dummy');
  const header = (payload = JSON_BODY, timestamp = NOW_S, s = secret) => stripe.webhooks.generateTestHeaderString({ payload, secret: s, timestamp });

  test('accepts what stripe signs; stripe accepts the same', () => {
    expect(verify({ type: 'stripe' }, { 'Stripe-Signature': header() }, JSON_BODY, [secret])).toMatchObject({ ok: true, timestamp: NOW_S });
    // stripe checks the age against receivedAt (ms), the system clock when not given.
    expect(() => stripe.webhooks.constructEvent(JSON_BODY, header(), secret, undefined, undefined, NOW)).not.toThrow();
    expect(() => stripe.webhooks.constructEvent(JSON_BODY, header(), secret, undefined, undefined, NOW + 301_000)).toThrow(/tolerance/);
  });

  test('accepts any of several v1 signatures (Stripe rolling its secret) and ignores v0', () => {
    const other = header(JSON_BODY, NOW_S, 'whsec_other_secret_0123456789').split(',')[1];
    const mine = header().split(',')[1];
    const combined = `t=${NOW_S},${other},v0=${'0'.repeat(64)},${mine}`;
    expect(verify({ type: 'stripe' }, { 'stripe-signature': combined }, JSON_BODY, [secret]).ok).toBe(true);
  });

  test('tolerates spaces around entries and unknown keys, as the entries are trimmed', () => {
    const [t, v1] = header().split(',');
    for (const spelled of [` ${t} , ${v1} `, `${t},x=1,${v1}`, `${t},v1x=00,${v1}`, `${v1},${t}`, `${t}, v1 = ${v1.slice(3)}`]) {
      expect(verify({ type: 'stripe' }, { 'stripe-signature': spelled }, JSON_BODY, [secret]).ok).toBe(true);
    }
  });

  test.each([
    ['a tampered body', () => verify({ type: 'stripe' }, { 'stripe-signature': header() }, JSON_BODY + ' ', [secret]), 'signature_invalid'],
    ['another secret', () => verify({ type: 'stripe' }, { 'stripe-signature': header() }, JSON_BODY, ['whsec_other_secret_0123456789']), 'signature_invalid'],
    ['a stale timestamp', () => verify({ type: 'stripe' }, { 'stripe-signature': header(JSON_BODY, NOW_S - 301) }, JSON_BODY, [secret]), 'timestamp_out_of_tolerance'],
    ['a future timestamp', () => verify({ type: 'stripe' }, { 'stripe-signature': header(JSON_BODY, NOW_S + 301) }, JSON_BODY, [secret]), 'timestamp_out_of_tolerance'],
    ['two t= entries', () => verify({ type: 'stripe' }, { 'stripe-signature': `t=1,${header()}` }, JSON_BODY, [secret]), 'malformed_header'],
    ['no t=', () => verify({ type: 'stripe' }, { 'stripe-signature': header().split(',')[1] }, JSON_BODY, [secret]), 'malformed_timestamp'],
    ['only v0', () => verify({ type: 'stripe' }, { 'stripe-signature': `t=${NOW_S},v0=${'a'.repeat(64)}` }, JSON_BODY, [secret]), 'malformed_header'],
    ['a short v1', () => verify({ type: 'stripe' }, { 'stripe-signature': `t=${NOW_S},v1=abcd` }, JSON_BODY, [secret]), 'malformed_header'],
    ['a trailing comma', () => verify({ type: 'stripe' }, { 'stripe-signature': `${header()},` }, JSON_BODY, [secret]), 'malformed_header'],
    ['an entry without =', () => verify({ type: 'stripe' }, { 'stripe-signature': `${header()},v1` }, JSON_BODY, [secret]), 'malformed_header'],
    ['an empty key', () => verify({ type: 'stripe' }, { 'stripe-signature': `=1,${header()}` }, JSON_BODY, [secret]), 'malformed_header'],
    ['33 entries', () => verify({ type: 'stripe' }, { 'stripe-signature': `${header()}${',x=1'.repeat(31)}` }, JSON_BODY, [secret]), 'malformed_header'],
  ])('rejects %s', (_n, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('GitHub against @octokit/webhooks-methods', () => {
  const secret = 'It\'s a Secret to Everybody';
  const headers = async (body: string, s = secret) => ({ 'X-Hub-Signature-256': await githubSign(s, body), 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' });

  test('GitHub\'s documented example: "Hello, World!" signed with "It\'s a Secret to Everybody"', () => {
    const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const result = verify({ type: 'github' }, { 'x-hub-signature-256': documented, 'x-github-delivery': 'd1' }, 'Hello, World!', [secret]);
    expect(result).toMatchObject({ ok: true, unsignedEventId: 'd1' });
    expect(result).not.toHaveProperty('eventId', expect.anything());
  });

  test('accepts what octokit signs, with the delivery GUID as an unsigned event id; octokit agrees', async () => {
    const h = await headers(JSON_BODY);
    expect(verify({ type: 'github' }, h, JSON_BODY, [secret])).toMatchObject({ ok: true, unsignedEventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', eventId: undefined });
    expect(await githubVerify(secret, JSON_BODY, h['X-Hub-Signature-256'])).toBe(true);
  });

  test('rejects a tampered body, another secret, the legacy sha1 header alone; a missing delivery id is only missing metadata', async () => {
    const h = await headers(JSON_BODY);
    expect(verify({ type: 'github' }, h, JSON_BODY.replace('4200', '42'), [secret])).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify({ type: 'github' }, await headers(JSON_BODY, 'another secret!!'), JSON_BODY, [secret])).toEqual({ ok: false, reason: 'signature_invalid' });
    // X-GitHub-Delivery is signed by nothing and keys nothing (duplicates are keyed on the body's hash):
    // a genuine body without it is verified, with no unsigned.eventId; a malformed one is still refused.
    const withoutId = verify({ type: 'github' }, { 'X-Hub-Signature-256': h['X-Hub-Signature-256'] }, JSON_BODY, [secret]);
    expect(withoutId).toMatchObject({ ok: true, unsignedEventId: undefined, dedupeKey: `sha256:${createHash('sha256').update(JSON_BODY).digest('hex')}` });
    expect(verify({ type: 'github' }, { ...h, 'X-GitHub-Delivery': 'a b' }, JSON_BODY, [secret])).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify({ type: 'github' }, { 'X-Hub-Signature': 'sha1=' + 'a'.repeat(40), 'X-GitHub-Delivery': 'x' }, JSON_BODY, [secret])).toEqual({ ok: false, reason: 'missing_header' });
  });
});

describe('Slack against its documented example', () => {
  // https://api.slack.com/authentication/verifying-requests-from-slack
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const headers = { 'X-Slack-Request-Timestamp': '1531420618', 'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' };

  test('accepts the documented request at its time, rejects it 5 minutes later as a replay', () => {
    expect(verify({ type: 'slack' }, headers, body, [secret], { now: 1531420618_000 })).toMatchObject({ ok: true, timestamp: 1531420618, eventId: undefined });
    expect(verify({ type: 'slack' }, headers, body, [secret], { now: 1531420919_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify({ type: 'slack' }, headers, body + 'x', [secret], { now: 1531420618_000 })).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('answers url_verification with its challenge; ordinary bodies are not answered', () => {
    const slack = schemeFor({ type: 'slack' });
    expect(slack.immediateResponse!('{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}')).toEqual({
      body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}',
    });
    expect(slack.immediateResponse!(body)).toBeUndefined();
    expect(slack.immediateResponse!('{"type":"event_callback","text":"url_verification"}')).toBeUndefined();
  });
});

describe('Shopify', () => {
  const secret = 'shpss_0123456789abcdef0123456789ab';
  const sig = (body: string, s = secret) => createHmac('sha256', s).update(body, 'utf8').digest('base64');
  test('accepts base64 HMAC-SHA256 of the raw body, with the webhook id as an unsigned event id', () => {
    expect(verify({ type: 'shopify' }, { 'X-Shopify-Hmac-Sha256': sig(JSON_BODY), 'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' }, JSON_BODY, [secret])).toMatchObject({
      ok: true,
      unsignedEventId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    });
  });
  test('rejects a tampered body and a hex signature; a missing webhook id is only missing metadata', () => {
    const id = { 'X-Shopify-Webhook-Id': 'w1' };
    expect(verify({ type: 'shopify' }, { 'X-Shopify-Hmac-Sha256': sig(JSON_BODY), ...id }, JSON_BODY + '\n', [secret]).ok).toBe(false);
    expect(verify({ type: 'shopify' }, { 'X-Shopify-Hmac-Sha256': createHmac('sha256', secret).update(JSON_BODY).digest('hex'), ...id }, JSON_BODY, [secret])).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify({ type: 'shopify' }, { 'X-Shopify-Hmac-Sha256': sig(JSON_BODY) }, JSON_BODY, [secret])).toMatchObject({ ok: true, unsignedEventId: undefined });
  });
});

describe('Twilio against the twilio library', () => {
  const token = '12345678901234567890123456789012';
  const form = 'CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212&Digits=5678';
  const params = Object.fromEntries(new URLSearchParams(form));
  const url = 'https://hooks.example.com/in/webhooks/twilio?foo=1&bar=2';
  const formHeaders = (signature: string) => ({ 'X-Twilio-Signature': signature, 'Content-Type': 'application/x-www-form-urlencoded' });

  test('Twilio\'s documented example: token 12345 over https://mycompany.com/myapp.php?foo=1&bar=2', () => {
    const documented = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
    const exampleUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const body = 'CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212';
    expect(twilio.getExpectedTwilioSignature('12345', exampleUrl, Object.fromEntries(new URLSearchParams(body)))).toBe(documented);
    // The example's token is shorter than the 16 characters decodeKey insists on, so hand the key over decoded.
    const keys = [{ key: Buffer.from('12345'), notAfterMs: Number.POSITIVE_INFINITY }];
    const request = { headers: formHeaders(documented), body, url: exampleUrl };
    expect(verifyWithKeys(schemeFor({ type: 'twilio' }), request, keys, NOW).ok).toBe(true);
    expect(verifyWithKeys(schemeFor({ type: 'twilio' }), { ...request, body: body.replace('1234', '4321') }, keys, NOW).ok).toBe(false);
  });

  test('accepts what twilio signs over the URL and sorted form params (repeated names too)', () => {
    const all = { ...params, Digits: ['1234', '5678'] } as unknown as Record<string, string>;
    const signature = twilio.getExpectedTwilioSignature(token, url, all);
    expect(twilio.validateRequest(token, signature, url, all)).toBe(true);
    expect(verify({ type: 'twilio' }, formHeaders(signature), form, [token], { url }).ok).toBe(true);
  });

  test('accepts a signature made over the URL with the default port', () => {
    const signature = twilio.getExpectedTwilioSignature(token, url.replace('.com/', '.com:443/'), { ...params, Digits: '1234' });
    expect(verify({ type: 'twilio' }, formHeaders(signature), form.replace('&Digits=5678', ''), [token], { url }).ok).toBe(true);
  });

  test('rejects another URL, a changed parameter, a missing header', () => {
    const body = form.replace('&Digits=5678', '');
    const signature = twilio.getExpectedTwilioSignature(token, url, Object.fromEntries(new URLSearchParams(body)));
    expect(verify({ type: 'twilio' }, formHeaders(signature), body, [token], { url }).ok).toBe(true);
    expect(verify({ type: 'twilio' }, formHeaders(signature), body, [token], { url: url.replace('twilio', 'other') }).ok).toBe(false);
    expect(verify({ type: 'twilio' }, formHeaders(signature), body.replace('1234', '1235'), [token], { url }).ok).toBe(false);
    expect(verify({ type: 'twilio' }, { 'Content-Type': 'application/x-www-form-urlencoded' }, body, [token], { url })).toEqual({ ok: false, reason: 'missing_header' });
  });

  test('without the public URL, says so whatever the request carries (a caller mistake, not a rejection)', () => {
    for (const headers of [formHeaders('x'), { 'Content-Type': 'application/x-www-form-urlencoded' }]) {
      expect(() => verify({ type: 'twilio' }, headers, form, [token])).toThrow(/Twilio signs the public URL: pass the URL the sender posted to/);
    }
  });

  test('JSON bodies: the URL carries bodySHA256, which must match the body', () => {
    const hash = createHash('sha256').update(JSON_BODY).digest('hex');
    const jsonUrl = `https://hooks.example.com/webhooks/twilio?bodySHA256=${hash}`;
    const signature = twilio.getExpectedTwilioSignature(token, jsonUrl, {});
    expect(twilio.validateRequestWithBody(token, signature, jsonUrl, JSON_BODY)).toBe(true);
    const headers = { 'X-Twilio-Signature': signature, 'Content-Type': 'application/json', 'I-Twilio-Idempotency-Token': 'idem-1' };
    expect(verify({ type: 'twilio' }, headers, JSON_BODY, [token], { url: jsonUrl })).toMatchObject({ ok: true, unsignedEventId: 'idem-1' });
    expect(verify({ type: 'twilio' }, headers, JSON_BODY + ' ', [token], { url: jsonUrl })).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('generic HMAC', () => {
  const secret = 'generic-secret-0123456789';
  const config = (over: Partial<GenericHmacSchemeConfig> = {}): GenericHmacSchemeConfig => ({
    type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'body', ...over,
  });

  test.each([
    ['sha256 hex over the body', config(), (b: string) => createHmac('sha256', secret).update(b).digest('hex'), {}],
    ['sha512 base64 with a prefix', config({ algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=' }), (b: string) => 'sha512=' + createHmac('sha512', secret).update(b).digest('base64'), {}],
    ['sha1 hex', config({ algorithm: 'sha1' }), (b: string) => createHmac('sha1', secret).update(b).digest('hex'), {}],
    [
      'timestamp:body with an event id',
      config({ signedContent: 'timestamp-body', separator: ':', timestampHeader: 'X-Timestamp', eventIdHeader: 'X-Event-Id' }),
      (b: string) => createHmac('sha256', secret).update(`${NOW_S}:${b}`).digest('hex'),
      { 'X-Timestamp': String(NOW_S), 'X-Event-Id': 'e-1' },
    ],
  ])('accepts %s and rejects a tampered body', (_n, scheme, sign, extra) => {
    const headers = { 'X-Signature': sign(JSON_BODY), ...extra };
    expect(verify(scheme, headers, JSON_BODY, [secret]).ok).toBe(true);
    expect(verify(scheme, headers, JSON_BODY + 'x', [secret])).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('checks the signed timestamp against the tolerance', () => {
    const scheme = config({ signedContent: 'timestamp-body', timestampHeader: 'X-Timestamp' });
    const headers = { 'X-Signature': createHmac('sha256', secret).update(`${NOW_S - 600}.${JSON_BODY}`).digest('hex'), 'X-Timestamp': String(NOW_S - 600) };
    expect(verify(scheme, headers, JSON_BODY, [secret])).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('with several problems, the reason is the first of: a duplicated header, a missing one, then malformed values', () => {
    const scheme = config({ signedContent: 'timestamp-body', timestampHeader: 'X-Ts', eventIdHeader: 'X-Id' });
    const reason = (headers: Record<string, string | string[]>) => verify(scheme, headers, JSON_BODY, [secret]);
    expect(reason({ 'X-Signature': '', 'X-Ts': [String(NOW_S), String(NOW_S)], 'X-Id': 'e' })).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(reason({ 'X-Signature': 'zz', 'X-Ts': 'soon', 'X-Id': '' })).toEqual({ ok: false, reason: 'missing_header' });
    expect(reason({ 'X-Signature': 'zz', 'X-Ts': 'soon', 'X-Id': 'e' })).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(reason({ 'X-Signature': 'zz', 'X-Ts': String(NOW_S), 'X-Id': 'e' })).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('refuses a timestamp header the signature would not cover', () => {
    expect(() => schemeFor(config({ timestampHeader: 'X-Timestamp' }))).toThrow(/does not cover/);
  });
});

describe('every scheme, properties', () => {
  const cases: [string, SchemeConfig, (secret: string, body: string, now: number) => Record<string, string>, string?][] = [
    ['stripe', { type: 'stripe' }, (s, b, n) => ({ 'stripe-signature': `t=${n},v1=${createHmac('sha256', s).update(`${n}.${b}`).digest('hex')}` })],
    ['github', { type: 'github' }, (s, b) => ({ 'x-hub-signature-256': 'sha256=' + createHmac('sha256', s).update(b).digest('hex'), 'x-github-delivery': 'd' })],
    ['slack', { type: 'slack' }, (s, b, n) => ({ 'x-slack-signature': 'v0=' + createHmac('sha256', s).update(`v0:${n}:${b}`).digest('hex'), 'x-slack-request-timestamp': String(n) })],
    ['shopify', { type: 'shopify' }, (s, b) => ({ 'x-shopify-hmac-sha256': createHmac('sha256', s).update(b).digest('base64'), 'x-shopify-webhook-id': 'w' })],
  ];
  const secretArb = fc.string({ minLength: 16, maxLength: 64 });
  const bodyArb = fc.string({ unit: 'grapheme', maxLength: 1000 });

  test.each(cases)('%s: accept(sign(x)); any change to the body is rejected', (_n, scheme, sign) => {
    fc.assert(
      fc.property(secretArb, bodyArb, fc.string({ minLength: 1, maxLength: 4 }), (secret, body, noise) => {
        const headers = sign(secret, body, NOW_S);
        expect(verify(scheme, headers, body, [secret]).ok).toBe(true);
        expect(verify(scheme, headers, body + noise, [secret]).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  test('twilio: accept(sign(x)) over any form parameters (the twilio library signs); a changed value is rejected', () => {
    const url = 'https://hooks.example.com/webhooks/sms';
    const token = '0123456789abcdef0123456789abcdef';
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
    fc.assert(
      fc.property(fc.dictionary(name, fc.string({ maxLength: 30 }), { minKeys: 1, maxKeys: 6 }), (params) => {
        const body = new URLSearchParams(params).toString();
        const headers = { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(token, url, params), 'Content-Type': 'application/x-www-form-urlencoded' };
        expect(verify({ type: 'twilio' }, headers, body, [token], { url }).ok).toBe(true);
        const [first] = Object.keys(params);
        const changed = new URLSearchParams({ ...params, [first]: params[first] + 'x' }).toString();
        expect(verify({ type: 'twilio' }, headers, changed, [token], { url }).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  test('generic HMAC: accept(sign(x)) for every algorithm, encoding and signed content', () => {
    const configArb = fc.record({
      algorithm: fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const),
      encoding: fc.constantFrom('hex' as const, 'base64' as const),
      prefix: fc.constantFrom('', 'sha256=', 'v1:'),
      withTimestamp: fc.boolean(),
      separator: fc.constantFrom('.', ':', ''),
    });
    fc.assert(
      fc.property(configArb, secretArb, bodyArb, (c, secret, body) => {
        const scheme: GenericHmacSchemeConfig = {
          type: 'hmac', algorithm: c.algorithm, signatureHeader: 'X-Sig', encoding: c.encoding, prefix: c.prefix,
          signedContent: c.withTimestamp ? 'timestamp-body' : 'body', separator: c.separator,
          ...(c.withTimestamp ? { timestampHeader: 'X-Ts' } : {}),
        };
        const signed = c.withTimestamp ? `${NOW_S}${c.separator}${body}` : body;
        const headers: Record<string, string> = { 'X-Sig': c.prefix + createHmac(c.algorithm, secret).update(signed).digest(c.encoding) };
        if (c.withTimestamp) headers['X-Ts'] = String(NOW_S);
        expect(verify(scheme, headers, body, [secret]).ok).toBe(true);
        expect(verify(scheme, headers, body + '!', [secret]).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  test.each(cases)('%s: arbitrary header values never throw and never verify', (_n, scheme, sign) => {
    const names = Object.keys(sign('x'.repeat(16), '', NOW_S));
    const value = fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 120 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: names.length, maxLength: names.length }), fc.string({ maxLength: 100 }), (values, body) => {
        const headers = Object.fromEntries(names.map((n, i) => [n, values[i]]));
        const result = verify(scheme, headers, body, ['0123456789abcdef']);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(REJECTION_REASONS).toContain(result.reason);
      }),
      { numRuns: 200 },
    );
  });
});

describe('one scheme instance across requests', () => {
  // A scheme reuses its parse state (signature slots, prefix, event id, Twilio's body check) from
  // request to request, so nothing one request leaves behind may change the verdict on the next: a
  // long-lived instance must answer every request in a random sequence as a fresh instance does.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const swKey = Buffer.from(secret.slice(6), 'base64');
  const twilioUrl = 'https://hooks.example.com/webhooks/sms';
  type Signed = { headers: Record<string, string>; body: string; url?: string };
  const configs: [SchemeConfig, (key: Buffer | string, text: string, sigs: number) => Signed][] = [
    [
      { type: 'standard-webhooks' },
      (k, b, n) => ({
        body: b,
        headers: {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(NOW_S),
          'webhook-signature': Array.from({ length: n }, (_, i) => `v1,${createHmac('sha256', i === n - 1 ? k : 'decoy').update(`msg_1.${NOW_S}.${b}`).digest('base64')}`).join(' '),
        },
      }),
    ],
    [
      { type: 'stripe' },
      (k, b, n) => ({
        body: b,
        headers: {
          'stripe-signature': [`t=${NOW_S}`, ...Array.from({ length: n }, (_, i) => `v1=${createHmac('sha256', i === 0 ? k : 'decoy').update(`${NOW_S}.${b}`).digest('hex')}`)].join(','),
        },
      }),
    ],
    [{ type: 'github' }, (k, b) => ({ body: b, headers: { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', k).update(b).digest('hex'), 'x-github-delivery': 'd-1' } })],
    [
      { type: 'slack' },
      (k, b) => ({ body: b, headers: { 'x-slack-signature': 'v0=' + createHmac('sha256', k).update(`v0:${NOW_S}:${b}`).digest('hex'), 'x-slack-request-timestamp': String(NOW_S) } }),
    ],
    [
      { type: 'twilio' },
      // Odd signature counts send a JSON body (checked against bodySHA256 after the match), even ones a form.
      (k, b, n) => {
        if (n % 2 === 1) {
          const body = JSON.stringify({ b });
          const url = `${twilioUrl}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
          return { body, url, headers: { 'x-twilio-signature': createHmac('sha1', k).update(url).digest('base64'), 'content-type': 'application/json' } };
        }
        const body = new URLSearchParams({ Body: b }).toString();
        const signature = createHmac('sha1', k).update(`${twilioUrl}Body${b}`).digest('base64');
        return { body, url: twilioUrl, headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' } };
      },
    ],
  ];
  const step = fc.record({
    scheme: fc.nat(configs.length - 1),
    signatures: fc.integer({ min: 1, max: 3 }),
    text: fc.string({ maxLength: 60 }),
    change: fc.constantFrom('none', 'body', 'key', 'garble', 'drop', 'extra-invalid'),
    garbage: fc.string({ maxLength: 50 }),
  });

  test('a long-lived instance answers every request as a fresh one does', () => {
    const shared = configs.map(([config]) => schemeFor(config));
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        for (const s of steps) {
          const [config, sign] = configs[s.scheme];
          const key = config.type === 'standard-webhooks' ? swKey : secret;
          const { headers, body, url } = sign(s.change === 'key' ? 'another-secret-0123456789' : key, s.text, s.signatures);
          const names = Object.keys(headers);
          const target = names[s.signatures % names.length];
          if (s.change === 'garble') headers[target] = s.garbage;
          if (s.change === 'drop') delete headers[target];
          if (s.change === 'extra-invalid') headers[names[0]] += config.type === 'stripe' ? ',v1=zz' : ' v1,@@';
          const request = { headers, body: s.change === 'body' ? body + '!' : body, url };
          const keys = [{ key: typeof key === 'string' ? Buffer.from(key) : key, notAfterMs: Infinity }];
          const alone = verifyWithKeys(schemeFor(config), request, keys, NOW);
          expect(verifyWithKeys(shared[s.scheme], request, keys, NOW)).toEqual(alone);
          if (s.change === 'none') expect(alone.ok).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('signature encodings are canonical', () => {
  // Node's decoders read only a character's low byte, so 'ı' (U+0131) would decode as '1': a second
  // spelling of a valid signature. Such a spelling is refused as malformed, never verified.
  const highByte = (text: string) => [...text].map((c) => String.fromCharCode(0x100 | c.charCodeAt(0))).join('');
  const secret = 'github-secret-0123456789';
  const body = '{"zen":"Keep it logically awesome."}';
  const hex = createHmac('sha256', secret).update(body).digest('hex');
  const b64 = createHmac('sha256', secret).update(body).digest('base64');

  test('hex with characters above U+00FF is malformed (GitHub)', () => {
    expect(verify({ type: 'github' }, { 'x-hub-signature-256': `sha256=${hex}`, 'x-github-delivery': 'd' }, body, [secret]).ok).toBe(true);
    const spelled = `sha256=${hex.slice(0, 10)}${highByte(hex.slice(10, 11))}${hex.slice(11)}`;
    expect(verify({ type: 'github' }, { 'x-hub-signature-256': spelled, 'x-github-delivery': 'd' }, body, [secret])).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('base64 with characters above U+00FF is malformed (Shopify)', () => {
    expect(verify({ type: 'shopify' }, { 'x-shopify-hmac-sha256': b64, 'x-shopify-webhook-id': 'w' }, body, [secret]).ok).toBe(true);
    fc.assert(
      fc.property(fc.nat(b64.length - 2), (at) => {
        const spelled = b64.slice(0, at) + highByte(b64[at]) + b64.slice(at + 1);
        expect(verify({ type: 'shopify' }, { 'x-shopify-hmac-sha256': spelled, 'x-shopify-webhook-id': 'w' }, body, [secret])).toEqual({ ok: false, reason: 'malformed_header' });
      }),
    );
  });
});
