import { createHmac } from 'node:crypto';
import { Handshake, ImmediateAnswer } from '../scheme';
import { CHALLENGE, smallJson } from '../handshakes';
import { SenderEntry } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';
import { DOCUSIGN_ROW } from './docusign';
import { NotionScheme } from './notion';

// Workplace, support and CRM: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).
/**
 * Zoom: a signed `endpoint.url_validation` event; the answer is the `plainToken` and its HMAC-SHA256
 * (hex) under the secret token.
 * https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
 */
export const ZOOM_URL_VALIDATION: Handshake = {
  description: 'signed `endpoint.url_validation` POST → `{plainToken, encryptedToken}` (HMAC-SHA256 hex of plainToken)',
  post(body, _headers, key): ImmediateAnswer | undefined {
    const event = smallJson(body, 'endpoint.url_validation');
    if (event?.event !== 'endpoint.url_validation') return undefined;
    const plainToken = (event.payload as { plainToken?: unknown } | undefined)?.plainToken;
    if (typeof plainToken !== 'string' || !CHALLENGE.test(plainToken)) return undefined;
    return { body: JSON.stringify({ plainToken, encryptedToken: createHmac('sha256', key).update(plainToken).digest('hex') }) };
  },
};

/** Calendly's window: its documented example refuses a signature more than three minutes old. */
export const CALENDLY_TOLERANCE_SECONDS = 180;
/** Box's window: "the timestamp ... is not older than 10 minutes". */
export const BOX_TOLERANCE_SECONDS = 600;

export const WORKPLACE = {
  /**
   * Zoom: `x-zm-signature: v0=<hex>`, HMAC-SHA256 over `v0:` + `x-zm-request-timestamp` (unix s, as
   * sent) + `:` + the raw body, under the app's Secret Token. Zoom documents no window: the library's
   * 5 minutes. `x-zm-trackingid` is unsigned; the event type is in the body. The signed
   * `endpoint.url_validation` (sent on setup and every 72 h) is answered by ZOOM_URL_VALIDATION.
   * https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
   */
  zoom: {
    docs: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-zm-signature', prefix: 'v0=' },
    signed: [{ literal: 'v0:' }, 'timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-zm-request-timestamp', format: 'unix', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    metadata: [{ header: 'x-zm-trackingid', name: 'trackingId' }],
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: ZOOM_URL_VALIDATION,
  },
  /**
   * Intercom: `X-Hub-Signature: sha1=<hex>` (40 hex digits), HMAC-SHA1 (RFC 2104) over the raw JSON
   * body. The key is the app's client secret (Developer Hub, Basic info) for Developer Hub webhooks,
   * the subscription's `hub_secret` for the older API-created subscriptions the cited page describes.
   * Nothing else is signed and no metadata header is sent (topic, id and `delivery_attempts` are in
   * the body): the dedupe record is the replay control.
   * https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications
   */
  intercom: {
    docs: 'https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications',
    // Its Webhooks FAQ: "What IP addresses do webhooks come from?"
    ipRanges: 'https://developers.intercom.com/intercom-api-reference/reference/webhooks',
    algorithm: 'sha1',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-hub-signature', prefix: 'sha1=' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Zendesk: `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 over
   * `X-Zendesk-Webhook-Signature-Timestamp` (RFC 3339, as sent) + the raw body, no separator, under
   * the webhook's signing secret exactly as revealed (its text, not a base64 decode). Zendesk documents
   * no window: the library's 5 minutes. The account id, webhook id and invocation id (the same for
   * every attempt of one invocation) are unsigned. Trigger webhooks may post JSON, XML or a form.
   * https://developer.zendesk.com/documentation/webhooks/verifying/
   * https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/
   */
  zendesk: {
    docs: 'https://developer.zendesk.com/documentation/webhooks/verifying/',
    // Per account: https://{subdomain}.zendesk.com/ips (egress ranges), as this article says.
    ipRanges: 'https://support.zendesk.com/hc/en-us/articles/4408842860186',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-zendesk-webhook-signature' },
    signed: ['timestamp', 'body'],
    timestamp: { header: 'x-zendesk-webhook-signature-timestamp', format: 'iso8601', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    metadata: [
      { header: 'x-zendesk-webhook-invocation-id', name: 'eventId' },
      { header: 'x-zendesk-webhook-id', name: 'webhookId' },
      { header: 'x-zendesk-account-id', name: 'accountId' },
    ],
    contentTypes: ['application/json', 'application/xml', 'application/x-www-form-urlencoded'],
    issuesKey: true,
  },
  /**
   * Typeform: `Typeform-Signature: sha256=<base64>`, HMAC-SHA256 over the raw body under the webhook's
   * secret, which its user chooses (Typeform suggests a random string): we generate it. No timestamp,
   * no metadata header (`event_id` and `event_type` are in the body).
   * https://www.typeform.com/developers/webhooks/secure-your-webhooks/
   */
  typeform: {
    docs: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'typeform-signature', prefix: 'sha256=' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * Calendly: `Calendly-Webhook-Signature: t=<unix s>,v1=<hex>`, HMAC-SHA256 over `t` + `.` + the raw
   * body under the webhook signing key (generated by Calendly for an OAuth app, chosen by its user for
   * a personal-token subscription: imported either way). Window: the three minutes of Calendly's own
   * example. No metadata header (the event type is the body's `event`).
   * https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
   */
  calendly: {
    docs: 'https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'calendly-webhook-signature', separator: ',', assign: '=', signatureKey: 'v1', timestampKey: 't' },
    signed: ['timestamp', { literal: '.' }, 'body'],
    timestamp: { format: 'unix', toleranceSeconds: CALENDLY_TOLERANCE_SECONDS },
    contentTypes: ['application/json'],
    issuesKey: true,
  },

  /** Connect HMAC, one numbered header per active key: the row in ./docusign.ts. */
  docusign: DOCUSIGN_ROW,
  /**
   * Box: `BOX-SIGNATURE-PRIMARY` and `BOX-SIGNATURE-SECONDARY`, each the base64 HMAC-SHA256 of the raw
   * body followed by `BOX-DELIVERY-TIMESTAMP` (RFC 3339, as sent), under the app's primary and
   * secondary signature keys: two keys so that one can be rolled while the other verifies; either
   * signature matching any active key is enough. Window: Box's 10 minutes. `BOX-DELIVERY-ID` changes
   * on every retry (unsigned); `BOX-SIGNATURE-VERSION` (1) and `-ALGORITHM` (HmacSHA256) are not read.
   * https://developer.box.com/guides/webhooks/v2/signatures-v2/
   */
  box: {
    docs: 'https://developer.box.com/guides/webhooks/v2/signatures-v2/',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'headers', headers: ['box-signature-primary', 'box-signature-secondary'] },
    signed: ['body', 'timestamp'],
    timestamp: { header: 'box-delivery-timestamp', format: 'iso8601', toleranceSeconds: BOX_TOLERANCE_SECONDS },
    metadata: [{ header: 'box-delivery-id', name: 'deliveryId' }],
    maxSignatures: 2,
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /** Its key arrives in an unsigned handshake, so its signature header cannot be required: ./notion.ts. */
  notion: {
    docs: 'https://developers.notion.com/reference/webhooks#step-3-validating-event-payloads-recommended',
    issuesKey: true,
    create: () => new NotionScheme(),
  },
} satisfies Record<string, SenderEntry>;
