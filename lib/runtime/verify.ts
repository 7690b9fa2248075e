import { Scheme } from './schemes/scheme';
import { SchemeConfig } from './scheme-config';
import { ActiveKey, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from './types';
import { ALIASES, SENDERS } from './schemes/catalogue';
import { ALIAS_KEYS_GENERATED, CORE_TYPES, coreScheme, GENERIC_TYPES } from './schemes/core';
import { genericScheme } from './schemes/hmac';
import { firstScheme, senderFactory } from './schemes/factory';
import { SenderEntry } from './schemes/sender';
import { ImmediateAnswer, SignInput } from './schemes/scheme';
import { httpsFetcher, KeyFetcher, PublishedKeyCache, PublishedKeyCacheOptions } from './published-keys';
import { checkNow, checkTolerance } from './verify-with-keys';

export { verifyWithKeys } from './verify-with-keys';

/** Every scheme type name `schemeFor` knows: the families, the catalogue's senders and its aliases. */
export const SCHEME_TYPES: readonly string[] = [...CORE_TYPES, ...GENERIC_TYPES, ...Object.keys(SENDERS)].sort();

/**
 * Whether a scheme type's sender issues the signing key itself (so it is imported, never generated):
 * Stripe, Slack, Shopify, Twilio, the Standard Webhooks senders known by name (OpenAI, Clerk, Resend),
 * and every catalogue sender whose row says so.
 */
export function keyIssuedBySender(type: string): boolean {
  if (Object.prototype.hasOwnProperty.call(SENDERS, type)) return (SENDERS as Record<string, SenderEntry>)[type].issuesKey;
  return ['stripe', 'slack', 'shopify', 'twilio'].includes(type) || (Object.prototype.hasOwnProperty.call(ALIASES, type) && !ALIAS_KEYS_GENERATED.includes(type));
}

const catalogueScheme = senderFactory(SENDERS);

/** Builds the scheme implementation for a scheme config. Do it once and keep it. */
export function schemeFor(config: SchemeConfig): Scheme {
  return firstScheme([coreScheme, genericScheme, catalogueScheme], config, () => SCHEME_TYPES);
}

export interface WebhookVerifierOptions {
  readonly scheme: SchemeConfig | Scheme;
  /** The secrets that are valid now, as the sender shows them (e.g. `whsec_...`). Current first. */
  readonly secrets: readonly string[];
  /**
   * Replay tolerance in seconds, both directions: a finite number ≥ 0.
   * @default the scheme's (300 s where a timestamp is signed)
   */
  readonly toleranceSeconds?: number;
}

export interface VerifyOptions extends WebhookVerifierOptions {
  /** The time to check timestamps against. @default Date.now() */
  readonly now?: number | Date;
}

/**
 * A verifier prepared once per sender, the shape svix's `new Webhook(secret)` and octokit's
 * `new Webhooks({ secret })` have: the scheme is built and every secret decoded at construction, so
 * `verify` does only the per-request work.
 *
 * ```ts
 * const stripe = new WebhookVerifier({ scheme: { type: 'stripe' }, secrets: [process.env...] });
 * const result = stripe.verify({ headers: req.headersDistinct, body: rawBody });
 * if (!result.ok) return res.status(result.reason === 'signature_invalid' ? 401 : 400).end();
 * ```
 *
 * Configuration mistakes throw a {@link WebhookConfigurationError}: the constructor throws for a
 * malformed or too short secret (at least 16 characters; Standard Webhooks: `whsec_` and 24 to 64
 * bytes of base64) or a tolerance that is not a finite number ≥ 0; `verify` throws for a
 * `now` that is not a valid time, and for a URL-signing scheme (Twilio) called without `url`.
 * Anything a sender controls is answered with `{ ok: false, reason }`, never an exception; with an
 * empty `secrets` every request is answered `no_active_key`.
 *
 * `verify` is synchronous; one instance serves every request of a process.
 */
export class WebhookVerifier {
  private readonly scheme: Scheme;
  private readonly keys: readonly ActiveKey[];
  private readonly toleranceSeconds: number;

  constructor(options: WebhookVerifierOptions) {
    this.scheme = isScheme(options.scheme) ? options.scheme : schemeFor(options.scheme);
    if (this.scheme.published) {
      throw new WebhookConfigurationError('this sender publishes its keys, which are fetched per request: use PublishedKeyVerifier, whose verify is async');
    }
    if (!Array.isArray(options.secrets)) throw new WebhookConfigurationError('secrets must be an array of the secrets valid now, current first');
    this.keys = options.secrets.map((s) => ({ key: this.scheme.decodeKey(s), notAfterMs: Number.POSITIVE_INFINITY }));
    this.toleranceSeconds = checkTolerance(options.toleranceSeconds ?? this.scheme.defaultToleranceSeconds ?? 0);
  }

  /** Verifies one delivery against the secrets, at `now` (default: the current time). */
  verify(request: WebhookRequest, now: number | Date = Date.now()): VerifyResult {
    return this.scheme.verify(request, this.keys, checkNow(typeof now === 'number' ? now : now instanceof Date ? now.getTime() : Number.NaN), this.toleranceSeconds);
  }
}

/**
 * Verifies one webhook delivery: signature over the raw body in constant time against every given
 * secret, then the timestamp against the tolerance. The one-shot form of {@link WebhookVerifier}: it
 * builds the scheme and decodes every secret on each call, so keep a `WebhookVerifier` where requests
 * repeat. Throws a {@link WebhookConfigurationError} for configuration mistakes (see there), never
 * for anything a sender controls.
 */
export function verifyWebhook(request: WebhookRequest, options: VerifyOptions): VerifyResult {
  return new WebhookVerifier(options).verify(request, options.now);
}

export interface PublishedKeyVerifierOptions {
  /** A sender that publishes its keys: `sns`, `paypal`, `plaid`, `pubsub`. */
  readonly scheme: SchemeConfig | Scheme;
  /** The credential the sender's key endpoint needs (Plaid's API secret). @default none */
  readonly credential?: string;
  /**
   * Replay tolerance in seconds, both directions: a finite number ≥ 0.
   * @default the scheme's
   */
  readonly toleranceSeconds?: number;
  /** How keys are fetched and how long they are kept. @default httpsFetcher(), 1 h TTL, one fetch a minute for each unknown key and at most 10 a minute in all */
  readonly cache?: PublishedKeyCacheOptions;
}

/**
 * A verifier for senders that sign with a private key and publish the public one (AWS SNS and PayPal
 * certificates, Plaid's and Google's key sets): the key a request names is fetched from the sender's
 * pinned host the first time, then cached (see {@link PublishedKeyCache}). Keep one per process.
 *
 * ```ts
 * const sns = new PublishedKeyVerifier({ scheme: { type: 'sns', topicArns: [topicArn] } });
 * const result = await sns.verify({ headers: req.headersDistinct, body: rawBody });
 * if (result.ok) await sns.settle(rawBody, result); // confirms a SubscriptionConfirmation, else undefined
 * ```
 *
 * `verify` answers anything a sender controls with `{ ok: false, reason }`; it rejects with a
 * {@link KeyFetchError} when the key could not be fetched, or may not be fetched yet (answer 503 with its
 * `retryAfterSeconds` as Retry-After: the sender retries; never a 4xx, which SNS would not retry).
 */
export class PublishedKeyVerifier {
  private readonly scheme: Scheme;
  private readonly cache: PublishedKeyCache;
  private readonly fetch: KeyFetcher;
  private readonly credential?: string;
  private readonly toleranceSeconds: number;

  constructor(options: PublishedKeyVerifierOptions) {
    this.scheme = isScheme(options.scheme) ? options.scheme : schemeFor(options.scheme);
    const source = this.scheme.published;
    if (!source) throw new WebhookConfigurationError('this sender does not publish its keys: use WebhookVerifier with its secrets');
    if (source.needsCredential && !options.credential) throw new WebhookConfigurationError('this sender\'s key endpoint needs a credential (Plaid: the API secret): give credential');
    this.fetch = options.cache?.fetch ?? httpsFetcher();
    this.cache = new PublishedKeyCache(source, { ...options.cache, fetch: this.fetch });
    this.credential = options.credential;
    this.toleranceSeconds = checkTolerance(options.toleranceSeconds ?? this.scheme.defaultToleranceSeconds ?? 0);
  }

  /** Verifies one delivery with the key it names, fetched when not cached, at `now` (default: the current time). */
  async verify(request: WebhookRequest, now: number | Date = Date.now()): Promise<VerifyResult> {
    const nowMs = checkNow(typeof now === 'number' ? now : now instanceof Date ? now.getTime() : Number.NaN);
    const resolved = await this.cache.keysFor(request, this.credential);
    if (resolved.kind === 'rejected') return { ok: false, reason: resolved.reason };
    return this.scheme.verify(request, resolved.keys, nowMs, this.toleranceSeconds);
  }

  /**
   * For a verified delivery the sender expects settled rather than processed (SNS's
   * `SubscriptionConfirmation`): makes the call back and returns the answer to give; undefined for a
   * delivery to process. Rejects when the call fails (answer 5xx).
   */
  settle(body: string | Uint8Array, verified: VerifiedWebhook): Promise<ImmediateAnswer> | undefined {
    return this.scheme.settle?.(body, verified, this.fetch);
  }
}

export interface SignOptions extends SignInput {
  readonly scheme: SchemeConfig | Scheme;
  /** The secret as the sender shows it. */
  readonly secret: string;
}

/**
 * The headers a sender would send with a delivery, signed as that sender signs: for local testing
 * (the CLI's `sign`, `send`), and for tests of your own consumer. Throws a
 * {@link WebhookConfigurationError} for a malformed secret, or a URL-signing scheme without `url`.
 */
export function signWebhook(options: SignOptions): Record<string, string> {
  const scheme = isScheme(options.scheme) ? options.scheme : schemeFor(options.scheme);
  return scheme.sign(options, options.secret);
}

/**
 * A whole signed delivery, headers and body, as the sender would send it: the body as given, except
 * for senders that sign inside the body (Mailgun), whose signed body is returned. For the CLI's
 * `sign` and `send`, and tests of your own consumer.
 */
export function signDelivery(options: SignOptions): { readonly headers: Record<string, string>; readonly body: string | Uint8Array } {
  const scheme = isScheme(options.scheme) ? options.scheme : schemeFor(options.scheme);
  return scheme.signDelivery ? scheme.signDelivery(options, options.secret) : { headers: scheme.sign(options, options.secret), body: options.body };
}

function isScheme(scheme: SchemeConfig | Scheme): scheme is Scheme {
  return typeof (scheme as Scheme).verify === 'function';
}
