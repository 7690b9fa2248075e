import { DROPBOX_CHALLENGE, META_VERIFICATION, OKTA_VERIFICATION, TWITCH_CALLBACK_VERIFICATION, ZOOM_URL_VALIDATION } from './handshakes';
import { SenderRow } from './sender';

/*
 * The sender catalogue: one row per sender whose scheme is a variant of "an HMAC (or a shared token)
 * in a header". Each row follows the page in its `docs`; its tests check the sender's documented
 * example where one is published, else its official SDK as an oracle (test/runtime/senders/). Where
 * a sender signs a timestamp but documents no window, the library's default of 300 s applies (a
 * sender's SDK may accept older ones: we do not).
 *
 * Senders that sign something other than headers + body live in code of their own: Mailgun (fields
 * inside the body), Linear (a timestamp inside the body), Twilio (the URL and sorted form fields).
 */

/** The library's replay window where a sender signs a timestamp but documents none. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export const SENDERS = {
  /** https://developer.squareup.com/docs/webhooks/step3validate */
  square: {
    docs: 'https://developer.squareup.com/docs/webhooks/step3validate',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-square-hmacsha256-signature' },
    signed: ['url', 'body'],
    metadata: [],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /** https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events */
  zoom: {
    docs: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-zm-signature', prefix: 'v0=' },
    signed: [{ literal: 'v0:' }, 'timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-zm-request-timestamp', format: 'unix', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: ZOOM_URL_VALIDATION,
  },
  /** https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message */
  twitch: {
    docs: 'https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'twitch-eventsub-message-signature', prefix: 'sha256=' },
    signed: [{ header: 'twitch-eventsub-message-id' }, 'timestamp', 'body'],
    // Twitch: "verify that the timestamp is not older than 10 minutes".
    timestamp: { header: 'twitch-eventsub-message-timestamp', format: 'iso8601', toleranceSeconds: 600 },
    signedIdHeader: 'twitch-eventsub-message-id',
    metadata: [
      { header: 'twitch-eventsub-message-type', name: 'messageType' },
      { header: 'twitch-eventsub-subscription-type', name: 'eventType' },
      { header: 'twitch-eventsub-message-retry', name: 'attempt' },
      { header: 'twitch-eventsub-subscription-version', name: 'subscriptionVersion' },
    ],
    // The secret is ours to choose (10 to 100 ASCII characters): we generate it.
    minKeyLength: 10,
    contentTypes: ['application/json'],
    issuesKey: false,
    handshake: TWITCH_CALLBACK_VERIFICATION,
  },
  /** https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications */
  meta: {
    docs: 'https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-hub-signature-256', prefix: 'sha256=' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: META_VERIFICATION,
  },
  /** https://www.dropbox.com/developers/reference/webhooks#documentation */
  dropbox: {
    docs: 'https://www.dropbox.com/developers/reference/webhooks#documentation',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-dropbox-signature' },
    signed: ['body'],
    // The app secret: 15 characters.
    minKeyLength: 15,
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: DROPBOX_CHALLENGE,
  },
  /**
   * GitLab: a shared token in `X-Gitlab-Token`, compared in constant time. A token is weaker than a
   * signature: it does not bind the body, and anyone who sees one delivery can send anything.
   * https://docs.gitlab.com/user/project/integrations/webhooks/#custom-headers
   */
  gitlab: {
    docs: 'https://docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token',
    algorithm: 'token',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-gitlab-token' },
    signed: [],
    metadata: [
      { header: 'x-gitlab-event', name: 'eventType' },
      { header: 'x-gitlab-event-uuid', name: 'eventId' },
      { header: 'x-gitlab-webhook-uuid', name: 'webhookId' },
      { header: 'idempotency-key', name: 'idempotencyKey' },
    ],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
  /**
   * Okta event hooks: the authorization header the hook is configured with, compared in constant
   * time (a token, so weaker than a signature); answers the one-time verification GET.
   * https://developer.okta.com/docs/concepts/event-hooks/
   */
  okta: {
    docs: 'https://developer.okta.com/docs/concepts/event-hooks/',
    algorithm: 'token',
    encoding: 'hex',
    signature: { kind: 'header', header: 'authorization' },
    signed: [],
    contentTypes: ['application/json'],
    issuesKey: false,
    handshake: OKTA_VERIFICATION,
  },
} satisfies Record<string, SenderRow>;

/** A catalogue sender's type name. */
export type CatalogueSender = keyof typeof SENDERS;

/**
 * Senders that deliver through an existing wire format under their own name, so a user finds them by
 * name: OpenAI signs with Standard Webhooks (`webhook-*` headers); Clerk and Resend deliver through
 * Svix (`svix-*`).
 */
export const ALIASES = {
  /** https://platform.openai.com/docs/guides/webhooks#verifying-webhook-signatures */
  openai: { type: 'standard-webhooks', headerPrefix: 'webhook' },
  /** https://clerk.com/docs/webhooks/sync-data */
  clerk: { type: 'standard-webhooks', headerPrefix: 'svix' },
  /** https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests */
  resend: { type: 'standard-webhooks', headerPrefix: 'svix' },
} as const;

export type AliasSender = keyof typeof ALIASES;
