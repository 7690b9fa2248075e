import { bodyText } from '../body-text';
import { Handshake } from '../scheme';
import { SenderEntry } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

// Payments and commerce: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).

// WooCommerce's activation ping: exactly `webhook_id=<id>`, and nothing else.
const WOOCOMMERCE_PING = /^webhook_id=\d{1,20}$/;

/**
 * WooCommerce posts `webhook_id=<id>` (a form, no signature header) when a webhook is saved and wants
 * a 200: answered, never queued, nothing kept. It carries nothing a consumer could act on, so
 * answering it without a signature gives an attacker nothing but a 200.
 * https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/
 */
export const WOOCOMMERCE_PING_HANDSHAKE: Handshake = {
  description: 'unsigned form POST `webhook_id=<id>` when a webhook is saved → 200, nothing queued or kept',
  unsigned(body) {
    const text = bodyText(body);
    return text !== undefined && WOOCOMMERCE_PING.test(text) ? { body: '{}' } : undefined;
  },
};

/** Mux's window: "By default, our SDKs allow a tolerance of 5 minutes". */
export const MUX_TOLERANCE_SECONDS = 300;

/**
 * Lemon Squeezy takes a signing secret "between 6 and 40 characters": ours is 20 random bytes as 40
 * hex digits (160 bits), the longest it accepts, in characters no form mangles.
 */
export function lemonSqueezySecret(bytes: Buffer): string {
  return bytes.subarray(0, 20).toString('hex');
}

export const PAYMENTS = {
  /**
   * Square: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 over the subscription's notification
   * URL followed by the raw body, no separator, under the subscription's signature key (its text, as
   * the Developer Console shows it). The URL is the full public URL Square posts to, exactly as
   * configured (Square's SDK, `WebhooksHelper.verifySignature`, concatenates `notificationUrl + body`).
   * Nothing in time is signed: the dedupe record is the replay control (the event id is the body's
   * `event_id`, so a retry of the same body is a duplicate). Metadata headers, all unsigned:
   * `square-environment` (Production / Sandbox), `square-retry-number` (retries so far, absent on the
   * first delivery), `square-retry-reason` and `square-initial-delivery-timestamp` (RFC 3339). The
   * legacy `x-square-signature` (HMAC-SHA1) is not accepted. No handshake.
   * https://developer.squareup.com/docs/webhooks/step3validate
   * https://developer.squareup.com/docs/webhooks/step2subscribe (the metadata headers)
   */
  square: {
    docs: 'https://developer.squareup.com/docs/webhooks/step3validate',
    ipRanges: 'https://developer.squareup.com/docs/webhooks/overview',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-square-hmacsha256-signature' },
    signed: ['url', 'body'],
    metadata: [
      { header: 'square-environment', name: 'environment' },
      { header: 'square-retry-number', name: 'attempt' },
      { header: 'square-retry-reason', name: 'retryReason' },
      { header: 'square-initial-delivery-timestamp', name: 'initialDeliveryTimestamp' },
    ],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Paddle Billing: `Paddle-Signature: ts=<unix s>;h1=<hex>`, entries split on `;` and names from
   * values on `=`; HMAC-SHA256 over `ts` + `:` + the raw body under the notification destination's
   * secret key (`endpoint_secret_key`, e.g. `pdl_ntfset_...`, its text as Paddle shows it). "During
   * secret rotation, more than one h1 is returned": any h1 matching an active key is enough (up to 8).
   * Paddle sets no window of its own ("you may like to check the timestamp ... Our SDKs have a default
   * tolerance of five seconds", past only): the library's 5 minutes, both ways; a stricter window is
   * the `toleranceSeconds` option. No metadata header (event and notification ids are in the body);
   * no handshake.
   * https://developer.paddle.com/webhooks/signature-verification
   */
  paddle: {
    docs: 'https://developer.paddle.com/webhooks/signature-verification',
    // Separate lists for sandbox and live.
    ipRanges: 'https://developer.paddle.com/webhooks/respond-to-webhooks',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'paddle-signature', separator: ';', assign: '=', signatureKey: 'h1', timestampKey: 'ts' },
    signed: ['timestamp', { literal: ':' }, 'body'],
    timestamp: { format: 'unix', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Razorpay: `X-Razorpay-Signature` = hex HMAC-SHA256 over the raw body, keyed with the webhook secret
   * its user types in when setting the webhook up (we generate it). No timestamp: the dedupe record is
   * the replay control. `x-razorpay-event-id`, which Razorpay documents as the way to spot a duplicate,
   * is unsigned: forwarded as `unsigned.eventId`, never the dedupe key. No handshake.
   * https://razorpay.com/docs/webhooks/validate-test/
   */
  razorpay: {
    docs: 'https://razorpay.com/docs/webhooks/validate-test/',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-razorpay-signature' },
    signed: ['body'],
    metadata: [{ header: 'x-razorpay-event-id', name: 'eventId' }],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * Paystack: `x-paystack-signature` = hex HMAC-SHA512 over the raw body, keyed with the integration's
   * API secret key (`sk_live_...` / `sk_test_...`, exactly as the dashboard shows it): Paystack has no
   * separate webhook secret, so this source's secret is an API key. No timestamp, no metadata header
   * (the event is the body's `event`), no handshake.
   * https://paystack.com/docs/payments/webhooks/#verify-event-origin
   */
  paystack: {
    docs: 'https://paystack.com/docs/payments/webhooks/#verify-event-origin',
    ipRanges: 'https://paystack.com/docs/payments/webhooks/#ip-whitelisting',
    algorithm: 'sha512',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-paystack-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * WooCommerce: `X-WC-Webhook-Signature` = base64 HMAC-SHA256 over the raw (JSON) body, keyed with the
   * webhook's secret (`WC_Webhook::generate_signature`; the secret is the store admin's to type, so we
   * generate one in characters WordPress's sanitising leaves alone). Metadata, all unsigned: topic
   * (`order.created`), delivery id (a new hash per delivery), webhook id and the store's URL. No
   * timestamp. When a webhook is first activated WooCommerce posts an unsigned ping (form body
   * `webhook_id=<id>`, no signature header) and wants a 200: answered by the handshake above, never
   * queued (a form body with a signature is verified like any delivery).
   * https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/
   */
  woocommerce: {
    docs: 'https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-wc-webhook-signature' },
    signed: ['body'],
    metadata: [
      { header: 'x-wc-webhook-topic', name: 'eventType' },
      { header: 'x-wc-webhook-delivery-id', name: 'deliveryId' },
      { header: 'x-wc-webhook-id', name: 'webhookId' },
      { header: 'x-wc-webhook-source', name: 'source' },
    ],
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    issuesKey: false,
    handshake: WOOCOMMERCE_PING_HANDSHAKE,
  },
  /**
   * Lemon Squeezy: `X-Signature` = hex HMAC-SHA256 (an "HMAC hex digest") over the raw body, keyed with
   * the signing secret its user enters when creating the webhook (we generate it: `lemonSqueezySecret`).
   * Lemon Squeezy allows 6 to 40 characters; we refuse fewer than 16, so a weaker existing secret must
   * be rolled. `X-Event-Name` is unsigned. No timestamp, no handshake.
   * https://docs.lemonsqueezy.com/help/webhooks/signing-requests
   * https://docs.lemonsqueezy.com/help/webhooks (the request headers)
   */
  lemonsqueezy: {
    docs: 'https://docs.lemonsqueezy.com/help/webhooks/signing-requests',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-signature' },
    signed: ['body'],
    metadata: [{ header: 'x-event-name', name: 'eventType' }],
    generatedKey: lemonSqueezySecret,
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * Coinbase Commerce: `X-CC-Webhook-Signature` = hex HMAC-SHA256 over the raw body, keyed with the
   * shared secret from Settings > Notifications (its text). No timestamp, no metadata header (the
   * event id and type are in the body), no handshake.
   * https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security
   */
  'coinbase-commerce': {
    docs: 'https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-cc-webhook-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Mux: `Mux-Signature: t=<unix s>,v1=<hex>`, HMAC-SHA256 over `t` + `.` + the raw body under the
   * endpoint's signing secret (its text). "Currently, the only valid signature scheme is v1": other
   * schemes are ignored; several v1 are accepted (any one matching). Window: the 5 minutes of Mux's
   * SDKs, both ways. No metadata header (id, type and attempts are in the body), no handshake.
   * https://www.mux.com/docs/core/verify-webhook-signatures
   */
  mux: {
    docs: 'https://www.mux.com/docs/core/verify-webhook-signatures',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'mux-signature', separator: ',', assign: '=', signatureKey: 'v1', timestampKey: 't' },
    signed: ['timestamp', { literal: '.' }, 'body'],
    timestamp: { format: 'unix', toleranceSeconds: MUX_TOLERANCE_SECONDS },
    contentTypes: ['application/json'],
    issuesKey: true,
  },
} satisfies Record<string, SenderEntry>;
