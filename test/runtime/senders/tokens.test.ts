import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, jwtVerify, SignJWT } from 'jose';
import { FetchRequest, KeyFetcher, KeyFetchError, PublishedKeyCache, Scheme, schemeFor } from '../../../lib/runtime';
import { parseCompactJws } from '../../../lib/runtime/schemes/jws';

// Senders that sign a JWT with keys they publish. Tokens are made with jose (an independent JOSE
// implementation) and served keys through an injected fetcher; our strict reader must agree with
// jose's jwtVerify on what verifies.

const CLIENT_ID = '5f1a2b3c4d5e6f7a8b9c0d1e';
const PLAID_SECRET = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5';
const AUDIENCE = 'https://hooks.example.com/webhooks/pubsub';
const EMAIL = 'push@my-project.iam.gserviceaccount.com';
const BODY = '{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"wz666MBjYWTp2PDzzggYhM6oWWmBb"}';
const now = () => Math.floor(Date.now() / 1000);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function jwksFetcher(handler: (request: FetchRequest) => { status: number; body: string }) {
  const calls: FetchRequest[] = [];
  const fetch: KeyFetcher = async (request) => {
    calls.push(request);
    return handler(request);
  };
  return { fetch, calls };
}

async function verifyWith(scheme: Scheme, headers: Record<string, string>, body: string, fetch: KeyFetcher, credential?: string) {
  const cache = new PublishedKeyCache(scheme.published!, { fetch });
  const keys = await cache.keysFor({ headers, body }, credential);
  if (typeof keys === 'string') return { ok: false as const, reason: keys };
  return scheme.verify({ headers, body }, keys, Date.now(), scheme.defaultToleranceSeconds!);
}

describe('plaid', () => {
  const scheme = schemeFor({ type: 'plaid', clientId: CLIENT_ID });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const KID = '6c5516e1-92dc-479e-a8ff-5a51992e0001';

  async function plaidKeyEndpoint(options: { expiredAt?: string | null; kid?: string } = {}) {
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', kid: options.kid ?? KID, use: 'sig', created_at: 1560466150, expired_at: options.expiredAt ?? null };
    return jwksFetcher((request) => {
      if (request.url !== 'https://production.plaid.com/webhook_verification_key/get' || request.method !== 'POST') return { status: 404, body: '' };
      const sent = JSON.parse(request.body!) as { client_id: string; secret: string; key_id: string };
      if (sent.client_id !== CLIENT_ID || sent.secret !== PLAID_SECRET) return { status: 400, body: '{"error_code":"INVALID_API_KEYS"}' };
      return sent.key_id === jwk.kid ? { status: 200, body: JSON.stringify({ key: jwk, request_id: 'r1' }) } : { status: 400, body: '{"error_code":"INVALID_WEBHOOK_VERIFICATION_KEY_ID"}' };
    });
  }

  const token = (body: string, options: { iat?: number; kid?: string; key?: KeyObject; alg?: string } = {}) =>
    new SignJWT({ request_body_sha256: sha256(body) })
      .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? KID, typ: 'JWT' })
      .setIssuedAt(options.iat ?? now())
      .sign(options.key ?? pair.privateKey);

  test('verifies jose\'s ES256 token: key fetched by kid with the client id and API secret, body bound by its hash', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const result = await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, fetch, PLAID_SECRET);
    expect(result).toMatchObject({ ok: true, dedupeKey: `sha256:${sha256(BODY)}` });
    expect(result.ok && result.metadata).toEqual({ 'signed.eventType': 'TRANSACTIONS.SYNC_UPDATES_AVAILABLE', 'signed.itemId': 'wz666MBjYWTp2PDzzggYhM6oWWmBb' });
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0].body!)).toEqual({ client_id: CLIENT_ID, secret: PLAID_SECRET, key_id: KID });
  });

  test('a tampered body (hash mismatch), a stale or future iat, another signer are refused', async () => {
    const { fetch } = await plaidKeyEndpoint();
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY.replace('TRANSACTIONS', 'TRANSACTIONZ'), fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const iat of [now() - 301, now() + 301]) {
      expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { iat }) }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    }
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY, { key: other }) }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('alg confusion is refused: HS256 with the public key as secret, none, RS256 where ES256 is pinned', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' });
    const hs = await new SignJWT({ request_body_sha256: sha256(BODY) }).setProtectedHeader({ alg: 'HS256', kid: KID }).setIssuedAt().sign(Buffer.from(publicPem));
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: KID })).toString('base64url');
    const none = `${header}.${Buffer.from(JSON.stringify({ iat: now(), request_body_sha256: sha256(BODY) })).toString('base64url')}.`;
    const rs = await token(BODY, { alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey });
    for (const t of [hs, none, rs]) expect(await verifyWith(scheme, { 'plaid-verification': t }, BODY, fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(calls).toEqual([]);
  });

  test('an unknown kid: one fetch, then refused without another fetch; an expired key is never used', async () => {
    const { fetch, calls } = await plaidKeyEndpoint();
    const cache = new PublishedKeyCache(scheme.published!, { fetch });
    const unknown = await token(BODY, { kid: 'unknown-kid' });
    const request = { headers: { 'plaid-verification': unknown }, body: BODY };
    await expect(cache.keysFor(request, PLAID_SECRET)).rejects.toBeInstanceOf(KeyFetchError);
    expect(await cache.keysFor(request, PLAID_SECRET)).toBe('signature_invalid');
    expect(calls).toHaveLength(1);
    const expired = await plaidKeyEndpoint({ expiredAt: '2026-01-01T00:00:00Z' });
    expect(await verifyWith(scheme, { 'plaid-verification': await token(BODY) }, BODY, expired.fetch, PLAID_SECRET)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('the API secret is checked for form and never generated; configuration names every bad value', () => {
    expect(() => scheme.decodeKey('short')).toThrow(/Plaid API secret/);
    expect(() => scheme.generateKey()).toThrow(/put-key/);
    expect(() => schemeFor({ type: 'plaid', clientId: 'no spaces', environment: 'dev' as never })).toThrow(/"no spaces"[\s\S]*"dev"/);
  });
});

describe('pubsub', () => {
  const scheme = schemeFor({ type: 'pubsub', audience: AUDIENCE, serviceAccountEmail: EMAIL });
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const KID = 'a1b2c3d4e5f6';
  const PUSH = '{"message":{"data":"aGVsbG8=","messageId":"2070443601311540","publishTime":"2026-11-28T12:00:00Z"},"subscription":"projects/p/subscriptions/s"}';

  async function google() {
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    return jwksFetcher((request) => (request.url === 'https://www.googleapis.com/oauth2/v3/certs' ? { status: 200, body: JSON.stringify({ keys: [jwk] }) } : { status: 404, body: '' }));
  }

  const claims = { iss: 'https://accounts.google.com', aud: AUDIENCE, email: EMAIL, email_verified: true, sub: '1' };
  const token = (payload: Record<string, unknown> = {}, options: { iat?: number; exp?: number; key?: KeyObject } = {}) =>
    new SignJWT({ ...claims, ...payload })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuedAt(options.iat ?? now())
      .setExpirationTime(options.exp ?? now() + 3600)
      .sign(options.key ?? pair.privateKey);

  test('verifies jose\'s RS256 token against Google\'s key set; the message id travels unsigned, duplicates key on the body', async () => {
    const { fetch } = await google();
    const result = await verifyWith(scheme, { authorization: `Bearer ${await token()}` }, PUSH, fetch);
    expect(result).toMatchObject({ ok: true, dedupeKey: `sha256:${sha256(PUSH)}` });
    expect(result.ok && result.metadata).toEqual({ 'unsigned.eventId': '2070443601311540', 'unsigned.subscription': 'projects/p/subscriptions/s' });
  });

  test('another audience, another account, an unverified email, another issuer are not_allowed', async () => {
    const { fetch } = await google();
    for (const payload of [{ aud: 'https://other.example.com' }, { email: 'other@p.iam.gserviceaccount.com' }, { email_verified: false }, { iss: 'https://evil.example.com' }]) {
      expect(await verifyWith(scheme, { authorization: `Bearer ${await token(payload)}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'not_allowed' });
    }
  });

  test('an expired token, or one issued in the future, is out of tolerance; another signer is invalid', async () => {
    const { fetch } = await google();
    expect(await verifyWith(scheme, { authorization: `Bearer ${await token({}, { iat: now() - 4000, exp: now() - 400 })}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(await verifyWith(scheme, { authorization: `Bearer ${await token({}, { iat: now() + 600 })}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await verifyWith(scheme, { authorization: `Bearer ${await token({}, { key: other })}` }, PUSH, fetch)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('malformed tokens are refused before any fetch: no Bearer, extra parts, bad base64url, a key twice, a crit header', async () => {
    const { fetch, calls } = await google();
    const good = await token();
    const [h, p, s] = good.split('.');
    const dupHeader = Buffer.from(`{"alg":"RS256","kid":"${KID}","kid":"other"}`).toString('base64url');
    const crit = Buffer.from(JSON.stringify({ alg: 'RS256', kid: KID, crit: ['exp'] })).toString('base64url');
    for (const authorization of [good, `Bearer ${good}.x`, `Bearer ${h}.${p}.${s}=`, `Bearer ${h}.${p}`, `Bearer ${dupHeader}.${p}.${s}`, `Bearer ${crit}.${p}.${s}`, `Basic ${good}`]) {
      expect(await verifyWith(scheme, { authorization }, PUSH, fetch)).toEqual({ ok: false, reason: 'malformed_header' });
    }
    expect(calls).toEqual([]);
  });

  test('an unknown kid: one fetch of the key set, then refused without another within the interval', async () => {
    const { fetch, calls } = await google();
    const cache = new PublishedKeyCache(scheme.published!, { fetch });
    const stranger = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rotated-away' }).setIssuedAt().setExpirationTime('1h').sign(pair.privateKey);
    expect(await cache.keysFor({ headers: { authorization: `Bearer ${stranger}` }, body: PUSH })).toBe('signature_invalid');
    expect(await cache.keysFor({ headers: { authorization: `Bearer ${stranger}` }, body: PUSH })).toBe('signature_invalid');
    expect(calls).toHaveLength(1);
  });

  test('a failed key-set fetch is a KeyFetchError', async () => {
    const failing = jwksFetcher(() => ({ status: 503, body: '' }));
    await expect(verifyWith(scheme, { authorization: `Bearer ${await token()}` }, PUSH, failing.fetch)).rejects.toBeInstanceOf(KeyFetchError);
  });

  test('configuration names every bad value', () => {
    expect(() => schemeFor({ type: 'pubsub', audience: '', serviceAccountEmail: 'nobody' })).toThrow(/audience ""[\s\S]*"nobody"/);
  });
});

describe('compact JWS reading agrees with jose', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const scheme = schemeFor({ type: 'plaid', clientId: CLIENT_ID });

  test('property: for any claims and any one-character change, our verdict is jose\'s', async () => {
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256' };
    const { fetch } = jwksFetcher(() => ({ status: 200, body: JSON.stringify({ key: { ...jwk, expired_at: null } }) }));
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.nat(400), fc.integer({ min: 0, max: 1000 }), async (body, position, delta) => {
        const good = await new SignJWT({ request_body_sha256: sha256(body) }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuedAt().sign(pair.privateKey);
        const at = position % good.length;
        const replacement = 'AbCx_-.'[delta % 7];
        const changed = good.slice(0, at) + replacement + good.slice(at + 1);
        for (const candidate of [good, changed]) {
          const ours = await verifyWith(scheme, { 'plaid-verification': candidate }, body, fetch, PLAID_SECRET);
          const theirs = await jwtVerify(candidate, pair.publicKey, { algorithms: ['ES256'], maxTokenAge: 300 }).then(
            () => true,
            () => false,
          );
          // Where jose accepts, we accept; where we accept, jose accepts (a strict reader may refuse
          // non-canonical base64url spellings jose tolerates: never the other way round).
          if (ours.ok) expect(theirs).toBe(true);
          if (candidate === good) expect(ours.ok).toBe(theirs);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('a non-canonical base64url spelling is refused by our reader', () => {
    expect(parseCompactJws('eyJhbGciOiJFUzI1NiJ9=.e30.AA', 'ES256')).toBe('malformed_header');
  });
});
