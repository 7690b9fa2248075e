import { createHmac, timingSafeEqual } from 'node:crypto';
import { DUPLICATE, Headers } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult } from '../types';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** What a scheme extracts from a request before any key is tried. */
export interface Parsed {
  /** Signatures the sender sent, decoded, each already checked to be the digest's length. */
  readonly candidates: readonly Buffer[];
  /** What is signed before the body (or instead of it); several when the signed form is ambiguous (Twilio's port). */
  readonly prefixes: readonly string[];
  /** Whether the raw body follows the prefix in the signed content. */
  readonly includeBody: boolean;
  /** The signed unix timestamp (seconds), when the scheme has one. */
  readonly timestamp?: number;
  readonly eventId?: string;
  /** A further check once a signature matched (Twilio's bodySHA256). */
  readonly afterMatch?: () => boolean;
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

const TIMESTAMP = /^[0-9]{1,12}$/;

/** A unix-seconds timestamp header as a number, or malformed_timestamp. */
export function parseTimestamp(value: string): number | RejectionReason {
  return TIMESTAMP.test(value) ? Number(value) : 'malformed_timestamp';
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a hex or base64 signature of exactly `bytes` bytes; undefined when it is anything else. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64', bytes: number): Buffer | undefined {
  if (encoding === 'hex') return text.length === bytes * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
  if (text.length !== Math.ceil(bytes / 3) * 4 || !BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  // Reject non-canonical encodings (stray bits in the padding) so one signature has one spelling.
  return decoded.length === bytes && decoded.toString('base64') === text ? decoded : undefined;
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
  for (const { key, notAfterMs } of keys) {
    if (notAfterMs <= nowMs) continue;
    for (const prefix of parsed.prefixes) {
      const hmac = createHmac(algorithm, key);
      if (prefix) hmac.update(prefix, 'utf8');
      if (parsed.includeBody) {
        if (typeof body === 'string') hmac.update(body, 'utf8');
        else hmac.update(body);
      }
      const expected = hmac.digest();
      for (const candidate of parsed.candidates) matched = timingSafeEqual(expected, candidate) || matched;
    }
    if (matched) break;
  }
  if (!matched || (parsed.afterMatch && !parsed.afterMatch())) return { ok: false, reason: 'signature_invalid' };
  if (parsed.timestamp !== undefined && Math.abs(nowMs / 1000 - parsed.timestamp) > toleranceSeconds) {
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  }
  return { ok: true, eventId: parsed.eventId, timestamp: parsed.timestamp };
}

const EVENT_ID = /^[\x21-\x7e]{1,256}$/;

/** An id header (printable ASCII, at most 256): the id, or why it cannot be used. */
export function eventIdHeader(headers: Headers, name: string): string | RejectionReason {
  const id = one(headers, name);
  if (isReason(id)) return id;
  return EVENT_ID.test(id) ? id : 'malformed_header';
}
