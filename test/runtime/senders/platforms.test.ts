import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { createHash, createHmac } from 'node:crypto';
import twilio from 'twilio';
import { ActiveKey, GetRequest, Scheme, schemeFor, SchemeConfig, VerifiedWebhook, VerifyResult } from '../../../lib/runtime';
import { MailgunScheme } from '../../../lib/runtime/schemes/senders/mailgun';
import { TwilioSharedKeyScheme } from '../../../lib/runtime/schemes/senders/twilio-sha256';

// The platforms group of the sender catalogue, each sender against its own documentation. Where a
// sender publishes no example (secret, message, signature) and no official SDK verifying its scheme is
// installed, the vector below was computed once with node:crypto following the page's words literally
// (the formula is written beside it) and is kept fixed, so that a change in how we build the signed
// content fails here.

const keysOf = (...keys: (string | Buffer)[]): ActiveKey[] => keys.map((k) => ({ key: Buffer.isBuffer(k) ? k : Buffer.from(k, 'utf8'), notAfterMs: Number.POSITIVE_INFINITY }));
const scheme = (type: string): Scheme => schemeFor({ type } as SchemeConfig);
const verified = (result: VerifyResult): VerifiedWebhook => {
  expect(result).toMatchObject({ ok: true });
  return result as VerifiedWebhook;
};
const flipOneByte = (text: string, at: number) => text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);

describe('twitch (EventSub): HMAC-SHA256 over message id + timestamp + body', () => {
  // https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message
  // Twitch publishes no (secret, signature) pair: computed as
  // 'sha256=' + hex(HMAC-SHA256(secret, id + timestamp + body)), the docs' "hmac_message".
  const twitch = scheme('twitch');
  const secret = 'this-is-my-twitch-secret-42';
  const id = 'e76c6bd4-55c9-4987-8304-da1588d8988b';
  const timestamp = '2019-11-16T10:11:12.634234626Z';
  const body = '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled"},"event":{"user_id":"1234","broadcaster_user_id":"1337"}}';
  const NOW = Date.parse(timestamp) + 5_000;
  const headers = (extra: Record<string, string> = {}, signature = 'sha256=b38136a83e57c8b58ddcca16e061b7f48b9a1bbeb31f2599e7e9d305ca6a08d8') => ({
    'Twitch-Eventsub-Message-Id': id,
    'Twitch-Eventsub-Message-Timestamp': timestamp,
    'Twitch-Eventsub-Message-Signature': signature,
    'Twitch-Eventsub-Message-Type': 'notification',
    'Twitch-Eventsub-Message-Retry': '0',
    'Twitch-Eventsub-Subscription-Type': 'channel.follow',
    'Twitch-Eventsub-Subscription-Version': '2',
    ...extra,
  });
  const check = (h: Record<string, string>, b = body, keys = keysOf(secret), now = NOW) => twitch.verify({ headers: h, body: b }, keys, now, 600);

  test('accepts the computed vector, with the signed id as dedupe key and the metadata under its names', () => {
    expect(createHmac('sha256', secret).update(id + timestamp + body).digest('hex')).toBe('b38136a83e57c8b58ddcca16e061b7f48b9a1bbeb31f2599e7e9d305ca6a08d8');
    const result = verified(check(headers()));
    expect(result.eventId).toBe(id);
    expect(result.dedupeKey).toBe(id);
    expect(result.timestamp).toBeCloseTo(Date.parse(timestamp) / 1000, 3);
    expect(result.metadata).toEqual({
      'signed.eventId': id,
      'unsigned.eventType': 'channel.follow',
      'unsigned.messageType': 'notification',
      'unsigned.attempt': '0',
      'unsigned.subscriptionVersion': '2',
    });
    // Unsigned headers changed: the same event.
    expect(verified(check(headers({ 'Twitch-Eventsub-Message-Retry': '3' }))).dedupeKey).toBe(id);
  });

  test('our sign() is the same computation', () => {
    const signed = twitch.sign({ body, id, timestamp: Date.parse(timestamp) / 1000 }, secret);
    expect(verified(twitch.verify({ headers: signed, body }, keysOf(secret), NOW, 600)).eventId).toBe(id);
  });

  test.each([
    ['a one-byte change of the body', () => check(headers(), flipOneByte(body, 40)), 'signature_invalid'],
    ['another key', () => check(headers(), body, keysOf('another-twitch-secret-99')), 'signature_invalid'],
    ['another message id (signed)', () => check(headers({ 'Twitch-Eventsub-Message-Id': 'e76c6bd4-55c9-4987-8304-da1588d8988c' })), 'signature_invalid'],
    ['a timestamp 601 s old', () => check(headers(), body, keysOf(secret), Date.parse(timestamp) + 601_000), 'timestamp_out_of_tolerance'],
    ['a timestamp 601 s ahead', () => check(headers(), body, keysOf(secret), Date.parse(timestamp) - 601_000), 'timestamp_out_of_tolerance'],
    ['a timestamp that is not RFC 3339', () => check(headers({ 'Twitch-Eventsub-Message-Timestamp': '1573899072' })), 'malformed_timestamp'],
    ['the signature without its sha256= prefix', () => check(headers({}, 'b38136a83e57c8b58ddcca16e061b7f48b9a1bbeb31f2599e7e9d305ca6a08d8')), 'malformed_header'],
    ['the message id sent twice', () => check({ ...headers(), 'twitch-eventsub-message-id': id }), 'duplicate_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  describe('webhook_callback_verification', () => {
    const challengeBody = '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2"}}';
    const signedHeaders = (secretUsed = secret) => ({
      ...twitch.sign({ body: challengeBody, id, timestamp: NOW / 1000 }, secretUsed),
      'Twitch-Eventsub-Message-Type': 'webhook_callback_verification',
    });

    test('answers the challenge as text/plain, only once the signature verified', () => {
      const h = signedHeaders();
      const result = verified(twitch.verify({ headers: h, body: challengeBody }, keysOf(secret), NOW, 600));
      expect(twitch.immediateResponse!(challengeBody, result, h)).toEqual({ body: 'pogchamp-kappa-360noscope-vohiyo', contentType: 'text/plain' });
      // Without a verified result there is nothing to answer with.
      expect(twitch.immediateResponse!(challengeBody, undefined, h)).toBeUndefined();
    });

    test('rejects a challenge signed with another key, which then gets no answer', () => {
      const h = signedHeaders('another-twitch-secret-99');
      expect(twitch.verify({ headers: h, body: challengeBody }, keysOf(secret), NOW, 600)).toEqual({ ok: false, reason: 'signature_invalid' });
    });

    test('refuses a verification it cannot answer (a challenge not safe to echo, a status other than pending, a body over 4 KiB): it is never queued instead', () => {
      const markup = challengeBody.replace('pogchamp-kappa-360noscope-vohiyo', '<script>x</script>');
      const enabled = challengeBody.replace('webhook_callback_verification_pending', 'enabled');
      const padded = challengeBody.replace('"version":"2"', `"version":"2","padding":"${'x'.repeat(4096)}"`);
      for (const b of [markup, enabled, padded]) {
        for (const type of ['webhook_callback_verification', 'notification', undefined]) {
          const h: Record<string, string> = { ...twitch.sign({ body: b, id, timestamp: NOW / 1000 }, secret) };
          if (type) h['Twitch-Eventsub-Message-Type'] = type;
          expect(twitch.verify({ headers: h, body: b }, keysOf(secret), NOW, 600)).toEqual({ ok: false, reason: 'malformed_header' });
        }
      }
    });

    test('a captured verification resent as a `notification` is refused, never queued; without the header it is still only answered (the signed body decides)', () => {
      const h = signedHeaders();
      for (const type of ['notification', 'revocation', 'Webhook_Callback_Verification', '']) {
        expect(twitch.verify({ headers: { ...h, 'Twitch-Eventsub-Message-Type': type }, body: challengeBody }, keysOf(secret), NOW, 600)).toEqual({ ok: false, reason: 'malformed_header' });
      }
      const { 'Twitch-Eventsub-Message-Type': _type, ...withoutType } = h;
      const result = verified(twitch.verify({ headers: withoutType, body: challengeBody }, keysOf(secret), NOW, 600));
      expect(twitch.immediateResponse!(challengeBody, result, withoutType)).toEqual({ body: 'pogchamp-kappa-360noscope-vohiyo', contentType: 'text/plain' });
    });

    test('a notification is only ever queued: labelled a verification it is refused, and its body is never echoed', () => {
      const h = headers({ 'Twitch-Eventsub-Message-Type': 'webhook_callback_verification' });
      expect(check(h)).toEqual({ ok: false, reason: 'malformed_header' });
      const result = verified(check(headers()));
      expect(twitch.immediateResponse!(body, result, h)).toBeUndefined();
      // A signed body with both a challenge and an event reads two ways: refused, whatever the header says.
      const both = '{"challenge":"abc","subscription":{"status":"webhook_callback_verification_pending"},"event":{}}';
      for (const type of ['webhook_callback_verification', 'notification']) {
        const signed = { ...twitch.sign({ body: both, id, timestamp: NOW / 1000 }, secret), 'Twitch-Eventsub-Message-Type': type };
        expect(twitch.verify({ headers: signed, body: both }, keysOf(secret), NOW, 600)).toEqual({ ok: false, reason: 'malformed_header' });
      }
    });

    test('a revocation is an ordinary verified message (acknowledged and queued), not a handshake', () => {
      const revocation = '{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"authorization_revoked","type":"channel.follow","version":"2"}}';
      const h = { ...twitch.sign({ body: revocation, id, timestamp: NOW / 1000 }, secret), 'Twitch-Eventsub-Message-Type': 'revocation' };
      const result = verified(twitch.verify({ headers: h, body: revocation }, keysOf(secret), NOW, 600));
      expect(result.metadata['unsigned.messageType']).toBe('revocation');
      expect(twitch.immediateResponse!(revocation, result, h)).toBeUndefined();
    });
  });
});

describe('meta (Facebook, Instagram, WhatsApp): X-Hub-Signature-256 over the body', () => {
  // https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
  // Meta publishes no (app secret, signature) pair and no Node SDK that verifies: computed as
  // 'sha256=' + hex(HMAC-SHA256(app secret, raw payload)). @octokit/webhooks-methods writes the same
  // wire format (GitHub's X-Hub-Signature-256), an independent implementation to check against.
  const meta = scheme('meta');
  const secret = 'f1e2d3c4b5a69788796a5b4c3d2e1f00';
  const body = '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp"}}]}]}';
  const vector = 'sha256=ce7f7bbc289b7e1f4183cd11b807c8ba676c91db8eea09ecfcb3b1bbefbe3ac1';
  const check = (signature: string, b = body, keys = keysOf(secret)) => meta.verify({ headers: { 'X-Hub-Signature-256': signature }, body: b }, keys, 0, 0);

  test('accepts the computed vector; duplicates key on the body', () => {
    expect(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`).toBe(vector);
    const result = verified(check(vector));
    expect(result.dedupeKey).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
    expect(result.metadata).toEqual({});
  });

  test('agrees with an independent implementation of the same header format, both ways', async () => {
    expect(check(await octokitSign(secret, body)).ok).toBe(true);
    expect(await octokitVerify(secret, body, meta.sign({ body }, secret)['x-hub-signature-256'])).toBe(true);
  });

  test.each([
    ['a one-byte change of the body', () => check(vector, flipOneByte(body, 12)), 'signature_invalid'],
    ['another app secret', () => check(vector, body, keysOf('00f1e2d3c4b5a69788796a5b4c3d2e1f')), 'signature_invalid'],
    ['the SHA-1 X-Hub-Signature form', () => check(`sha1=${createHmac('sha1', secret).update(body).digest('hex')}`), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  describe('GET hub.challenge', () => {
    const get = (query: GetRequest['query'], verifyToken?: string) => meta.handshake!.get!({ headers: {}, query, verifyToken }, keysOf(secret), 0, meta);
    const query = (token: string, challenge = '1158201444') => ({ 'hub.mode': ['subscribe'], 'hub.verify_token': [token], 'hub.challenge': [challenge] });

    test('answers the challenge only for the verify token kept beside the app secret', () => {
      expect(get(query('my-verify-token-42'), 'my-verify-token-42')).toEqual({ body: '1158201444', contentType: 'text/plain' });
    });

    test.each([
      ['another verify token', () => get(query('guess'), 'my-verify-token-42'), 'signature_invalid'],
      ['a secret without a verify token', () => get(query('anything')), 'no_active_key'],
      ['a repeated verify token', () => get({ ...query('my-verify-token-42'), 'hub.verify_token': ['my-verify-token-42', 'x'] }, 'my-verify-token-42'), 'malformed_header'],
      ['another hub.mode', () => get({ ...query('my-verify-token-42'), 'hub.mode': ['unsubscribe'] }, 'my-verify-token-42'), 'malformed_header'],
      ['a challenge that is not safe to echo', () => get(query('my-verify-token-42', '<b>1</b>'), 'my-verify-token-42'), 'malformed_header'],
    ])('rejects %s', (_name, run, reason) => {
      expect(run()).toBe(reason);
    });
  });
});

describe('okta (event hooks): the configured authorization header, a shared token', () => {
  // https://developer.okta.com/docs/concepts/event-hooks/ — Okta signs nothing: it sends the header
  // value the admin configured. Compared in constant time; it binds no body and no time.
  const okta = scheme('okta');
  const token = 'okta-hook-secret-0123456789abcdef';
  const body = '{"eventType":"com.okta.event_hook","eventId":"b5a188b9-5ece-4636-b041-482ffe4a8a7a","data":{"events":[]}}';
  const check = (headers: Record<string, string>, b = body) => okta.verify({ headers, body: b }, keysOf(token), 0, 0);

  test('accepts the configured header value; duplicates key on the body, which the token does not bind', () => {
    const result = verified(check({ Authorization: token }));
    expect(result.dedupeKey).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
    // The documented weakness of a token: a changed body still passes.
    expect(check({ Authorization: token }, flipOneByte(body, 20)).ok).toBe(true);
  });

  test.each([
    ['another token', () => check({ Authorization: 'not-the-okta-token-0123456789' }), 'signature_invalid'],
    ['no authorization header', () => check({}), 'missing_header'],
    ['the header sent twice', () => okta.verify({ headers: { authorization: [token, token] }, body }, keysOf(token), 0, 0), 'duplicate_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  describe('one-time verification GET', () => {
    const get = (headers: Record<string, string>) => okta.handshake!.get!({ headers, query: {} }, keysOf(token), 0, okta);

    test('answers {"verification": challenge} only with the hook\'s authorization header', () => {
      expect(get({ 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK', Authorization: token })).toEqual({ body: '{"verification":"rbXDeJ9Rv4ao-Lk5hjYK"}' });
    });

    test.each([
      ['another authorization header', { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK', Authorization: 'not-the-okta-token-0123456789' }, 'signature_invalid'],
      ['no authorization header', { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK' }, 'missing_header'],
      ['no challenge', { Authorization: token }, 'malformed_header'],
      ['a challenge that is not safe to echo', { 'X-Okta-Verification-Challenge': '"}<x>', Authorization: token }, 'malformed_header'],
    ])('rejects %s', (_name, headers, reason) => {
      expect(get(headers)).toBe(reason);
    });
  });
});

describe('segment (Webhooks destinations): X-Signature, hex HMAC-SHA1 of the body', () => {
  // https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook (and the
  // Classic destination's page): "a hex-encoded SHA1 hash generated using the shared secret and the
  // request body". No published vector, no SDK: computed over the docs' own Track example.
  const segment = scheme('segment');
  const secret = 'segment-shared-secret-0123';
  const body = '{"version":1,"type":"track","userId":"019mr8mf4r","event":"Purchased an Item","properties":{"revenue":"39.95","shippingMethod":"2-day"},"timestamp":"2012-12-02T00:30:08.276Z"}';
  const vector = '6c28b7423fdcc0e15998f32d09ba336b67751a52';
  const check = (signature: string, b = body, keys = keysOf(secret)) => segment.verify({ headers: { 'X-Signature': signature, 'Content-Type': 'application/json' }, body: b }, keys, 0, 0);

  test('accepts the computed vector, which is also the docs\' snippet (HMAC of the JSON-stringified body)', () => {
    expect(createHmac('sha1', secret).update(Buffer.from(JSON.stringify(JSON.parse(body)), 'utf-8')).digest('hex')).toBe(vector);
    const result = verified(check(vector));
    expect(result.dedupeKey).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
    expect(result.metadata).toEqual({});
    expect(segment.defaultToleranceSeconds).toBeUndefined();
  });

  test.each([
    ['a one-byte change of the body', () => check(vector, flipOneByte(body, 30)), 'signature_invalid'],
    ['another shared secret', () => check(vector, body, keysOf('another-segment-secret-99')), 'signature_invalid'],
    // With batching on, Segment signs only the first event, not the body it sends.
    ['a batch signed over its first event only', () => check(vector, `[${body},{"type":"identify","userId":"x"}]`), 'signature_invalid'],
    ['a base64 signature', () => check(Buffer.from(vector, 'hex').toString('base64')), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});

describe('twilio-sha256: Twilio signing with a SharedKey and HMAC-SHA256', () => {
  // https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys and twilio-node's
  // examples/WebhookSignatureValidation.md: "Only the hash changes. The signed string is still the
  // full URL followed by the sorted POST parameters", the Setting named by
  // `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`.
  const sha256 = scheme('twilio-sha256');
  const secret = 'shared-key-secret-0123456789abcdef';
  // Twilio's own documented example request (api-snippets, security/signature_validation).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };
  const form = new URLSearchParams(params).toString();
  const settings = 'key=KS0123456789abcdef0123456789abcdef,algorithm=HMAC_SHA256';
  const formHeaders = (extra: Record<string, string> = {}) => ({
    'X-Twilio-Signature': 'pHcVC1lZfR5BBDew91B+d2Yo9ghApOEEgCYhPOdLkic=',
    'X-Twilio-Webhooks-Signature-Settings': settings,
    'Content-Type': 'application/x-www-form-urlencoded',
    ...extra,
  });
  const check = (headers: Record<string, string>, body = form, u = url, keys = keysOf(secret)) => sha256.verify({ headers, body, url: u }, keys, 0, 0);

  test('accepts the computed SHA-256 vector over Twilio\'s documented example, with the key id and idempotency token unsigned', () => {
    const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k as keyof typeof params], url);
    expect(createHmac('sha256', secret).update(data).digest('base64')).toBe('pHcVC1lZfR5BBDew91B+d2Yo9ghApOEEgCYhPOdLkic=');
    const result = verified(check(formHeaders({ 'I-Twilio-Idempotency-Token': 'a1b2c3d4-e5f6-4a1b-9c2d-3e4f5a6b7c8d' })));
    expect(result.metadata).toEqual({ 'unsigned.eventId': 'a1b2c3d4-e5f6-4a1b-9c2d-3e4f5a6b7c8d', 'unsigned.signingKey': 'KS0123456789abcdef0123456789abcdef' });
    expect(result.dedupeKey).toBe(`signed-sha256:${createHash('sha256').update(data).digest('hex')}`);
    // Reordered parameters, another idempotency token: the same signed delivery.
    const reordered = new URLSearchParams(Object.entries(params).reverse()).toString();
    expect(verified(check(formHeaders({ 'I-Twilio-Idempotency-Token': 'other' }), reordered)).dedupeKey).toBe(result.dedupeKey);
    // Twilio may sign the URL with its default port.
    expect(check(formHeaders(), form, 'https://mycompany.com:443/myapp.php?foo=1&bar=2').ok).toBe(true);
  });

  test('accepts a JSON body through bodySHA256, and only the body whose hash the signed URL carries', () => {
    const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
    const jsonUrl = 'https://example.com/myapp?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9';
    expect(createHmac('sha256', secret).update(jsonUrl).digest('base64')).toBe('WXCrRIn9bbPyGtm7yTB7Mk1eO0TO6g75S6176m8sPu0=');
    const headers = formHeaders({ 'X-Twilio-Signature': 'WXCrRIn9bbPyGtm7yTB7Mk1eO0TO6g75S6176m8sPu0=', 'Content-Type': 'application/json' });
    expect(verified(check(headers, body, jsonUrl)).dedupeKey).toBe(`signed-sha256:${createHash('sha256').update(jsonUrl).digest('hex')}`);
    expect(check(headers, flipOneByte(body, 5), jsonUrl)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('Twilio\'s documented SHA-1 example and its SDK (twilio 6.2, SHA-1 only) agree with our canonical form', () => {
    // The same code with the hash Twilio's published vector and installed SDK know.
    const sha1 = new TwilioSharedKeyScheme('sha1');
    const headers = { 'X-Twilio-Signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=', 'X-Twilio-Webhooks-Signature-Settings': 'algorithm=HMAC_SHA1' };
    // The documented auth token '12345' is shorter than any key we accept: passed as key bytes.
    expect(sha1.verify({ headers, body: form, url }, keysOf('12345'), 0, 0).ok).toBe(true);
    const token = 'twilio-auth-token-0123456789abcd';
    expect(sha1.verify({ headers: { ...headers, 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(token, url, params) }, body: form, url }, keysOf(token), 0, 0).ok).toBe(true);
    const ours = sha1.sign({ body: form, url }, token);
    expect(twilio.validateRequest(token, ours['x-twilio-signature'], url, params)).toBe(true);
    const body = '{"CallSid":"CA1234567890ABCDE"}';
    const jsonUrl = `https://example.com/myapp?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    expect(twilio.validateRequestWithBody(token, sha1.sign({ body, url: jsonUrl }, token)['x-twilio-signature'], jsonUrl, body)).toBe(true);
  });

  test.each([
    ['a changed parameter', () => check(formHeaders(), form.replace('Digits=1234', 'Digits=1235')), 'signature_invalid'],
    ['another key', () => check(formHeaders(), form, url, keysOf('another-shared-key-0123456789')), 'signature_invalid'],
    ['another URL', () => check(formHeaders(), form, 'https://mycompany.com/myapp.php?foo=1&bar=3'), 'signature_invalid'],
    ['no settings header (an auth-token delivery: type twilio)', () => check({ 'X-Twilio-Signature': 'pHcVC1lZfR5BBDew91B+d2Yo9ghApOEEgCYhPOdLkic=' }), 'missing_header'],
    ['settings naming HMAC_SHA1', () => check(formHeaders({ 'X-Twilio-Webhooks-Signature-Settings': 'key=KS1,algorithm=HMAC_SHA1' })), 'malformed_header'],
    ['settings naming the algorithm twice', () => check(formHeaders({ 'X-Twilio-Webhooks-Signature-Settings': 'algorithm=HMAC_SHA256,algorithm=HMAC_SHA1' })), 'malformed_header'],
    ['settings without an algorithm', () => check(formHeaders({ 'X-Twilio-Webhooks-Signature-Settings': 'key=KS1' })), 'malformed_header'],
    ['a SHA-1 signature', () => check(formHeaders({ 'X-Twilio-Signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' })), 'malformed_header'],
    ['a JSON body without bodySHA256', () => check(formHeaders({ 'Content-Type': 'application/json' }), '{"CallSid":"CA1"}'), 'malformed_header'],
    ['two bodySHA256', () => check(formHeaders(), '{}', `https://example.com/x?bodySHA256=${'0'.repeat(64)}&bodySHA256=${'0'.repeat(64)}`), 'malformed_header'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });

  test('a form body that is not UTF-8 has no one reading: refused, and never signed', () => {
    const a = Buffer.from([0x61, 0x3d, 0xff]);
    const headers = sha256.sign({ body: 'a=%C3%BF', url }, secret);
    expect(sha256.verify({ headers, body: a, url }, keysOf(secret), 0, 0)).toEqual({ ok: false, reason: 'malformed_body' });
    expect(() => sha256.sign({ body: a, url }, secret)).toThrow(/not a form body Twilio sends/);
  });
});

describe('mailgun: HMAC-SHA256 over timestamp + token, both inside the body', () => {
  // https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
  // Mailgun's example signature is a placeholder and no installed SDK verifies: the vector is the
  // page's own snippet, createHmac('sha256', signingKey).update(timestamp.concat(token)).digest('hex'),
  // over the page's token and timestamp.
  const mailgun = new MailgunScheme();
  const key = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const timestamp = '1770920772';
  const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';
  const signature = '3f9f9869e390626cfa401e164e5cd201b24d153eafc2004a69d41c945dc93c1e';
  const NOW = Number(timestamp) * 1000 + 30_000;
  const json = (sig: Record<string, unknown> = { token, timestamp, signature }, event: Record<string, unknown> = { id: 'CPgfbmQMTCKtHW6uIWtuVe', event: 'delivered', recipient: 'alice@example.com' }) =>
    JSON.stringify({ signature: sig, 'event-data': event });
  const check = (body: string | Buffer, contentType = 'application/json', keys = keysOf(key), now = NOW) =>
    mailgun.verify({ headers: { 'Content-Type': contentType }, body }, keys, now, mailgun.defaultToleranceSeconds);
  const dedupe = `signed-sha256:${createHash('sha256').update(timestamp + token).digest('hex')}`;

  test('accepts the vector in a JSON webhook; duplicates key on the signed timestamp + token, event data travels unsigned', () => {
    expect(createHmac('sha256', key).update(timestamp.concat(token)).digest('hex')).toBe(signature);
    const result = verified(check(json()));
    expect(result.timestamp).toBe(Number(timestamp));
    expect(result.dedupeKey).toBe(dedupe);
    expect(result.metadata).toEqual({ 'unsigned.eventId': 'CPgfbmQMTCKtHW6uIWtuVe', 'unsigned.eventType': 'delivered' });
    expect(mailgun.defaultToleranceSeconds).toBe(300);
  });

  test('the event data is not signed: a changed event verifies, but under the same token it is a duplicate', () => {
    const changed = verified(check(json(undefined, { id: 'other', event: 'failed' })));
    expect(changed.dedupeKey).toBe(dedupe);
    expect(changed.metadata).toEqual({ 'unsigned.eventId': 'other', 'unsigned.eventType': 'failed' });
  });

  test('accepts the form fields of legacy webhooks and routes', () => {
    const body = new URLSearchParams({ event: 'delivered', recipient: 'alice@example.com', timestamp, token, signature }).toString();
    const result = verified(check(body, 'application/x-www-form-urlencoded; charset=utf-8'));
    expect(result.dedupeKey).toBe(dedupe);
    expect(result.metadata).toEqual({ 'unsigned.eventType': 'delivered' });
  });

  test('accepts a subaccount delivery by its parent-signature, under the primary account\'s key', () => {
    const primary = 'primary-account-signing-key-0123';
    const parent = createHmac('sha256', primary).update(timestamp + token).digest('hex');
    expect(check(json({ token, timestamp, signature: 'ab'.repeat(32), 'parent-signature': parent }), 'application/json', keysOf(primary)).ok).toBe(true);
  });

  test('signDelivery writes what verify reads; sign() cannot, as the signature lives in the body', () => {
    const delivery = mailgun.signDelivery({ body: '{"event-data":{"event":"opened"}}', timestamp: NOW / 1000, id: token }, key);
    expect(JSON.parse(delivery.body).signature).toEqual({ token, timestamp: String(Math.floor(NOW / 1000)), signature: createHmac('sha256', key).update(String(Math.floor(NOW / 1000)) + token).digest('hex') });
    expect(check(delivery.body, delivery.headers['content-type']).ok).toBe(true);
    const formDelivery = mailgun.signDelivery({ body: 'event=opened', timestamp: NOW / 1000 }, key);
    expect(check(formDelivery.body, formDelivery.headers['content-type']).ok).toBe(true);
    expect(() => mailgun.sign()).toThrow(/inside the body/);
  });

  test.each([
    ['a one-byte change of the token', () => check(json({ token: flipOneByte(token, 3), timestamp, signature })), 'signature_invalid'],
    ['a one-byte change of the signature', () => check(json({ token, timestamp, signature: flipOneByte(signature, 0) })), 'signature_invalid'],
    ['another key', () => check(json(), 'application/json', keysOf('key-another-signing-key-000000')), 'signature_invalid'],
    ['a timestamp 301 s old', () => check(json(), 'application/json', keysOf(key), Number(timestamp) * 1000 + 301_000), 'timestamp_out_of_tolerance'],
    ['a timestamp 301 s ahead', () => check(json(), 'application/json', keysOf(key), Number(timestamp) * 1000 - 301_000), 'timestamp_out_of_tolerance'],
    ['a timestamp that is not digits', () => check(json({ token, timestamp: '1770920772.5', signature })), 'malformed_timestamp'],
    ['no signature object', () => check(JSON.stringify({ 'event-data': {} })), 'missing_header'],
    ['a signature that is not hex', () => check(json({ token, timestamp, signature: 'z'.repeat(64) })), 'malformed_header'],
    ['a token field sent twice', () => check(`timestamp=${timestamp}&token=${token}&token=x&signature=${signature}`, 'application/x-www-form-urlencoded'), 'duplicate_header'],
    ['a multipart body', () => check(json(), 'multipart/form-data; boundary=x'), 'malformed_header'],
    ['a body that is not UTF-8', () => check(Buffer.concat([Buffer.from(json()), Buffer.from([0xff])])), 'malformed_body'],
    ['a body that is not JSON', () => check('{"signature":'), 'malformed_body'],
  ])('rejects %s', (_name, run, reason) => {
    expect(run()).toEqual({ ok: false, reason });
  });
});
