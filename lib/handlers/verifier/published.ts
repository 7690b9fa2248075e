import { httpsFetcher, KeyFetcher, PublishedKeyCache } from '../../runtime/published-keys';
import { fetchPublishedKeys } from './stages/published-keys';
import type { VerifierDeps } from './stages/context';

/** What the published-key senders' bundles give the verifier: the key cache, an HTTPS fetcher, and the stage that uses them. */
export function publishedKeys(fetch: KeyFetcher = httpsFetcher()): NonNullable<VerifierDeps['published']> {
  return { cache: (source, options) => new PublishedKeyCache(source, options), fetch, keys: fetchPublishedKeys };
}
