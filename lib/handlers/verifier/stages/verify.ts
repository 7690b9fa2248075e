import { randomUUID } from 'node:crypto';
import type { ActiveKey } from '../../../runtime/types';
import { verifyWithKeys } from '../../../runtime/verify-with-keys';
import { Answered, Delivery, isAnswered, refuse, Signed, Verified, Verifier } from './context';

/*
 * The verification stage: the scheme checks the signature (in constant time) and the signed
 * timestamp against the tolerance, with the keys of the source's secret, or the one published key
 * the request names (published-keys.ts).
 */

/**
 * The verified request, or its refusal: 400 malformed, 401 forged or stale; 503 when a published
 * key could not be had. One signature that matches no cached key re-reads the secret (at most once
 * per interval), so a fresh rotation is picked up at once.
 */
export async function verify(v: Verifier, d: Delivery, signed: Signed, keys: readonly ActiveKey[]): Promise<Answered | Verified> {
  const { scheme, config, published, now } = v;
  const { request } = signed;
  const { size } = d;
  if (published) {
    const resolved = await v.deps.published!.keys(v, d, request, keys);
    if (isAnswered(resolved)) return resolved;
    keys = resolved;
  }
  let result = verifyWithKeys(scheme, request, keys, now(), config.toleranceSeconds);
  if (v.usesSecret && !published && !result.ok && result.reason === 'signature_invalid') {
    const fresh = await v.cache.refreshAfterMiss();
    if (fresh) result = verifyWithKeys(scheme, request, fresh, now(), config.toleranceSeconds);
  }
  if (!result.ok) return refuse(d, result.reason, size);
  // Duplicates are keyed on signed material only (the scheme contract: a signed event id, the raw
  // body's hash, or the hash of the canonical form the signature covers), so neither a respelling of
  // a signed request nor an unsigned header a replayer can change makes a captured delivery new.
  const { payloadSha256, eventId, unsignedEventId, unsignedEventType } = result;
  return {
    result,
    mediaType: signed.mediaType,
    audit: { eventId, unsignedEventId, unsignedEventType, payloadSha256, size },
    recordKey: `${config.source}#${result.dedupeKey}`,
    claimToken: randomUUID(),
    // Asked of the scheme before anything is claimed or queued, so a scheme that cannot answer leaves nothing behind.
    acknowledgement: scheme.acknowledge?.(result),
  };
}
