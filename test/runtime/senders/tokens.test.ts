import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { FetchRequest, FetchResponse, KeyFetcher, KeyFetchError, PublishedKeyCache, Scheme, schemeFor, WebhookConfigurationError } from '../../../lib/runtime';
import { dateAt, TEST_NOW, TEST_NOW_S } from '../../support/clock';

// Senders that sign a JWT with keys they publish. Tokens are made with jose (an independent JOSE
// implementation) and keys served through an injected fetcher that records every request; our
// verdicts are checked against jose's jwtVerify for the same key and claims.

const CLIENT_ID = '5f1a2b3c4d5e6f7a8b9c0d1e';
const PLAID_SECRET = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5';
const AUDIENCE = 'https://hooks.example.com/webhooks/pubsub';
const EMAIL = 'push@my-project.iam.gserviceaccount.com';
const BODY = '{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"wz666MBjYWTp2PDzzggYhM6oWWmBb"}';
// Tokens are issued, and verified, at the tests' one clock.
const now = () => TEST_NOW_S;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const b64 = (text: string) => Buffer.from(text).toString('base64url');

function recordingFetcher(handler: (request: FetchRequest) => FetchResponse) {
  const calls: FetchRequest[] = [];
  const fetch: KeyFetcher = async (request) => {
    calls.push(request);
    return handler(request);
  };
  return { fetch, calls };
}

/** The verifier's path for a published-key sender: the key the request names through a cache, then verify. */
async function verifyWith(scheme: Scheme, headers: Record<string, string>, body: string | Uint8Array, fetch: KeyFetcher, credential?: string, nowMs = TEST_NOW) {
  const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => nowMs });
  const resolved = await cache.keysFor({ headers, body }, credential);
  if (resolved.kind === 'rejected') return { ok: false as const, reason: resolved.reason };
  return scheme.verify({ headers, body }, resolved.keys, nowMs, scheme.defaultToleranceSeconds!);
}

/** The message of what `promise` rejects with, and its cause's, joined. */
async function failure(promise: Promise<unknown>): Promise<{ error: unknown; text: string }> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { error, text: `${(error as Error).message} ${cause instanceof Error ? cause.message : ''}` };
  }
  throw new Error('expected a rejection');
}

describe('plaid', () => {
  const scheme = schemeFor({ type: 'plaid', clientId: CLIENT_ID });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const KID = '6c5516e1-92dc-479e-a8ff-5a51992e0002';
  const PRODUCTION = 'https://production.plaid.com/webhook_verification_key/get';

  /** Plaid's key endpoint as Plaid answers: the JWK for a known kid, 400 INVALID_WEBHOOK_VERIFICATION_KEY_ID otherwise. */
  async function plaidKeyEndpoint(options: { expiredAt?: number | null; url?: string; jwk?: Record<string, unknown> } = {}) {
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', kid: KID, use: 'sig', created_at: 1560466150, expired_at: options.expiredAt ?? null, ...options.jwk };
    return recordingFetcher((request) => {
      if (request.url !== (options.url ?? PRODUCTION) || request.method !== 'POST') return { status: 404, body: '' };
      const sent = JSON.parse(request.body!) as { client_id: string; secret: string; key_id: string };
      if (sent.client_id !== CLIENT_ID || sent.secret !== PLAID_SECRET) return { status: 400, body: '{"error_type":"INVALID_INPUT","error_code":"INVALID_API_KEYS"}' };
      return sent.key_id === KID ? { status: 200, body: JSON.stringify({ key: jwk, request_id: 'r1' }) } : { status: 400, body: '{"error_type":"INVALID_INPUT","error_code":"INVALID_WEBHOOK_VERIFICATION_KEY_ID"}' };
    });
  }

  const token = (body: string, options: { iat?: number; kid?: string; key?: KeyObject; alg?: string; claims?: JWTPayload } = {}) =>
    new SignJWT({ request_body_sha256: sha256(body), ...options.claims })
      .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? KID, typ: 'JWT' })
      .setIssuedAt(options.iat ?? now())
      .sign(options.key ?? pair.privateKey);

  test('verifies jose\'s ES256 token: one POST to Plaid\'s pinned host with the client id, API secret and kid; body bound by its hash', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const result = await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, fetch, PLAID_SECRET);
    expect(result).toMatchObject({ ok: true, dedupeKey: `sha256:${sha256(BODY)}`, bodyBinding: 'signed' });
    // Read from the verified body, whose bytes the signed hash binds: signed metadata.
    expect(result.ok && result.metadata).toEqual({ 'signed.eventType': 'TRANSACTIONS.SYNC_UPDATES_AVAILABLE', 'signed.itemId': 'wz666MBjYWTp2PDzzggYhM6oWWmBb' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: PRODUCTION, method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(calls[0].body!)).toEqual({ client_id: CLIENT_ID, secret: PLAID_SECRET, key_id: KID });
  });

  test('verifies a delivery as Plaid sent it: a published token, its key as /webhook_verification_key/get returned it, the body pretty-printed', async () => {
    // From a developer's question about Plaid webhook verification
    // (https://exchangetuts.com/hashing-plaid-request-body-webhook-1641639545050570): Plaid's token and
    // key as posted; Plaid's body is its JSON with two-space indentation (its SHA-256 is the claim).
    const plaidToken =
      'eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2YmJjOGQ5YWNjNjFhOGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0JyjiEqL2s1kWeJBM4MMmjaHKK8GmU_z91QolBWMzvPgs718EElY-rE3cwQ';
    const plaidKey = { alg: 'ES256', created_at: 1560466143, crv: 'P-256', expired_at: null, kid: '6c5516e1-92dc-479e-a8ff-5a51992e0001', kty: 'EC', use: 'sig', x: '35lvC8uz2QrWpQJ3TUH8t9o9DURMp7ydU518RKDl20k', y: 'I8BuXB2bvxelzJAd7OKhd-ZwjCst05Fx47Mb_0ugros' };
    const body = '{\n  "error": null,\n  "item_id": "yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3",\n  "new_transactions": 390,\n  "webhook_code": "HISTORICAL_UPDATE",\n  "webhook_type": "TRANSACTIONS"\n}';
    const { fetch } = recordingFetcher(() => ({ status: 200, body: JSON.stringify({ key: plaidKey, request_id: 'HvfCtrDLG1ihcp7' }) }));
    const sentAt = 1590887001_000;
    const result = await verifyWith(scheme, { 'plaid-verification': plaidToken }, body, fetch, PLAID_SECRET, sentAt + 60_000);
    expect(result).toMatchObject({ ok: true, timestamp: 1590887001, metadata: { 'signed.eventType': 'TRANSACTIONS.HISTORICAL_UPDATE', 'signed.itemId': 'yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3' } });
    expect(await verifyWith(scheme, { 'plaid-verification': plaidToken }, body, fetch, PLAID_SECRET, sentAt + 301_000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verifyWith(scheme, { 'plaid-verification': plaidToken }, JSON.stringify(JSON.parse(body)), fetch, PLAID_SECRET, sentAt)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a sandbox source fetches from sandbox.plaid.com only', async () => {
    const sandbox = schemeFor({ type: 'plaid', clientId: CLIENT_ID, environment: 'sandbox' });
    const { fetch, calls } = await plaidKeyEndpoint({ url: 'https://sandbox.plaid.com/webhook_verification_key/get' });
    expect(await verifyWith(sandbox, { 'plaid-verification': await token(BODY) }, BODY, fetch, PLAID_SECRET)).toMatchObject({ ok: true });
    expect(calls.map((c) => c.url)).toEqual(['https://sandbox.plaid.com/webhook_verification_key/get']);
  });

  test('rejects a tampered body (hash mismatch), a stale, future or expired token, another signer', async () => {
    const { fetch } = await plaidKeyEndpoint();
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY.replace('TRANSACTIONS', 'TRANSACTIONZ'), fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
    // On a whole second, so that 301 s is 301 s whatever the milliseconds.
    const at = now();
    for (const iat of [at - 301, at + 301]) {
      expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { iat }) }, BODY, fetch, PLAID_SECRET, at * 1000)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    }
    for (const iat of [at - 300, at + 300]) {
      expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { iat }) }, BODY, fetch, PLAID_SECRET, at * 1000)).toMatchObject({ ok: true });
    }
    // Plaid sends no exp; one that has passed is honoured all the same.
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { claims: { exp: now() - 400 } }) }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { key: other }) }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects a signed token without a usable iat or body hash as malformed; the hash is read in either case', async () => {
    const { fetch } = await plaidKeyEndpoint();
    const signed = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: KID }).sign(pair.privateKey);
    for (const claims of [{ request_body_sha256: sha256(BODY) }, { iat: String(now()), request_body_sha256: sha256(BODY) }, { iat: now() }, { iat: now(), request_body_sha256: sha256(BODY).slice(1) }]) {
      expect(await verifyWith(scheme, { 'plaid-verification': await signed(claims) }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(await verifyWith(scheme, { 'plaid-verification': await signed({ iat: now(), request_body_sha256: sha256(BODY).toUpperCase() }) }, BODY, fetch, PLAID_SECRET)).toMatchObject({ ok: true });
  });

  test('rejects alg confusion before any fetch: HS256 keyed with the public key, none, RS256 where ES256 is pinned', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' });
    const hs = await new SignJWT({ request_body_sha256: sha256(BODY) }).setProtectedHeader({ alg: 'HS256', kid: KID }).setIssuedAt(now()).sign(Buffer.from(publicPem));
    const none = `${b64(JSON.stringify({ alg: 'none', kid: KID }))}.${b64(JSON.stringify({ iat: now(), request_body_sha256: sha256(BODY) }))}.`;
    const rs = await token(BODY, { alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey });
    for (const t of [hs, none, rs]) expect(await verifyWith(scheme, { 'plaid-verification': t }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(calls).toEqual([]);
  });

  test('rejects malformed tokens before any fetch: parts, base64url, a header key or a claim twice; a missing or repeated header', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const good = await token(BODY);
    const [h, p, s] = good.split('.');
    const dupHeader = b64(`{"alg":"ES256","kid":"other","kid":"${KID}"}`);
    const dupClaim = b64(`{"iat":${now()},"request_body_sha256":"${sha256('{}')}","request_body_sha256":"${sha256(BODY)}"}`);
    for (const value of [`${good}.${s}`, `${h}.${p}`, `${h}..${s}`, `${h}.${p}.${s}=`, `${h}.${p}.+${s.slice(1)}`, `${dupHeader}.${p}.${s}`, `${h}.${dupClaim}.${s}`, ` ${good}`]) {
      expect(await verifyWith(scheme, { 'plaid-verification': value }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(await verifyWith(scheme, {}, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'missing_header' });
    expect(await verifyWith(scheme, { 'Plaid-Verification': good, 'plaid-verification': good }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'duplicate_header' });
    expect(calls).toEqual([]);
  });

  test('rejects a kid Plaid does not know: one fetch, then refused without another within the interval', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    let clock = TEST_NOW;
    const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => clock });
    const request = { headers: { 'plaid-verification': await token(BODY, { kid: 'unknown-kid' }) }, body: BODY };
    expect(await cache.keysFor(request, PLAID_SECRET)).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
    expect(await cache.keysFor(request, PLAID_SECRET)).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
    expect(calls.map((c) => JSON.parse(c.body!).key_id)).toEqual(['unknown-kid']);
    clock += 60_000;
    expect(await cache.keysFor(request, PLAID_SECRET)).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
    expect(calls).toHaveLength(2);
  });

  test('rejects a token signed with a key Plaid reports expired (expired_at set)', async () => {
    const expired = await plaidKeyEndpoint({ expiredAt: now() - 86_400 });
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, expired.fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a key endpoint that fails or answers the unexpected is a KeyFetchError, whose message never holds the API secret', async () => {
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', kid: KID, use: 'sig', expired_at: null };
    const answers: FetchResponse[] = [
      { status: 500, body: '' },
      { status: 400, body: '{"error_type":"INVALID_INPUT","error_code":"INVALID_API_KEYS"}' },
      { status: 200, body: 'not json' },
      { status: 200, body: '{"request_id":"r1"}' },
      { status: 200, body: JSON.stringify({ key: { ...jwk, kid: 'another' } }) },
      { status: 200, body: JSON.stringify({ key: { ...jwk, alg: 'RS256' } }) },
      { status: 200, body: JSON.stringify({ key: { ...(await exportJWK(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)), kid: KID } }) },
      { status: 200, body: JSON.stringify({ key: { ...(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)), kid: KID } }) },
    ];
    for (const answer of answers) {
      const { fetch } = recordingFetcher(() => answer);
      const { error, text } = await failure(verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, fetch, PLAID_SECRET));
      expect(error).toBeInstanceOf(KeyFetchError);
      expect(text).not.toContain(PLAID_SECRET);
    }
    const thrown = recordingFetcher(() => {
      throw new Error('ECONNRESET');
    });
    expect((await failure(verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, thrown.fetch, PLAID_SECRET))).error).toBeInstanceOf(KeyFetchError);
  });

  test('without the API secret nothing is fetched: a KeyFetchError', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    expect((await failure(verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, fetch))).error).toBeInstanceOf(KeyFetchError);
    expect(calls).toEqual([]);
  });

  test('the API secret is a credential: decoded as bytes, never used as a verification key, never generated', async () => {
    expect(scheme.decodeKey(PLAID_SECRET)).toEqual(Buffer.from(PLAID_SECRET));
    for (const bad of ['', 'short', `${PLAID_SECRET} `, 'x'.repeat(129)]) expect(() => scheme.decodeKey(bad)).toThrow(WebhookConfigurationError);
    expect(() => scheme.generateKey()).toThrow(/put-key/);
    const request = { headers: { 'plaid-verification': await token(BODY) }, body: BODY };
    expect(scheme.verify(request, [{ key: Buffer.from(PLAID_SECRET), notAfterMs: Infinity }], TEST_NOW, 300)).toEqual({ ok: false, reason: 'no_active_key' });
    expect(scheme.verify(request, [{ key: pair.publicKey, notAfterMs: TEST_NOW - 1 }], TEST_NOW, 300)).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('sign() makes what Plaid sends, from {"privateKey", "kid"}; it verifies through the key endpoint', async () => {
    const { fetch } = await plaidKeyEndpoint();
    const secret = JSON.stringify({ privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), kid: KID });
    const headers = scheme.sign({ body: BODY, timestamp: now() }, secret);
    expect(headers['content-type']).toBe('application/json');
    expect(await verifyWith(scheme, headers, BODY, fetch, PLAID_SECRET)).toMatchObject({ ok: true });
    const rsaSecret = JSON.stringify({ privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }), kid: KID });
    expect(() => scheme.sign({ body: BODY }, rsaSecret)).toThrow(/EC P-256/);
    expect(() => scheme.sign({ body: BODY }, PLAID_SECRET)).toThrow(WebhookConfigurationError);
  });

  test('configuration names every bad value and the fix at once', () => {
    expect(() => schemeFor({ type: 'plaid', clientId: 'no spaces', environment: 'dev' as never })).toThrow(/"no spaces"[\s\S]*Keys page[\s\S]*"dev"[\s\S]*'production' or 'sandbox'/);
    expect(() => schemeFor({ type: 'plaid' } as never)).toThrow(/clientId undefined/);
  });

  test('describe() says what is signed and where the key comes from', () => {
    expect(scheme.describe!()).toMatchObject({ dedupe: 'SHA-256 of the body', metadata: ['signed.eventType', 'signed.itemId'] });
    expect(scheme.describe!().signature).toMatch(/ES256[\s\S]*SHA-256[\s\S]*kid/);
  });
});

describe('pubsub', () => {
  const scheme = schemeFor({ type: 'pubsub', audience: AUDIENCE, serviceAccountEmail: EMAIL });
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const KID = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
  const CERTS = 'https://www.googleapis.com/oauth2/v3/certs';
  const PUSH = '{"message":{"data":"aGVsbG8=","messageId":"2070443601311540","publishTime":"2026-11-28T12:00:00Z"},"subscription":"projects/p/subscriptions/s"}';

  async function google(extraKeys: Record<string, unknown>[] = []) {
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    return recordingFetcher((request) => (request.url === CERTS && (request.method ?? 'GET') === 'GET' ? { status: 200, body: JSON.stringify({ keys: [...extraKeys, jwk] }) } : { status: 404, body: '' }));
  }

  const claims = { iss: 'https://accounts.google.com', aud: AUDIENCE, email: EMAIL, email_verified: true, sub: '113774264463038321964' };
  const token = (payload: Record<string, unknown> = {}, options: { iat?: number; exp?: number; key?: KeyObject; kid?: string } = {}) =>
    new SignJWT({ ...claims, ...payload })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KID, typ: 'JWT' })
      .setIssuedAt(options.iat ?? now())
      .setExpirationTime(options.exp ?? now() + 3600)
      .sign(options.key ?? pair.privateKey);

  test('verifies jose\'s RS256 token against Google\'s key set (one GET); the message id travels unsigned, duplicates key on the body', async () => {
    const { fetch, calls } = await google();
    const result = await verifyWith(scheme, { authorization: `Bearer ${await token()}` }, PUSH, fetch);
    expect(result).toMatchObject({ ok: true, unsignedEventId: '2070443601311540', dedupeKey: `sha256:${sha256(PUSH)}`, bodyBinding: 'unsigned' });
    expect(result.ok && result.metadata).toEqual({ 'unsigned.eventId': '2070443601311540', 'unsigned.subscription': 'projects/p/subscriptions/s' });
    expect(calls).toEqual([{ url: CERTS }]);
  });

  test('accepts both issuer spellings, a lower-case bearer, and message_id', async () => {
    const { fetch } = await google();
    for (const iss of ['accounts.google.com', 'https://accounts.google.com']) {
      expect(await verifyWith(scheme, { authorization: `Bearer ${await token({ iss })}` }, PUSH, fetch)).toMatchObject({ ok: true });
    }
    const body = '{"message":{"data":"","message_id":"42"},"subscription":"projects/p/subscriptions/s"}';
    expect(await verifyWith(scheme, { authorization: `bearer ${await token()}` }, body, fetch)).toMatchObject({ ok: true, unsignedEventId: '42' });
    // The token binds no body, so anyone holding it chooses the body: one that is not UTF-8 (which
    // Google never pushes) is refused rather than read with replacement characters.
    const bytes = Buffer.concat([Buffer.from('{"message":{"data":"","messageId":"4'), Buffer.from([0xe9]), Buffer.from('"}}')]);
    expect(await verifyWith(scheme, { authorization: `Bearer ${await token()}` }, bytes, fetch)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('rejects another audience, another account, an unverified email, another or no issuer as not_allowed', async () => {
    const { fetch } = await google();
    for (const payload of [
      { aud: 'https://other.example.com' },
      { aud: [AUDIENCE] },
      { email: 'other@p.iam.gserviceaccount.com' },
      { email: undefined },
      { email_verified: false },
      { email_verified: 'true' },
      { email_verified: undefined },
      { iss: 'https://evil.example.com' },
      { iss: undefined },
    ]) {
      expect(await verifyWith(scheme, { authorization: `Bearer ${await token(payload)}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'not_allowed' });
    }
  });

  test('rejects an expired token, one issued or valid only in the future, as out of tolerance; within the skew it passes', async () => {
    const { fetch } = await google();
    const verdict = async (payload: Record<string, unknown>, options: { iat?: number; exp?: number }) => verifyWith(scheme, { authorization: `Bearer ${await token(payload, options)}` }, PUSH, fetch);
    expect(await verdict({}, { iat: now() - 4000, exp: now() - 400 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verdict({}, { iat: now() + 600 })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verdict({ nbf: now() + 600 }, {})).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verdict({}, { iat: now() - 3700, exp: now() - 100 })).toMatchObject({ ok: true });
    expect(await verdict({}, { iat: now() + 100 })).toMatchObject({ ok: true });
  });

  test('rejects a signed token without iat or exp as malformed; another signer as invalid', async () => {
    const { fetch } = await google();
    const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID }).setIssuedAt(now()).sign(pair.privateKey);
    const noIat = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID }).setExpirationTime(now() + 3600).sign(pair.privateKey);
    for (const t of [noExp, noIat]) expect(await verifyWith(scheme, { authorization: `Bearer ${t}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await verifyWith(scheme, { authorization: `Bearer ${await token({}, { key: other })}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('rejects alg confusion before any fetch: HS256 keyed with the public key, none, ES256 where RS256 is pinned', async () => {
    const { fetch, calls } = await google();
    const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' });
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: KID }).setIssuedAt(now()).setExpirationTime(now() + 3600).sign(Buffer.from(publicPem));
    const none = `${b64(JSON.stringify({ alg: 'none', kid: KID }))}.${b64(JSON.stringify({ ...claims, iat: now(), exp: now() + 3600 }))}.`;
    const es = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: KID }).setIssuedAt(now()).setExpirationTime(now() + 3600).sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    for (const t of [hs, none, es]) expect(await verifyWith(scheme, { authorization: `Bearer ${t}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(calls).toEqual([]);
  });

  test('rejects malformed tokens before any fetch: no Bearer, parts, base64url, a header key or claim twice, a crit or jku header', async () => {
    const { fetch, calls } = await google();
    const good = await token();
    const [h, p, s] = good.split('.');
    const dupHeader = b64(`{"alg":"RS256","kid":"${KID}","kid":"other"}`);
    const dupClaim = b64(JSON.stringify({ ...claims, iat: now(), exp: now() + 3600 }).replace('{', `{"aud":"https://attacker.example",`));
    const crit = b64(JSON.stringify({ alg: 'RS256', kid: KID, crit: ['exp'] }));
    const jku = b64(JSON.stringify({ alg: 'RS256', kid: KID, jku: 'https://attacker.example/jwks' }));
    for (const authorization of [good, `Bearer ${good}.x`, `Bearer ${h}.${p}.${s}=`, `Bearer ${h}.${p}`, `Bearer  ${good}`, `Bearer ${dupHeader}.${p}.${s}`, `Bearer ${h}.${dupClaim}.${s}`, `Bearer ${crit}.${p}.${s}`, `Bearer ${jku}.${p}.${s}`, `Basic ${good}`]) {
      expect(await verifyWith(scheme, { authorization }, PUSH, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(calls).toEqual([]);
  });

  test('rejects an unknown kid: one fetch of the key set, then refused without another within the interval', async () => {
    const { fetch, calls } = await google();
    const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => TEST_NOW });
    const stranger = await token({}, { kid: 'rotated-away' });
    expect(await cache.keysFor({ headers: { authorization: `Bearer ${stranger}` }, body: PUSH })).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
    expect(await cache.keysFor({ headers: { authorization: `Bearer ${stranger}` }, body: PUSH })).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
    expect(calls).toHaveLength(1);
  });

  test('uses every RS256 signing key of the set and skips the others (EC, encryption, RS384)', async () => {
    const ecJwk = { ...(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)), kid: 'ec', alg: 'ES256' };
    const second = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const extra = [ecJwk, { ...(await exportJWK(second.publicKey)), kid: 'enc', use: 'enc' }, { ...(await exportJWK(second.publicKey)), kid: 'rs384', alg: 'RS384' }, { ...(await exportJWK(second.publicKey)), kid: 'second', alg: 'RS256' }];
    const { fetch } = await google(extra);
    const cache = new PublishedKeyCache(scheme.published!, { fetch, now: () => TEST_NOW });
    const keysFor = (kid: string, key: KeyObject) => token({}, { kid, key }).then((t) => cache.keysFor({ headers: { authorization: `Bearer ${t}` }, body: PUSH }));
    expect(await keysFor(KID, pair.privateKey)).toMatchObject({ kind: 'keys', keys: [expect.anything()] });
    expect(await keysFor('second', second.privateKey)).toMatchObject({ kind: 'keys', keys: [expect.anything()] });
    for (const kid of ['ec', 'enc', 'rs384']) expect(await keysFor(kid, second.privateKey)).toEqual({ kind: 'rejected', reason: 'signature_invalid' });
  });

  test('a key set that fails, does not parse, holds no usable key or names a kid twice is a KeyFetchError', async () => {
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256' };
    for (const answer of [
      { status: 503, body: '' },
      { status: 200, body: '<html>' },
      { status: 200, body: '{"keys":{}}' },
      { status: 200, body: JSON.stringify({ keys: [{ ...jwk, use: 'enc' }] }) },
      { status: 200, body: JSON.stringify({ keys: [jwk, { ...jwk, n: 'AQAB' }] }) },
    ]) {
      const { fetch } = recordingFetcher(() => answer);
      expect((await failure(verifyWith(scheme, { authorization: `Bearer ${await token()}` }, PUSH, fetch))).error).toBeInstanceOf(KeyFetchError);
    }
  });

  test('has no key of yours: decodeKey and generateKey throw a configuration error', () => {
    expect(() => scheme.decodeKey('anything-at-all-here')).toThrow(WebhookConfigurationError);
    expect(() => scheme.generateKey()).toThrow(WebhookConfigurationError);
    expect(scheme.published!.needsCredential).toBe(false);
  });

  test('sign() makes the token Google sends for the configured audience and account', async () => {
    const { fetch } = await google();
    const headers = scheme.sign({ body: PUSH, timestamp: now() }, JSON.stringify({ privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), kid: KID }));
    const { payload } = await jwtVerify(headers.authorization.slice(7), pair.publicKey, { algorithms: ['RS256'], audience: AUDIENCE, issuer: 'https://accounts.google.com', currentDate: dateAt() });
    expect(payload).toMatchObject({ email: EMAIL, email_verified: true });
    expect(await verifyWith(scheme, headers, PUSH, fetch)).toMatchObject({ ok: true });
  });

  test('configuration names every bad value and the fix at once', () => {
    expect(() => schemeFor({ type: 'pubsub', audience: '', serviceAccountEmail: 'nobody' })).toThrow(/audience ""[\s\S]*push endpoint URL[\s\S]*"nobody"[\s\S]*service account/);
    expect(() => schemeFor({ type: 'pubsub', audience: AUDIENCE, serviceAccountEmail: 'a b@p.iam.gserviceaccount.com' })).toThrow(WebhookConfigurationError);
  });

  test('describe() says the token binds no body', () => {
    expect(scheme.describe!().signature).toMatch(/binds no body/);
    expect(scheme.describe!()).toMatchObject({ dedupe: 'SHA-256 of the body', metadata: ['unsigned.eventId', 'unsigned.subscription'] });
  });
});

describe('agreement with jose (property)', () => {
  const NOW_MS = TEST_NOW;
  const NOW = NOW_MS / 1000;

  test('plaid: for any body, iat and one-character change, whatever we accept jose accepts; intact tokens get jose\'s verdict', async () => {
    const scheme = schemeFor({ type: 'plaid', clientId: CLIENT_ID });
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256', expired_at: null };
    const { fetch } = recordingFetcher(() => ({ status: 200, body: JSON.stringify({ key: jwk }) }));
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: -700, max: 700 }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.tuple(fc.nat(400), fc.constantFrom('A', 'b', 'x', '_', '-', '.', '=')) }),
        async (body, sameBody, age, mutation) => {
          const good = await new SignJWT({ request_body_sha256: sha256(sameBody ? body : `${body}!`) }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuedAt(NOW - age).sign(pair.privateKey);
          const candidate = mutation ? good.slice(0, mutation[0] % good.length) + mutation[1] + good.slice((mutation[0] % good.length) + 1) : good;
          const ours = await verifyWith(scheme, { 'plaid-verification': candidate }, body, fetch, PLAID_SECRET, NOW_MS);
          // jose has no symmetric window: maxTokenAge 2 s and 299 s of skew, read one second later,
          // accept exactly |now - iat| <= 300 (Plaid's 5 minutes, either way).
          const theirs = await jwtVerify(candidate, pair.publicKey, { algorithms: ['ES256'], maxTokenAge: 2, clockTolerance: 299, currentDate: new Date(NOW_MS + 1000) }).then(
            ({ payload }) => payload.request_body_sha256 === sha256(body),
            () => false,
          );
          if (ours.ok) expect(theirs).toBe(true);
          if (!mutation) expect(ours.ok).toBe(theirs);
          seen[ours.ok ? 'accepted' : 'rejected']++;
        },
      ),
      { numRuns: 150 },
    );
    // Both verdicts occurred (about 19 accepts are expected in 150 runs; the bound leaves no room for a flake).
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
  });

  test('pubsub: for any claims, we accept exactly what jose accepts with the issuer, audience, skew and a matching verified email', async () => {
    const scheme = schemeFor({ type: 'pubsub', audience: AUDIENCE, serviceAccountEmail: EMAIL });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'g', alg: 'RS256', use: 'sig' };
    const { fetch } = recordingFetcher(() => ({ status: 200, body: JSON.stringify({ keys: [jwk] }) }));
    const pick = <T>(...values: T[]) => fc.constantFrom(...values);
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            iss: fc.oneof({ weight: 4, arbitrary: pick('accounts.google.com', 'https://accounts.google.com') }, { weight: 1, arbitrary: pick<unknown>('https://evil.example.com', 'accounts.google.com.evil', 7, undefined) }),
            aud: fc.oneof({ weight: 4, arbitrary: fc.constant(AUDIENCE) }, { weight: 1, arbitrary: pick<unknown>(`${AUDIENCE}/`, [AUDIENCE], 'https://other.example.com', undefined) }),
            email: fc.oneof({ weight: 4, arbitrary: fc.constant(EMAIL) }, { weight: 1, arbitrary: pick<unknown>('other@p.iam.gserviceaccount.com', EMAIL.toUpperCase(), undefined) }),
            email_verified: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: pick<unknown>(false, 'true', 1, undefined) }),
            iat: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -4000, max: 700 }).map((d) => NOW + d) }, { weight: 1, arbitrary: pick<unknown>(String(NOW), null, undefined) }),
            exp: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -700, max: 4000 }).map((d) => NOW + d) }, { weight: 1, arbitrary: pick<unknown>(String(NOW + 60), null, undefined) }),
            nbf: fc.integer({ min: -700, max: 700 }).map((d) => NOW + d),
          },
          // An undefined value is a claim left out (JSON has no undefined).
          { requiredKeys: ['iss', 'aud', 'email', 'email_verified', 'iat', 'exp'] },
        ),
        async (payload) => {
          const t = await new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: 'g', typ: 'JWT' }).sign(pair.privateKey);
          const ours = await verifyWith(scheme, { authorization: `Bearer ${t}` }, '{}', fetch, undefined, NOW_MS);
          const theirs = await jwtVerify(t, pair.publicKey, {
            algorithms: ['RS256'],
            issuer: ['accounts.google.com', 'https://accounts.google.com'],
            audience: AUDIENCE,
            clockTolerance: 300,
            currentDate: new Date(NOW_MS),
            // Required, and not in the future (the age itself is bounded by exp).
            maxTokenAge: 10 * 365 * 86400,
            requiredClaims: ['exp'],
          }).then(
            (result) => result.payload.email === EMAIL && result.payload.email_verified === true,
            () => false,
          );
          // The one place we are stricter: an audience array (Pub/Sub sends a single string).
          if (Array.isArray(payload.aud)) expect(ours.ok).toBe(false);
          else expect(ours.ok).toBe(theirs);
          seen[ours.ok ? 'accepted' : 'rejected']++;
        },
      ),
      { numRuns: 120 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
  });
});
