import { createHmac, timingSafeEqual } from 'node:crypto';
import { DUPLICATE, Headers, HeaderValue } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult } from '../types';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** What a scheme extracts from a request before any key is tried. */
export interface Parsed {
  /** Signatures the sender sent, decoded, each already checked to be the digest's length. */
  readonly candidates: readonly Buffer[];
  /** What is signed before the body (or instead of it). */
  readonly prefix: string;
  /** A second accepted form of the prefix, where the signed form is ambiguous (Twilio's default port). */
  readonly alternatePrefix: string | undefined;
  /** Whether the raw body follows the prefix in the signed content. */
  readonly includeBody: boolean;
  /** The signed unix timestamp (seconds), when the scheme has one. */
  readonly timestamp?: number;
  readonly eventId?: string;
  /** A further check once a signature matched (Twilio's bodySHA256). */
  readonly afterMatch?: () => boolean;
}

/**
 * Builds a Parsed with every field present and in one order, so that the shared verify loop sees one
 * object shape whatever the scheme (a V8 inline cache stays monomorphic on the hot path).
 */
export function parsed(
  candidates: readonly Buffer[],
  prefix: string,
  includeBody: boolean,
  timestamp: number | undefined,
  eventId: string | undefined,
  alternatePrefix?: string,
  afterMatch?: () => boolean,
): Parsed {
  return { candidates, prefix, alternatePrefix, includeBody, timestamp, eventId, afterMatch };
}

/**
 * Reads the scheme's required headers in one pass into `out` (reused by the caller, so nothing is
 * allocated per request). Returns why they cannot be used, or undefined when all are present once.
 */
export function readRequired(headers: Headers, names: readonly string[], out: HeaderValue[]): RejectionReason | undefined {
  headers.pick(names, out);
  for (let i = 0; i < names.length; i++) if (out[i] === DUPLICATE) return 'duplicate_header';
  for (let i = 0; i < names.length; i++) if (!out[i]) return 'missing_header';
  return undefined;
}

/** One header's value, or the reason it cannot be used. */
export function one(headers: Headers, name: string): string | RejectionReason {
  const value = headers.get(name);
  if (value === DUPLICATE) return 'duplicate_header';
  if (value === undefined || value === '') return 'missing_header';
  return value;
}

export function isReason(value: unknown): value is RejectionReason {
  return typeof value === 'string' && REASONS.has(value);
}
const REASONS = new Set<string>(['missing_header', 'duplicate_header', 'malformed_header', 'malformed_timestamp', 'signature_invalid', 'timestamp_out_of_tolerance', 'no_active_key']);

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

/** Printable ASCII without space, 1 to 256 characters: what msg_/evt_ ids, GUIDs and the like are made of. */
export function isEventId(value: string): boolean {
  if (value.length === 0 || value.length > 256) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

// The only characters that may precede '==' (low 4 bits zero) or '=' (low 2 bits zero): anything
// else carries stray bits, a second spelling of the same bytes.
const BEFORE_TWO_PADS = 'AQgw';
const BEFORE_ONE_PAD = 'AEIMQUYcgkosw048';

/**
 * Decodes base64 of exactly `bytes` bytes, or undefined. Node's decoder skips characters outside the
 * alphabet and stops at a stray '=', so with the exact length and padding checked here, a decoded
 * length of `bytes` proves every character was in the alphabet; this costs a fraction of a regular
 * expression or a re-encode on the hot path. (Node also reads '-' and '_' as '+' and '/'; such a
 * spelling decodes to the same bytes and must still carry a valid HMAC.)
 */
function decodeBase64Exact(text: string, bytes: number): Buffer | undefined {
  const length = Math.ceil(bytes / 3) * 4;
  if (text.length !== length) return undefined;
  const rem = bytes % 3;
  if (rem === 1 && !(text.endsWith('==') && BEFORE_TWO_PADS.includes(text[length - 3]))) return undefined;
  if (rem === 2 && !(text.charCodeAt(length - 1) === 61 && BEFORE_ONE_PAD.includes(text[length - 2]))) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes ? decoded : undefined;
}

/** Decodes a hex or base64 signature of exactly `bytes` bytes; undefined when it is anything else. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64', bytes: number): Buffer | undefined {
  if (encoding === 'hex') {
    if (text.length !== bytes * 2) return undefined;
    // Node's hex decoder stops at the first non-hex character, so a full-length result proves them all.
    const decoded = Buffer.from(text, 'hex');
    return decoded.length === bytes ? decoded : undefined;
  }
  return decodeBase64Exact(text, bytes);
}

/**
 * Tries every active key against every candidate in constant time per comparison (no early exit
 * within a key), then checks the timestamp: a valid signature on a stale delivery is a replay.
 */
export function verifyParsed(
  parsed: Parsed,
  algorithm: HmacAlgorithm,
  body: string | Uint8Array,
  keys: readonly ActiveKey[],
  nowMs: number,
  toleranceSeconds: number,
): VerifyResult {
  if (keys.length === 0) return { ok: false, reason: 'no_active_key' };
  let matched = false;
  const { prefix, alternatePrefix, candidates, includeBody } = parsed;
  // Index loops, no per-request arrays, no explicit encodings (strings hash as UTF-8 by default).
  for (let k = 0; k < keys.length && !matched; k++) {
    if (keys[k].notAfterMs <= nowMs) continue;
    for (let variant = 0; variant < 2; variant++) {
      const signed = variant === 0 ? prefix : alternatePrefix;
      if (signed === undefined) break;
      const hmac = createHmac(algorithm, keys[k].key);
      if (signed) hmac.update(signed);
      if (includeBody) hmac.update(body);
      const expected = hmac.digest();
      for (let c = 0; c < candidates.length; c++) matched = timingSafeEqual(expected, candidates[c]) || matched;
    }
  }
  if (!matched || (parsed.afterMatch && !parsed.afterMatch())) return { ok: false, reason: 'signature_invalid' };
  if (parsed.timestamp !== undefined && Math.abs(nowMs / 1000 - parsed.timestamp) > toleranceSeconds) {
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  }
  return { ok: true, eventId: parsed.eventId, timestamp: parsed.timestamp };
}

/** An id header (printable ASCII, at most 256): the id, or why it cannot be used. */
export function eventIdHeader(headers: Headers, name: string): string | RejectionReason {
  const id = one(headers, name);
  if (isReason(id)) return id;
  return isEventId(id) ? id : 'malformed_header';
}
