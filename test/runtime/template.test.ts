import { Signature } from '@hubspot/api-client';
import { createHash, createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { ActiveKey, GenericHmacSchemeConfig, Scheme, SchemeConfig, schemeFor, verifyWebhook, VerifyResult, VerifiedWebhook, WebhookConfigurationError } from '../../lib/runtime';
import { describeScheme } from '../../lib/runtime/schemes/describe-row';
import { TEST_NOW, TEST_NOW_S } from '../support/clock';

// The generic `hmac` type's signed-string template (`signedContent: 'template'`): named senders'
// schemes re-expressed as templates verify those senders' own vectors (the same vectors their own
// tests use); then base64url, the timestamp formats, a template without the body, and validation.

type Template = Omit<GenericHmacSchemeConfig, 'type' | 'signedContent'>;
const template = (config: Template): SchemeConfig => ({ type: 'hmac', signedContent: 'template', ...config });
const keysOf = (scheme: Scheme, ...secrets: string[]): ActiveKey[] => secrets.map((s) => ({ key: scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
const mac = (algorithm: string, key: string, text: string, encoding: 'hex' | 'base64' | 'base64url') => createHmac(algorithm, key).update(text).digest(encoding);
function verified(result: VerifyResult): VerifiedWebhook {
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result;
}

describe('Slack as a template: v0:{timestamp}:{body}', () => {
  // https://api.slack.com/authentication/verifying-requests-from-slack: the documented example
  // (the same vector as test/runtime/schemes.test.ts).
  const slack = template({ algorithm: 'sha256', signatureHeader: 'X-Slack-Signature', prefix: 'v0=', encoding: 'hex', template: 'v0:{timestamp}:{body}', timestampHeader: 'X-Slack-Request-Timestamp' });
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const headers = { 'X-Slack-Request-Timestamp': '1531420618', 'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503' };
  const at = (now: number, h: Record<string, string | string[]> = headers, b = body) => verifyWebhook({ headers: h, body: b }, { scheme: slack, secrets: [secret], now });

  test('accepts the documented request at its time and at the window\'s edge, not a second later, nor a changed body', () => {
    expect(at(1531420618_000)).toMatchObject({ ok: true, timestamp: 1531420618, bodyBinding: 'signed', dedupeKey: `sha256:${createHash('sha256').update(body).digest('hex')}` });
    expect(at(1531420918_000).ok).toBe(true);
    expect(at(1531420919_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(at(1531420317_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(at(1531420618_000, headers, body.replace('foobar', 'foobas'))).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('refuses a missing, duplicated or malformed signature or timestamp', () => {
    expect(at(1531420618_000, { 'X-Slack-Request-Timestamp': '1531420618' })).toEqual({ ok: false, reason: 'missing_header' });
    expect(at(1531420618_000, { ...headers, 'X-Slack-Signature': [headers['X-Slack-Signature'], headers['X-Slack-Signature']] })).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(at(1531420618_000, { ...headers, 'X-Slack-Signature': headers['X-Slack-Signature'].slice(3) })).toEqual({ ok: false, reason: 'malformed_header' });
    expect(at(1531420618_000, { ...headers, 'X-Slack-Signature': headers['X-Slack-Signature'].slice(0, -1) })).toEqual({ ok: false, reason: 'malformed_header' });
    expect(at(1531420618_000, { ...headers, 'X-Slack-Request-Timestamp': '1531420618.0' })).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });

  test('sign() writes the documented signature', () => {
    expect(schemeFor(slack).sign({ body, timestamp: 1531420618 }, secret)).toMatchObject(headers);
  });
});

describe('Zoom as a template: v0:{timestamp}:{body}', () => {
  // https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events: "v0:" + x-zm-request-timestamp
  // + ":" + the body, HMAC-SHA256 with the secret token, hex, "v0=" + it in x-zm-signature. Zoom
  // publishes no (secret, signature) pair: computed from those words, as test/runtime/senders/workplace.test.ts does.
  const zoom = template({ algorithm: 'sha256', signatureHeader: 'x-zm-signature', prefix: 'v0=', encoding: 'hex', template: 'v0:{timestamp}:{body}', timestampHeader: 'x-zm-request-timestamp' });
  const secret = 'zM8sEcReTtOkEn4Q9wXy2A';
  const body = '{"event":"meeting.started","payload":{"object":{"id":"1234567890"}},"event_ts":1764331200000}';
  const stamp = String(TEST_NOW_S);
  const headers = { 'x-zm-request-timestamp': stamp, 'x-zm-signature': `v0=${mac('sha256', secret, `v0:${stamp}:${body}`, 'hex')}` };

  test('verifies as the named zoom type does, and signs the same headers', () => {
    const named = schemeFor({ type: 'zoom' } as SchemeConfig);
    const generic = schemeFor(zoom);
    expect(verified(generic.verify({ headers, body }, keysOf(generic, secret), TEST_NOW, 300)).dedupeKey).toBe(verified(named.verify({ headers, body }, keysOf(named, secret), TEST_NOW, 300)).dedupeKey);
    expect(generic.sign({ body, timestamp: TEST_NOW_S }, secret)).toMatchObject(headers);
    expect(generic.verify({ headers, body: body + ' ' }, keysOf(generic, secret), TEST_NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(generic.verify({ headers, body }, keysOf(generic, 'another-secret-token!'), TEST_NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('Stripe as a template: a signature list (t=, v1=) over {timestamp}.{body}', () => {
  // https://docs.stripe.com/webhooks#verify-manually, with the stripe library as the oracle (as test/runtime/schemes.test.ts).
  const config = template({ algorithm: 'sha256', signatureHeader: 'Stripe-Signature', encoding: 'hex', template: '{timestamp}.{body}', signatureKey: 'v1', timestampKey: 't' });
  const secret = 'whsec_test_secret_0123456789abcdef';
  const stripe = new Stripe('sk_test_dummy');
  const body = '{"id":"evt_1","object":"event","data":{"amount":4200,"note":"naïve ☕"}}';
  const header = (payload = body, timestamp = TEST_NOW_S, s = secret) => stripe.webhooks.generateTestHeaderString({ payload, secret: s, timestamp });
  const check = (value: string, b = body, now = TEST_NOW) => verifyWebhook({ headers: { 'Stripe-Signature': value }, body: b }, { scheme: config, secrets: [secret], now });

  test('accepts what stripe signs, any of several v1 entries, ignoring v0; refuses a replay and a changed body', () => {
    expect(check(header())).toMatchObject({ ok: true, timestamp: TEST_NOW_S });
    const other = header(body, TEST_NOW_S, 'whsec_other_secret_0123456789').split(',')[1];
    const mine = header().split(',')[1];
    expect(check(`t=${TEST_NOW_S},${other},${mine},v0=${'0'.repeat(64)}`).ok).toBe(true);
    expect(check(header(), body, TEST_NOW + 301_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(check(header(), `${body} `)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(check(`t=${TEST_NOW_S},t=${TEST_NOW_S},${mine}`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(`t=${TEST_NOW_S}`)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('sign() writes a header stripe accepts', () => {
    const signed = schemeFor(config).sign({ body, timestamp: TEST_NOW_S }, secret);
    expect(() => stripe.webhooks.constructEvent(body, signed['Stripe-Signature'], secret, undefined, undefined, TEST_NOW)).not.toThrow();
  });
});

describe('HubSpot v3 as a template: {method}{url}{body}{timestamp}, unix ms, base64', () => {
  // https://developers.hubspot.com/docs/api/webhooks/validating-requests, @hubspot/api-client's Signature as the oracle.
  const config = template({
    algorithm: 'sha256',
    signatureHeader: 'X-HubSpot-Signature-v3',
    encoding: 'base64',
    template: '{method}{url}{body}{timestamp}',
    timestampHeader: 'X-HubSpot-Request-Timestamp',
    timestampFormat: 'unix-ms',
  });
  const secret = 'yyyyyyyy-1111-4a2b-8c3d-yyyyyyyyyyyy';
  const body = '[{"eventId":100,"portalId":62515}]';
  const url = 'https://hooks.example.com/webhooks/hubspot?portal=62515';
  const headers = {
    'x-hubspot-request-timestamp': String(TEST_NOW),
    'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', { clientSecret: secret, requestBody: body, url, timestamp: TEST_NOW } as never),
  };
  const scheme = schemeFor(config);

  test('signs the URL, so it needs one; accepts the oracle\'s signature; the window is checked in ms', () => {
    expect(scheme.signsUrl).toBe(true);
    expect(() => scheme.verify({ headers, body }, keysOf(scheme, secret), TEST_NOW, 300)).toThrow(WebhookConfigurationError);
    expect(verified(scheme.verify({ headers, body, url, method: 'POST' }, keysOf(scheme, secret), TEST_NOW, 300)).timestamp).toBe(TEST_NOW_S);
    expect(scheme.verify({ headers, body, url, method: 'POST' }, keysOf(scheme, secret), TEST_NOW + 300_000, 300).ok).toBe(true);
    expect(scheme.verify({ headers, body, url, method: 'POST' }, keysOf(scheme, secret), TEST_NOW + 300_001, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(scheme.verify({ headers, body, url: `${url}&x=1`, method: 'POST' }, keysOf(scheme, secret), TEST_NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers, body, url, method: 'PUT' }, keysOf(scheme, secret), TEST_NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.sign({ body, url, timestamp: TEST_NOW_S }, secret)).toMatchObject({ 'X-HubSpot-Signature-v3': headers['x-hubspot-signature-v3'] });
  });
});

describe('Twitch as a template: {header:…-Id}{timestamp}{body}, RFC 3339, a signed id', () => {
  // https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message: the
  // vector of test/runtime/senders/platforms.test.ts (computed from the docs' "hmac_message").
  const config = template({
    algorithm: 'sha256',
    signatureHeader: 'Twitch-Eventsub-Message-Signature',
    prefix: 'sha256=',
    encoding: 'hex',
    template: '{header:Twitch-Eventsub-Message-Id}{timestamp}{body}',
    timestampHeader: 'Twitch-Eventsub-Message-Timestamp',
    timestampFormat: 'iso8601',
    toleranceSeconds: 600,
    eventIdHeader: 'Twitch-Eventsub-Message-Id',
    eventTypeHeader: 'Twitch-Eventsub-Subscription-Type',
  });
  const secret = 'this-is-my-twitch-secret-42';
  const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
  const timestamp = '2019-11-16T10:11:12.634234626Z';
  const body = '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled"},"event":{"user_id":"1234","broadcaster_user_id":"1337"}}';
  const sentAt = Date.parse(timestamp);
  const headers = {
    'Twitch-Eventsub-Message-Id': id,
    'Twitch-Eventsub-Message-Timestamp': timestamp,
    'Twitch-Eventsub-Message-Signature': 'sha256=b38136a83e57c8b58ddcca16e061b7f48b9a1bbeb31f2599e7e9d305ca6a08d8',
    'Twitch-Eventsub-Subscription-Type': 'channel.follow',
  };
  const scheme = schemeFor(config);

  test('accepts the vector with the signed id as eventId and dedupe key; 10 minutes either way', () => {
    const result = verified(scheme.verify({ headers, body }, keysOf(scheme, secret), sentAt, scheme.defaultToleranceSeconds!));
    expect(scheme.defaultToleranceSeconds).toBe(600);
    expect(result).toMatchObject({ eventId: id, dedupeKey: id, unsignedEventType: 'channel.follow', bodyBinding: 'signed' });
    expect(result.metadata).toEqual({ 'signed.eventId': id, 'unsigned.eventType': 'channel.follow' });
    expect(scheme.verify({ headers, body }, keysOf(scheme, secret), sentAt + 601_000, 600)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(scheme.verify({ headers: { ...headers, 'Twitch-Eventsub-Message-Id': `${id}x` }, body }, keysOf(scheme, secret), sentAt, 600)).toEqual({ ok: false, reason: 'signature_invalid' });
    const { ['Twitch-Eventsub-Message-Id']: _, ...noId } = headers;
    expect(scheme.verify({ headers: noId, body }, keysOf(scheme, secret), sentAt, 600)).toEqual({ ok: false, reason: 'missing_header' });
    expect(scheme.verify({ headers: { ...headers, 'Twitch-Eventsub-Message-Timestamp': '2019-11-16 10:11:12Z' }, body }, keysOf(scheme, secret), sentAt, 600)).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });
});

describe('base64url', () => {
  const config = template({ algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'base64url', template: '{timestamp}.{body}', timestampHeader: 'X-Ts' });
  const secret = 'a-generic-secret-0123456789';
  const body = '{"id":"evt_\u00ff\u00fe"}';
  const ts = String(TEST_NOW_S);
  // 32 bytes whose base64 has both '+'/'/' positions: chosen so the url alphabet matters.
  const digest = createHmac('sha256', secret).update(`${ts}.${body}`).digest();
  const scheme = schemeFor(config);
  const check = (signature: string) => scheme.verify({ headers: { 'X-Ts': ts, 'X-Sig': signature }, body }, keysOf(scheme, secret), TEST_NOW, 300);

  test('reads unpadded (as written) and padded base64url; refuses stray bits, a wrong length, other characters', () => {
    const unpadded = digest.toString('base64url');
    expect(unpadded).toHaveLength(43);
    expect(scheme.sign({ body, timestamp: TEST_NOW_S }, secret)['X-Sig']).toBe(unpadded);
    expect(check(unpadded).ok).toBe(true);
    expect(check(`${unpadded}=`).ok).toBe(true);
    // The last character carries 2 unused bits: a different spelling with them set is refused.
    const last = 'AEIMQUYcgkosw048'.indexOf(unpadded[42]);
    expect(last).toBeGreaterThanOrEqual(0);
    const stray = unpadded.slice(0, 42) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(unpadded[42]) + 1];
    expect(check(stray)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(unpadded.slice(0, 42))).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(`${unpadded}==`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(`${unpadded.slice(0, 41)}é`)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(check(`${unpadded.slice(0, 41)}*`)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('works for body and timestamp-body too (sha1: 20 bytes, 27 characters unpadded)', () => {
    const sha1: SchemeConfig = { type: 'hmac', algorithm: 'sha1', signatureHeader: 'X-Sig', encoding: 'base64url', signedContent: 'body' };
    const signature = mac('sha1', secret, body, 'base64url');
    expect(signature).toHaveLength(27);
    expect(verifyWebhook({ headers: { 'X-Sig': signature }, body }, { scheme: sha1, secrets: [secret], now: TEST_NOW }).ok).toBe(true);
    expect(schemeFor(sha1).sign({ body }, secret)['X-Sig']).toBe(signature);
  });
});

describe('a template without {body}', () => {
  // Signing no body, it must sign the delivery's id (eventIdHeader): duplicates key on it.
  const config = template({ algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'hex', template: '{timestamp}|{header:X-Delivery}|{{x}}', timestampHeader: 'X-Ts', eventIdHeader: 'X-Delivery' });
  const secret = 'a-generic-secret-0123456789';
  const ts = String(TEST_NOW_S);
  const signed = `${ts}|d-1|{x}`;
  const headers = { 'X-Ts': ts, 'X-Delivery': 'd-1', 'X-Sig': mac('sha256', secret, signed, 'hex') };
  const scheme = schemeFor(config);

  test('binds no body, says so, and keys duplicates on the signed delivery id (literal braces unescaped)', () => {
    expect(scheme.bodyBinding).toBe('unsigned');
    expect(describeScheme(scheme)!.signature).toMatch(/\(the body is not signed\)/);
    expect(describeScheme(scheme)!.dedupe).toBe('signed id `X-Delivery`');
    const a = verified(scheme.verify({ headers, body: '{"a":1}' }, keysOf(scheme, secret), TEST_NOW, 300));
    const b = verified(scheme.verify({ headers, body: '{"a":2}' }, keysOf(scheme, secret), TEST_NOW, 300));
    expect(a.bodyBinding).toBe('unsigned');
    expect(a.eventId).toBe('d-1');
    expect(b.dedupeKey).toBe(a.dedupeKey);
    expect(scheme.verify({ headers: { ...headers, 'X-Delivery': 'd-2' }, body: '{}' }, keysOf(scheme, secret), TEST_NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
});

describe('timestamp-body keeps its behaviour, and takes a format and a window', () => {
  const secret = 'a-generic-secret-0123456789';
  const body = '{"id":1}';

  test('the default is still unix seconds and 300 s', () => {
    const config: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'timestamp-body', timestampHeader: 'X-Ts' };
    expect(schemeFor(config).defaultToleranceSeconds).toBe(300);
    const headers = { 'X-Ts': String(TEST_NOW_S), 'X-Sig': mac('sha256', secret, `${TEST_NOW_S}.${body}`, 'hex') };
    expect(verifyWebhook({ headers, body }, { scheme: config, secrets: [secret], now: TEST_NOW }).ok).toBe(true);
    expect(verifyWebhook({ headers: { ...headers, 'X-Ts': String(TEST_NOW) }, body }, { scheme: config, secrets: [secret], now: TEST_NOW })).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });

  test('unix-ms with a 60 s window', () => {
    const config: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'timestamp-body', timestampHeader: 'X-Ts', timestampFormat: 'unix-ms', toleranceSeconds: 60 };
    const headers = { 'X-Ts': String(TEST_NOW), 'X-Sig': mac('sha256', secret, `${TEST_NOW}.${body}`, 'hex') };
    expect(schemeFor(config).defaultToleranceSeconds).toBe(60);
    expect(verifyWebhook({ headers, body }, { scheme: config, secrets: [secret], now: TEST_NOW + 60_000 }).ok).toBe(true);
    expect(verifyWebhook({ headers, body }, { scheme: config, secrets: [secret], now: TEST_NOW + 60_001 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(schemeFor(config).sign({ body, timestamp: TEST_NOW_S }, secret)).toMatchObject(headers);
  });
});

describe('validation: every problem at once, each naming the value and the fix', () => {
  const base: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'template', template: '{body}' };
  const problems = (config: Partial<GenericHmacSchemeConfig>): string => {
    try {
      schemeFor({ ...base, ...config } as SchemeConfig);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookConfigurationError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  test('a template with several mistakes is refused with all of them', () => {
    const message = problems({ template: '{timestamp}.{bdy}.{body}{body}.{header:X Sig}.{header:X-Sig}.{url', separator: ':' });
    expect(message).toMatch(/^Invalid generic HMAC scheme:\n/);
    expect(message).toContain('{bdy} is not a placeholder: use {body}, {timestamp}, {url}, {method} and {header:Name}');
    expect(message).toContain('has {body} more than once');
    expect(message).toContain('{header:X Sig} does not name an HTTP header');
    expect(message).toContain('signs {header:X-Sig}, the signatureHeader: a signature cannot cover itself');
    expect(message).toContain('has an unclosed "{" at');
    expect(message).toContain('has {timestamp} but timestampHeader/timestampKey is not set: give both or neither');
    expect(message).toContain('separator ":" is for "timestamp-body": write it into the template');
    expect(message.split('\n  - ')).toHaveLength(8);
  });

  test('each other mistake, named', () => {
    expect(problems({ template: undefined })).toMatch(/signedContent "template" needs template, the string the sender signs, e.g. "\{timestamp\}\.\{body\}"/);
    expect(problems({ template: '' })).toMatch(/template "" must be 1 to 1024 characters/);
    expect(problems({ template: 'a}b' })).toMatch(/lone "\}" at 1: write a literal brace as "\}\}"/);
    expect(problems({ template: 'static {method} {url}' })).toMatch(/signs nothing that changes between deliveries: add \{body\}, \{timestamp\} or a \{header:Name\}/);
    expect(problems({ template: '{body}', timestampHeader: 'X-Ts' })).toMatch(/lacks \{timestamp\} but timestampHeader\/timestampKey is set/);
    expect(problems({ template: '{timestamp}{header:x-ts}{body}', timestampHeader: 'X-Ts' })).toMatch(/signs \{header:x-ts\}, the timestampHeader: write \{timestamp\}/);
    expect(problems({ encoding: 'base32' as never, algorithm: 'md5' as never })).toMatch(/algorithm "md5" is not one of sha1, sha256, sha512\n.*encoding "base32" is not one of hex, base64, base64url/);
    expect(problems({ timestampFormat: 'rfc1123' as never, toleranceSeconds: 0, timestampHeader: 'X-Ts', template: '{timestamp}{body}' })).toMatch(
      /timestampFormat "rfc1123" is not one of unix, unix-ms, iso8601\n.*toleranceSeconds 0 must be a whole number from 1 to 3600/,
    );
    expect(problems({ toleranceSeconds: 60 })).toMatch(/timestampFormat and toleranceSeconds need a timestampHeader/);
    expect(problems({ signatureKey: 'v1', prefix: 'sha256=' })).toMatch(/signatureKey "v1", timestampKey undefined, listSeparator undefined: a signature list .* no prefix/);
    expect(problems({ signedContent: 'body', signatureKey: 'v1', template: '{body}' })).toMatch(/template is set but signedContent is "body": set it to "template", or remove template\n.*a signature list/);
  });

  test('the existing checks stay, in their words, and are collected too', () => {
    expect(problems({ signedContent: 'timestamp-body', template: undefined })).toBe('A generic HMAC scheme that signs the timestamp needs timestampHeader');
    expect(problems({ signedContent: 'body', template: undefined, signatureHeader: 'X Sig', timestampHeader: 'X-Ts' })).toBe(
      'Invalid generic HMAC scheme:\n  - signatureHeader "X Sig" is not an HTTP header name: give the header the sender sends, e.g. "X-Signature"\n  - timestampHeader with signedContent "body" would check a timestamp the signature does not cover',
    );
  });

  test('a JSON config missing its required fields names each', () => {
    expect(() => schemeFor({ type: 'hmac' } as SchemeConfig)).toThrow(
      'Invalid generic HMAC scheme:\n  - algorithm undefined is not one of sha1, sha256, sha512\n  - encoding undefined is not one of hex, base64, base64url\n  - signedContent undefined is not one of body, timestamp-body, template\n  - signatureHeader undefined is not an HTTP header name: give the header the sender sends, e.g. "X-Signature"',
    );
  });

  test('accepted: a signed event id header, a repeated non-body placeholder, literal braces', () => {
    expect(() => schemeFor({ ...base, template: '{header:X-Id}.{header:X-Id}.{{}}{body}', eventIdHeader: 'X-Id' } as SchemeConfig)).not.toThrow();
  });
});
