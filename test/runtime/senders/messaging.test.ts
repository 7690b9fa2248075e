import { createHmac } from 'node:crypto';
import { ActiveKey, GetRequest, ImmediateAnswer, RejectionReason, Scheme, schemeFor, SchemeConfig, VerifiedWebhook, VerifyResult } from '../../../lib/runtime';
import { MESSAGING } from '../../../lib/runtime/schemes/senders/messaging';
import { TEST_NOW, TEST_NOW_S } from '../../support/clock';
import { describeScheme } from '../../../lib/runtime/schemes/describe-row';

// The messaging family of the sender catalogue, each sender against its own documentation. Where a
// sender publishes no example (secret, message, signature), the vector below was computed once with
// node:crypto following the page's words literally (the formula is written beside it) and is kept
// fixed, so that a change in how we build the signed content fails here.

const keysOf = (...keys: (string | Buffer)[]): ActiveKey[] => keys.map((k) => ({ key: Buffer.isBuffer(k) ? k : Buffer.from(k, 'utf8'), notAfterMs: Number.POSITIVE_INFINITY }));
const scheme = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const verified = (result: VerifyResult): VerifiedWebhook => {
  expect(result).toMatchObject({ ok: true });
  return result as VerifiedWebhook;
};
const flipOneByte = (text: string, at: number) => text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
const get = (s: Scheme, query: Record<string, string[]>, keys: ActiveKey[] = [], nowMs = TEST_NOW): ImmediateAnswer | RejectionReason =>
  s.handshake!.get!({ headers: {}, query } as GetRequest, keys, nowMs, s);

describe('customer-io (reporting webhooks): hex HMAC-SHA256 over v0:<timestamp>:<body>', () => {
  // https://docs.customer.io/api/webhooks/ ("X-CIO-Signature ... combining your webhook signing key
  // with the body ... HMAC-SHA256", signed string `v0:<X-CIO-Timestamp>:<body>`). Customer.io
  // publishes no (key, signature) pair: computed as hex(HMAC-SHA256(key, 'v0:' + ts + ':' + body)).
  const cio = scheme('customer-io');
  const secret = 'e4d5c8a1f0b94c6e8a7d3f2b1c0e9d8a';
  const body =
    '{"data":{"action_id":36,"campaign_id":23,"customer_id":"user-123","delivery_id":"RAECAAFwnUSneIa0ZXkmq8EdkAM==","identifiers":{"id":"user-123"},"recipient":"test@example.com","subject":"Thanks for signing up"},"event_id":"01E2EMRMM6TZ12TF9WGZN0WJQT","metric":"sent","object_type":"email","timestamp":1669410360}';
  const signature = '9debeaffbbef6af6bbd782d7248c7b0e58b89a98d1a08a2441352432ad8edfd1';
  const headers = (extra: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', 'X-CIO-Timestamp': String(TEST_NOW_S), 'X-CIO-Signature': signature, ...extra });
  const check = (h: Record<string, string>, b = body, keys = keysOf(secret), now = TEST_NOW) => cio.verify({ headers: h, body: b }, keys, now, 300);

  test('accepts the computed vector; duplicates key on the body; no metadata', () => {
    expect(createHmac('sha256', secret).update(`v0:${TEST_NOW_S}:${body}`).digest('hex')).toBe(signature);
    const result = verified(check(headers()));
    expect(result.timestamp).toBe(TEST_NOW_S);
    expect(result.dedupeKey).toMatch(/^sha256:/);
    expect(result.metadata).toEqual({});
    expect(cio.bodyBinding).toBe('signed');
  });

  test('our sign() is the same computation', () => {
    expect(cio.sign({ body, timestamp: TEST_NOW_S }, secret)).toMatchObject({ 'x-cio-timestamp': String(TEST_NOW_S), 'x-cio-signature': signature });
  });

  test.each([
    ['a one-byte change of the body', () => check(headers(), flipOneByte(body, 30)), 'signature_invalid'],
    ['another key', () => check(headers(), body, keysOf('another-cio-signing-key-0001')), 'signature_invalid'],
    ['another timestamp (signed)', () => check(headers({ 'X-CIO-Timestamp': String(TEST_NOW_S + 1) })), 'signature_invalid'],
    ['a timestamp 301 s old', () => check(headers(), body, keysOf(secret), TEST_NOW + 301_000), 'timestamp_out_of_tolerance'],
    ['a timestamp 301 s ahead', () => check(headers(), body, keysOf(secret), TEST_NOW - 301_000), 'timestamp_out_of_tolerance'],
    ['a timestamp in milliseconds', () => check(headers({ 'X-CIO-Timestamp': String(TEST_NOW) })), 'malformed_timestamp'],
    ['no signature', () => check({ 'X-CIO-Timestamp': String(TEST_NOW_S) }), 'missing_header'],
    ['the signature twice', () => check({ ...headers(), 'x-cio-signature': signature }), 'duplicate_header'],
    ['a signature in base64', () => check(headers({ 'X-CIO-Signature': Buffer.from(signature, 'hex').toString('base64') })), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  test('accepts a timestamp exactly 300 s old or ahead', () => {
    expect(check(headers(), body, keysOf(secret), TEST_NOW + 300_000).ok).toBe(true);
    expect(check(headers(), body, keysOf(secret), TEST_NOW - 300_000).ok).toBe(true);
  });
});

describe('line (Messaging API): base64 HMAC-SHA256 of the body with the channel secret', () => {
  // https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/ ("HMAC-SHA256 ...
  // request body as input, channel secret as the hash key ... Base64 ... x-line-signature"). The body
  // is the empty-events request LINE sends when "Verify" is pressed; no published signature, so
  // computed as base64(HMAC-SHA256(channel secret, body)).
  const line = scheme('line');
  const secret = '8c570fa6dd201bb328f1c1eac23a96d8';
  const body = '{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}';
  const signature = 'GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=';
  const check = (h: Record<string, string>, b: string | Buffer = body, keys = keysOf(secret)) => line.verify({ headers: h, body: b }, keys, TEST_NOW, 0);

  test('accepts the computed vector, and sign() agrees', () => {
    expect(createHmac('sha256', secret).update(body).digest('base64')).toBe(signature);
    const result = verified(check({ 'x-line-signature': signature }));
    expect(result.dedupeKey).toMatch(/^sha256:/);
    expect(result.timestamp).toBeUndefined();
    expect(line.sign({ body }, secret)['x-line-signature']).toBe(signature);
    expect(line.defaultToleranceSeconds).toBeUndefined();
  });

  test('verifies the bytes as received (a non-ASCII body)', () => {
    const text = '{"destination":"U1","events":[{"type":"message","message":{"type":"text","text":"こんにちは"}}]}';
    const bytes = Buffer.from(text, 'utf8');
    const sig = createHmac('sha256', secret).update(bytes).digest('base64');
    expect(check({ 'x-line-signature': sig }, bytes).ok).toBe(true);
  });

  test.each([
    ['a one-byte change of the body', () => check({ 'x-line-signature': signature }, flipOneByte(body, 20)), 'signature_invalid'],
    ['another channel secret', () => check({ 'x-line-signature': signature }, body, keysOf('0000000000000000000000000000000a')), 'signature_invalid'],
    ['no signature', () => check({}), 'missing_header'],
    ['the signature twice', () => check({ 'x-line-signature': signature, 'X-Line-Signature': signature }), 'duplicate_header'],
    ['a signature in hex', () => check({ 'x-line-signature': Buffer.from(signature, 'base64').toString('hex') }), 'malformed_header'],
    ['a signature missing its padding', () => check({ 'x-line-signature': signature.slice(0, -1) }), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('microsoft-teams (outgoing webhooks): Authorization: HMAC <base64>, key base64-decoded', () => {
  // https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook
  // The page's example security token "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=" (its body for the
  // signature it gives is not published): computed as base64(HMAC-SHA256(base64-decode(token), UTF-8
  // body)), as Microsoft's Node sample does (OfficeDev/msteams-samples-outgoing-webhook-nodejs app.js).
  const teams = scheme('microsoft-teams');
  const token = 'vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=';
  const body = '{"type":"message","id":"1485983408511","timestamp":"2017-02-01T21:10:07.437Z","text":"<at>Contoso</at> Hello","channelData":{"teamsChannelId":"19:5d6a1b0a7f0a4a1b9d0c@thread.skype"}}';
  const mac = 'QfhZwjm3VHArbuVONMlMZCBOy2EyFypdKYj2gzbhzfY=';
  const keys = [{ key: teams.decodeKey(token), notAfterMs: Number.POSITIVE_INFINITY }];
  const check = (authorization: string | string[] | undefined, b = body, k = keys) => teams.verify({ headers: authorization === undefined ? {} : { Authorization: authorization }, body: b }, k, TEST_NOW, 0);

  test('accepts the computed vector with the token base64-decoded; sign() agrees', () => {
    expect(createHmac('sha256', Buffer.from(token, 'base64')).update(body, 'utf8').digest('base64')).toBe(mac);
    expect(teams.decodeKey(token)).toEqual(Buffer.from(token, 'base64'));
    verified(check(`HMAC ${mac}`));
    expect(teams.sign({ body }, token).authorization).toBe(`HMAC ${mac}`);
    expect(teams.signatureHeaders).toEqual(['authorization']);
  });

  test('the token used as text (not decoded) does not verify', () => {
    const asText = createHmac('sha256', token).update(body).digest('base64');
    expect(check(`HMAC ${asText}`)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a queued (or duplicate) message is answered with the text message Teams shows in the thread', () => {
    const result = verified(check(`HMAC ${mac}`));
    const answer = teams.acknowledge!(result);
    expect(JSON.parse(answer.body)).toEqual({ type: 'message', text: 'Received.' });
    expect(answer.contentType ?? 'application/json').toBe('application/json');
    // Nothing is answered instead of queueing: the message is queued, then acknowledged.
    expect(teams.immediateResponse?.(body, result, { Authorization: `HMAC ${mac}` })).toBeUndefined();
  });

  test('a token that is not base64 of at least 16 bytes is a configuration error', () => {
    expect(() => teams.decodeKey('not base64 at all!!')).toThrow(/base64/);
    expect(() => teams.decodeKey(Buffer.alloc(8).toString('base64'))).toThrow();
  });

  test.each([
    ['a one-byte change of the body', () => check(`HMAC ${mac}`, flipOneByte(body, 40)), 'signature_invalid'],
    ['another token', () => check(`HMAC ${mac}`, body, [{ key: Buffer.alloc(32, 7), notAfterMs: Number.POSITIVE_INFINITY }]), 'signature_invalid'],
    ['no Authorization', () => check(undefined), 'missing_header'],
    ['Authorization twice', () => check([`HMAC ${mac}`, `HMAC ${mac}`]), 'duplicate_header'],
    ['another scheme name', () => check(`Bearer ${mac}`), 'malformed_header'],
    ['the bare MAC', () => check(mac), 'malformed_header'],
    ['a MAC in hex', () => check(`HMAC ${Buffer.from(mac, 'base64').toString('hex')}`), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('front (application webhooks): base64 HMAC-SHA256 over <ms timestamp>:<body>', () => {
  // https://dev.frontapp.com/docs/application-webhooks ("Concatenate the stringified timestamp from
  // the x-front-request-timestamp header with a colon ... concat it with the raw request body ... hmac
  // SHA256 ... [output in base 64]"; the timestamp is in milliseconds). The body is the page's own
  // validation request. Computed as base64(HMAC-SHA256(app secret, ts + ':' + body)).
  const front = scheme('front');
  const secret = 'f7c2a9e41b3d5c6e';
  const sync = '{"type":"sync","authorization":{"id":"cmp_abc"}}';
  const signature = 'WzFr/wSzlSknUsbYSx9Kl2kKkWCkVW0I8nxlPXjY8Gw=';
  const event = '{"type":"inbound_received","authorization":{"id":"cmp_abc"},"payload":{"id":"evt_55c8c149","conversation":{"id":"cnv_55c8c149"}}}';
  const signed = (b: string, at = TEST_NOW / 1000, extra: Record<string, string> = {}) => ({ ...front.sign({ body: b, timestamp: at }, secret), ...extra });
  const check = (h: Record<string, string | string[]>, b: string, now = TEST_NOW) => front.verify({ headers: h, body: b }, keysOf(secret), now, 300);

  test('accepts the computed vector with its millisecond timestamp; sign() agrees', () => {
    expect(createHmac('sha256', secret).update(`${TEST_NOW}:${sync}`).digest('base64')).toBe(signature);
    const h = { 'x-front-request-timestamp': String(TEST_NOW), 'x-front-signature': signature };
    expect(verified(check(h, sync)).timestamp).toBe(TEST_NOW_S);
    expect(signed(sync)).toMatchObject(h);
  });

  test('the window is 300 s both ways, at the edge', () => {
    expect(check(signed(event), event, TEST_NOW + 300_000).ok).toBe(true);
    expect(check(signed(event), event, TEST_NOW - 300_000).ok).toBe(true);
    expect(check(signed(event), event, TEST_NOW + 301_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(check(signed(event), event, TEST_NOW - 301_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test.each([
    ['a one-byte change of the body', () => check(signed(event), flipOneByte(event, 12)), 'signature_invalid'],
    ['another app secret', () => front.verify({ headers: signed(event), body: event }, keysOf('another-front-secret'), TEST_NOW, 300), 'signature_invalid'],
    ['a timestamp in seconds (read as ms, it is 1970)', () => {
      const h = { 'x-front-request-timestamp': String(TEST_NOW_S), 'x-front-signature': createHmac('sha256', secret).update(`${TEST_NOW_S}:${event}`).digest('base64') };
      return check(h, event);
    }, 'timestamp_out_of_tolerance'],
    ['a non-numeric timestamp', () => check(signed(event, TEST_NOW_S, { 'x-front-request-timestamp': '1e12' }), event), 'malformed_timestamp'],
    ['no timestamp', () => check({ 'x-front-signature': signature }, sync), 'missing_header'],
    ['the signature twice', () => check({ ...signed(event), 'X-Front-Signature': signed(event)['x-front-signature'] }, event), 'duplicate_header'],
    ["the rule webhooks' body-only SHA-1 signature", () => check({ 'x-front-request-timestamp': String(TEST_NOW), 'x-front-signature': createHmac('sha1', secret).update(event).digest('base64') }, event), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  describe('the validation request (sync)', () => {
    test('a signed sync is answered with its X-Front-Challenge, never queued', () => {
      const h = signed(sync, TEST_NOW_S, { 'X-Front-Challenge': 'Zm9vYmFyYmF6cXV4' });
      const result = verified(check(h, sync));
      expect(front.immediateResponse!(sync, result, h)).toEqual({ body: '{"challenge":"Zm9vYmFyYmF6cXV4"}' });
      // Told by the signed body: without the header it is still answered (nothing to echo), not queued.
      const bare = signed(sync);
      expect(front.immediateResponse!(sync, verified(check(bare, sync)), bare)).toEqual({ body: '{}' });
      // Unverified, nothing is answered.
      expect(front.immediateResponse!(sync, undefined, h)).toBeUndefined();
    });

    test('refuses a sync whose challenge cannot be echoed (unsafe characters, sent twice), and a sync signed with another key', () => {
      expect(check(signed(sync, TEST_NOW_S, { 'X-Front-Challenge': '<script>' }), sync)).toEqual({ ok: false, reason: 'malformed_header' });
      expect(check({ ...signed(sync), 'X-Front-Challenge': ['abc', 'def'] }, sync)).toEqual({ ok: false, reason: 'malformed_header' });
      const other = { ...front.sign({ body: sync, timestamp: TEST_NOW_S }, 'another-front-secret'), 'X-Front-Challenge': 'abc' };
      expect(check(other, sync)).toEqual({ ok: false, reason: 'signature_invalid' });
    });

    test('an event is only ever queued: with a challenge header it is refused, without one it is not answered', () => {
      expect(check(signed(event, TEST_NOW_S, { 'X-Front-Challenge': 'abc' }), event)).toEqual({ ok: false, reason: 'malformed_header' });
      const h = signed(event);
      expect(front.immediateResponse!(event, verified(check(h, event)), h)).toBeUndefined();
      // A body that mentions "sync" elsewhere is an event.
      const mentions = '{"type":"outbound_sent","payload":{"subject":"sync"}}';
      const hm = signed(mentions);
      expect(front.immediateResponse!(mentions, verified(check(hm, mentions)), hm)).toBeUndefined();
    });
  });
});

describe('elevenlabs: ElevenLabs-Signature t=<ts>,v0=<hex> over <t>.<body>', () => {
  // https://elevenlabs.io/docs/product-guides/administration/webhooks ("t=timestamp,v0=hash ... the
  // hex encoded sha256 HMAC signature of timestamp.request_body"). The official SDK's constructEvent
  // (elevenlabs/elevenlabs-js src/wrapper/webhooks.ts) builds `${timestamp}.${rawBody}`, compares
  // "v0=" + hex, and refuses timestamps older than 30 minutes. Computed with node:crypto the same way.
  const el = scheme('elevenlabs');
  const secret = 'wsec_4f1c9a2b7e3d8c6a5b0e1f2d3c4b5a69';
  const body = '{"type":"post_call_transcription","event_timestamp":1739537297,"data":{"agent_id":"xyz","conversation_id":"abc","status":"done"}}';
  const hash = '97e25832ab54baa5be7c9ce324a551cc30771d17c4450f95bfdd28f6a67bca2a';
  const header = (value = `t=${TEST_NOW_S},v0=${hash}`) => ({ 'ElevenLabs-Signature': value });
  const check = (h: Record<string, string | string[]>, b = body, now = TEST_NOW, keys = keysOf(secret)) => el.verify({ headers: h, body: b }, keys, now, 1800);

  test('accepts the computed vector; sign() agrees; the window is 30 minutes', () => {
    expect(createHmac('sha256', secret).update(`${TEST_NOW_S}.${body}`).digest('hex')).toBe(hash);
    expect(verified(check(header())).timestamp).toBe(TEST_NOW_S);
    expect(el.sign({ body, timestamp: TEST_NOW_S }, secret)['elevenlabs-signature']).toBe(`t=${TEST_NOW_S},v0=${hash}`);
    expect(el.defaultToleranceSeconds).toBe(1800);
    expect(check(header(), body, TEST_NOW + 1_800_000).ok).toBe(true);
    expect(check(header(), body, TEST_NOW - 1_800_000).ok).toBe(true);
  });

  test('accepts the entries in either order and a second v0 (a rolled secret)', () => {
    expect(check(header(`v0=${hash},t=${TEST_NOW_S}`)).ok).toBe(true);
    expect(check(header(`t=${TEST_NOW_S},v0=${'0'.repeat(64)},v0=${hash}`)).ok).toBe(true);
  });

  test.each([
    ['a one-byte change of the body', () => check(header(), flipOneByte(body, 15)), 'signature_invalid'],
    ['another secret', () => check(header(), body, TEST_NOW, keysOf('wsec_another_elevenlabs_secret')), 'signature_invalid'],
    ['a timestamp 1801 s old', () => check(header(), body, TEST_NOW + 1_801_000), 'timestamp_out_of_tolerance'],
    ['a timestamp 1801 s ahead', () => check(header(), body, TEST_NOW - 1_801_000), 'timestamp_out_of_tolerance'],
    ['no t', () => check(header(`v0=${hash}`)), 'malformed_timestamp'],
    ['t twice', () => check(header(`t=${TEST_NOW_S},t=${TEST_NOW_S},v0=${hash}`)), 'malformed_header'],
    ['no v0 (only another scheme)', () => check(header(`t=${TEST_NOW_S},v1=${hash}`)), 'malformed_header'],
    ['a v0 in base64', () => check(header(`t=${TEST_NOW_S},v0=${Buffer.from(hash, 'hex').toString('base64')}`)), 'malformed_header'],
    ['no header', () => check({}), 'missing_header'],
    ['the header twice', () => check({ 'ElevenLabs-Signature': [`t=${TEST_NOW_S},v0=${hash}`, `t=${TEST_NOW_S},v0=${hash}`] }), 'duplicate_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('nylas (v3): hex HMAC-SHA256 of the body; GET challenge echoed', () => {
  // https://developer.nylas.com/docs/v3/notifications/ ("x-nylas-signature ... hex-encoded
  // HMAC-SHA256 of the exact request body, signed with that [webhook_secret]"; "Nylas makes a GET
  // request to the endpoint with a challenge query parameter. Your application must return the exact
  // value of the challenge in the response body"). Computed as hex(HMAC-SHA256(secret, body)).
  const nylas = scheme('nylas');
  const secret = 'nylas-webhook-secret-5e8f0c2a9b';
  const body = '{"specversion":"1.0","type":"message.created","source":"/google/emails/realtime","id":"5d3f8a2c-1b7e-4c9a-8f0e-2a6b4c8d0e1f","time":1764331200,"data":{"application_id":"app-1","object":{"id":"msg-1","grant_id":"grant-1","object":"message"}}}';
  const signature = '66b1b25d0d854d2bee199124be1a45c63c93ade9472a6102a32cd1abd629cb34';
  const check = (h: Record<string, string | string[]>, b = body, keys = keysOf(secret)) => nylas.verify({ headers: h, body: b }, keys, TEST_NOW, 0);

  test('accepts the computed vector; sign() agrees', () => {
    expect(createHmac('sha256', secret).update(body).digest('hex')).toBe(signature);
    expect(verified(check({ 'X-Nylas-Signature': signature })).dedupeKey).toMatch(/^sha256:/);
    expect(nylas.sign({ body }, secret)['x-nylas-signature']).toBe(signature);
  });

  test.each([
    ['a one-byte change of the body', () => check({ 'x-nylas-signature': signature }, flipOneByte(body, 50)), 'signature_invalid'],
    ['another secret', () => check({ 'x-nylas-signature': signature }, body, keysOf('another-nylas-webhook-secret')), 'signature_invalid'],
    ['no signature', () => check({}), 'missing_header'],
    ['the signature twice', () => check({ 'x-nylas-signature': [signature, signature] }), 'duplicate_header'],
    ['a truncated signature', () => check({ 'x-nylas-signature': signature.slice(2) }), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  test('the GET challenge is answered with the exact value, as plain text, without any key', () => {
    expect(get(nylas, { challenge: ['cd8b4e5a-0b7c-4f8e-9f3a-1c2d3e4f5a6b'] })).toEqual({ body: 'cd8b4e5a-0b7c-4f8e-9f3a-1c2d3e4f5a6b', contentType: 'text/plain' });
    expect(get(nylas, { challenge: ['abc123'] }, keysOf(secret))).toEqual({ body: 'abc123', contentType: 'text/plain' });
  });

  test.each([
    ['no challenge', {}],
    ['the challenge twice', { challenge: ['a', 'b'] }],
    ['an empty challenge', { challenge: [''] }],
    ['markup', { challenge: ['<script>alert(1)</script>'] }],
    ['a line break', { challenge: ['abc\r\nSet-Cookie: x=1'] }],
    ['over 512 characters', { challenge: ['a'.repeat(513)] }],
  ])('refuses a GET with %s', (_name, query) => {
    expect(get(nylas, query as Record<string, string[]>)).toBe('malformed_header');
  });
});

describe('asana: hex HMAC-SHA256 of the body with the X-Hook-Secret; handshake captured', () => {
  // https://developers.asana.com/reference/createwebhook (the handshake: "a test POST to the target
  // with an X-Hook-Secret header. The target must respond with a 200 OK or 204 No Content and a
  // matching X-Hook-Secret header"; its example secret is used here) and
  // https://developers.asana.com/docs/webhooks-guide (X-Hook-Signature: HMAC-SHA256 of the body with
  // that secret, hex). Computed as hex(HMAC-SHA256(secret, body)).
  const asana = scheme('asana');
  const secret = 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81';
  const body =
    '{"events":[{"user":{"gid":"1516","resource_type":"user"},"created_at":"2026-11-28T11:59:58.000Z","action":"changed","resource":{"gid":"1337","resource_type":"task"},"change":{"field":"completed","action":"changed"}}]}';
  const signature = '7d587a101f061f7cd7100135771f78928c184664f44ddd11ec222a5c684f22bf';
  const check = (h: Record<string, string | string[]>, b = body, keys = keysOf(secret)) => asana.verify({ headers: h, body: b }, keys, TEST_NOW, 0);

  test('accepts the computed vector; sign() agrees; the signature header is not required (the handshake has none)', () => {
    expect(createHmac('sha256', secret).update(body).digest('hex')).toBe(signature);
    verified(check({ 'X-Hook-Signature': signature }));
    expect(asana.sign({ body }, secret)['x-hook-signature']).toBe(signature);
    expect(asana.requiredHeaders).toEqual([]);
    expect(asana.signatureHeaders).toEqual(['x-hook-signature']);
  });

  test.each([
    ['a one-byte change of the body', () => check({ 'x-hook-signature': signature }, flipOneByte(body, 30)), 'signature_invalid'],
    ['another secret', () => check({ 'x-hook-signature': signature }, body, keysOf('0'.repeat(64))), 'signature_invalid'],
    ['no signature (a handshake, once a key is in place)', () => check({ 'X-Hook-Secret': secret }), 'missing_header'],
    ['the signature twice', () => check({ 'x-hook-signature': [signature, signature] }), 'duplicate_header'],
    ['a signature in base64', () => check({ 'x-hook-signature': Buffer.from(signature, 'hex').toString('base64') }), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  test('the handshake is captured and answered with the X-Hook-Secret echoed in a response header', () => {
    const handshake = asana.handshake!.capture!('', { 'X-Hook-Secret': secret });
    expect(handshake).toEqual({ answer: { body: '', contentType: 'text/plain', headers: { 'x-hook-secret': secret } }, captured: secret });
    // The body is neither read nor kept.
    expect(asana.handshake!.capture!('{"data":{}}', { 'x-hook-secret': secret })?.captured).toBe(secret);
  });

  test.each([
    ['no X-Hook-Secret', {}],
    ['X-Hook-Secret twice', { 'X-Hook-Secret': [secret, secret] }],
    ['a secret too short to be a key', { 'X-Hook-Secret': 'abc123' }],
    ['a secret that would break the echoed header', { 'X-Hook-Secret': `${secret}\r\nSet-Cookie: a=b` }],
    ['a secret with spaces', { 'X-Hook-Secret': 'b537207f 20cbfa02357cf448134da559' }],
  ])('is no handshake with %s', (_name, headers) => {
    expect(asana.handshake!.capture!('', headers as Record<string, string | string[]>)).toBeUndefined();
  });
});

describe('x (Account Activity): sha256=<base64> over the body; CRC GET answered', () => {
  // https://docs.x.com/x-api/webhooks/quickstart (CRC: "response_token": "sha256=<base64_encoded_hmac_hash>",
  // HMAC-SHA256 with the consumer secret as key and the crc_token as message; POSTs:
  // x-twitter-webhooks-signature, "sha256=" + base64 HMAC-SHA256 of the raw body). The consumer secret
  // and crc_token are X's developer-relations example (gist jcipriano/373d4d441e8041f775b6227c0e2fd1f3,
  // "Creates a valid CRC response for Twitter webhook integration"); values computed with node:crypto.
  const x = scheme('x');
  const consumerSecret = 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu';
  const crcToken = '9b4507b3-9040-4669-9ca3-6b94edb50553';
  const crcAnswer = 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=';
  const body = '{"for_user_id":"2244994945","favorite_events":[{"id":"a7ba59eab0bfcba386f7acedac279542","created_at":"Mon Mar 26 16:33:26 +0000 2018","timestamp_ms":1522082006140}]}';
  const signature = 'sha256=YRcIP78K/HDYdNKqanlsY1J2hgb/Ez5HrfCGv6CP2P8=';
  const check = (h: Record<string, string | string[]>, b: string | Buffer = body, keys = keysOf(consumerSecret)) => x.verify({ headers: h, body: b }, keys, TEST_NOW, 0);

  test('answers the CRC with the example response_token, as JSON', () => {
    expect('sha256=' + createHmac('sha256', consumerSecret).update(crcToken).digest('base64')).toBe(crcAnswer);
    const answer = get(x, { crc_token: [crcToken], nonce: ['MTc2OTUxODI5MjkxNA'] }, keysOf(consumerSecret)) as ImmediateAnswer;
    expect(JSON.parse(answer.body)).toEqual({ response_token: crcAnswer });
    expect(answer.contentType ?? 'application/json').toBe('application/json');
  });

  test('answers under the current key, skipping expired ones; with none, no answer', () => {
    const expired = { key: Buffer.from('an-expired-consumer-secret'), notAfterMs: TEST_NOW - 1 };
    const answer = get(x, { crc_token: [crcToken] }, [expired, ...keysOf(consumerSecret)]) as ImmediateAnswer;
    expect(JSON.parse(answer.body)).toEqual({ response_token: crcAnswer });
    expect(get(x, { crc_token: [crcToken] }, [expired])).toBe('no_active_key');
  });

  test.each([
    ['no crc_token', {}],
    ['crc_token twice', { crc_token: [crcToken, crcToken] }],
    ['a short crc_token', { crc_token: ['abc'] }],
    ['a JSON body as crc_token', { crc_token: [body] }],
    ['a crc_token with spaces', { crc_token: ['a b c d e f g h i j'] }],
  ])('refuses a CRC with %s', (_name, query) => {
    expect(get(x, query as Record<string, string[]>, keysOf(consumerSecret))).toBe('malformed_header');
  });

  test('accepts the computed POST vector; sign() agrees', () => {
    expect('sha256=' + createHmac('sha256', consumerSecret).update(body).digest('base64')).toBe(signature);
    verified(check({ 'x-twitter-webhooks-signature': signature }));
    expect(x.sign({ body }, consumerSecret)['x-twitter-webhooks-signature']).toBe(signature);
  });

  test('a CRC answer never verifies as a delivery: the body it signs is refused', () => {
    const token = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';
    const answer = JSON.parse((get(x, { crc_token: [token] }, keysOf(consumerSecret)) as ImmediateAnswer).body) as { response_token: string };
    expect(check({ 'x-twitter-webhooks-signature': answer.response_token }, token)).toEqual({ ok: false, reason: 'malformed_body' });
    expect(check({ 'x-twitter-webhooks-signature': answer.response_token }, Buffer.from(token))).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test.each([
    ['a one-byte change of the body', () => check({ 'x-twitter-webhooks-signature': signature }, flipOneByte(body, 25)), 'signature_invalid'],
    ['another consumer secret', () => check({ 'x-twitter-webhooks-signature': signature }, body, keysOf('another-consumer-secret-000000')), 'signature_invalid'],
    ['no signature', () => check({}), 'missing_header'],
    ['the signature twice', () => check({ 'x-twitter-webhooks-signature': [signature, signature] }), 'duplicate_header'],
    ['the signature without sha256=', () => check({ 'x-twitter-webhooks-signature': signature.slice(7) }), 'malformed_header'],
    ['a signature in hex', () => check({ 'x-twitter-webhooks-signature': 'sha256=' + Buffer.from(signature.slice(7), 'base64').toString('hex') }), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('the family in the catalogue', () => {
  test.each([
    ['customer-io', 'https://docs.customer.io/api/webhooks/'],
    ['line', 'https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/'],
    ['microsoft-teams', 'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook'],
    ['front', 'https://dev.frontapp.com/docs/application-webhooks'],
    ['elevenlabs', 'https://elevenlabs.io/docs/product-guides/administration/webhooks'],
    ['nylas', 'https://developer.nylas.com/docs/v3/notifications/'],
    ['asana', 'https://developers.asana.com/docs/webhooks-guide'],
    ['x', 'https://docs.x.com/x-api/webhooks/quickstart'],
  ])('%s follows %s, binds the whole body, is issued by the sender and describes itself', (type, docs) => {
    expect(MESSAGING[type as keyof typeof MESSAGING].docs).toBe(docs);
    const s = scheme(type);
    expect(s.bodyBinding).toBe('signed');
    expect(s.issuesKey).toBe(true);
    expect(describeScheme(s)?.signature).toMatch(/HMAC-SHA256/);
  });
});
