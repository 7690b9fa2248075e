import { Answered, Delivery, errorFields, Verified, Verifier } from './context';

/*
 * The dedupe stage: the claim of the claim–queue–complete protocol (../dedupe.ts). One claim decides:
 * nothing is queued without it.
 */

/**
 * Claims the verified request's dedupe key for this invocation. Undefined when it is ours (or
 * duplicate detection is off): go on and queue. A completed claim is a duplicate (200, nothing
 * queued); a claim another delivery holds, or one that cannot be made, is a 503.
 */
export async function claim(v: Verifier, d: Delivery, verified: Verified): Promise<Answered | undefined> {
  const { dedupe } = v;
  if (!dedupe) return undefined;
  const { audit } = verified;
  let claimed;
  try {
    claimed = await dedupe.claim(verified.recordKey, verified.claimToken, v.now());
  } catch (error) {
    return dedupeUnavailable(d, verified, error);
  }
  if (claimed.state === 'duplicate') return d.finish(200, 'Duplicate', { reason: 'duplicate', ...audit }, verified.acknowledgement);
  // Another delivery of this event holds the claim: retryable (a 4xx would end SNS's retries), and
  // a duplicate once that one has completed.
  if (claimed.state === 'in_progress') return d.finish(503, 'InProgress', { reason: 'in_progress', ...audit });
  return undefined;
}

/** DynamoDB could not be asked: 503, and nothing is queued or answered. */
export function dedupeUnavailable(d: Delivery, verified: Verified, error: unknown): Answered {
  return d.finish(503, 'DedupeUnavailable', { reason: 'dedupe_unavailable', ...verified.audit, ...errorFields(error) });
}
