import fc from 'fast-check';
import twilio from 'twilio';
import { ActiveKey, BODY_BINDINGS, BodyBinding, SCHEME_TYPES, Scheme, SchemeConfig, schemeFor, VerifyResult } from '../../lib/runtime';
import { bodyText } from '../../lib/runtime/schemes/body-text';
import { parseObjectStrict } from '../../lib/runtime/schemes/strict-json';
import { TEST_NOW } from '../support/clock';
import { exampleConfig } from '../support/example-configs';

/*
 * Issue 20, section 3: a scheme that parses the body reads it exactly as its consumer does (strict
 * UTF-8, a BOM kept, one reading of every field), and refuses (`malformed_body`) what it cannot read
 * that way; every scheme says how much of the body its signature binds (`bodyBinding`).
 */

const NOW = TEST_NOW;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const keysOf = (scheme: Scheme, secret: string): ActiveKey[] => [{ key: scheme.decodeKey(secret), notAfterMs: Number.POSITIVE_INFINITY }];
const verified = (result: VerifyResult) => {
  if (!result.ok) throw new Error(`expected a verified delivery, got ${result.reason}`);
  return result;
};
/** What a consumer reads from a form body: its fields, in order. */
const consumerFields = (body: string | Buffer) => [...new URLSearchParams(Buffer.from(body).toString('utf8'))];

describe('bodyText: the one decoder of every scheme that parses the body', () => {
  test('strict UTF-8: a BOM is kept, bytes that are not UTF-8 and lone surrogates have no reading', () => {
    expect(bodyText(Buffer.concat([BOM, Buffer.from('a=1')]))).toBe('\ufeffa=1');
    expect(bodyText(Buffer.from('café ☕ 😀'))).toBe('café ☕ 😀');
    expect(bodyText(Buffer.from([0x61, 0x3d, 0xe9]))).toBeUndefined();
    expect(bodyText(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined();
    expect(bodyText('\ufeffa=1')).toBe('\ufeffa=1');
    expect(bodyText('😀')).toBe('😀');
    expect(bodyText('a=\ud800')).toBeUndefined();
    expect(bodyText('a=\udc00b')).toBeUndefined();
  });

  test('parseObjectStrict refuses a key twice at any depth, after unescaping, and a BOM (as JSON.parse does)', () => {
    expect(parseObjectStrict('{"a":{"x":1,"y":[{"x":2},{"x":3}]},"b":"{\\"a\\":1,\\"a\\":2}"}')).toEqual({ a: { x: 1, y: [{ x: 2 }, { x: 3 }] }, b: '{"a":1,"a":2}' });
    for (const text of ['{"a":1,"a":2}', '{"s":{"token":"x","token":"y"}}', '{"s":[{"k":1,"\\u006b":2}]}', '\ufeff{"a":1}']) expect(parseObjectStrict(text)).toBeUndefined();
  });
});

describe.each(['twilio', 'twilio-sha256'])('%s form bodies: what verifies is what a consumer reads', (type) => {
  const scheme = schemeFor({ type } as SchemeConfig);
  const secret = 'twilio-auth-token-0123456789abcdef';
  const url = 'https://hooks.example.com/webhooks/sms?tenant=7';
  const params = { CallSid: 'CA1234567890ABCDE', From: '+15005550006', Body: 'café' };
  const form = 'CallSid=CA1234567890ABCDE&From=%2B15005550006&Body=caf%C3%A9';
  const headers = scheme.sign({ body: form, url }, secret);
  const check = (body: string | Buffer) => scheme.verify({ headers, body, url }, keysOf(scheme, secret), NOW, 0);

  test('the genuine delivery verifies (signed as twilio signs), bound `partial`', () => {
    if (type === 'twilio') expect(headers['x-twilio-signature']).toBe(twilio.getExpectedTwilioSignature(secret, url, params));
    expect(check(form)).toMatchObject({ ok: true, bodyBinding: 'partial' });
    expect(check(Buffer.from(form))).toMatchObject({ ok: true, bodyBinding: 'partial' });
  });

  test('a BOM before the body does not verify: a consumer reads it in the first name', () => {
    const withBom = Buffer.concat([BOM, Buffer.from(form)]);
    expect(consumerFields(withBom)[0][0]).toBe('\ufeffCallSid');
    expect(check(withBom)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(check(`\ufeff${form}`)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('bytes that are not UTF-8 are refused: the raw 0xE9 is not the `é` signed as %C3%A9', () => {
    const latin1 = Buffer.from(form.replace('caf%C3%A9', 'caf\u00e9'), 'latin1');
    expect(consumerFields(latin1)[2]).toEqual(['Body', 'caf\ufffd']);
    expect(check(latin1)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('percent-escapes that are not UTF-8, or a stray %, are refused (a consumer\'s decoder guesses)', () => {
    const replaced = scheme.sign({ body: 'Body=%EF%BF%BD', url }, secret);
    expect(scheme.verify({ headers: replaced, body: 'Body=%E9', url }, keysOf(scheme, secret), NOW, 0)).toEqual({ ok: false, reason: 'malformed_body' });
    const percent = scheme.sign({ body: 'Body=100%25', url }, secret);
    expect(scheme.verify({ headers: percent, body: 'Body=100%25', url }, keysOf(scheme, secret), NOW, 0).ok).toBe(true);
    expect(scheme.verify({ headers: percent, body: 'Body=100%', url }, keysOf(scheme, secret), NOW, 0)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test.each([
    ['a parameter repeated with the same value (the signed string counts it once; getAll sees two)', `${form}&Body=caf%C3%A9`],
    ['an empty pair `&=`', `CallSid=CA1234567890ABCDE&=&From=%2B15005550006&Body=caf%C3%A9`],
    ['a lone `=`', `=&${form}`],
    ['an empty name carrying the whole signed string as its value', `=BodycaféCallSidCA1234567890ABCDEFrom%2B15005550006`],
    ['a pair without `=`', 'Bodycaf%C3%A9&CallSid=CA1234567890ABCDE&From=%2B15005550006'],
    ['an empty segment `&&`', `CallSid=CA1234567890ABCDE&&From=%2B15005550006&Body=caf%C3%A9`],
    ['a trailing `&`', `${form}&`],
    ['a leading `&`', `&${form}`],
  ])('refuses %s: a consumer would read other fields than the ones signed', (_name, body) => {
    expect(check(body)).toEqual({ ok: false, reason: 'malformed_body' });
    expect(check(Buffer.from(body))).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('sign refuses a body the verifier would refuse', () => {
    for (const body of ['{"CallSid":"CA1"}', 'a=1&a=1', 'a=1&', Buffer.from([0x61, 0x3d, 0xe9])]) expect(() => scheme.sign({ body, url }, secret)).toThrow(/not a form body Twilio sends/);
  });

  test('a name repeated with other values still verifies (Twilio signs each, sorted); the values\' order is not bound', () => {
    const twice = 'Digits=1234&Digits=5678&CallSid=CA1';
    const signature = scheme.sign({ body: twice, url }, secret);
    if (type === 'twilio') expect(signature['x-twilio-signature']).toBe(twilio.getExpectedTwilioSignature(secret, url, { Digits: ['1234', '5678'], CallSid: 'CA1' } as unknown as Record<string, string>));
    const a = verified(scheme.verify({ headers: signature, body: twice, url }, keysOf(scheme, secret), NOW, 0));
    const b = verified(scheme.verify({ headers: signature, body: 'Digits=5678&CallSid=CA1&Digits=1234', url }, keysOf(scheme, secret), NOW, 0));
    expect(b.dedupeKey).toBe(a.dedupeKey);
  });

  test('what no check can bind, and so `partial`: where a name ends and its value begins (the same signed string, the same dedupe key)', () => {
    const body = 'Body=hi&From=x&FromCity=y';
    const signature = scheme.sign({ body, url }, secret);
    const genuine = verified(scheme.verify({ headers: signature, body, url }, keysOf(scheme, secret), NOW, 0));
    for (const moved of ['Bodyh=i&From=x&FromCity=y', 'Body=hi&From=xFromCityy']) {
      expect(consumerFields(moved)).not.toEqual(consumerFields(body));
      const result = verified(scheme.verify({ headers: signature, body: moved, url }, keysOf(scheme, secret), NOW, 0));
      expect(result).toMatchObject({ bodyBinding: 'partial', dedupeKey: genuine.dedupeKey });
    }
  });

  test('property: whatever respelling of a signed form verifies, a consumer reads the same sorted name+value string from it, under the same dedupe key', () => {
    const name = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,7}$/);
    const mutation = fc.oneof(
      fc.constant('bom'),
      fc.constant('latin1'),
      fc.constant('repeat'),
      fc.constant('empty-pair'),
      fc.constant('empty-name'),
      fc.constant('double-amp'),
      fc.constant('reverse'),
      fc.constant('lower-escapes'),
      fc.constant('plus-for-space'),
      fc.constant('move-equals'),
    );
    const concatenation = (fields: [string, string][]) =>
      [...fields]
        .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => k + v)
        .join('');
    fc.assert(
      fc.property(fc.dictionary(name, fc.string({ unit: 'grapheme', maxLength: 10 }), { minKeys: 1, maxKeys: 5 }), mutation, (p, how) => {
        const body = new URLSearchParams(p).toString();
        const signature = scheme.sign({ body, url }, secret);
        const pairs = body.split('&');
        const mutated: string | Buffer =
          how === 'bom' ? Buffer.concat([BOM, Buffer.from(body)])
          : how === 'latin1' ? Buffer.from(decodeURIComponent(body.replace(/\+/g, ' ')), 'latin1')
          : how === 'repeat' ? `${body}&${pairs[0]}`
          : how === 'empty-pair' ? `${body}&=`
          : how === 'empty-name' ? `=${pairs[0].replace('=', '')}${pairs.length > 1 ? '&' : ''}${pairs.slice(1).join('&')}`
          : how === 'double-amp' ? pairs.join('&&')
          : how === 'reverse' ? [...pairs].reverse().join('&')
          : how === 'lower-escapes' ? body.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
          : how === 'plus-for-space' ? body.replace(/\+/g, '%20')
          : pairs[0].includes('=') && pairs[0].indexOf('=') < pairs[0].length - 1 ? [pairs[0].replace(/=(.)/, '$1='), ...pairs.slice(1)].join('&')
          : body;
        const original = verified(scheme.verify({ headers: signature, body, url }, keysOf(scheme, secret), NOW, 0));
        const result = scheme.verify({ headers: signature, body: mutated, url }, keysOf(scheme, secret), NOW, 0);
        if (result.ok) {
          expect(concatenation(consumerFields(mutated))).toBe(concatenation(consumerFields(body)));
          expect(result.dedupeKey).toBe(original.dedupeKey);
          expect(result.bodyBinding).toBe('partial');
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('mailgun JSON and form bodies: the signed token is read only from a body the consumer reads the same way', () => {
  const scheme = schemeFor({ type: 'mailgun' });
  const key = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';
  const delivery = scheme.signDelivery!({ body: '{"event-data":{"id":"CPgfbmQMTCKtHW6uIWtuVe","event":"delivered"}}', timestamp: NOW / 1000, id: token }, key);
  const json = delivery.body as string;
  const check = (body: string | Buffer, contentType = 'application/json') => scheme.verify({ headers: { 'content-type': contentType }, body }, keysOf(scheme, key), NOW, 300);

  test('the genuine delivery verifies, bound `partial` (only timestamp and token are signed)', () => {
    expect(check(json)).toMatchObject({ ok: true, bodyBinding: 'partial' });
  });

  test('a BOM before a signed JSON body is refused: the consumer\'s JSON.parse throws before it reads the token', () => {
    const withBom = Buffer.concat([BOM, Buffer.from(json)]);
    expect(() => JSON.parse(withBom.toString('utf8'))).toThrow();
    expect(check(withBom)).toEqual({ ok: false, reason: 'malformed_body' });
    expect(check(`\ufeff${json}`)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('bytes that are not UTF-8 are refused', () => {
    expect(check(Buffer.from(json.replace('delivered', 'd\u00e9livered'), 'latin1'))).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('a key twice is refused, at the top or inside the signature object: parsers differ on which one wins', () => {
    const forgedFirst = `{"signature":{"token":"another-token-0000000000","timestamp":"1","signature":"${'0'.repeat(64)}"},${json.slice(1)}`;
    expect(JSON.parse(forgedFirst).signature.token).toBe(token);
    expect(check(forgedFirst)).toEqual({ ok: false, reason: 'malformed_body' });
    const tokenTwice = json.replace('"signature":{', '"signature":{"token":"another-token-0000000000",');
    expect(check(tokenTwice)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('a BOM before a form body hides its first field from the verifier as it does from the consumer', () => {
    const form = scheme.signDelivery!({ body: 'event=delivered', timestamp: NOW / 1000, id: token }, key).body as string;
    const reordered = form.split('&').reverse().join('&');
    expect(check(reordered, 'application/x-www-form-urlencoded')).toMatchObject({ ok: true, bodyBinding: 'partial' });
    const withBom = Buffer.concat([BOM, Buffer.from(reordered)]);
    expect(new URLSearchParams(withBom.toString('utf8')).has('signature')).toBe(false);
    expect(check(withBom, 'application/x-www-form-urlencoded')).toEqual({ ok: false, reason: 'missing_header' });
  });
});

describe('bodyBinding: every scheme type says how its signature binds the body', () => {
  // Decided from each scheme's code and its sender's docs (lib/runtime/schemes/): `partial` where
  // only fields inside the body are signed (Mailgun's timestamp and token, SNS's message fields),
  // where form fields are signed as one string (Twilio) or the body only through a forgeable CRC32
  // (PayPal); `unsigned` where a token authenticates the sender and nothing binds the body.
  const NOT_SIGNED: Record<string, BodyBinding> = {
    gitlab: 'unsigned',
    okta: 'unsigned',
    pubsub: 'unsigned',
    // The static-token family (a credential in a header, lib/runtime/schemes/static-token.ts).
    telegram: 'unsigned',
    postmark: 'unsigned',
    chargebee: 'unsigned',
    auth0: 'unsigned',
    strapi: 'unsigned',
    supabase: 'unsigned',
    // Microsoft Graph's clientState, a shared token inside the body (lib/runtime/schemes/senders/microsoft-graph.ts).
    'microsoft-graph': 'unsigned',
    mailgun: 'partial',
    paypal: 'partial',
    sns: 'partial',
    twilio: 'partial',
    'twilio-sha256': 'partial',
    // Trello signs the body as a Node "binary" string (each character's low byte): lossy.
    trello: 'partial',
    // Adyen signs each item's named fields, Braintree the form's payload field, Mandrill the URL and its one form field.
    adyen: 'partial',
    braintree: 'partial',
    mandrill: 'partial',
    // monday.com's JWT authenticates the app; it carries no hash of the body.
    monday: 'unsigned',
    // Salesforce signs nothing: only the org id is checked.
    salesforce: 'unsigned',
  };

  test.each(SCHEME_TYPES)('%s', (type) => {
    const binding = schemeFor(exampleConfig(type)).bodyBinding;
    expect(BODY_BINDINGS).toContain(binding);
    expect(binding).toBe(NOT_SIGNED[type] ?? 'signed');
  });

  test('the catalogue holds every type this test decides on', () => {
    for (const type of Object.keys(NOT_SIGNED)) expect(SCHEME_TYPES).toContain(type);
    expect(SCHEME_TYPES.length).toBeGreaterThanOrEqual(51);
  });
});
