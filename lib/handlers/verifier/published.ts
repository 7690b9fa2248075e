import { httpsFetcher, KeyFetcher, PublishedKeyCache } from '../../runtime/published-keys';
import type { VerifierDeps } from './verifier';

/** What the published-key senders' bundles give the verifier: the key cache and an HTTPS fetcher. */
export function publishedKeys(fetch: KeyFetcher = httpsFetcher()): NonNullable<VerifierDeps['published']> {
  return { cache: (source, options) => new PublishedKeyCache(source, options), fetch };
}
