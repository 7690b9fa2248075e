import type { KeyObject } from 'node:crypto';
import { ActiveKey, REJECTION_REASONS, RejectionReason, WebhookRequest } from './types';

/** One HTTPS request the verifier makes to a sender's pinned host (a certificate, a key set, a confirmation). */
export interface FetchRequest {
  readonly url: string;
  /** @default 'GET' */
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface FetchResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * How the verifier reaches a sender's published keys. The default is {@link httpsFetcher}; tests and
 * users with their own HTTP stack inject another. It must not follow redirects (a pinned host could
 * otherwise hand the request to any host).
 */
export type KeyFetcher = (request: FetchRequest) => Promise<FetchResponse>;

/** A public key a sender published, and when it stops verifying (a certificate's notAfter; Infinity if never). */
export interface PublishedKey {
  readonly key: KeyObject;
  readonly notAfterMs: number;
}

/**
 * Where a sender that signs with a private key publishes the public one (SNS and PayPal certificates,
 * Plaid's and Google's key sets). Both methods are the scheme's: they know the sender's pinned hosts.
 */
export interface PublishedKeySource {
  /**
   * Whether the key endpoint needs a credential (Plaid's API secret), kept as the source's secret.
   * Where false, the source has no secret at all.
   */
  readonly needsCredential: boolean;
  /**
   * The key the request names, as the id it is cached under (a certificate URL, a `kid`), checked
   * against the sender's pinned hosts and patterns before anything is fetched; or why the request
   * names none that may be used. Pure and synchronous; never throws for sender input.
   */
  reference(request: WebhookRequest): string | RejectionReason;
  /**
   * Fetches the keys for `reference` through `fetch` and returns every key the document holds (a key
   * set holds several), by reference. Throws on anything unexpected: a status other than 200, a body
   * that does not parse, a certificate out of its validity or not issued to the sender's host. A
   * fetch failure is never an accept. `credential` is the source's secret, for senders whose key
   * endpoint needs one (Plaid's API secret).
   */
  load(reference: string, fetch: KeyFetcher, nowMs: number, credential?: string): Promise<ReadonlyMap<string, PublishedKey>>;
}

/** Fetching a sender's published keys failed: the request is answered 5xx (the sender retries), never accepted. */
export class KeyFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyFetchError';
  }
}

export interface PublishedKeyCacheOptions {
  /** @default httpsFetcher() */
  readonly fetch?: KeyFetcher;
  /** How long fetched keys are used before they are fetched again. @default 1 hour */
  readonly ttlMs?: number;
  /**
   * At most one fetch per this interval for a key the cache does not hold (an unknown `kid` or
   * certificate URL), so requests naming junk keys cannot make the verifier fetch per request.
   * @default 60 seconds
   */
  readonly missRefreshIntervalMs?: number;
  /** When a fetch fails, keys fetched before keep verifying for this long after they were fetched. @default 24 hours */
  readonly maxStaleMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly key: PublishedKey;
  readonly fetchedAt: number;
}

/**
 * A sender's published keys, cached per container with the secret cache's discipline: a key is
 * fetched when first named and again after the TTL; a key the cache does not hold is fetched at most
 * once per `missRefreshIntervalMs` (then the request is rejected `signature_invalid`); concurrent
 * requests for one reference share one fetch; a failed fetch is a {@link KeyFetchError} (5xx), except
 * that a key fetched before keeps verifying until it is `maxStaleMs` old.
 */
export class PublishedKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<void>>();
  private lastMissFetch = Number.NEGATIVE_INFINITY;
  // After a failed refresh, stale keys are served without another attempt until then.
  private retryRefreshAt = Number.NEGATIVE_INFINITY;
  private readonly fetch: KeyFetcher;
  private readonly ttlMs: number;
  private readonly missRefreshIntervalMs: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: PublishedKeySource,
    options: PublishedKeyCacheOptions = {},
  ) {
    this.fetch = options.fetch ?? httpsFetcher();
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.missRefreshIntervalMs = options.missRefreshIntervalMs ?? 60_000;
    this.maxStaleMs = options.maxStaleMs ?? 86_400_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The key that verifies `request`, as the one active key to verify it with; a rejection when the
   * request names no usable key or one the sender does not publish. Throws a {@link KeyFetchError}
   * when the key could not be fetched.
   */
  async keysFor(request: WebhookRequest, credential?: string): Promise<readonly ActiveKey[] | RejectionReason> {
    const reference = this.source.reference(request);
    if (!isReference(reference)) return reference;
    const now = this.now();
    let entry = this.entries.get(reference);
    if (entry && now - entry.fetchedAt >= this.ttlMs) {
      const stale = now - entry.fetchedAt >= this.maxStaleMs;
      // A refresh failed a moment ago: serve the key (while not too stale) rather than hold every
      // request behind another doomed fetch.
      if (stale || now >= this.retryRefreshAt) {
        try {
          await this.load(reference, credential);
        } catch (error) {
          this.retryRefreshAt = now + this.missRefreshIntervalMs;
          if (stale) throw asFetchError(error);
        }
      }
      entry = this.entries.get(reference);
    } else if (!entry) {
      if (!this.inflight.has(reference)) {
        if (now - this.lastMissFetch < this.missRefreshIntervalMs) return 'signature_invalid';
        this.lastMissFetch = now;
      }
      try {
        await this.load(reference, credential);
      } catch (error) {
        throw asFetchError(error);
      }
      entry = this.entries.get(reference);
    }
    if (!entry) return 'signature_invalid';
    return [{ key: entry.key.key, notAfterMs: entry.key.notAfterMs }];
  }

  private load(reference: string, credential: string | undefined): Promise<void> {
    let pending = this.inflight.get(reference);
    if (!pending) {
      pending = this.source
        .load(reference, this.fetch, this.now(), credential)
        .then((keys) => {
          const fetchedAt = this.now();
          // A key the sender no longer publishes (expired, dropped from its set) stops verifying.
          if (!keys.has(reference)) this.entries.delete(reference);
          for (const [id, key] of keys) this.entries.set(id, { key, fetchedAt });
        })
        .finally(() => this.inflight.delete(reference));
      this.inflight.set(reference, pending);
    }
    return pending;
  }
}

function isReference(value: string | RejectionReason): value is string {
  return !REASONS.has(value);
}

const REASONS = new Set<string>(REJECTION_REASONS);

function asFetchError(error: unknown): KeyFetchError {
  return error instanceof KeyFetchError ? error : new KeyFetchError('fetching the sender\'s published key failed', { cause: error });
}

export interface HttpsFetcherOptions {
  /** Abort after this long. @default 2000 */
  readonly timeoutMs?: number;
  /** Refuse a larger response. @default 65536 */
  readonly maxBytes?: number;
}

/**
 * The default {@link KeyFetcher}: Node's `fetch`, HTTPS only, redirects refused, a short timeout and
 * a size limit. Certificates come over TLS from the pinned host, so the host's own certificate
 * (checked by Node against its CA store) is what vouches for them. Lambda functions outside a VPC
 * reach the internet; inside one they need a NAT gateway.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): KeyFetcher {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxBytes = options.maxBytes ?? 65536;
  return async (request) => {
    if (!request.url.startsWith('https://')) throw new KeyFetchError('only https URLs are fetched');
    // Node's fetch checks the host's certificate against its CA store; redirects are refused.
    const response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxBytes) throw new KeyFetchError(`the response is larger than ${maxBytes} bytes`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new KeyFetchError(`the response is larger than ${maxBytes} bytes`);
    return { status: response.status, body: bytes.toString('utf8') };
  };
}
