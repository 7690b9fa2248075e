import { createHash, createHmac, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import fc from 'fast-check';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { ActiveKey, Scheme, schemeFor, VerifiedWebhook, VerifyResult, verifyWithKeys } from '../../../lib/runtime';
import { MONDAY_CHALLENGE } from '../../../lib/runtime/schemes/senders/jwt';
import { dateAt, TEST_NOW, TEST_NOW_S } from '../../support/clock';

// The HS256-token family (lib/runtime/schemes/senders/jwt.ts): Vonage, Netlify, monday.com. Tokens
// are built with node:crypto from each sender's documented header and claims (cited per describe),
// and jose (an independent JOSE implementation) is the oracle: what we accept, jose's jwtVerify
// pinned to HS256 accepts with the same secret and clock, and every token our `sign` makes verifies
// under jose with the claims the documentation names.

const SECRET = 'sig-secret-0123456789abcdefghijklmnopqrstuv';
const OTHER = 'another-secret-0123456789abcdefghijklmnopqr';
const NOW = TEST_NOW_S;
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');
const HEADER = '{"alg":"HS256","typ":"JWT"}';

/** A token with exactly these header and claim-set texts, its signature HMAC-SHA256 under `key` (or `alg`'s own). */
function token(headerJson: string, payload: string | Record<string, unknown>, key = SECRET, alg = 'HS256'): string {
  const input = `${b64(headerJson)}.${b64(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  const hash = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

function keysOf(...secrets: string[]): ActiveKey[] {
  return secrets.map((secret) => ({ key: Buffer.from(secret, 'utf8'), notAfterMs: Number.POSITIVE_INFINITY }));
}

function verify(scheme: Scheme, headers: Record<string, string | string[]>, body: string | Uint8Array, options: { nowMs?: number; keys?: ActiveKey[]; tolerance?: number } = {}): VerifyResult {
  return verifyWithKeys(scheme, { headers: { 'content-type': 'application/json', ...headers }, body }, options.keys ?? keysOf(SECRET), options.nowMs ?? TEST_NOW, options.tolerance);
}

/** jose's verdict on a token: HS256 only, the same secret, clock and skew. */
function jose(jwt: string, secret = SECRET, skew = 0, options: { issuer?: string; requiredClaims?: string[] } = {}): Promise<boolean> {
  return jwtVerify(jwt, Buffer.from(secret), { algorithms: ['HS256'], currentDate: dateAt(), clockTolerance: skew, ...options }).then(
    () => true,
    () => false,
  );
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Ways to spoil a valid token that every strict reader refuses (each a second reading, or not a JWS). */
function spoiled(good: string): [string, string][] {
  const [h, p, s] = good.split('.');
  const payload = Buffer.from(p, 'base64url').toString();
  const first = Object.keys(JSON.parse(payload) as object)[0];
  const escaped = `\\u${first.charCodeAt(0).toString(16).padStart(4, '0')}${first.slice(1)}`;
  const rsInput = `${b64('{"alg":"RS256","typ":"JWT"}')}.${p}`;
  return [
    ['alg none with no signature', `${b64('{"alg":"none","typ":"JWT"}')}.${p}.`],
    ['alg none with the HMAC', token('{"alg":"none","typ":"JWT"}', payload)],
    ['alg RS256 signed with an RSA key', `${rsInput}.${signBytes('sha256', Buffer.from(rsInput), rsa.privateKey).toString('base64url')}`],
    ['alg RS256 with the HMAC', token('{"alg":"RS256","typ":"JWT"}', payload)],
    ['alg HS512', token('{"alg":"HS512","typ":"JWT"}', payload, SECRET, 'HS512')],
    ['alg hs256 in lower case', token('{"alg":"hs256","typ":"JWT"}', payload)],
    ['alg named twice', token('{"alg":"none","alg":"HS256","typ":"JWT"}', payload)],
    ['a claim named twice', token(HEADER, payload.replace(/^\{/, `{"${first}":1,`))],
    ['a claim named twice, once escaped', token(HEADER, payload.replace(/^\{/, `{"${escaped}":1,`))],
    ['a jwk header parameter', token('{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}', payload)],
    ['a crit header parameter', token('{"alg":"HS256","crit":["exp"]}', payload)],
    ['typ other than JWT', token('{"alg":"HS256","typ":"JWE"}', payload)],
    ['padding', `${h}.${p}.${s}=`],
    ['standard base64 characters', `${h}.${p}.${s.slice(0, -2)}+/`],
    ['a truncated signature', `${h}.${p}.${s.slice(0, -4)}`],
    ['an empty signature', `${h}.${p}.`],
    ['a fourth segment', `${good}.${s}`],
    ['two segments', `${h}.${p}`],
    ['a space inside', `${h}.${p} .${s}`],
    ['a claim set that is not JSON', token(HEADER, '{iat:1}')],
    ['a claim set that is an array', token(HEADER, '[1]')],
    ['a claim set with a BOM', token(HEADER, `\ufeff${payload}`)],
  ];
}

describe('vonage', () => {
  // https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks:
  // "the incoming webhook will include a JWT token in the authorization header which is signed with
  // your signature secret"; header {"alg": "HS256", "typ": "JWT"}; payload `iat` ("Unix timestamp in
  // SECONDS"), `jti`, `iss` ("always 'Vonage'"), `payload_hash` ("A SHA-256 hash of the request
  // payload"), `api_key`, `application_id`. Vonage's samples read `Bearer <token>`.
  const scheme = schemeFor({ type: 'vonage' });
  const BODY = '{"channel":"sms","message_uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","to":"447700900000","from":"447700900001","timestamp":"2026-11-28T12:00:00Z","text":"Hello From Vonage!"}';
  const claims = (over: Record<string, unknown> = {}) => ({
    iat: NOW,
    jti: 'c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5',
    iss: 'Vonage',
    payload_hash: sha256(BODY),
    api_key: 'a1b2c3d',
    application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    ...over,
  });
  const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
  const good = token(HEADER, claims());

  test('accepts the documented token: body bound, iat the signed timestamp, api_key and application_id signed metadata', async () => {
    const result = verify(scheme, bearer(good), BODY);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'signed', timestamp: NOW, dedupeKey: `sha256:${sha256(BODY)}` });
    expect((result as VerifiedWebhook).metadata).toEqual({ 'signed.apiKey': 'a1b2c3d', 'signed.applicationId': 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' });
    expect(await jose(good)).toBe(true);
    // The auth scheme's name in any case (RFC 9110), the body as bytes.
    expect(verify(scheme, { Authorization: `bearer ${good}` }, Buffer.from(BODY))).toMatchObject({ ok: true });
  });

  test('sign() makes the documented token: jose verifies it, with payload_hash the body\'s SHA-256', async () => {
    const headers = scheme.sign({ body: BODY, timestamp: NOW }, SECRET);
    expect(headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = headers.authorization.slice(7);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, Buffer.from(SECRET), { algorithms: ['HS256'], currentDate: dateAt(), issuer: 'Vonage', requiredClaims: ['iat', 'jti', 'payload_hash', 'api_key'] });
    expect(payload).toMatchObject({ iat: NOW, payload_hash: sha256(BODY) });
    expect(verify(scheme, headers, BODY)).toMatchObject({ ok: true });
  });

  test('rejects a one-byte change of the body, a wrong key, a missing or repeated header, a token without Bearer', () => {
    expect(verify(scheme, bearer(good), BODY.replace('Hello', 'Jello'))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, bearer(good), `${BODY} `)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, bearer(good), BODY, { keys: keysOf(OTHER) })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, bearer(token(HEADER, claims(), OTHER)), BODY)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, {}, BODY)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify(scheme, { authorization: [`Bearer ${good}`, `Bearer ${good}`] }, BODY)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify(scheme, { authorization: good }, BODY)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(scheme, { authorization: `Basic ${good}` }, BODY)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(scheme, bearer(good), BODY, { keys: [] })).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('tries every active key (a rotation), skips an expired one', () => {
    expect(verify(scheme, bearer(good), BODY, { keys: keysOf(OTHER, SECRET) })).toMatchObject({ ok: true });
    expect(verify(scheme, bearer(good), BODY, { keys: [{ key: Buffer.from(SECRET), notAfterMs: TEST_NOW }] })).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test.each([
    ['299 s old', -299, true],
    ['300 s old (the edge)', -300, true],
    ['301 s old', -301, false],
    ['300 s ahead (the edge)', 300, true],
    ['301 s ahead', 301, false],
  ])('iat %s: within the 5 minutes either way or refused', (_label, offset, ok) => {
    const result = verify(scheme, bearer(token(HEADER, claims({ iat: NOW + offset }))), BODY);
    expect(result).toEqual(ok ? expect.objectContaining({ ok: true }) : { ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('honours exp and nbf when present, and a configured tolerance', () => {
    expect(verify(scheme, bearer(token(HEADER, claims({ exp: NOW }))), BODY, { tolerance: 0 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(scheme, bearer(token(HEADER, claims({ exp: NOW + 1 }))), BODY, { tolerance: 0 })).toMatchObject({ ok: true });
    expect(verify(scheme, bearer(token(HEADER, claims({ nbf: NOW + 301 }))), BODY)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(scheme, bearer(token(HEADER, claims({ iat: NOW - 60 }))), BODY, { tolerance: 59 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test.each([
    ['no iat', { iat: undefined }],
    ['iat as a string', { iat: String(NOW) }],
    ['iat NaN-ish (null)', { iat: null }],
    ['no payload_hash', { payload_hash: undefined }],
    ['payload_hash in base64', { payload_hash: createHash('sha256').update(BODY).digest('base64') }],
    ['payload_hash one digit short', { payload_hash: sha256(BODY).slice(1) }],
    ['payload_hash as a number', { payload_hash: 1 }],
    ['exp as a string', { exp: 'never' }],
  ])('refuses claims it cannot read: %s', (_label, over) => {
    expect(verify(scheme, bearer(token(HEADER, claims(over))), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test.each(spoiled(token(HEADER, claims())))('refuses %s', async (_label, spoilt) => {
    expect(verify(scheme, bearer(spoilt), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('where jose is laxer, we refuse by design: each such spoilt token named', async () => {
    // jose reads these one way (JSON.parse keeps the last of two keys; it strips a BOM, decodes
    // padding, ignores `jwk` and `typ` for a secret key); another reader may read them another, so
    // each is refused here. Every other spoilt token jose refuses too.
    const laxer: string[] = [];
    for (const [label, spoilt] of spoiled(token(HEADER, claims()))) if (await jose(spoilt, SECRET, 300)) laxer.push(label);
    expect(laxer.sort()).toEqual(['a claim named twice', 'a claim named twice, once escaped', 'a claim set with a BOM', 'a jwk header parameter', 'alg named twice', 'padding', 'typ other than JWT'].sort());
  });

  test('property: whatever we accept, jose accepts (HS256, same secret and clock)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -400, max: 400 }),
        fc.option(fc.integer({ min: -400, max: 400 }), { nil: undefined }),
        fc.constantFrom(SECRET, OTHER),
        fc.constantFrom('HS256', 'HS384'),
        async (iatOffset, expOffset, key, alg) => {
          const jwt = token(`{"alg":"${alg}","typ":"JWT"}`, claims({ iat: NOW + iatOffset, exp: expOffset === undefined ? undefined : NOW + expOffset }), key, alg);
          const ours = verify(scheme, bearer(jwt), BODY);
          if (ours.ok) expect(await jose(jwt, SECRET, 300)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('netlify', () => {
  // https://docs.netlify.com/site-deploys/notifications/#payload-signature: "If you provide a JWS
  // secret token for an outgoing webhook, Netlify will generate a JSON Web Signature (JWS) and send
  // it along with the notification in the request header X-Webhook-Signature", with the fields
  // `iss` ("always sent with value netlify") and `sha256` ("the hexadecimal representation of the
  // generated payload's SHA256"). Netlify's own example verifies it as HS256 with the secret.
  const scheme = schemeFor({ type: 'netlify' });
  const BODY = '{"id":"5ebc34bf4fea0b01f02efa3a","site_id":"fa4dd95a-994e-4f89-8a7a-2d9e9fc36a32","build_id":"5ebc34bf4fea0b01f02efa38","state":"ready","name":"www-example","branch":"main","context":"production","deploy_time":159}';
  const claims = (over: Record<string, unknown> = {}) => ({ iss: 'netlify', sha256: sha256(BODY), ...over });
  const sig = (jwt: string) => ({ 'x-webhook-signature': jwt });
  const good = token(HEADER, claims());

  test('accepts the documented JWS: body bound, no signed time, duplicates keyed on the body', async () => {
    const result = verify(scheme, sig(good), BODY);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'signed', timestamp: undefined, eventId: undefined, dedupeKey: `sha256:${sha256(BODY)}` });
    expect((result as VerifiedWebhook).metadata).toEqual({});
    expect(scheme.defaultToleranceSeconds).toBeUndefined();
    expect(await jose(good, SECRET, 0, { issuer: 'netlify', requiredClaims: ['sha256'] })).toBe(true);
  });

  test('sign() agrees: jose verifies its JWS with issuer netlify and the body\'s sha256', async () => {
    const headers = scheme.sign({ body: BODY, timestamp: NOW }, SECRET);
    const { payload } = await jwtVerify(headers['x-webhook-signature'], Buffer.from(SECRET), { algorithms: ['HS256'], currentDate: dateAt(), issuer: 'netlify' });
    expect(payload).toEqual({ iss: 'netlify', sha256: sha256(BODY) });
    expect(verify(scheme, headers, BODY)).toMatchObject({ ok: true });
  });

  test('rejects a changed body, a wrong key, a missing or repeated header, a Bearer prefix', () => {
    expect(verify(scheme, sig(good), BODY.replace('ready', 'error'))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, sig(good), BODY, { keys: keysOf(OTHER) })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, {}, BODY)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify(scheme, { 'x-webhook-signature': [good, good] }, BODY)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(verify(scheme, sig(`Bearer ${good}`), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test.each([
    ['no iss', { iss: undefined }],
    ['another iss', { iss: 'Netlify' }],
    ['no sha256', { sha256: undefined }],
    ['sha256 not hex', { sha256: 'z'.repeat(64) }],
  ])('refuses claims it cannot read: %s', (_label, over) => {
    expect(verify(scheme, sig(token(HEADER, claims(over))), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('time claims Netlify does not document are honoured if present, with a minute of skew', () => {
    expect(verify(scheme, sig(token(HEADER, claims({ exp: NOW - 59 }))), BODY)).toMatchObject({ ok: true });
    expect(verify(scheme, sig(token(HEADER, claims({ exp: NOW - 60 }))), BODY)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(scheme, sig(token(HEADER, claims({ iat: NOW + 60 }))), BODY)).toMatchObject({ ok: true });
    expect(verify(scheme, sig(token(HEADER, claims({ iat: NOW + 61 }))), BODY)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    // No window on a token without time claims: the dedupe record is the replay control.
    expect(verify(scheme, sig(good), BODY, { nowMs: TEST_NOW + 400 * 86_400_000 })).toMatchObject({ ok: true });
  });

  test.each(spoiled(token(HEADER, claims())))('refuses %s', (_label, spoilt) => {
    expect(verify(scheme, sig(spoilt), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('monday', () => {
  // https://developer.monday.com/apps/docs/authorization-header: requests "include the Authorization
  // header that contains a JWT token signed by your app's Signing Secret"; verify the signature and
  // `exp`; contents { accountId, userId, aud, exp, shortLivedToken, iat }. monday's samples verify the
  // header value as it is (no `Bearer`). The JWT does not cover the body.
  // https://developer.monday.com/api-reference/docs/webhooks#url-verification: `{"challenge": ...}`,
  // "the response body should be an identical JSON POST body".
  const scheme = schemeFor({ type: 'monday' });
  const BODY = '{"event":{"userId":9603417,"originalTriggerUuid":null,"boardId":1771812698,"pulseId":1772099344,"pulseName":"Create_item_webhook","groupId":"topics","groupName":"Group Title","groupColor":"#579bfc","isTopGroup":true,"columnValues":{},"app":"monday","type":"create_pulse","triggerTime":"2026-11-28T11:59:59.210Z","subscriptionId":73759690,"triggerUuid":"b5ed2e17c530f43668de130142445cba"}}';
  const CHALLENGE_BODY = '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}';
  const claims = (over: Record<string, unknown> = {}) => ({
    accountId: 1825529,
    userId: 4012689,
    aud: 'https://www.yourserver.com/endpoint',
    exp: NOW + 300,
    shortLivedToken: 'eyJhbGciOiJIUzI1NiJ9.c2hvcnQ.bGl2ZWQ',
    iat: NOW,
    ...over,
  });
  const auth = (jwt: string) => ({ authorization: jwt });
  const good = token(HEADER, claims());

  test('accepts the documented token: no body bound, accountId and userId signed, the short-lived token never forwarded', async () => {
    const result = verify(scheme, auth(good), BODY);
    expect(result).toMatchObject({ ok: true, bodyBinding: 'unsigned', timestamp: undefined, dedupeKey: `sha256:${sha256(BODY)}` });
    expect((result as VerifiedWebhook).metadata).toEqual({ 'signed.accountId': '1825529', 'signed.userId': '4012689' });
    expect(JSON.stringify((result as VerifiedWebhook).metadata)).not.toContain('c2hvcnQ');
    expect(await jose(good, SECRET, 60, { requiredClaims: ['exp'] })).toBe(true);
    expect(verify(scheme, auth(`Bearer ${good}`), BODY)).toMatchObject({ ok: true });
  });

  test('the body is not bound: another body verifies under the same token, keyed as another delivery', () => {
    const other = verify(scheme, auth(good), BODY.replace('create_pulse', 'delete_pulse'));
    expect(other).toMatchObject({ ok: true, bodyBinding: 'unsigned', dedupeKey: `sha256:${sha256(BODY.replace('create_pulse', 'delete_pulse'))}` });
  });

  test('a body that reads one way as the challenge and another as an event is refused, as the token binds none', () => {
    // The challenge as answered, and events that name no challenge, are taken; the rest could be read
    // as a challenge by a lenient consumer (a BOM dropped, names folded) or as an event here.
    expect(verify(scheme, auth(good), CHALLENGE_BODY)).toMatchObject({ ok: true });
    for (const body of [`\uFEFF${CHALLENGE_BODY}`, CHALLENGE_BODY.replace('challenge', 'Challenge'), CHALLENGE_BODY.replace('challenge', 'CHALLENGE'), CHALLENGE_BODY.replace('}', ',"x":1}'), '{"challenge":"a b<c>"}', '{"challenge":1}', `{"challenge":"a","challenge":"b"}`, 'not json', '[1]',
      // The word beside something a reader may drop or trim (found by the handler's differential property).
      CHALLENGE_BODY.replace('challenge', 'challenge\uFFFD'), CHALLENGE_BODY.replace('challenge', 'challenge_'), CHALLENGE_BODY.replace('challenge', ' challenge')]) {
      expect({ body, result: verify(scheme, auth(good), body) }).toEqual({ body, result: { ok: false, reason: 'malformed_body' } });
    }
  });

  test('sign() agrees: jose verifies its token with the documented claims', async () => {
    const headers = scheme.sign({ body: BODY, timestamp: NOW }, SECRET);
    const { payload } = await jwtVerify(headers.authorization, Buffer.from(SECRET), { algorithms: ['HS256'], currentDate: dateAt(), requiredClaims: ['accountId', 'userId', 'aud', 'exp', 'iat'] });
    expect(payload).toMatchObject({ iat: NOW, exp: NOW + 300 });
    expect(verify(scheme, headers, BODY)).toMatchObject({ ok: true });
  });

  test('rejects a wrong key (the Client Secret for a Signing Secret), a missing or repeated header', () => {
    expect(verify(scheme, auth(good), BODY, { keys: keysOf(OTHER) })).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(verify(scheme, {}, BODY)).toEqual({ ok: false, reason: 'missing_header' });
    expect(verify(scheme, { authorization: [good, good] }, BODY)).toEqual({ ok: false, reason: 'duplicate_header' });
  });

  test.each([
    ['expired 59 s ago (within the minute of skew)', { exp: NOW - 59 }, true],
    ['expired 60 s ago (the edge)', { exp: NOW - 60 }, false],
    ['issued 60 s ahead', { iat: NOW + 60 }, true],
    ['issued 61 s ahead', { iat: NOW + 61 }, false],
  ])('exp and iat: %s', (_label, over, ok) => {
    const result = verify(scheme, auth(token(HEADER, claims(over))), BODY);
    expect(result).toEqual(ok ? expect.objectContaining({ ok: true }) : { ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('refuses a token without exp (a token that never expires would replay with any body)', () => {
    expect(verify(scheme, auth(token(HEADER, claims({ exp: undefined }))), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(scheme, auth(token(HEADER, claims({ exp: `${NOW + 300}` }))), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test.each(spoiled(token(HEADER, claims())))('refuses %s', (_label, spoilt) => {
    expect(verify(scheme, auth(spoilt), BODY)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  describe('the URL-verification challenge', () => {
    const answer = { body: CHALLENGE_BODY };

    test('a signed challenge is answered with the same JSON, only once verified; an ordinary delivery is not', () => {
      const verified = verify(scheme, auth(good), CHALLENGE_BODY);
      expect(verified).toMatchObject({ ok: true });
      expect(scheme.immediateResponse?.(CHALLENGE_BODY, verified as VerifiedWebhook)).toEqual(answer);
      expect(JSON.parse(scheme.immediateResponse!(CHALLENGE_BODY, verified as VerifiedWebhook)!.body)).toEqual(JSON.parse(CHALLENGE_BODY));
      expect(scheme.immediateResponse?.(CHALLENGE_BODY, undefined)).toBeUndefined();
      const ordinary = verify(scheme, auth(good), BODY);
      expect(scheme.immediateResponse?.(BODY, ordinary as VerifiedWebhook)).toBeUndefined();
    });

    test('an unsigned challenge (no Authorization) is answered in exactly the documented shape', () => {
      expect(scheme.handshake).toBe(MONDAY_CHALLENGE);
      expect(MONDAY_CHALLENGE.unsigned?.(CHALLENGE_BODY, {}, {})).toEqual(answer);
      expect(MONDAY_CHALLENGE.unsigned?.(Buffer.from('{ "challenge" : "abc-123_x" }'), {}, {})).toEqual({ body: '{"challenge":"abc-123_x"}' });
    });

    test.each([
      ['another key beside it', '{"challenge":"abc","event":{"type":"create_pulse"}}'],
      ['the key twice', '{"challenge":"abc","challenge":"def"}'],
      ['a value that is not a string', '{"challenge":12345}'],
      ['markup in the value', '{"challenge":"<script>alert(1)</script>"}'],
      ['an empty value', '{"challenge":""}'],
      ['a value too long', `{"challenge":"${'a'.repeat(513)}"}`],
      ['not JSON', 'challenge=abc'],
      ['a BOM', '\ufeff{"challenge":"abc"}'],
      ['an array', '[{"challenge":"abc"}]'],
      ['an ordinary delivery', BODY],
    ])('is not a challenge (so neither answered unsigned nor signed): %s', (_label, body) => {
      expect(MONDAY_CHALLENGE.unsigned?.(body, {}, {})).toBeUndefined();
      const verified = verify(scheme, auth(good), body);
      if (verified.ok) expect(scheme.immediateResponse?.(body, verified)).toBeUndefined();
    });
  });
});

describe('the family', () => {
  test('each sender names its docs; only monday answers anything itself; keys are the secret\'s text', () => {
    for (const type of ['vonage', 'netlify', 'monday']) {
      const scheme = schemeFor({ type } as never);
      expect(scheme.describe?.().signature).toMatch(/HS256/);
      expect(scheme.immediateResponse === undefined).toBe(type !== 'monday');
      expect(scheme.decodeKey(SECRET)).toEqual(Buffer.from(SECRET));
      expect(() => scheme.decodeKey('short')).toThrow(/at least 16/);
      expect(scheme.decodeKey(scheme.generateKey())).toHaveLength(64);
    }
  });

  test('a token signed for one sender does not verify as another (different claims, headers and bindings)', () => {
    const body = '{"a":1}';
    const vonage = schemeFor({ type: 'vonage' }).sign({ body, timestamp: NOW }, SECRET);
    const netlify = schemeFor({ type: 'netlify' }).sign({ body, timestamp: NOW }, SECRET);
    expect(verify(schemeFor({ type: 'netlify' }), { 'x-webhook-signature': vonage.authorization.slice(7) }, body)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(schemeFor({ type: 'vonage' }), { authorization: `Bearer ${netlify['x-webhook-signature']}` }, body)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(verify(schemeFor({ type: 'monday' }), { authorization: netlify['x-webhook-signature'] }, body)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('jose signs, we read: an HS256 token made by jose verifies', async () => {
    const body = '{"a":1}';
    const jwt = await new SignJWT({ iss: 'netlify', sha256: sha256(body) }).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(SECRET));
    expect(verify(schemeFor({ type: 'netlify' }), { 'x-webhook-signature': jwt }, body)).toMatchObject({ ok: true });
    const vonage = await new SignJWT({ payload_hash: sha256(body), api_key: 'a1b2c3d' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(NOW).setJti('j1').setIssuer('Vonage').sign(Buffer.from(SECRET));
    expect(verify(schemeFor({ type: 'vonage' }), { authorization: `Bearer ${vonage}` }, body)).toMatchObject({ ok: true });
  });
});
