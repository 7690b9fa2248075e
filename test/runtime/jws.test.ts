import { createHmac, generateKeyPairSync, KeyObject, sign as signBytes } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, jwtVerify, SignJWT } from 'jose';
import { WebhookConfigurationError } from '../../lib/runtime';
import { checkTimeClaims, JwsAlgorithm, keyFits, keyFromJwk, parseCompactJws, signJws, tokenSigningSecret, verifyJws } from '../../lib/runtime/schemes/jws';
import { TEST_NOW_S } from '../support/clock';

// The compact-JWS reader the token senders (Plaid, Google Pub/Sub) share. jose, an independent JOSE
// implementation, is the oracle: tokens it signs must read and verify here, and whatever this reader
// accepts, jose's jwtVerify accepts with the same key and claims (the reverse only where this reader
// is deliberately stricter, each such case named below).

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEYS: Record<JwsAlgorithm, { privateKey: KeyObject; publicKey: KeyObject }> = { ES256: ec, RS256: rsa };
const NOW = TEST_NOW_S;
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** A token with exactly these header and claim-set texts, signed as `alg` says. */
function rawToken(headerJson: string, payloadJson: string, alg: string): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  let signature: Buffer;
  if (alg === 'ES256') signature = signBytes('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'RS256') signature = signBytes('sha256', Buffer.from(input), rsa.privateKey);
  // The classic confusion: an HMAC keyed with the verifier's public key, as text.
  else if (alg === 'HS256') signature = createHmac('sha256', ec.publicKey.export({ format: 'pem', type: 'spki' })).update(input).digest();
  else signature = Buffer.alloc(0);
  return `${input}.${signature.toString('base64url')}`;
}

/** Our whole reading of a token: strict parse, signature with the pinned algorithm, time claims. */
function ours(token: string, key: KeyObject, alg: JwsAlgorithm, skew: number): boolean {
  const jws = parseCompactJws(token, alg);
  return typeof jws !== 'string' && verifyJws(jws, key, alg) && checkTimeClaims(jws.payload, NOW, skew, ['iat']) === undefined;
}

/** jose's: jwtVerify pinned to the algorithm, with the same clock, skew and a required iat not in the future. */
function theirs(token: string, key: KeyObject, alg: JwsAlgorithm, skew: number): Promise<boolean> {
  return jwtVerify(token, key, { algorithms: [alg], clockTolerance: skew, currentDate: new Date(NOW * 1000), maxTokenAge: 10 * 365 * 86400 }).then(
    () => true,
    () => false,
  );
}

/** The final base64url character of a 64-byte value with one of its four unused bits set. */
function nonCanonical(last: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(last) | 1];
}

describe('parseCompactJws', () => {
  const header = { alg: 'ES256', kid: 'k1', typ: 'JWT' };
  const good = rawToken(JSON.stringify(header), JSON.stringify({ iat: NOW }), 'ES256');
  const [h, p, s] = good.split('.');

  test('reads a token jose signed: header, claims, kid, signing input and the 64-byte signature', async () => {
    const token = await new SignJWT({ request_body_sha256: 'ab' }).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' }).setIssuedAt(NOW).sign(ec.privateKey);
    const jws = parseCompactJws(token, 'ES256');
    expect(jws).toMatchObject({ kid: 'k1', header: { alg: 'ES256', kid: 'k1', typ: 'JWT' }, payload: { iat: NOW, request_body_sha256: 'ab' } });
    expect(typeof jws !== 'string' && jws.signature.length).toBe(64);
    expect(typeof jws !== 'string' && verifyJws(jws, ec.publicKey, 'ES256')).toBe(true);
  });

  test.each([
    ['an empty token', ''],
    ['two parts', `${h}.${p}`],
    ['four parts', `${good}.${s}`],
    ['an empty header', `.${p}.${s}`],
    ['an empty claim set', `${h}..${s}`],
    ['an empty signature (alg none style)', `${h}.${p}.`],
    ['padding', `${h}.${p}.${s}=`],
    ['standard base64 characters', `${h}.${p}.${s.slice(0, -2)}+/`],
    ['a space', `${h}.${p} .${s}`],
    ['a non-canonical final character (unused bits set)', `${h}.${p}.${s.slice(0, -1)}${nonCanonical(s.slice(-1))}`],
    ['a header that is not JSON', `${b64('{alg:ES256}')}.${p}.${s}`],
    ['a header that is a JSON array', `${b64('["ES256"]')}.${p}.${s}`],
    ['a claim set that is a JSON string', `${h}.${b64('"claims"')}.${s}`],
    ['a claim set that is null', `${h}.${b64('null')}.${s}`],
    ['a header key twice', `${b64('{"alg":"none","alg":"ES256","kid":"k1"}')}.${p}.${s}`],
    ['a header key twice, once escaped', `${b64('{"alg":"ES256","\\u006bid":"k2","kid":"k1"}')}.${p}.${s}`],
    ['a claim twice', `${h}.${b64(`{"iat":${NOW},"iat":${NOW - 9999}}`)}.${s}`],
    ['a header that is not UTF-8', `${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.${p}.${s}`],
    ['a header with a byte-order mark', `${b64(`\ufeff${JSON.stringify(header)}`)}.${p}.${s}`],
    ['a token over 16 KiB', `${h}.${b64(JSON.stringify({ iat: NOW, pad: 'x'.repeat(13_000) }))}.${s}`],
  ])('rejects %s', (_name, token) => {
    expect(parseCompactJws(token, 'ES256')).toBe('malformed_header');
  });

  test.each([
    ['alg none', { alg: 'none', kid: 'k1' }],
    ['alg HS256', { alg: 'HS256', kid: 'k1' }],
    ['alg RS256 where ES256 is pinned', { alg: 'RS256', kid: 'k1' }],
    ['alg es256 (case matters)', { alg: 'es256', kid: 'k1' }],
    ['no alg', { kid: 'k1' }],
    ['typ other than JWT', { alg: 'ES256', kid: 'k1', typ: 'at+jwt' }],
    ['a crit header', { alg: 'ES256', kid: 'k1', crit: ['exp'] }],
    ['a jku header', { alg: 'ES256', kid: 'k1', jku: 'https://attacker.example/jwks' }],
    ['an x5u header', { alg: 'ES256', kid: 'k1', x5u: 'https://attacker.example/cert.pem' }],
    ['an embedded jwk', { alg: 'ES256', kid: 'k1', jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }],
    ['an embedded x5c chain', { alg: 'ES256', kid: 'k1', x5c: ['MIIB'] }],
    ['an unencoded payload (b64)', { alg: 'ES256', kid: 'k1', b64: false }],
    ['no kid', { alg: 'ES256' }],
    ['an empty kid', { alg: 'ES256', kid: '' }],
    ['a numeric kid', { alg: 'ES256', kid: 7 }],
    ['a kid over 256 characters', { alg: 'ES256', kid: 'k'.repeat(257) }],
    ['a kid with a control character', { alg: 'ES256', kid: 'k\n1' }],
  ])('rejects a header with %s', (_name, bad) => {
    expect(parseCompactJws(rawToken(JSON.stringify(bad), JSON.stringify({ iat: NOW }), 'ES256'), 'ES256')).toBe('malformed_header');
  });

  test('rejects a signature of the wrong size for the pinned algorithm (DER-encoded ES256, a short RS256)', () => {
    const input = `${h}.${p}`;
    const der = signBytes('sha256', Buffer.from(input), ec.privateKey).toString('base64url');
    expect(parseCompactJws(`${input}.${der}`, 'ES256')).toBe('malformed_header');
    const rsHeader = b64(JSON.stringify({ alg: 'RS256', kid: 'k1' }));
    expect(parseCompactJws(`${rsHeader}.${p}.${Buffer.alloc(128, 1).toString('base64url')}`, 'RS256')).toBe('malformed_header');
  });

  test('property: never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.base64String({ maxLength: 120 }), { maxLength: 5 }).map((parts) => parts.join('.'))), (token) => {
        const result = parseCompactJws(token, 'ES256');
        expect(['malformed_header', 'parsed']).toContain(typeof result === 'string' ? result : 'parsed');
      }),
      { numRuns: 500 },
    );
  });
});

describe('keys: a key verifies only the algorithm it fits', () => {
  test('keyFits: EC P-256 for ES256, RSA of 2048 bits or more for RS256, public keys only', () => {
    expect(keyFits(ec.publicKey, 'ES256')).toBe(true);
    expect(keyFits(rsa.publicKey, 'RS256')).toBe(true);
    expect(keyFits(ec.publicKey, 'RS256')).toBe(false);
    expect(keyFits(rsa.publicKey, 'ES256')).toBe(false);
    expect(keyFits(ec.privateKey, 'ES256')).toBe(false);
    expect(keyFits(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'ES256')).toBe(false);
    expect(keyFits(generateKeyPairSync('ed25519').publicKey, 'ES256')).toBe(false);
    expect(keyFits(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'RS256')).toBe(false);
  });

  test('verifyJws refuses a key of another kind even when the token reads', () => {
    const jws = parseCompactJws(rawToken(JSON.stringify({ alg: 'RS256', kid: 'k' }), '{}', 'RS256'), 'RS256');
    if (typeof jws === 'string') throw new Error(jws);
    expect(verifyJws(jws, rsa.publicKey, 'RS256')).toBe(true);
    expect(verifyJws(jws, ec.publicKey, 'RS256')).toBe(false);
    expect(verifyJws(jws, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'RS256')).toBe(false);
  });

  test('keyFromJwk imports a published signing key and nothing else', async () => {
    const ecJwk = await exportJWK(ec.publicKey);
    const rsaJwk = await exportJWK(rsa.publicKey);
    expect(keyFromJwk({ ...ecJwk, alg: 'ES256', use: 'sig', kid: 'a', created_at: 1, expired_at: null }, 'ES256').equals(ec.publicKey)).toBe(true);
    expect(keyFromJwk({ ...rsaJwk, alg: 'RS256', use: 'sig', kid: 'b' }, 'RS256').equals(rsa.publicKey)).toBe(true);
    for (const [jwk, alg] of [
      [null, 'ES256'],
      ['{"kty":"EC"}', 'ES256'],
      [rsaJwk, 'ES256'],
      [ecJwk, 'RS256'],
      [{ ...ecJwk, alg: 'ES384' }, 'ES256'],
      [{ ...rsaJwk, use: 'enc' }, 'RS256'],
      [await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), 'ES256'],
      [await exportJWK(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), 'RS256'],
      [{ kty: 'oct', k: 'c2VjcmV0' }, 'ES256'],
    ] as const) {
      expect(() => keyFromJwk(jwk, alg)).toThrow();
    }
  });
});

describe('checkTimeClaims', () => {
  test.each([
    ['fresh claims', { iat: NOW, exp: NOW + 3600 }, undefined],
    ['an iat at the edge of the skew', { iat: NOW + 300 }, undefined],
    ['an iat past the skew', { iat: NOW + 301 }, 'timestamp_out_of_tolerance'],
    ['an exp just inside the skew', { iat: NOW - 3600, exp: NOW - 299 }, undefined],
    ['an exp at the edge of the skew (exp must be after now - skew)', { iat: NOW - 3600, exp: NOW - 300 }, 'timestamp_out_of_tolerance'],
    ['an nbf in the future', { iat: NOW, nbf: NOW + 301 }, 'timestamp_out_of_tolerance'],
    ['a missing required iat', { exp: NOW + 60 }, 'malformed_header'],
    ['a string iat', { iat: String(NOW) }, 'malformed_header'],
    ['a string exp', { iat: NOW, exp: String(NOW + 60) }, 'malformed_header'],
    ['a null nbf', { iat: NOW, nbf: null }, 'malformed_header'],
    ['an infinite exp', { iat: NOW, exp: Number.POSITIVE_INFINITY }, 'malformed_header'],
    ['a NaN iat', { iat: Number.NaN }, 'malformed_header'],
  ])('%s', (_name, payload, expected) => {
    expect(checkTimeClaims(payload, NOW, 300, ['iat'])).toBe(expected);
  });

  test('a NaN clock or skew fails closed', () => {
    expect(checkTimeClaims({ iat: NOW, exp: NOW + 60 }, Number.NaN, 300, [])).toBe('timestamp_out_of_tolerance');
    expect(checkTimeClaims({ iat: NOW }, NOW, Number.NaN, [])).toBe('timestamp_out_of_tolerance');
  });
});

describe('signing (tests and the CLI)', () => {
  test.each(['ES256', 'RS256'] as const)('a %s token we sign verifies with jose', async (alg) => {
    const token = signJws({ kid: 'k1', typ: 'JWT' }, { iat: NOW, exp: NOW + 60 }, KEYS[alg].privateKey, alg);
    expect(await theirs(token, KEYS[alg].publicKey, alg, 0)).toBe(true);
    expect(ours(token, KEYS[alg].publicKey, alg, 0)).toBe(true);
  });

  test('the signing secret is JSON with a private key that fits the algorithm; errors never repeat it', () => {
    const pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(tokenSigningSecret(JSON.stringify({ privateKey: pem, kid: 'k1' }), 'Plaid', 'ES256')).toMatchObject({ kid: 'k1' });
    const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    for (const secret of ['not json', 'null', '[]', JSON.stringify({ privateKey: pem }), JSON.stringify({ privateKey: 'nope', kid: 'k1' }), JSON.stringify({ privateKey: rsaPem, kid: 'k1' })]) {
      let error: unknown;
      try {
        tokenSigningSecret(secret, 'Plaid', 'ES256');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebhookConfigurationError);
      expect((error as Error).message).not.toContain('PRIVATE KEY');
    }
  });
});

describe('agreement with jose', () => {
  const ALGS = ['ES256', 'RS256'] as const;
  // Header variants: the first two are plain (what Plaid and Google send); every other one this
  // reader refuses on purpose, though jose accepts some of them.
  const HEADERS: readonly ((alg: JwsAlgorithm) => { json: string; signAs: string; plain: boolean })[] = [
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', typ: 'JWT' }), signAs: alg, plain: true }),
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1' }), signAs: alg, plain: true }),
    (alg) => ({ json: JSON.stringify({ alg, typ: 'JWT' }), signAs: alg, plain: false }), // no kid
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', typ: 'jwt' }), signAs: alg, plain: false }),
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', jku: 'https://attacker.example/' }), signAs: alg, plain: false }),
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', x5u: 'https://attacker.example/' }), signAs: alg, plain: false }),
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', crit: ['exp'] }), signAs: alg, plain: false }),
    (alg) => ({ json: JSON.stringify({ alg, kid: 'k1', b64: true }), signAs: alg, plain: false }),
    // jose reads the last of two `alg`s; a reader that took the first would see `none`.
    (alg) => ({ json: `{"alg":"none","alg":"${alg}","kid":"k1"}`, signAs: alg, plain: false }),
    () => ({ json: JSON.stringify({ alg: 'none', kid: 'k1' }), signAs: 'none', plain: false }),
    () => ({ json: JSON.stringify({ alg: 'HS256', kid: 'k1' }), signAs: 'HS256', plain: false }),
    (alg) => ({ json: JSON.stringify({ alg: alg === 'ES256' ? 'RS256' : 'ES256', kid: 'k1' }), signAs: alg === 'ES256' ? 'RS256' : 'ES256', plain: false }),
  ];
  const claim = (offsets: fc.Arbitrary<number>) => fc.option(fc.oneof({ weight: 8, arbitrary: offsets.map((d) => NOW + d) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1800000000', null, true) }), { nil: undefined, freq: 4 });
  const claims = fc.record(
    {
      iat: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -4000, max: 700 }).map((d) => NOW + d) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('1800000000', null, undefined) }),
      exp: claim(fc.integer({ min: -700, max: 4000 })),
      nbf: claim(fc.integer({ min: -700, max: 700 })),
      sub: fc.string({ maxLength: 12 }),
    },
    { requiredKeys: ['iat'] },
  );

  test('property: whatever we accept jose accepts; for plain headers and intact tokens, the same verdict', async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALGS),
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1) }, { weight: 4, arbitrary: fc.integer({ min: 2, max: HEADERS.length - 1 }) }),
        claims,
        fc.integer({ min: 0, max: 400 }),
        fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.tuple(fc.nat(2000), fc.constantFrom('A', 'b', '_', '-', '.', '=', '+', '0')) }),
        async (alg, variant, payload, skew, mutation) => {
          const header = HEADERS[variant](alg);
          let token = rawToken(header.json, JSON.stringify(payload), header.signAs);
          if (mutation) {
            const at = mutation[0] % token.length;
            token = token.slice(0, at) + mutation[1] + token.slice(at + 1);
          }
          const key = KEYS[alg].publicKey;
          const mine = ours(token, key, alg, skew);
          const jose = await theirs(token, key, alg, skew);
          if (mine) expect(jose).toBe(true);
          if (!header.plain) expect(mine).toBe(false);
          else if (!mutation) expect(mine).toBe(jose);
          seen[mine ? 'accepted' : 'rejected']++;
        },
      ),
      { numRuns: 300 },
    );
    // Both verdicts were reached, so the agreement is not vacuous.
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.rejected).toBeGreaterThan(10);
  });

  test('property: a duplicate claim jose would read as its last value is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ALGS), fc.integer({ min: -4000, max: 4000 }), async (alg, earlier) => {
        const token = rawToken(JSON.stringify({ alg, kid: 'k1' }), `{"iat":${NOW},"exp":${NOW + earlier},"exp":${NOW + 3600}}`, alg);
        expect(await theirs(token, KEYS[alg].publicKey, alg, 0)).toBe(true);
        expect(ours(token, KEYS[alg].publicKey, alg, 0)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});
