import { ActiveKey } from '../../runtime';

/** A key as the sender knows it, and when it stops verifying (epoch ms; Infinity for the current key). */
export interface KeyString {
  readonly key: string;
  readonly notAfterMs: number;
}

export interface KeyCacheOptions {
  /** Reads the keys that are valid now from Secrets Manager. */
  readonly load: () => Promise<readonly KeyString[]>;
  /** Turns a secret into key bytes (or a published public key into a KeyObject); throws on a malformed one. */
  readonly decode: (secret: string) => ActiveKey['key'];
  /** How long loaded keys are used before the next read. */
  readonly ttlMs: number;
  /** At most one extra read per this interval when a signature matched no cached key. */
  readonly missRefreshIntervalMs: number;
  /** When reads fail, cached keys keep verifying for this long after they were loaded. */
  readonly maxStaleMs: number;
  /** After a failed read, how long to serve cached keys before trying again. */
  readonly retryAfterFailureMs: number;
  readonly now?: () => number;
}

/**
 * The signing keys of one source, cached in memory. Reads Secrets Manager at most once per TTL, once
 * more per interval on a key miss (so a fresh rotation is picked up at once, but an attacker sending
 * junk signatures cannot force a read per request), and rides out a Secrets Manager outage on the
 * cached keys until they go stale. Concurrent callers share one in-flight read.
 */
export class KeyCache {
  private keys?: ActiveKey[];
  private loadedAt = 0;
  private lastMissRefresh = Number.NEGATIVE_INFINITY;
  private nextAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<ActiveKey[]>;
  private readonly now: () => number;

  constructor(private readonly options: KeyCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached keys, reading them first if the TTL has passed. Throws only if nothing usable is cached. */
  async get(): Promise<readonly ActiveKey[]> {
    const now = this.now();
    if (this.keys && now - this.loadedAt < this.options.ttlMs) return this.keys;
    const usable = this.keys && now - this.loadedAt < this.options.maxStaleMs;
    // A read failed a moment ago: do not queue every request behind another doomed call.
    if (usable && now < this.nextAttemptAt) return this.keys!;
    try {
      return await this.refresh();
    } catch (error) {
      this.nextAttemptAt = now + this.options.retryAfterFailureMs;
      if (usable) return this.keys!;
      throw error;
    }
  }

  /** After a key miss: fresh keys, or undefined when a read is not allowed yet or failed. */
  async refreshAfterMiss(): Promise<readonly ActiveKey[] | undefined> {
    const now = this.now();
    if (now - this.lastMissRefresh < this.options.missRefreshIntervalMs) return undefined;
    this.lastMissRefresh = now;
    try {
      return await this.refresh();
    } catch {
      return undefined;
    }
  }

  private refresh(): Promise<ActiveKey[]> {
    this.inflight ??= this.options.load()
      .then((strings) => {
        const keys = strings.map(({ key, notAfterMs }) => ({ key: this.options.decode(key), notAfterMs }));
        this.keys = keys;
        this.loadedAt = this.now();
        return keys;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
