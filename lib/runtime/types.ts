import type { KeyObject } from 'node:crypto';

/**
 * A scheme configuration as the scheme factories read it: data whose `type` names the scheme, each
 * factory checking its own fields. The typed union of every configuration, `SchemeConfig`, names each
 * catalogue sender, so it is declared above the catalogue (../scheme-config.ts), not here.
 */
export interface SchemeConfigData {
  readonly type: string;
}

/**
 * AWS SNS HTTPS subscriptions: each message is signed by SNS (SignatureVersion 1, SHA1withRSA, or 2,
 * SHA256withRSA) with the certificate at its `SigningCertURL`, fetched only from
 * `https://sns.<region>.amazonaws.com/`. Only messages of the listed topics verify; a
 * `SubscriptionConfirmation` is confirmed only for a listed topic.
 */
export interface SnsSchemeConfig {
  readonly type: 'sns';
  /** The topic ARNs whose messages this source accepts (at least one). */
  readonly topicArns: readonly string[];
}

/**
 * Google Cloud Pub/Sub push subscriptions with authentication: `Authorization: Bearer <OIDC JWT>`,
 * RS256, signed by Google (keys from https://www.googleapis.com/oauth2/v3/certs).
 */
export interface PubSubSchemeConfig {
  readonly type: 'pubsub';
  /** The audience configured on the push subscription (default there: the push endpoint URL). */
  readonly audience: string;
  /** The service account the push subscription authenticates as. */
  readonly serviceAccountEmail: string;
}

/**
 * Plaid: `Plaid-Verification` ES256 JWT; its `kid` is resolved through Plaid's
 * `/webhook_verification_key/get`, which needs the Plaid API secret: the source's secret holds it.
 */
export interface PlaidSchemeConfig {
  readonly type: 'plaid';
  /** The Plaid API client id (an identifier, not a secret). */
  readonly clientId: string;
  /** @default 'production' */
  readonly environment?: 'production' | 'sandbox';
}

/**
 * PayPal: `PAYPAL-TRANSMISSION-SIG` (SHA256withRSA) over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>`, with the certificate at
 * `PAYPAL-CERT-URL`, fetched only from PayPal's API host.
 */
export interface PayPalSchemeConfig {
  readonly type: 'paypal';
  /** The webhook's id as PayPal shows it (signed in every delivery). */
  readonly webhookId: string;
  /** @default 'live' */
  readonly environment?: 'live' | 'sandbox';
}

/**
 * Apple App Store Server Notifications V2: `{"signedPayload":"<JWS>"}`, ES256 with an `x5c` chain to
 * Apple Root CA - G3 (pinned in the package: the source has no secret). Only notifications for this
 * app and environment verify.
 */
export interface AppleAppStoreSchemeConfig {
  readonly type: 'apple-app-store';
  /** The app's bundle identifier (`data.bundleId` in every notification). */
  readonly bundleId: string;
  /** @default 'Production' */
  readonly environment?: 'Production' | 'Sandbox';
  /** The app's Apple ID, checked in Production notifications when given (as Apple's library does). */
  readonly appAppleId?: number;
}

/**
 * Salesforce outbound messages (SOAP, unsigned): the `OrganizationId` every message carries must be
 * this org's. Nothing binds the body: restrict the route to Salesforce (mTLS or an IP allowlist).
 */
export interface SalesforceSchemeConfig {
  readonly type: 'salesforce';
  /** The org id (`00D…`), 15 or 18 characters, as Setup → Company Information shows it. */
  readonly organizationId: string;
}

/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature` (space-separated `v1,<base64>` entries), HMAC-SHA256 over `id.timestamp.body`.
 * Svix sends the same scheme under `svix-*` header names.
 */
export interface StandardWebhooksSchemeConfig {
  readonly type: 'standard-webhooks';
  /** @default 'webhook' */
  readonly headerPrefix?: 'webhook' | 'svix';
}

/**
 * Okta event hooks authenticate with a header whose name and value the Okta admin chooses ("Authentication
 * field" and "Authentication secret"): the value is the source's key, the name given here.
 */
export interface OktaSchemeConfig {
  readonly type: 'okta';
  /** @default 'Authorization' */
  readonly authorizationHeader?: string;
}

/**
 * Strapi webhooks and Supabase database webhooks carry a token in a header the user configures on the
 * webhook: `Authorization: Bearer <token>` by default; with `authorizationHeader`, that header's whole
 * value is the token (the source's key).
 */
export interface HeaderTokenSchemeConfig {
  readonly type: 'strapi' | 'supabase';
  /** @default 'Authorization' (its value `Bearer <token>`) */
  readonly authorizationHeader?: string;
}

/**
 * Any sender that signs with an HMAC in a header: the raw body, `<timestamp><separator><body>`, or a
 * template of the signed string for senders that sign something else (see `template`).
 */
export interface GenericHmacSchemeConfig {
  readonly type: 'hmac';
  readonly algorithm: 'sha256' | 'sha512' | 'sha1';
  /** The header carrying the signature, e.g. `X-Signature`. */
  readonly signatureHeader: string;
  /** Text before the signature in the header, e.g. `sha256=`. @default '' */
  readonly prefix?: string;
  /**
   * With a template: the signature header is a list of `name=value` entries (Stripe's
   * `t=<t>,v1=<sig>`) and the signatures are the entries of this name (several while a sender rolls
   * its secret; entries of other names are skipped). Not with `prefix`.
   */
  readonly signatureKey?: string;
  /** With `signatureKey`: the list entry holding the timestamp (Stripe's `t`), instead of a `timestampHeader`. */
  readonly timestampKey?: string;
  /** With `signatureKey`: what separates the entries (Paddle's `;`). @default ',' */
  readonly listSeparator?: string;
  /** `base64url` is read padded or not, and written without padding. */
  readonly encoding: 'hex' | 'base64' | 'base64url';
  /**
   * `body`, `timestamp-body` (`<timestamp><separator><body>`), or `template` (the signed string is
   * spelled out by `template`).
   */
  readonly signedContent: 'body' | 'timestamp-body' | 'template';
  /** With `timestamp-body` only. @default '.' */
  readonly separator?: string;
  /**
   * The signed string, with `signedContent: 'template'`: literal text and the placeholders `{body}`
   * (the raw body, at most once), `{timestamp}` (the `timestampHeader` value as sent), `{url}` (the
   * full public URL), `{method}` (upper case), `{header:Name}` (that header's value, required on every
   * request); `{{` and `}}` are literal braces. E.g. Slack's `v0:{timestamp}:{body}`. Without
   * `{body}` the body is not bound (`bodyBinding: 'unsigned'`) and duplicates key on the signed string.
   */
  readonly template?: string;
  /**
   * The header with the timestamp: required with `timestamp-body`, and with a template that signs
   * `{timestamp}`; refused otherwise (it would check a timestamp the signature does not cover).
   */
  readonly timestampHeader?: string;
  /** How the timestamp is written: unix seconds, unix milliseconds, or an RFC 3339 instant. @default 'unix' */
  readonly timestampFormat?: 'unix' | 'unix-ms' | 'iso8601';
  /** The replay window around the signed timestamp, 1 to 3600 seconds. @default 300 */
  readonly toleranceSeconds?: number;
  /**
   * A header with the sender's delivery or event id. Not covered by the signature, it travels as
   * `unsignedEventId` and never keys duplicate detection; required when set, except with a template,
   * where it is read when present, unless the template signs it (`{header:Name}`): then it is
   * required, travels as the signed `eventId` and keys duplicates.
   */
  readonly eventIdHeader?: string;
  /**
   * A header naming the event type, forwarded when present as `unsignedEventType` (not covered by the
   * signature).
   */
  readonly eventTypeHeader?: string;
  /** @default ['application/json'] */
  readonly contentTypes?: readonly string[];
}

/** Header values as API Gateway, Node's http module or a framework hands them over. */
export type HeaderInput = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  readonly headers: HeaderInput;
  /**
   * The raw body exactly as received, never re-encoded. A scheme that reads fields from it (Twilio's
   * form, Mailgun's, SNS's JSON) reads it as strict UTF-8, a BOM kept, and refuses a body with no one
   * exact reading (`malformed_body`).
   */
  readonly body: string | Uint8Array;
  /** The full public URL the sender posted to (needed only by URL-signing schemes: Twilio, Square, HubSpot). */
  readonly url?: string;
  /** The HTTP method, for schemes that sign it (HubSpot). @default 'POST' */
  readonly method?: string;
}

/**
 * Every reason a request can be rejected for. The set is stable: values are only ever added.
 * - `missing_header`: a header the scheme requires is absent or empty.
 * - `duplicate_header`: a scheme header was sent more than once (ambiguous, so refused).
 * - `malformed_header`: a scheme header does not parse (id, signature list, encoding).
 * - `malformed_timestamp`: the timestamp header is not a plausible unix time in seconds.
 * - `signature_invalid`: no signature matches any currently valid key.
 * - `timestamp_out_of_tolerance`: signature valid, but too old or too far in the future (replay).
 * - `no_active_key`: no key is currently valid (misconfiguration; the request cannot be verified).
 * - `not_allowed`: the signature verified, but what it vouches for is not what this source accepts
 *   (an SNS topic not in the allow-list, a token for another audience or service account).
 * - `malformed_body`: the scheme reads the body (form fields, JSON) and it has no one exact reading:
 *   not UTF-8, or a form a consumer would split into other fields than the ones signed (an empty or
 *   repeated pair in a Twilio form). Refused rather than read one way here and another by the consumer.
 */
export type RejectionReason =
  | 'missing_header'
  | 'duplicate_header'
  | 'malformed_header'
  | 'malformed_timestamp'
  | 'signature_invalid'
  | 'timestamp_out_of_tolerance'
  | 'no_active_key'
  | 'not_allowed'
  | 'malformed_body';

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'missing_header',
  'duplicate_header',
  'malformed_header',
  'malformed_timestamp',
  'signature_invalid',
  'timestamp_out_of_tolerance',
  'no_active_key',
  'not_allowed',
  'malformed_body',
];

/**
 * How much of the body a verified delivery's signature vouches for:
 * - `signed`: every byte of the raw body (an HMAC or signature over it, or over its SHA-256).
 * - `partial`: some of it: what the sender signs is read from the body (Mailgun's `timestamp` and
 *   `token`, SNS's message fields, Twilio's sorted form parameters as one string), or the body is
 *   bound only through a checksum anyone can forge (PayPal's CRC32). What the rest says is not
 *   vouched for; each sender's row in docs/senders.md says what is.
 * - `unsigned`: none of it: a shared token (GitLab, Okta) or a bearer token (Google Pub/Sub) proves
 *   who sent the request, not what it carries.
 */
export type BodyBinding = 'signed' | 'partial' | 'unsigned';

export const BODY_BINDINGS: readonly BodyBinding[] = ['signed', 'partial', 'unsigned'];

/**
 * A delivery whose signature verified. Fields named `unsigned…` come from headers the signature does
 * not cover: whoever holds a captured delivery can resend it with any value there, so use them for
 * tracing and routing hints, never to decide whether an event is new or trustworthy.
 */
export interface VerifiedWebhook {
  readonly ok: true;
  /**
   * The sender's event id, present only when the signature covers it (Standard Webhooks/Svix
   * `webhook-id`). A consumer may trust it and deduplicate on it.
   */
  readonly eventId?: string;
  /** The signed unix timestamp (seconds), when the scheme signs one. */
  readonly timestamp?: number;
  /**
   * A delivery or event id from a header the signature does not cover (GitHub `X-GitHub-Delivery`,
   * Shopify `X-Shopify-Webhook-Id`, Twilio `I-Twilio-Idempotency-Token`, a generic `eventIdHeader`).
   */
  readonly unsignedEventId?: string;
  /**
   * The event type from a header the signature does not cover (GitHub `X-GitHub-Event`, Shopify
   * `X-Shopify-Topic`, a generic `eventTypeHeader`).
   */
  readonly unsignedEventType?: string;
  /**
   * What duplicate detection keys on, built from signed material only and the same for every
   * spelling of the same signed content: the signed event id where there is one; else, where the
   * signature covers a canonical form rather than the raw body (Twilio's sorted form parameters),
   * `signed-sha256:<hex>` of that form; else `sha256:<hex>` of the raw body (senders resend the same
   * body when they retry, under a new timestamp). Two deliveries of byte-identical signed content
   * (the same Shopify payload under two topics) share a key. Computed on first read.
   */
  readonly dedupeKey: string;
  /** SHA-256 (hex) of the raw body. Computed on first read, once. */
  readonly payloadSha256: string;
  /**
   * How much of the body the signature vouches for (see {@link BodyBinding}). Only with `signed` is
   * every byte of the body (and so `payloadSha256`) the sender's; a Twilio JSON delivery, bound by
   * the signed `bodySHA256`, is `signed` where its form deliveries are `partial`.
   */
  readonly bodyBinding: BodyBinding;
  /**
   * Every metadata value the sender sent with the delivery, under one naming scheme: keys starting
   * `signed.` are covered by the signature (`signed.eventId`, Twitch's `signed.messageId`), keys
   * starting `unsigned.` are not (`unsigned.eventId`, `unsigned.eventType`, `unsigned.attempt`,
   * `unsigned.shopDomain`, ...). In the order the scheme declares them; empty when there is none.
   */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface RejectedWebhook {
  readonly ok: false;
  readonly reason: RejectionReason;
}

export type VerifyResult = VerifiedWebhook | RejectedWebhook;

/**
 * A mistake in how the verifier is set up, never in a request: a malformed or too short secret, a
 * `now` or tolerance that is not a finite number, no URL for a scheme that signs it. Thrown (by
 * `new WebhookVerifier`, `verifyWebhook` and `verifyWithKeys`) rather than returned as a rejection, so
 * it cannot pass for a sender's fault. Its message never contains a secret.
 */
export class WebhookConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConfigurationError';
  }
}

/** A decoded key and the moment (epoch ms) after which it must no longer verify anything. */
export interface ActiveKey {
  /**
   * The key: bytes for an HMAC (or a shared token), or a public `KeyObject` for a sender that signs
   * with a private key (Ed25519, ECDSA, RSA). A scheme uses only the kind it verifies with and skips
   * the other (Standard Webhooks takes both during a migration). A scheme may derive state from a
   * `Buffer` once and keep it while the `Buffer` lives, so a new key needs a new `Buffer`: never
   * overwrite (or zero) one in place and pass it again.
   */
  readonly key: Buffer | KeyObject;
  readonly notAfterMs: number;
}
