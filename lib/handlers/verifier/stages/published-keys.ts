import type { KeyFetchError, ResolvedKeys } from '../../../runtime/published-keys';
import type { ActiveKey } from '../../../runtime/types';
import { errorFields, PublishedKeysStage, refuse } from './context';

/**
 * The published-keys stage, part of verification (SNS, PayPal, Plaid, Google): the one key the
 * request names, fetched from the sender's pinned host when not cached (the secret, where there is
 * one, is only the credential the key endpoint asks for). A key that could not be fetched, or may not
 * be fetched yet, may be genuine: 503 with Retry-After, never a 4xx (SNS never retries one). A request
 * naming no key it may have is refused as the scheme says. Given to the verifier by those senders'
 * bundles only (../published.ts), so the others carry none of this code.
 */
export const fetchPublishedKeys: PublishedKeysStage = async (v, d, request, keys) => {
  let resolved: ResolvedKeys;
  try {
    resolved = await v.published!.keysFor(request, v.scheme.published!.needsCredential ? credentialOf(keys) : undefined);
  } catch (error) {
    // Read by shape, not instanceof: the other families' bundles carry none of the cache's code.
    const { deferred, retryAfterSeconds } = (error ?? {}) as Partial<KeyFetchError>;
    const retryAfter = typeof retryAfterSeconds === 'number' ? retryAfterSeconds : undefined;
    return d.finish(503, 'SecretUnavailable', { reason: deferred === true ? 'key_fetch_deferred' : 'key_fetch_failed', size: d.size, retryAfterSeconds: retryAfter, ...errorFields(error) });
  }
  return resolved.kind === 'rejected' ? refuse(d, resolved.reason, d.size) : resolved.keys;
};

/** The current credential a published-key sender's key endpoint needs (Plaid's API secret). */
export function credentialOf(keys: readonly ActiveKey[]): string | undefined {
  const current = keys[0]?.key;
  return Buffer.isBuffer(current) ? current.toString('utf8') : undefined;
}
