import type { KeyObject } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { ActiveKey, RejectionReason, WebhookConfigurationError, WebhookRequest } from './types';

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
 * The key a request names, as the id it is cached under, or why it names none that may be used.
 * Tagged, never a bare string: an id is chosen by whoever sends the request, and a `kid` spelled
 * like a rejection reason must not read as one.
 */
export type KeyReference = { readonly kind: 'reference'; readonly id: string } | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/** The keys a request's reference resolves to, or why it is refused. Tagged, like {@link KeyReference}. */
export type ResolvedKeys = { readonly kind: 'keys'; readonly keys: readonly ActiveKey[] } | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/** A {@link KeyReference} to the key cached under `id`. */
export function keyReference(id: string): KeyReference {
  return { kind: 'reference', id };
}

/** A {@link KeyReference} (or {@link ResolvedKeys}) refusing the request for `reason`. */
export function refusedReference(reason: RejectionReason): { readonly kind: 'rejected'; readonly reason: RejectionReason } {
  return { kind: 'rejected', reason };
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
  reference(request: WebhookRequest): KeyReference;
  /**
   * Fetches the keys for `reference` through `fetch` and returns every key the document holds (a key
   * set holds several), by reference. Throws on anything unexpected: a status other than 200, a body
   * that does not parse, a certificate out of its validity or not issued to the sender's host. A
   * fetch failure is never an accept. `credential` is the source's secret, for senders whose key
   * endpoint needs one (Plaid's API secret).
   */
  load(reference: string, fetch: KeyFetcher, nowMs: number, credential?: string): Promise<ReadonlyMap<string, PublishedKey>>;
}

/**
 * Fetching a sender's published keys failed, or was put off: the request is answered 503 with
 * `Retry-After` (the sender retries), never accepted and never refused with a 4xx (SNS, for one,
 * never retries a 4xx, so a genuine message would be lost).
 */
export class KeyFetchError extends Error {
  /** Whole seconds after which a retry may fetch again (the answer's `Retry-After`), at least 1. */
  readonly retryAfterSeconds: number;
  /** True when nothing was fetched: the fetch budget is spent, or this reference failed a moment ago. */
  readonly deferred: boolean;

  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number; deferred?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KeyFetchError';
    const ms = options.retryAfterMs ?? 1000;
    this.retryAfterSeconds = Number.isFinite(ms) && ms > 1000 ? Math.ceil(ms / 1000) : 1;
    this.deferred = options.deferred ?? false;
  }
}

export interface PublishedKeyCacheOptions {
  /** @default httpsFetcher() */
  readonly fetch?: KeyFetcher;
  /** How long fetched keys are used before they are fetched again. @default 1 hour */
  readonly ttlMs?: number;
  /**
   * At most one fetch per this interval for each key the cache does not hold (an unknown `kid` or
   * certificate URL), so requests naming one junk key cannot make the verifier fetch per request.
   * @default 60 seconds
   */
  readonly missRefreshIntervalMs?: number;
  /**
   * At most this many fetches for keys the cache does not hold, all references together, per
   * `missRefreshIntervalMs`: requests naming ever new junk keys cannot make the verifier fetch
   * without limit. Past it, such requests are answered 503 with `Retry-After`.
   * @default 10
   */
  readonly maxMissFetches?: number;
  /** When a fetch fails, keys fetched before keep verifying for this long after they were fetched. @default 24 hours */
  readonly maxStaleMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly key: PublishedKey;
  readonly fetchedAt: number;
}

/** The last fetch made for a reference the cache still does not hold. */
interface Miss {
  readonly at: number;
  /** The sender answered and does not publish the key (rather than: the fetch failed). */
  readonly absent: boolean;
}

/**
 * A sender's published keys, cached per container with the secret cache's discipline: a key is
 * fetched when first named and again after the TTL; concurrent requests for one reference share one
 * fetch; a failed fetch is a {@link KeyFetchError} (503), except that a key fetched before keeps
 * verifying until it is `maxStaleMs` old.
 *
 * A key the cache does not hold is fetched at most once per `missRefreshIntervalMs` for each
 * reference, and at most `maxMissFetches` times per interval for all references together. Within
 * the interval, a reference the sender answered it does not publish is refused `signature_invalid`;
 * one whose fetch failed, or any new one once the budget is spent, is a deferred
 * {@link KeyFetchError} (503 with `Retry-After`), because it may be genuine: a 4xx loses a genuine
 * delivery for senders that do not retry one (SNS). What a request can change is bounded: the
 * record of misses holds only the references fetched within the interval (at most the budget), and
 * keys are cached only as the sender's pinned host served them, so naming junk keys never evicts
 * a cached one.
 */
export class PublishedKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<void>>();
  // In the order fetched, so the expired ones are at the front.
  private readonly misses = new Map<string, Miss>();
  // When each fetch for a key not held started, oldest first: the budget's window.
  private readonly missFetches: number[] = [];
  // After a failed refresh, stale keys are served without another attempt until then.
  private retryRefreshAt = Number.NEGATIVE_INFINITY;
  private readonly fetch: KeyFetcher;
  private readonly ttlMs: number;
  private readonly missRefreshIntervalMs: number;
  private readonly maxMissFetches: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: PublishedKeySource,
    options: PublishedKeyCacheOptions = {},
  ) {
    this.fetch = options.fetch ?? httpsFetcher();
    this.ttlMs = checkedOption(options.ttlMs, 3_600_000, 'ttlMs');
    this.missRefreshIntervalMs = checkedOption(options.missRefreshIntervalMs, 60_000, 'missRefreshIntervalMs');
    this.maxMissFetches = checkedOption(options.maxMissFetches, 10, 'maxMissFetches', true);
    this.maxStaleMs = checkedOption(options.maxStaleMs, 86_400_000, 'maxStaleMs');
    this.now = options.now ?? Date.now;
  }

  /**
   * The key that verifies `request`, as the one active key to verify it with; a rejection when the
   * request names no usable key or one the sender does not publish. Throws a {@link KeyFetchError}
   * when the key could not be fetched, or may not be fetched yet.
   */
  async keysFor(request: WebhookRequest, credential?: string): Promise<ResolvedKeys> {
    const reference = this.source.reference(request);
    if (reference.kind !== 'reference') return refusedReference(reference.reason);
    const id = reference.id;
    const now = this.now();
    let entry = this.entries.get(id);
    if (entry && now - entry.fetchedAt >= this.ttlMs) {
      const stale = now - entry.fetchedAt >= this.maxStaleMs;
      // A refresh failed a moment ago: serve the key (while not too stale) rather than hold every
      // request behind another doomed fetch, and fetch no more often than that however many ask.
      if (now >= this.retryRefreshAt) {
        try {
          await this.load(id, credential);
        } catch (error) {
          this.retryRefreshAt = now + this.missRefreshIntervalMs;
          if (stale) throw asFetchError(error, this.missRefreshIntervalMs);
        }
      } else if (stale) {
        throw new KeyFetchError('refreshing the sender\'s keys failed a moment ago', { retryAfterMs: this.retryRefreshAt - now, deferred: true });
      }
      entry = this.entries.get(id);
    } else if (!entry) {
      if (!this.inflight.has(id) && !this.admitMissFetch(id, now)) return refusedReference('signature_invalid');
      try {
        await this.load(id, credential);
      } catch (error) {
        this.recordMiss(id, now, false);
        throw asFetchError(error, this.missRefreshIntervalMs);
      }
      entry = this.entries.get(id);
      if (!entry) this.recordMiss(id, now, true);
    }
    if (!entry) return refusedReference('signature_invalid');
    return { kind: 'keys', keys: [{ key: entry.key.key, notAfterMs: entry.key.notAfterMs }] };
  }

  /**
   * Whether a fetch for `id`, a key not held, may go ahead (and counts it): false when the sender
   * said within the interval that it does not publish it; a deferred {@link KeyFetchError} when its
   * fetch failed within the interval, or when the interval's budget is spent.
   */
  private admitMissFetch(id: string, now: number): boolean {
    const interval = this.missRefreshIntervalMs;
    for (const [old, miss] of this.misses) {
      if (now - miss.at < interval) break;
      this.misses.delete(old);
    }
    while (this.missFetches.length > 0 && now - this.missFetches[0] >= interval) this.missFetches.shift();
    const miss = this.misses.get(id);
    if (miss) {
      if (miss.absent) return false;
      throw new KeyFetchError('fetching this key failed a moment ago', { retryAfterMs: miss.at + interval - now, deferred: true });
    }
    if (this.missFetches.length >= this.maxMissFetches) {
      throw new KeyFetchError('too many fetches for keys not held: put off', { retryAfterMs: this.missFetches[0] + interval - now, deferred: true });
    }
    this.missFetches.push(now);
    return true;
  }

  private recordMiss(id: string, at: number, absent: boolean): void {
    this.misses.delete(id);
    this.misses.set(id, { at, absent });
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

/** A non-negative finite option (a whole number of at least 1 with `whole`), or its default; anything else fails closed. */
function checkedOption(value: number | undefined, fallback: number, name: string, whole = false): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0) || (whole && !(Number.isInteger(value) && value >= 1))) {
    throw new WebhookConfigurationError(`${name} must be ${whole ? 'a whole number of at least 1' : 'a finite number of at least 0'}`);
  }
  return value;
}

function asFetchError(error: unknown, retryAfterMs: number): KeyFetchError {
  if (error instanceof KeyFetchError && error.deferred) return error;
  const message = error instanceof KeyFetchError ? error.message : 'fetching the sender\'s published key failed';
  return new KeyFetchError(message, { cause: error, retryAfterMs });
}

export interface HttpsFetcherOptions {
  /** Abort after this long, the whole exchange. @default 2000 */
  readonly timeoutMs?: number;
  /** Refuse a larger response, reading no more of it than that. @default 65536 */
  readonly maxBytes?: number;
  /**
   * Certificate authorities (PEM) trusted instead of Node's CA store: a test's own, or a
   * TLS-inspecting egress proxy's. @default Node's CA store
   */
  readonly ca?: string | string[];
}

/**
 * The default {@link KeyFetcher}: Node's `https`, HTTPS only, redirects not followed (a 3xx is
 * answered as it is, and no scheme takes it), a short timeout and a size limit enforced while
 * reading: past `maxBytes` the connection is destroyed, so a host that streams without end costs
 * at most that much memory. Certificates come over TLS from the pinned host, so the host's own
 * certificate (checked by Node against its CA store, whatever the environment says) is what
 * vouches for them. Lambda functions outside a VPC reach the internet; inside one they need a NAT
 * gateway.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): KeyFetcher {
  const timeoutMs = checkedOption(options.timeoutMs, 2000, 'timeoutMs');
  const maxBytes = checkedOption(options.maxBytes, 65536, 'maxBytes', true);
  const tooLarge = `the response is larger than ${maxBytes} bytes`;
  return (request) =>
    new Promise<FetchResponse>((resolve, reject) => {
      if (!request.url.startsWith('https://')) {
        reject(new KeyFetchError('only https URLs are fetched'));
        return;
      }
      const fail = (message: string, cause?: unknown) => {
        reject(new KeyFetchError(message, { cause }));
        outgoing.destroy();
      };
      const outgoing = httpsRequest(
        request.url,
        { method: request.method ?? 'GET', headers: request.headers, ca: options.ca, rejectUnauthorized: true, signal: AbortSignal.timeout(timeoutMs) },
        (response) => {
          if (Number(response.headers['content-length']) > maxBytes) return fail(tooLarge);
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) return fail(tooLarge);
            chunks.push(chunk);
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', (error) => fail('reading the response failed', error));
          response.on('close', () => {
            if (!response.complete) fail('the response was cut short');
          });
        },
      );
      outgoing.on('error', (error) => fail('the request failed', error));
      outgoing.end(request.body);
    });
}
