import { createHmac } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/**
 * HMAC of `prefix` (UTF-8), then `body` (UTF-8 when a string, else its bytes), then `suffix` (UTF-8;
 * for senders that sign something after the body, e.g. Box's timestamp) under `key`, by
 * node:crypto's `createHmac`. A hand-built HMAC was ~0.5 µs faster per call at 1 KiB (≤ 0.02 % of a
 * verifier invocation) and shipped a forgery bug: a security library does not build its own primitive.
 */
export function hmac(algorithm: HmacAlgorithm, key: Buffer, prefix: string, body: string | Uint8Array | undefined, suffix = ''): Buffer {
  const mac = createHmac(algorithm, key);
  if (prefix) mac.update(prefix);
  if (body !== undefined) mac.update(body);
  if (suffix) mac.update(suffix);
  return mac.digest();
}
