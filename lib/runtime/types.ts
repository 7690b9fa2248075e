/** Which signature scheme a source uses, as plain data so it can cross from synth time to the handler. */
export type SchemeConfig =
  | StandardWebhooksSchemeConfig
  | { readonly type: 'stripe' }
  | { readonly type: 'github' }
  | { readonly type: 'slack' }
  | { readonly type: 'shopify' }
  | { readonly type: 'twilio' }
  | GenericHmacSchemeConfig;

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

/** Any sender that signs with an HMAC in a header. */
export interface GenericHmacSchemeConfig {
  readonly type: 'hmac';
  readonly algorithm: 'sha256' | 'sha512' | 'sha1';
  /** The header carrying the signature, e.g. `X-Signature`. */
  readonly signatureHeader: string;
  /** Text before the signature in the header, e.g. `sha256=`. @default '' */
  readonly prefix?: string;
  readonly encoding: 'hex' | 'base64';
  /** `body`, or `timestamp-body`: `<timestamp><separator><body>`. */
  readonly signedContent: 'body' | 'timestamp-body';
  /** @default '.' */
  readonly separator?: string;
  /** Required with `timestamp-body`: the header with the unix-seconds timestamp. */
  readonly timestampHeader?: string;
  /** The header with the sender's event id, used for dedupe. */
  readonly eventIdHeader?: string;
  /** @default ['application/json'] */
  readonly contentTypes?: readonly string[];
}

/** Header values as API Gateway, Node's http module or a framework hands them over. */
export type HeaderInput = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  readonly headers: HeaderInput;
  /** The raw body exactly as received. Never re-encoded or parsed. */
  readonly body: string | Uint8Array;
  /** The public URL the sender posted to (needed only by URL-signing schemes). */
  readonly url?: string;
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
 */
export type RejectionReason =
  | 'missing_header'
  | 'duplicate_header'
  | 'malformed_header'
  | 'malformed_timestamp'
  | 'signature_invalid'
  | 'timestamp_out_of_tolerance'
  | 'no_active_key';

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'missing_header',
  'duplicate_header',
  'malformed_header',
  'malformed_timestamp',
  'signature_invalid',
  'timestamp_out_of_tolerance',
  'no_active_key',
];

export type VerifyResult =
  | { readonly ok: true; readonly eventId?: string; readonly timestamp?: number }
  | { readonly ok: false; readonly reason: RejectionReason };

/** A decoded key and the moment (epoch ms) after which it must no longer verify anything. */
export interface ActiveKey {
  /**
   * The key bytes. A scheme derives its HMAC state from them once per `Buffer` and keeps it while the
   * `Buffer` lives, so a new key needs a new `Buffer`: never overwrite (or zero) one in place and
   * pass it again.
   */
  readonly key: Buffer;
  readonly notAfterMs: number;
}
