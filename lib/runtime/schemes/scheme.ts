import { KeyObject, randomBytes } from 'node:crypto';
import type { KeyFetcher, PublishedKeySource } from '../published-keys';
import { HeaderValue } from '../headers';
import { ActiveKey, BodyBinding, HeaderInput, RejectionReason, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { readHeaders, rejected, SignatureEncoding, SignedContent, verifySigned } from './common';
import { DIGEST_BYTES, hmac, HmacAlgorithm } from './mac';

/** What the verifier needs from one signature scheme. Implementations are pure and synchronous. */
export interface Scheme {
  /** Lower-case header names the scheme cannot verify without. */
  readonly requiredHeaders: readonly string[];
  /** Lower-case names of headers that carry signatures (redacted from WAF logs). */
  readonly signatureHeaders: readonly string[];
  /** Media types (lower case, without parameters) the sender uses for the body. */
  readonly contentTypes: readonly string[];
  /** Default replay tolerance, seconds; undefined when the scheme signs no timestamp. */
  readonly defaultToleranceSeconds?: number;
  /**
   * The largest body the sender sends, in bytes, where that is more than a source's default cap
   * (256 KiB): a sender that never retries a 413 (SNS) must not be capped below it.
   */
  readonly largestBody?: number;
  /** Whether the scheme signs the public URL (the verifier must be told it). */
  readonly signsUrl: boolean;
  /**
   * How much of the body the signature vouches for, at the least (see {@link BodyBinding}): what the
   * sender table (docs/senders.md) says. A verified result says it for its own delivery, which may be more
   * (a Twilio JSON delivery, bound by its signed `bodySHA256`, is `signed`; the scheme is `partial`).
   */
  readonly bodyBinding: BodyBinding;
  /**
   * For a URL-signing scheme: query parameters the sender appends itself to the URL it was given
   * (Twilio's `bodySHA256` for a JSON body), the only ones a request may carry beyond the configured URL's.
   */
  readonly addedQueryParameters?: readonly string[];
  /**
   * Turns a secret as the sender knows it into key bytes, or a public key as the sender publishes it
   * into a public `KeyObject`. Throws a WebhookConfigurationError on a malformed or too short secret
   * or key.
   */
  decodeKey(secret: string): Buffer | KeyObject;
  /** Makes a new random secret in the format the sender expects. */
  generateKey(): string;
  /**
   * Verifies one request against the keys valid at `nowMs`. Never throws for anything a sender
   * controls. Synchronous and not reentrant: an instance reuses its parse state between requests.
   *
   * The contract every scheme keeps: a verified result's `dedupeKey` comes from signed material only
   * (a signed event id, the raw body, or the canonical form the signature covers) and is the same for
   * every spelling of one signed request; an id or type from an unsigned header goes only into the
   * `unsigned…` fields.
   */
  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult;
  /**
   * A verified request the scheme answers itself instead of queueing (Slack's url_verification,
   * Zoom's endpoint.url_validation, Twitch's webhook_callback_verification). Called only after the
   * signature verified; never queued.
   */
  immediateResponse?(body: string | Uint8Array, verified?: VerifiedWebhook, headers?: HeaderInput): ImmediateAnswer | undefined;
  /**
   * A verified request the scheme settles with an outbound call instead of queueing it (SNS's
   * `SubscriptionConfirmation`: fetch its pinned `SubscribeURL`). Undefined for a request to queue.
   * A rejected promise is a 5xx (the sender retries), never an accept.
   */
  settle?(body: string | Uint8Array, verified: VerifiedWebhook, fetch: KeyFetcher): Promise<ImmediateAnswer> | undefined;
  /**
   * For senders that sign with a private key and publish the public one at a URL (SNS, PayPal, Plaid,
   * Google): where the key a request names is fetched from. Such a scheme's `verify` is given the one
   * key the request names, fetched and cached by a `PublishedKeyCache`; its source's secret, if it
   * has one, is a credential for the key endpoint (Plaid), never a verification key.
   */
  readonly published?: PublishedKeySource;
  /**
   * For senders that sign with a private key whose public key is given to the verifier (Ed25519,
   * ECDSA): a fresh key pair in the sender's formats, for tests and the CLI's `sign`. `sign` takes
   * the private key; `decodeKey` the public one.
   */
  generateKeyPair?(): { readonly privateKey: string; readonly publicKey: string };
  /** How the sender checks the endpoint before delivering, where it does (GET challenges included). */
  readonly handshake?: Handshake;
  /** Whether the sender issues the key itself (import it) rather than taking one generated here. */
  readonly issuesKey?: boolean;
  /**
   * For a sender verified against a trust anchor the package carries (Apple's App Store
   * notifications chain to the pinned Apple Root CA - G3): the anchor, in words. Such a scheme takes
   * no key at all (`verify` ignores `keys`, `decodeKey` and `generateKey` throw) and its source has no
   * secret (`KeySource.PUBLISHED`, though nothing is fetched).
   */
  readonly trustAnchor?: string;
  /**
   * For a scheme that takes no key at all (`verify` ignores `keys`): what it checks instead, in words
   * (Apple: its pinned root; Salesforce: the configured `OrganizationId`, as it signs nothing). Its
   * source has no secret (`KeySource.PUBLISHED`, though nothing is fetched).
   */
  readonly keyless?: string;
  /**
   * The sender's credential is inside the body (Microsoft Graph's `clientState`): it travels to the
   * queue with every message. The construct warns at synth.
   */
  readonly credentialInBody?: boolean;
  /**
   * The headers the sender would send with `input`, signed with `secret` (the CLI's `sign`, tests).
   * Throws a WebhookConfigurationError on a malformed secret or a missing URL for URL-signing schemes.
   */
  sign(input: SignInput, secret: string): Record<string, string>;
  /**
   * For senders that sign inside the body (Mailgun): the signed body with its headers. Where absent,
   * the body is sent as given, with `sign`'s headers.
   */
  signDelivery?(input: SignInput, secret: string): { readonly headers: Record<string, string>; readonly body: string | Uint8Array };
  /** How the scheme reads for people (the sender table, docs/senders.md is generated from it). */
  describe?(): SchemeDescription;
  /**
   * The answer a sender expects for a delivery that was queued (or was a duplicate of one), where it
   * expects more than the verifier's `{received: true}` JSON: Salesforce's SOAP `Ack`. Given only after
   * the message is on the queue.
   */
  acknowledge?(verified: VerifiedWebhook): ImmediateAnswer;
}

/** A scheme in words, one line each. */
export interface SchemeDescription {
  /** The header(s), algorithm and encoding, and what is signed in what order. */
  readonly signature: string;
  /** What stops a captured delivery from being replayed. */
  readonly replay: string;
  /** What duplicates are detected on. */
  readonly dedupe: string;
  /** The message attributes the sender's metadata travels as. */
  readonly metadata: readonly string[];
}

/** What a delivery to sign is made of. */
export interface SignInput {
  readonly body: string | Uint8Array;
  /** The full public URL it is posted to (URL-signing schemes). */
  readonly url?: string;
  /** @default 'POST' */
  readonly method?: string;
  /** The event or message id, where the scheme sends one. @default a random id */
  readonly id?: string;
  /** Unix seconds. @default now */
  readonly timestamp?: number;
}

/** A response the verifier gives itself, instead of queueing the request. */
export interface ImmediateAnswer {
  readonly body: string;
  /** @default 'application/json' */
  readonly contentType?: string;
  /**
   * Response headers the sender's handshake expects back (Asana's `X-Hook-Secret` echo). Names are
   * lower case; the verifier's own headers (content type, request id, security headers) win.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A sender's endpoint-verification GET, as the handshake sees it. */
export interface GetRequest {
  readonly headers: HeaderInput;
  /** Query string parameters, every value of each (a repeated parameter is ambiguous: refused). */
  readonly query: Readonly<Record<string, readonly string[] | undefined>>;
  /** The verify token kept beside the key in the source's secret (`verifyToken`), when there is one. */
  readonly verifyToken?: string;
}

/**
 * How a sender checks an endpoint before it delivers to it. `post` answers a verified POST the
 * sender expects answered rather than queued; `get` answers the sender's verification GET, and only
 * when it checks out (a verify token that matches in constant time, a challenge of safe characters):
 * anything else is a rejection. Neither ever reaches the queue.
 */
export interface Handshake {
  /** One line for the docs: what the sender sends and what it gets back. */
  readonly description: string;
  readonly post?: (body: string | Uint8Array, headers: HeaderInput, key: Buffer) => ImmediateAnswer | undefined;
  /**
   * For a sender whose unsigned headers also say what kind of signed POST it is (Twitch's message
   * type): called after the signature verified, a rejection when the signed body is no kind the sender
   * sends or the headers name another kind. `post` decides on the signed body alone, so no unsigned
   * header turns a handshake into a queued message or a message into an answered one; this refuses the
   * request whose header says otherwise rather than letting either reading win.
   */
  readonly agrees?: (body: string | Uint8Array, headers: HeaderInput) => RejectionReason | undefined;
  readonly get?: (request: GetRequest, keys: readonly ActiveKey[], nowMs: number, scheme: Scheme) => ImmediateAnswer | RejectionReason;
  /**
   * The sender checks the URL with a HEAD request before it creates the webhook, and creates it only
   * on a 200 (Trello): answered 200 with no body; nothing is read, stored or queued.
   */
  readonly head?: true;
  /**
   * An unsigned POST the sender makes to check the URL, with nothing in it to keep (WooCommerce's
   * `webhook_id=<id>` ping when a webhook is saved): called only for a POST that carries none of the
   * scheme's signature headers; answered, never queued, nothing stored. Undefined when the request is
   * not that ping.
   */
  readonly unsigned?: (body: string | Uint8Array, headers: HeaderInput, query: Readonly<Record<string, readonly string[] | undefined>>) => ImmediateAnswer | undefined;
  /**
   * A POST the sender makes before it has a key to sign with (Notion sends the verification token
   * that becomes the signing secret): called only for a POST that carries none of the scheme's
   * signature headers, and only while the source's secret awaits its first key. Returns the answer
   * and the value to keep for the operator (stored by the verifier as a version of the source's
   * secret under its own label, never active), or undefined when the request is not that handshake.
   * Never queued; what it captures verifies nothing until an operator puts it as the key.
   */
  readonly capture?: (body: string | Uint8Array, headers: HeaderInput) => { readonly answer: ImmediateAnswer; readonly captured: string } | undefined;
  /**
   * Lower-case names of headers the handshake reads that carry a secret (Asana's `X-Hook-Secret`, the
   * signing key it hands over): redacted from the WAF's logs beside the signature headers.
   */
  readonly secretHeaders?: readonly string[];
}

/** Shared shape of the HMAC schemes: read the required headers, parse, then one constant-time check. */
export abstract class HmacScheme implements Scheme {
  abstract readonly requiredHeaders: readonly string[];
  abstract readonly signatureHeaders: readonly string[];
  abstract readonly contentTypes: readonly string[];
  abstract readonly bodyBinding: BodyBinding;
  /** Lower-case names of headers read when present (at most once each), after the required ones. */
  readonly optionalHeaders: readonly string[] = [];
  readonly defaultToleranceSeconds?: number;
  readonly signsUrl: boolean = false;
  protected readonly signed: SignedContent;
  private readonly algorithm: HmacAlgorithm;
  // Required then optional header names, set on first use (subclasses set their fields after super()).
  private names?: readonly string[];
  // Their values, refilled by every request.
  private readonly values: HeaderValue[] = [];

  /** @param maxSignatures how many signatures one request may carry (several while a sender rolls its secret) */
  constructor(
    algorithm: HmacAlgorithm,
    maxSignatures = 1,
  ) {
    this.signed = new SignedContent(DIGEST_BYTES[algorithm], maxSignatures);
    this.algorithm = algorithm;
  }

  /**
   * Fills `out` from the request, or says why it cannot be. `headers` holds the values of
   * `requiredHeaders` (each present exactly once) followed by those of `optionalHeaders` (each once or
   * undefined), in that order. Never throws for sender input.
   */
  protected abstract parse(headers: readonly (string | undefined)[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined;

  abstract sign(input: SignInput, secret: string): Record<string, string>;

  /** The signature over `prefix`, the body and `suffix` with `secret` decoded as this scheme decodes it. */
  protected mac(secret: string, prefix: string, body: string | Uint8Array | undefined, encoding: SignatureEncoding, suffix = ''): string {
    const key = this.decodeKey(secret);
    if (!Buffer.isBuffer(key)) throw new WebhookConfigurationError('this key verifies; it cannot sign');
    return hmac(this.algorithm, key, prefix, body, suffix).toString(encoding);
  }

  decodeKey(secret: string): Buffer | KeyObject {
    if (typeof secret !== 'string' || secret.length < 16) throw new WebhookConfigurationError('a signing secret must be a string of at least 16 characters');
    return Buffer.from(secret, 'utf8');
  }

  generateKey(): string {
    return randomBytes(32).toString('hex');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const names = (this.names ??= [...this.requiredHeaders, ...this.optionalHeaders]);
    const problem =
      readHeaders(request.headers, names, this.requiredHeaders.length, this.values) ??
      this.parse(this.values as readonly (string | undefined)[], request, this.signed.reset());
    if (problem) return rejected(problem);
    return verifySigned(this.signed, this.algorithm, request.body, keys, nowMs, toleranceSeconds);
  }
}
