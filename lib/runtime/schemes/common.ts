import { createHash, KeyObject, timingSafeEqual } from 'node:crypto';
import { DUPLICATE, HeaderValue, pickHeaders } from '../headers';
import { ActiveKey, BodyBinding, HeaderInput, REJECTION_REASONS, RejectionReason, VerifiedWebhook, VerifyResult } from '../types';

import { hmac, HmacAlgorithm } from './mac';

/** One frozen result per reason, shared by every rejection for it. */
const REJECTED = Object.fromEntries(REJECTION_REASONS.map((reason) => [reason, Object.freeze({ ok: false, reason })])) as Record<
  RejectionReason,
  VerifyResult
>;

export function rejected(reason: RejectionReason): VerifyResult {
  return REJECTED[reason];
}

/**
 * What a scheme extracts from a request before any key is tried. One instance per scheme, refilled by
 * every request: verification is synchronous, so no two requests ever share it at once, and the hot
 * path allocates neither this object nor a Buffer per signature (signatures decode into reused slots).
 */
export class SignedContent {
  /** What is signed before the body (or instead of it). */
  prefix = '';
  /** A second accepted form of the prefix, where the signed form is ambiguous (Twilio's default port). */
  alternatePrefix: string | undefined = undefined;
  /** Whether the raw body follows the prefix in the signed content. */
  includeBody = true;
  /** What is signed after the body (Box's timestamp, HubSpot's). */
  suffix = '';
  /** The signed unix timestamp (seconds), when the scheme has one. */
  timestamp: number | undefined = undefined;
  /** An event id the signature covers (and so the dedupe key). Never set it from an unsigned header. */
  eventId: string | undefined = undefined;
  /**
   * What the signature covers in its canonical form, when that is not the raw body: duplicates are
   * then keyed on its hash, so that every spelling of one signed request is the same event. A scheme
   * that signs something other than the raw body (`includeBody = false`) must set this or a signed
   * `eventId`; verification refuses to accept otherwise.
   */
  dedupeContent: string | undefined = undefined;
  /** Ids and types from headers the signature does not cover: forwarded, never trusted. */
  unsignedEventId: string | undefined = undefined;
  unsignedEventType: string | undefined = undefined;
  /**
   * Further delivery metadata (attempt number, shop domain, ...), as `signed.<name>` or
   * `unsigned.<name>` keys in the order the scheme declares them; undefined when there is none.
   */
  metadata: Record<string, string> | undefined = undefined;
  /** A further check once a signature matched (Twilio's bodySHA256). */
  afterMatch: (() => boolean) | undefined = undefined;
  /**
   * How much of the body the signature vouches for. `verifySigned` takes `signed` when the raw body
   * is in the MAC (`includeBody`); every other way to accept must say, or accepting throws.
   */
  bodyBinding: BodyBinding | undefined = undefined;
  /** How many signatures were decoded into `signatures`. */
  count = 0;
  /** Decoded signatures, each exactly the digest's length; only the first `count` are this request's. */
  readonly signatures: Buffer[] = [];

  constructor(
    private readonly digestBytes: number,
    private readonly maxSignatures: number,
  ) {}

  /** Clears everything a previous request left. */
  reset(): this {
    this.prefix = '';
    this.alternatePrefix = undefined;
    this.includeBody = true;
    this.suffix = '';
    this.timestamp = undefined;
    this.eventId = undefined;
    this.dedupeContent = undefined;
    this.unsignedEventId = undefined;
    this.unsignedEventType = undefined;
    this.metadata = undefined;
    this.afterMatch = undefined;
    this.bodyBinding = undefined;
    this.count = 0;
    return this;
  }

  /**
   * Decodes one signature (hex, base64 or base64url of exactly the digest's length) into the next slot. False
   * when it is anything else, or when the request carries more signatures than the scheme allows.
   */
  addSignature(text: string, encoding: SignatureEncoding): boolean {
    if (this.count === this.maxSignatures) return false;
    if (this.count === this.signatures.length) this.signatures.push(Buffer.alloc(this.digestBytes));
    if (!decodeInto(text, encoding, this.signatures[this.count])) return false;
    this.count++;
    return true;
  }
}

/**
 * Reads the scheme's headers in one pass into `out` (reused by the caller, so nothing is allocated
 * per request): the first `required` of `names` must each be present once, the rest at most once.
 * Returns why they cannot be used, or undefined.
 */
export function readHeaders(headers: HeaderInput, names: readonly string[], required: number, out: HeaderValue[]): RejectionReason | undefined {
  pickHeaders(headers, names, out);
  for (let i = 0; i < names.length; i++) if (out[i] === DUPLICATE) return 'duplicate_header';
  for (let i = 0; i < required; i++) if (!out[i]) return 'missing_header';
  return undefined;
}

/** A unix-seconds timestamp header (1 to 12 digits) as a number, or malformed_timestamp. */
export function parseTimestamp(value: string): number | RejectionReason {
  if (value.length === 0 || value.length > 12) return 'malformed_timestamp';
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return 'malformed_timestamp';
    n = n * 10 + digit;
  }
  return n;
}

// Character scans are regular expressions: V8 compiles them to native code that runs several times
// faster than a charCodeAt loop over the same 36 to 64 characters.
const EVENT_ID = /^[\x21-\x7e]{1,256}$/;
const NON_ASCII = /[^\x00-\x7f]/;

/** Printable ASCII without space, 1 to 256 characters: what msg_/evt_ ids, GUIDs and the like are made of. */
export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

// The only characters that may precede '==' (low 4 bits zero) or '=' (low 2 bits zero): anything
// else carries stray bits, a second spelling of the same bytes.
const BEFORE_TWO_PADS = 'AQgw';
const BEFORE_ONE_PAD = 'AEIMQUYcgkosw048';

/** How a signature is written: hex, base64 (padded), or base64url (RFC 4648 §5, padded or not). */
export type SignatureEncoding = 'hex' | 'base64' | 'base64url';

/**
 * Decodes hex, base64 or base64url of exactly `target.length` bytes into `target`; false when the text is
 * anything else. base64url is read without padding (as RFC 7515 and Node write it) or with it (as
 * Python's `urlsafe_b64encode` writes it); the last character must carry no stray bits either way. Node's decoders read only the low byte of each character, skip characters outside
 * the alphabet (base64) and stop at the first one (hex, and base64 at a stray '='). So once the text
 * is checked to be ASCII of the exact length and padding, a full-length write proves every character
 * was in the alphabet: a fraction of the cost of a regular expression or a re-encode. (Node's base64
 * also reads '-' and '_' as '+' and '/'; such a spelling decodes to the same bytes and must still
 * carry a valid HMAC.)
 */
export function decodeInto(text: string, encoding: SignatureEncoding, target: Buffer): boolean {
  const bytes = target.length;
  if (encoding === 'base64url' && bytes % 3 !== 0 && text.length === Math.ceil((bytes * 4) / 3)) {
    // Unpadded: the last character alone must leave no stray bits.
    if (NON_ASCII.test(text) || !(bytes % 3 === 1 ? BEFORE_TWO_PADS : BEFORE_ONE_PAD).includes(text[text.length - 1])) return false;
    return target.write(text, 'base64url') === bytes;
  }
  if (text.length !== (encoding === 'hex' ? bytes * 2 : Math.ceil(bytes / 3) * 4) || NON_ASCII.test(text)) return false;
  if (encoding === 'hex') return target.write(text, 'hex') === bytes;
  const rem = bytes % 3;
  const length = text.length;
  if (rem === 1 && !(text.endsWith('==') && BEFORE_TWO_PADS.includes(text[length - 3]))) return false;
  if (rem === 2 && !(text.charCodeAt(length - 1) === 61 && BEFORE_ONE_PAD.includes(text[length - 2]))) return false;
  return target.write(text, 'base64') === bytes;
}

/**
 * Tries every active key against every signature in constant time per comparison (no early exit
 * within a key), then checks the timestamp: a valid signature on a stale delivery is a replay. Every
 * comparison is written so that NaN fails it: a key whose expiry or a request whose age cannot be
 * computed is not accepted.
 */
export function verifySigned(
  signed: SignedContent,
  algorithm: HmacAlgorithm,
  body: string | Uint8Array,
  keys: readonly ActiveKey[],
  nowMs: number,
  toleranceSeconds: number,
): VerifyResult {
  if (keys.length === 0) return REJECTED.no_active_key;
  let matched = false;
  let matchedKey: Buffer | undefined;
  const { prefix, alternatePrefix, signatures, count, includeBody, suffix } = signed;
  // Index loops, no per-request arrays.
  for (let k = 0; k < keys.length && !matched; k++) {
    const key = keys[k].key;
    // A public key (a sender mid-migration to public-key signatures) is not an HMAC key: skipped.
    if (!(keys[k].notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
    for (let variant = 0; variant < 2; variant++) {
      const content = variant === 0 ? prefix : alternatePrefix;
      if (content === undefined) break;
      const expected = hmac(algorithm, key, content, includeBody ? body : undefined, suffix);
      for (let c = 0; c < count; c++) matched = timingSafeEqual(expected, signatures[c]) || matched;
    }
    if (matched) matchedKey = key;
  }
  if (!matched || (signed.afterMatch && !signed.afterMatch())) return REJECTED.signature_invalid;
  if (includeBody) signed.bodyBinding ??= 'signed';
  return accepted(signed, body, nowMs, toleranceSeconds, matchedKey!);
}

/**
 * The checks every scheme makes once its signature (or token) matched: the timestamp against the
 * tolerance, and that something signed keys duplicates. For schemes that match by other means than
 * `verifySigned` (a shared token compared in constant time).
 */
export function accepted(signed: SignedContent, body: string | Uint8Array, nowMs: number, toleranceSeconds: number, matchedKey: Buffer | KeyObject): VerifyResult {
  const { includeBody } = signed;
  if (signed.timestamp !== undefined && !(Math.abs(nowMs / 1000 - signed.timestamp) <= toleranceSeconds)) {
    return REJECTED.timestamp_out_of_tolerance;
  }
  // A scheme that does not sign the raw body but names nothing signed to key duplicates on would let
  // every respelling of one delivery through as a new event: a bug in the scheme, never a fallback.
  if (!includeBody && signed.eventId === undefined && signed.dedupeContent === undefined) {
    throw new Error('This scheme signs no raw body and set no signed dedupe content or event id');
  }
  // Claiming a binding by default would let a scheme that signs no body pass it off as signed.
  if (signed.bodyBinding === undefined) throw new Error('This scheme did not say how its signature binds the body');
  return new Verified(signed, body, matchedKey);
}

/** The key that verified `result` (for a handshake answer that must be keyed, Zoom's), or undefined. */
export function matchedKeyOf(result: VerifiedWebhook): Buffer | undefined {
  return result instanceof Verified ? Verified.keyOf(result) : undefined;
}

/**
 * The result of a verified delivery. The two hashes and the metadata are computed only when read, and
 * once. The key that matched is a private field: never enumerable, never in a spread, JSON or log of
 * the result; only `matchedKeyOf` reads it.
 */
class Verified implements VerifiedWebhook {
  static keyOf(result: Verified): Buffer | undefined {
    const key = result.#matchedKey;
    return Buffer.isBuffer(key) ? key : undefined;
  }

  readonly ok = true as const;
  readonly eventId: string | undefined;
  readonly timestamp: number | undefined;
  readonly unsignedEventId: string | undefined;
  readonly unsignedEventType: string | undefined;
  readonly bodyBinding: BodyBinding;
  readonly #body: string | Uint8Array;
  readonly #dedupeContent: string | undefined;
  readonly #matchedKey: Buffer | KeyObject | undefined;
  // The scheme's own metadata for this request (a fresh object per request, never reused).
  readonly #extra: Readonly<Record<string, string>> | undefined;
  #metadata: Readonly<Record<string, string>> | undefined;
  #payloadSha256: string | undefined;

  constructor(signed: SignedContent, body: string | Uint8Array, matchedKey: Buffer | KeyObject | undefined) {
    this.eventId = signed.eventId;
    this.timestamp = signed.timestamp;
    this.unsignedEventId = signed.unsignedEventId;
    this.unsignedEventType = signed.unsignedEventType;
    this.bodyBinding = signed.bodyBinding as BodyBinding;
    this.#body = body;
    this.#dedupeContent = signed.dedupeContent;
    this.#matchedKey = matchedKey;
    this.#extra = signed.metadata;
  }

  get metadata(): Readonly<Record<string, string>> {
    return (this.#metadata ??= metadataOf(this.eventId, this.unsignedEventId, this.unsignedEventType, this.#extra));
  }

  get payloadSha256(): string {
    return (this.#payloadSha256 ??= createHash('sha256').update(this.#body).digest('hex'));
  }

  get dedupeKey(): string {
    if (this.eventId !== undefined) return this.eventId;
    if (this.#dedupeContent !== undefined) return `signed-sha256:${createHash('sha256').update(this.#dedupeContent).digest('hex')}`;
    return `sha256:${this.payloadSha256}`;
  }
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Every metadata value of a verified delivery under one naming scheme: `signed.eventId` for the
 * signed id, `unsigned.eventId` / `unsigned.eventType` for the unsigned ones, then the scheme's own
 * (`unsigned.attempt`, `signed.messageId`, ...) in the order it declares them.
 */
function metadataOf(
  eventId: string | undefined,
  unsignedEventId: string | undefined,
  unsignedEventType: string | undefined,
  metadata: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (eventId === undefined && unsignedEventId === undefined && unsignedEventType === undefined && metadata === undefined) return NO_METADATA;
  const out: Record<string, string> = {};
  if (eventId !== undefined) out['signed.eventId'] = eventId;
  if (unsignedEventId !== undefined) out['unsigned.eventId'] = unsignedEventId;
  if (unsignedEventType !== undefined) out['unsigned.eventType'] = unsignedEventType;
  if (metadata) for (const name of Object.keys(metadata)) out[name] ??= metadata[name];
  return Object.freeze(out);
}
