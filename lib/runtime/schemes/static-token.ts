import { createHash, timingSafeEqual } from 'node:crypto';
import { HeaderValue } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { accepted, readHeaders, rejected, SignedContent } from './common';
import { Scheme, SchemeDescription, SignInput } from './scheme';

/*
 * Senders that sign nothing and prove who they are with a credential in a header: a token exactly as
 * configured (Telegram's `X-Telegram-Bot-Api-Secret-Token`, Auth0's `Authorization`), the same after a
 * fixed scheme word (`Authorization: Bearer <token>`), or HTTP Basic (RFC 7617, `Authorization: Basic
 * base64(user:password)`, Postmark and Chargebee).
 *
 * Not a credential inside the body (Figma's `passcode`): the verifier queues the body exactly as
 * received, so the secret would travel to the queue, the DLQ and every consumer. Such senders are not
 * in the catalogue; Microsoft Graph's `clientState`, the same, is, as its own scheme, with a warning.
 *
 * What that means, and what this engine does about it:
 * - The body is not bound (`bodyBinding: 'unsigned'`) and nothing is signed in time: whoever sees one
 *   delivery (a proxy, a log, the sender's own dashboard) can send any body, any time, for as long as
 *   the credential lives. Duplicates key on the body's SHA-256, so only the dedupe record stops a
 *   byte-identical replay; a changed body is a new delivery. An IP allowlist (where the sender
 *   publishes its ranges) is what narrows who can post at all.
 * - The credential sent and each key are hashed with SHA-256 and the digests compared with
 *   timingSafeEqual: equal lengths whatever was sent, so neither the comparison nor an early exit on
 *   length tells how much of a guess was right. Every active key is compared (no early exit across
 *   keys either), so rotating a credential is two keys at once.
 * - The header is read exactly: present once (twice is refused), the scheme word byte for byte
 *   (`Bearer `, `Basic `: the senders write these, so `bearer ` or `BASIC ` is not them), Basic's
 *   base64 canonical (one spelling of one value) and its decoded value `user:password` with a
 *   non-empty user. An empty token is refused before any comparison.
 * - The secret as stored is the token itself, or for Basic `user:password`: its UTF-8 bytes are the
 *   key, and `sign` writes the header the sender sends.
 *
 * GitLab's and Okta's tokens are rows read by `SenderScheme` (its `token` algorithm) in their own
 * families; this engine sits beside that path for the senders that are only a credential.
 */

/** How one sender carries its credential. */
export interface StaticTokenSpec {
  /** The header, as the sender spells it (read case-insensitively, written as spelled). */
  readonly header: string;
  /**
   * `token`: the header's value after `prefix` is the token as configured. `basic`: RFC 7617,
   * `Basic <base64(user:password)>`, the stored secret `user:password`.
   */
  readonly credential: 'token' | 'basic';
  /** Fixed text before the token, matched byte for byte (`Bearer `). Only for `token`. @default '' */
  readonly prefix?: string;
  /** What a stored secret must be, in full (the sender's alphabet and lengths). */
  readonly secret: RegExp;
  /** The same in words, for the configuration error (never the secret itself). */
  readonly secretRule: string;
  /** A new random secret in the sender's alphabet, for the user to paste into the sender's settings. */
  readonly generate: () => string;
  /** Headers the sender sends beside the credential, forwarded as `unsigned.<name>` (never trusted). */
  readonly metadata?: readonly { readonly header: string; readonly name: string }[];
  readonly contentTypes: readonly string[];
  /** Whether the sender issues the credential (import it) or the user types one in (we generate it). */
  readonly issuesKey: boolean;
}

// Longer than any credential a spec accepts (Basic's base64 of a 128 + 1 + 256 character secret is
// 520 characters with its scheme word; a token is at most 1024).
const MAX_HEADER = 2048;
const BASIC = 'Basic ';
const CANONICAL_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const METADATA_VALUE = /^[\x20-\x7e]{1,256}$/;
const COLON = 0x3a;

/** A credential in a header, compared as a SHA-256 digest in constant time; binds no body. */
export class StaticTokenScheme implements Scheme {
  readonly requiredHeaders: readonly string[];
  readonly signatureHeaders: readonly string[];
  readonly contentTypes: readonly string[];
  readonly signsUrl = false;
  readonly bodyBinding = 'unsigned' as const;
  readonly issuesKey: boolean;
  private readonly prefix: string;
  // The header names read: the credential's, then the metadata's.
  private readonly names: readonly string[];
  private readonly values: HeaderValue[] = [];
  private readonly out = new SignedContent(32, 1);
  // Each key's digest, derived once per key Buffer (ActiveKey: a new key is a new Buffer).
  private readonly keyDigests = new WeakMap<Buffer, Buffer>();

  constructor(
    readonly type: string,
    private readonly spec: StaticTokenSpec,
  ) {
    const header = spec.header.toLowerCase();
    this.prefix = spec.credential === 'basic' ? BASIC : spec.prefix ?? '';
    this.names = [header, ...(spec.metadata ?? []).map((m) => m.header.toLowerCase())];
    this.requiredHeaders = [header];
    this.signatureHeaders = [header];
    this.contentTypes = spec.contentTypes;
    this.issuesKey = spec.issuesKey;
  }

  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string' || !this.spec.secret.test(secret)) throw new WebhookConfigurationError(`a ${this.type} secret must be ${this.spec.secretRule}`);
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    return this.spec.generate();
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const problem = readHeaders(request.headers, this.names, 1, this.values);
    if (problem) return rejected(problem);
    const sent = this.digestOf(this.values[0] as string);
    if (sent === undefined) return rejected('malformed_header');
    const out = this.out.reset();
    out.bodyBinding = this.bodyBinding;
    const metadata = this.readMetadata(out);
    if (metadata) return rejected(metadata);
    if (keys.length === 0) return rejected('no_active_key');
    let matched: Buffer | undefined;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k].key;
      if (!(keys[k].notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
      // Both sides 32 bytes: no length to differ on, no early exit within the comparison or across keys.
      if (timingSafeEqual(this.keyDigest(key), sent) && matched === undefined) matched = key;
    }
    if (matched === undefined) return rejected('signature_invalid');
    // Nothing signed in time; duplicates key on the body's SHA-256 (includeBody), which the credential does not bind.
    return accepted(out, request.body, nowMs, toleranceSeconds, matched);
  }

  /** The SHA-256 of the credential the header carries, or undefined when the header is not one. */
  private digestOf(value: string): Buffer | undefined {
    if (value.length > MAX_HEADER || !value.startsWith(this.prefix)) return undefined;
    const rest = value.slice(this.prefix.length);
    if (rest.length === 0) return undefined;
    if (this.spec.credential === 'token') return createHash('sha256').update(rest, 'utf8').digest();
    // One spelling of one value: the alphabet, whole quanta, and no stray bits before the padding.
    if (rest.length % 4 !== 0 || !CANONICAL_BASE64.test(rest)) return undefined;
    const decoded = Buffer.from(rest, 'base64');
    if (decoded.toString('base64') !== rest) return undefined;
    // `user:password`, the user not empty (RFC 7617: the user-id holds no colon; the password may).
    if (decoded.indexOf(COLON) <= 0) return undefined;
    return createHash('sha256').update(decoded).digest();
  }

  private keyDigest(key: Buffer): Buffer {
    let digest = this.keyDigests.get(key);
    if (digest === undefined) {
      digest = createHash('sha256').update(key).digest();
      this.keyDigests.set(key, digest);
    }
    return digest;
  }

  private readMetadata(out: SignedContent): RejectionReason | undefined {
    const { metadata } = this.spec;
    if (!metadata) return undefined;
    for (let i = 0; i < metadata.length; i++) {
      const value = this.values[i + 1] as string | undefined;
      if (value === undefined) continue;
      if (!METADATA_VALUE.test(value)) return 'malformed_header';
      const name = metadata[i].name;
      if (name === 'eventType') out.unsignedEventType = value;
      else if (name === 'eventId') out.unsignedEventId = value;
      else (out.metadata ??= {})[`unsigned.${name}`] = value;
    }
    return undefined;
  }

  /** The header the sender sends with `secret` (the body is sent as given: nothing binds it). */
  sign(_input: SignInput, secret: string): Record<string, string> {
    this.decodeKey(secret);
    const credential = this.spec.credential === 'basic' ? BASIC + Buffer.from(secret, 'utf8').toString('base64') : this.prefix + secret;
    return { 'content-type': this.contentTypes[0], [this.spec.header]: credential };
  }

  describe(): SchemeDescription {
    const { header, credential } = this.spec;
    const value = credential === 'basic' ? '`Basic base64(user:password)`' : this.prefix ? `\`${this.prefix}<token>\`` : 'the token as configured';
    return {
      signature: `\`${header}\`: ${value}, compared as a SHA-256 digest; no signature; the body is not bound`,
      replay: 'replays stopped only by the dedupe record (nothing signed in time)',
      dedupe: 'SHA-256 of the body (which the credential does not bind)',
      metadata: (this.spec.metadata ?? []).map((m) => `unsigned.${m.name}`),
    };
  }
}
