import { KeyObject, randomBytes } from 'node:crypto';
import { ActiveKey, RejectionReason, StandardWebhooksSchemeConfig, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { isEventId, parseTimestamp, SignedContent } from './common';
import { ed25519PrivateKey, ed25519PublicKey, ed25519Raw, isKind, randomSeed, signedBytes, signWith, strictBase64, verifyPublic } from './public-key';
import { HmacScheme, SignInput } from './scheme';

const SECRET_PREFIX = 'whsec_';
// Asymmetric keys (the spec's `v1a`, Ed25519): `whpk_` + base64 of the 32-byte public key verifies;
// `whsk_` + base64 of the 32-byte seed (or of the 64-byte seed + public key, as libsodium writes it) signs.
const PUBLIC_PREFIX = 'whpk_';
const SIGNING_PREFIX = 'whsk_';
const MAX_SIGNATURE_HEADER = 4096;
const MAX_SIGNATURES = 16;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Standard Webhooks (and Svix, under svix-* names): `id.timestamp.body`, HMAC-SHA256, base64, a
 * space-separated list of `v1,<sig>` entries; the key is the base64 after `whsec_`. The spec's
 * asymmetric signatures are `v1a,<base64 Ed25519 signature>` entries over the same content, verified
 * with `whpk_` public keys. A key set may hold both kinds during a migration: each key verifies only
 * the entries of its kind (v1 with `whsec_`, v1a with `whpk_`).
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export class StandardWebhooksScheme extends HmacScheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = 300;

  constructor(config: StandardWebhooksSchemeConfig) {
    super('sha256', MAX_SIGNATURES);
    const prefix = config.headerPrefix ?? 'webhook';
    this.requiredHeaders = [`${prefix}-id`, `${prefix}-timestamp`, `${prefix}-signature`];
    this.signatureHeaders = [`${prefix}-signature`];
  }

  // This request's v1a signatures (each 64 bytes), refilled by every request.
  private readonly asymmetric: Buffer[] = [];

  decodeKey(secret: string): Buffer | KeyObject {
    if (typeof secret !== 'string') throw new WebhookConfigurationError('a Standard Webhooks secret must be a string (whsec_<base64>, or whpk_<base64> for a public key)');
    if (secret.startsWith(PUBLIC_PREFIX)) {
      const raw = strictBase64(secret.slice(PUBLIC_PREFIX.length), 32);
      if (raw?.length !== 32) throw new WebhookConfigurationError('a Standard Webhooks public key is whpk_ and the base64 of the 32-byte Ed25519 public key');
      return ed25519PublicKey(raw);
    }
    if (secret.startsWith(SIGNING_PREFIX)) throw new WebhookConfigurationError('a whsk_ key signs; the verifier takes its public key (whpk_)');
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (!BASE64_PATTERN.test(encoded)) throw new WebhookConfigurationError('a Standard Webhooks secret must be base64 after the whsec_ prefix');
    const key = Buffer.from(encoded, 'base64');
    if (key.length < 24 || key.length > 64) throw new WebhookConfigurationError('a Standard Webhooks secret must decode to 24 to 64 bytes');
    return key;
  }

  generateKey(): string {
    return SECRET_PREFIX + randomBytes(32).toString('base64');
  }

  /** A `whsk_` signing key and its `whpk_` public key. */
  generateKeyPair(): { privateKey: string; publicKey: string } {
    const seed = randomSeed();
    return { privateKey: SIGNING_PREFIX + seed.toString('base64'), publicKey: PUBLIC_PREFIX + ed25519Raw(ed25519PrivateKey(seed)).toString('base64') };
  }

  /** Signs with a `whsec_` secret (a `v1,` entry) or a `whsk_` signing key (a `v1a,` entry). */
  sign(input: SignInput, secret: string): Record<string, string> {
    const [idHeader, timestampHeader, signatureHeader] = this.requiredHeaders;
    const id = input.id ?? `msg_${randomBytes(12).toString('hex')}`;
    const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
    const prefix = `${id}.${timestamp}.`;
    const entry = secret.startsWith(SIGNING_PREFIX)
      ? `v1a,${signWith('ed25519', signingKey(secret), signedBytes(prefix, input.body)).toString('base64')}`
      : `v1,${this.mac(secret, prefix, input.body, 'base64')}`;
    return { 'content-type': 'application/json', [idHeader]: id, [timestampHeader]: timestamp, [signatureHeader]: entry };
  }

  /**
   * HMAC (`v1`) entries against `whsec_` keys; when none of those matched, `v1a` entries against
   * `whpk_` keys. A key only ever checks entries of its own kind.
   */
  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    this.asymmetric.length = 0;
    const result = super.verify(request, keys, nowMs, toleranceSeconds);
    if (result.ok || (result.reason !== 'signature_invalid' && result.reason !== 'no_active_key') || this.asymmetric.length === 0) return result;
    if (!keys.some((k) => k.key instanceof KeyObject && isKind(k.key, 'ed25519'))) return result;
    const data = signedBytes(this.signed.prefix, request.body);
    this.signed.bodyBinding = 'signed';
    for (const signature of this.asymmetric) {
      const outcome = verifyPublic('ed25519', this.signed, data, signature, request.body, keys, nowMs, toleranceSeconds);
      if (outcome.ok || outcome.reason !== 'signature_invalid') return outcome;
    }
    return { ok: false, reason: 'signature_invalid' };
  }

  protected parse(required: readonly string[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const id = required[0];
    const timestamp = required[1];
    if (!isEventId(id)) return 'malformed_header';
    const sentAt = parseTimestamp(timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    if (!readSignatureList(required[2], out, this.asymmetric)) return 'malformed_header';
    out.prefix = `${id}.${timestamp}.`;
    out.timestamp = sentAt;
    // Signed (`id.timestamp.body`), so it may key duplicates: retries resend the id under a new timestamp.
    out.eventId = id;
    return undefined;
  }
}

/**
 * `v1,<b64> v1,<b64> v1a,<b64>` → the v1 signatures into `out`, the v1a ones into `asymmetric`;
 * false when the list is malformed. Entries of other versions are skipped.
 */
function readSignatureList(header: string, out: SignedContent, asymmetric: Buffer[]): boolean {
  if (header.length > MAX_SIGNATURE_HEADER) return false;
  // The usual case, one signature, without splitting.
  if (header.startsWith('v1,') && header.indexOf(' ') < 0) return out.addSignature(header.slice(3), 'base64');
  let entries = 0;
  for (const entry of header.split(' ')) {
    if (entry === '') continue;
    if (++entries > MAX_SIGNATURES) return false;
    const comma = entry.indexOf(',');
    if (comma <= 0) return false;
    const version = entry.slice(0, comma);
    if (version === 'v1a') {
      const signature = strictBase64(entry.slice(comma + 1), 64);
      if (signature?.length !== 64) return false;
      asymmetric.push(signature);
      continue;
    }
    // Other versions are not ours to check; skip them.
    if (version !== 'v1') continue;
    if (!out.addSignature(entry.slice(comma + 1), 'base64')) return false;
  }
  return out.count > 0 || asymmetric.length > 0;
}


/** The Ed25519 private key of a `whsk_` key (32-byte seed, or 64-byte seed + public key). */
function signingKey(secret: string): ReturnType<typeof ed25519PrivateKey> {
  const bytes = strictBase64(secret.slice(SIGNING_PREFIX.length), 64);
  if (bytes?.length !== 32 && bytes?.length !== 64) throw new WebhookConfigurationError('a Standard Webhooks signing key is whsk_ and the base64 of the 32-byte Ed25519 seed (or 64-byte seed + public key)');
  return ed25519PrivateKey(bytes.subarray(0, 32));
}
