import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import { HeaderValue } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { accepted, readHeaders, rejected, SignedContent } from './common';
import { Scheme, SchemeDescription, SignInput } from './scheme';
import { DEFAULT_TOLERANCE_SECONDS } from './tolerance';

/*
 * What the senders that sign with a private key share. The primitives are node:crypto's
 * (`crypto.verify` with an Ed25519 or EC public `KeyObject`); this file only reads keys in the forms
 * senders publish them and checks that a key is of the kind its scheme verifies with.
 */

/** The key kinds senders sign webhooks with. */
export type PublicKeyKind = 'ed25519' | 'p256';

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 private key (RFC 8410) before the 32 raw bytes.
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new WebhookConfigurationError(`an Ed25519 public key is 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: 'der', type: 'spki' });
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new WebhookConfigurationError(`an Ed25519 private key seed is 32 bytes, not ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
}

/** The 32 raw bytes of an Ed25519 public key. */
export function ed25519Raw(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
}

/** Whether `key` is a public key of `kind`. */
export function isKind(key: KeyObject, kind: PublicKeyKind): boolean {
  if (key.type !== 'public') return false;
  if (kind === 'ed25519') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** Checks a decoded key's kind; a configuration error (never echoing the key) when it is another. */
export function requireKind(key: KeyObject, kind: PublicKeyKind, sender: string): KeyObject {
  if (!isKind(key, kind)) throw new WebhookConfigurationError(`${sender} verifies with an ${kind === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'} public key; this key is ${key.asymmetricKeyType ?? 'of another kind'}`);
  return key;
}

/** A private key given as PEM (PKCS#8), for `sign`. */
export function privateKeyFromPem(pem: string, kind: PublicKeyKind, sender: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new WebhookConfigurationError(`${sender} signs with a private key: give it as PKCS#8 PEM`);
  }
  const ok = kind === 'ed25519' ? key.asymmetricKeyType === 'ed25519' : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!ok) throw new WebhookConfigurationError(`${sender} signs with an ${kind === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'} private key; this key is ${key.asymmetricKeyType}`);
  return key;
}

/** A new key pair of `kind`: the private key as PKCS#8 PEM and the public key object. */
export function newKeyPair(kind: PublicKeyKind): { privateKey: string; publicKey: KeyObject } {
  const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: pair.publicKey };
}

/** Verifies `signature` over `data` with a public key of `kind` (ECDSA signatures in DER). */
export function verifyWith(kind: PublicKeyKind, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  return kind === 'ed25519' ? verifyBytes(null, data, key, signature) : verifyBytes('sha256', data, { key, dsaEncoding: 'der' }, signature);
}

/** Signs `data` with a private key of `kind` (ECDSA signatures in DER). */
export function signWith(kind: PublicKeyKind, key: KeyObject, data: Buffer): Buffer {
  return kind === 'ed25519' ? signBytes(null, data, key) : signBytes('sha256', data, { key, dsaEncoding: 'der' });
}

/** Strict base64 (canonical: it re-encodes to itself) of at most `maxBytes`; undefined otherwise. */
export function strictBase64(text: string, maxBytes: number): Buffer | undefined {
  if (text.length === 0 || text.length > Math.ceil(maxBytes / 3) * 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Strict lower- or upper-case hex of exactly `bytes`; undefined otherwise. */
export function strictHex(text: string, bytes: number): Buffer | undefined {
  if (text.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/** The bytes a sender signed: `prefix` (UTF-8), the raw body, `suffix` (UTF-8). */
export function signedBytes(prefix: string, body: string | Uint8Array, suffix = ''): Buffer {
  return Buffer.concat([Buffer.from(prefix, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength), Buffer.from(suffix, 'utf8')]);
}

/**
 * Verifies one signature over `data` with every active public key of `kind` (Buffers, HMAC secrets,
 * and keys of another kind are skipped; NaN expiries fail), then makes the common checks.
 */
export function verifyPublic(
  kind: PublicKeyKind,
  signed: SignedContent,
  data: Buffer,
  signature: Buffer,
  body: string | Uint8Array,
  keys: readonly ActiveKey[],
  nowMs: number,
  toleranceSeconds: number,
): VerifyResult {
  let usable = 0;
  let matched: KeyObject | undefined;
  for (let k = 0; k < keys.length && !matched; k++) {
    const key = keys[k].key;
    if (!(keys[k].notAfterMs > nowMs) || !(key instanceof KeyObject) || !isKind(key, kind)) continue;
    usable++;
    if (verifyWith(kind, key, data, signature)) matched = key;
  }
  if (usable === 0) return rejected('no_active_key');
  if (!matched) return rejected('signature_invalid');
  return accepted(signed, body, nowMs, toleranceSeconds, matched);
}

/** What a public-key sender's scheme reads from its headers. */
export interface PublicKeyParse {
  /** What is signed before the body. */
  readonly prefix: string;
  readonly signature: Buffer;
  /** The signed unix timestamp (seconds). */
  readonly timestamp: number;
}

/**
 * A sender that signs a timestamp header and the body with a private key, and gives the verifier its
 * public key (Discord, Telnyx, SendGrid): its public key is the source's key, imported as the sender
 * shows it; a new one replaces it with the grace window as any imported key.
 */
export abstract class TimestampedPublicKeyScheme implements Scheme {
  abstract readonly requiredHeaders: readonly string[];
  abstract readonly signatureHeaders: readonly string[];
  readonly contentTypes: readonly string[] = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS;
  readonly signsUrl = false;
  readonly issuesKey = true;
  protected abstract readonly kind: PublicKeyKind;
  protected abstract readonly sender: string;
  private readonly values: HeaderValue[] = [];
  private readonly signed = new SignedContent(0, 0);

  /** Reads the signature and timestamp from the required headers' values (in their order). */
  protected abstract parse(headers: readonly string[]): PublicKeyParse | RejectionReason;
  /** The public key as the sender shows it → a KeyObject of this scheme's kind. */
  abstract decodeKey(publicKey: string): KeyObject;
  /** A public key in the form the sender shows it. */
  protected abstract formatPublicKey(key: KeyObject): string;
  /** The headers carrying `signature` and `timestamp`. */
  protected abstract headersFor(signature: Buffer, timestamp: string): Record<string, string>;
  /** What is signed before the body for `timestamp`. */
  protected abstract prefixFor(timestamp: string): string;
  abstract describe(): SchemeDescription;

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem = readHeaders(request.headers, this.requiredHeaders, this.requiredHeaders.length, this.values);
    if (problem) return rejected(problem);
    const parsed = this.parse(this.values as string[]);
    if (typeof parsed === 'string') return rejected(parsed);
    const signed = this.signed.reset();
    signed.timestamp = parsed.timestamp;
    signed.bodyBinding = 'signed';
    return verifyPublic(this.kind, signed, signedBytes(parsed.prefix, request.body), parsed.signature, request.body, keys, nowMs, toleranceSeconds);
  }

  generateKey(): string {
    throw new WebhookConfigurationError(`${this.sender} issues its key pair itself: import the public key it shows (put-key)`);
  }

  generateKeyPair(): { privateKey: string; publicKey: string } {
    const { privateKey, publicKey } = newKeyPair(this.kind);
    return { privateKey, publicKey: this.formatPublicKey(publicKey) };
  }

  /** Signs as the sender does, with its private key as PKCS#8 PEM (tests, the CLI's `sign`). */
  sign(input: SignInput, privateKey: string): Record<string, string> {
    const key = privateKeyFromPem(privateKey, this.kind, this.sender);
    const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = signWith(this.kind, key, signedBytes(this.prefixFor(timestamp), input.body));
    return { 'content-type': 'application/json', ...this.headersFor(signature, timestamp) };
  }
}

/** A random private key seed, for key formats that carry only a seed (Standard Webhooks `whsk_`). */
export function randomSeed(): Buffer {
  return randomBytes(32);
}
