import { createHmac, createPrivateKey, createPublicKey, KeyObject, sign as signBytes, timingSafeEqual, verify as verifyBytes } from 'node:crypto';
import { ActiveKey, RejectionReason, WebhookConfigurationError } from '../types';
import { parseObjectStrict } from './strict-json';

/*
 * Compact JWS (the JWTs Plaid and Google sign webhooks with), read strictly and verified with
 * node:crypto. Not the `jose` library: its `jwtVerify` alone is about 19 KB minified, and the verifier
 * bundle that carries these senders must stay within 40 KB; what it would add beyond the primitives
 * (node:crypto's `verify`, JWK import by `createPublicKey`) is the strict reading below, which the
 * tests check against jose itself (whatever we accept, jose accepts).
 *
 * Read strictly, because every leniency is a second way to read one token:
 * - exactly three non-empty parts of canonical base64url (no padding, nothing outside the alphabet,
 *   no unused bits set), at most 16 KiB in all;
 * - header and claim set are UTF-8 JSON objects with each top-level key once (`JSON.parse` keeps the
 *   last of two, other readers the first);
 * - `alg` is the sender's, pinned by the scheme and never taken from the token (so never `none`, never
 *   an HMAC keyed with the public key); `typ`, when present, is `JWT`; `kid` names the key (1 to 256
 *   printable characters), and the key must fit the algorithm (an EC P-256 key for ES256, RSA of
 *   2048 bits or more for RS256);
 * - header parameters that carry or point at keys (`jwk`, `jku`, `x5u`, `x5c`), demand extensions
 *   (`crit`, `b64`) or belong to JWE (`enc`, `zip`) are refused: nothing in a token chooses its key.
 */

export type JwsAlgorithm = 'ES256' | 'RS256';

/** A compact JWS read strictly (see above), before its algorithm is checked. */
export interface CompactToken {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

export interface CompactJws extends CompactToken {
  readonly kid: string;
}

const MAX_TOKEN = 16_384;
// Fatal: a header or claim set that is not valid UTF-8 is refused rather than read with U+FFFD in it.
// The BOM is kept, so that JSON.parse refuses it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const PART = /^[A-Za-z0-9_-]+$/;
const KID = /^[\x21-\x7e]{1,256}$/;
const REFUSED = ['crit', 'jku', 'jwk', 'x5u', 'x5c', 'b64', 'zip', 'enc'];

/** Strict base64url (no padding; canonical: it re-encodes to itself) → bytes; undefined otherwise. */
export function base64url(part: string): Buffer | undefined {
  if (!PART.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

/** A JSON object (each top-level key once) in UTF-8; undefined otherwise. */
export function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return parseObjectStrict(text);
}

/** Three strict parts, `alg` exactly as pinned, `typ` JWT if present, no refused parameter; else undefined. */
function readCompact(token: string, alg: string): CompactToken | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerBytes, payloadBytes, signature] = parts.map(base64url);
  if (!headerBytes || !payloadBytes || !signature) return undefined;
  const header = jsonObject(headerBytes);
  const payload = jsonObject(payloadBytes);
  if (!header || !payload) return undefined;
  if (header.alg !== alg || (header.typ !== undefined && header.typ !== 'JWT') || REFUSED.some((name) => name in header)) return undefined;
  return { header, payload, signingInput: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), signature };
}

/** A compact JWS signed with `alg` and naming its key by `kid`, read strictly; or why it cannot be used. */
export function parseCompactJws(token: string, alg: JwsAlgorithm): CompactJws | RejectionReason {
  const jws = readCompact(token, alg);
  if (!jws) return 'malformed_header';
  const { kid } = jws.header;
  if (typeof kid !== 'string' || !KID.test(kid)) return 'malformed_header';
  if (alg === 'ES256' ? jws.signature.length !== 64 : jws.signature.length < 256 || jws.signature.length > 1024) return 'malformed_header';
  return { ...jws, kid };
}

/*
 * HS256: a JWT signed with a secret shared with the sender (Vonage, Netlify, monday.com), read by the
 * same strict rules: `alg` exactly HS256 (never `none`, never an asymmetric algorithm), a 32-byte
 * signature, and no `kid` needed (the source's keys are all tried, each in constant time).
 */

/** An HS256 token read strictly; or why it cannot be used. */
export function parseHs256(token: string): CompactToken | RejectionReason {
  const jws = readCompact(token, 'HS256');
  return jws && jws.signature.length === 32 ? jws : 'malformed_header';
}

/** The first active shared key whose HMAC-SHA256 of the signing input is the token's signature (compared in constant time), or undefined. */
export function hs256Key(jws: CompactToken, keys: readonly ActiveKey[], nowMs: number): Buffer | undefined {
  for (const { key, notAfterMs } of keys) {
    if (!(notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
    if (timingSafeEqual(createHmac('sha256', key).update(jws.signingInput).digest(), jws.signature)) return key;
  }
  return undefined;
}

/** Signs an HS256 JWT (tests and the CLI's `sign`). */
export function signHs256(payload: Record<string, unknown>, key: Buffer): string {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** Whether `key` fits `alg`: an EC P-256 public key for ES256, an RSA one of at least 2048 bits for RS256. */
export function keyFits(key: KeyObject, alg: JwsAlgorithm): boolean {
  if (key.type !== 'public') return false;
  if (alg === 'ES256') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
}

/** Verifies the JWS's signature with `key` under the pinned `alg`. */
export function verifyJws(jws: CompactJws, key: KeyObject, alg: JwsAlgorithm): boolean {
  if (!keyFits(key, alg)) return false;
  return alg === 'ES256' ? verifyBytes('sha256', jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature) : verifyBytes('sha256', jws.signingInput, key, jws.signature);
}

/** A published JWK as a public key for `alg`; throws when it is anything else. */
export function keyFromJwk(jwk: unknown, alg: JwsAlgorithm): KeyObject {
  if (jwk === null || typeof jwk !== 'object') throw new Error('the key is not a JWK');
  const { kty, alg: declared, use } = jwk as { kty?: unknown; alg?: unknown; use?: unknown };
  if (kty !== (alg === 'ES256' ? 'EC' : 'RSA') || (declared !== undefined && declared !== alg) || (use !== undefined && use !== 'sig')) throw new Error(`the JWK is not an ${alg} signing key`);
  const { kty: _kty, alg: _alg, use: _use, kid: _kid, ...material } = jwk as Record<string, unknown>;
  const key = createPublicKey({ key: { kty, ...material } as never, format: 'jwk' });
  if (!keyFits(key, alg)) throw new Error(`the JWK is not an ${alg} key`);
  return key;
}

/** A finite number claim, or undefined. */
export function numericClaim(payload: Record<string, unknown>, name: string): number | undefined {
  const value = payload[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export type TimeClaim = 'iat' | 'nbf' | 'exp';
const TIME_CLAIMS: readonly TimeClaim[] = ['iat', 'nbf', 'exp'];

/**
 * The token's time claims at `nowSeconds`, with `skewSeconds` of clock difference either way, read
 * as RFC 7519 (4.1.4 to 4.1.6) and jose read them: `exp` must be after now, `nbf` and `iat` not after
 * now. Every one present is checked, whether the sender sends it or not. One present but not a
 * finite number, or a `required` one missing, is malformed: NaN or a missing value never passes.
 */
export function checkTimeClaims(
  payload: Record<string, unknown>,
  nowSeconds: number,
  skewSeconds: number,
  required: readonly TimeClaim[],
): 'malformed_header' | 'timestamp_out_of_tolerance' | undefined {
  for (const name of TIME_CLAIMS) {
    if (payload[name] === undefined ? required.includes(name) : numericClaim(payload, name) === undefined) return 'malformed_header';
  }
  const { iat, nbf, exp } = payload as Partial<Record<TimeClaim, number>>;
  if (iat !== undefined && !(iat <= nowSeconds + skewSeconds)) return 'timestamp_out_of_tolerance';
  if (nbf !== undefined && !(nbf <= nowSeconds + skewSeconds)) return 'timestamp_out_of_tolerance';
  if (exp !== undefined && !(exp > nowSeconds - skewSeconds)) return 'timestamp_out_of_tolerance';
  return undefined;
}

/** Signs a compact JWS (tests and the CLI's `sign`). */
export function signJws(header: Record<string, unknown>, payload: Record<string, unknown>, privateKey: KeyObject, alg: JwsAlgorithm): string {
  const input = `${Buffer.from(JSON.stringify({ ...header, alg })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = alg === 'ES256' ? signBytes('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }) : signBytes('sha256', Buffer.from(input), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * `{"privateKey": "<PKCS#8 PEM>", "kid": "..."}`, the secret a token sender's `sign` takes (tests and
 * the CLI): the private key must fit `alg`. Errors never repeat the secret.
 */
export function tokenSigningSecret(secret: string, sender: string, alg: JwsAlgorithm): { privateKey: KeyObject; kid: string } {
  const usage = `to sign as ${sender}, give {"privateKey": "<PKCS#8 PEM>", "kid": "<key id>"}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new WebhookConfigurationError(usage);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new WebhookConfigurationError(usage);
  const { privateKey, kid } = parsed as { privateKey?: unknown; kid?: unknown };
  if (typeof kid !== 'string' || !KID.test(kid)) throw new WebhookConfigurationError('kid must be a key id of 1 to 256 printable characters');
  let key: KeyObject;
  try {
    key = createPrivateKey(String(privateKey));
  } catch {
    throw new WebhookConfigurationError('privateKey must be a private key in PEM');
  }
  if (!keyFits(createPublicKey(key), alg)) throw new WebhookConfigurationError(`privateKey must be ${alg === 'ES256' ? 'an EC P-256' : 'an RSA (2048 bits or more)'} private key: ${sender} signs with ${alg}`);
  return { privateKey: key, kid };
}
