import { RejectionReason } from '../../types';
import { Handshake, ImmediateAnswer } from '../scheme';
import { CHALLENGE, sameSecret, single, singleHeader } from '../handshakes';
import { bodyText } from '../body-text';
import { parseObjectStrict } from '../strict-json';
import { SenderEntry } from '../sender';

// Social, media, identity and messaging platforms: rows of the sender catalogue (see ../catalogue.ts for how a row is read and tested).
// Twitch's callback verifications are well under 1 KiB. Larger is never answered, so `post` skips
// parsing the (possibly large) notifications it is handed; `agrees` refuses such a verification.
const MAX_VERIFICATION_BYTES = 4096;

function byteLength(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/** What a Twitch EventSub body is, read from the signed body alone (see `twitchMessage`). */
interface TwitchMessage {
  readonly type: 'webhook_callback_verification' | 'notification' | 'revocation' | 'ambiguous' | 'unknown';
  /** For a callback verification that can be answered: the challenge to echo. */
  readonly challenge?: string;
}

/**
 * A Twitch EventSub body read as Twitch writes them: a callback verification carries `challenge`
 * (answerable when its subscription's status is `webhook_callback_verification_pending` and the
 * challenge is safe to echo, in a body of at most 4 KiB); a notification carries `event`; a
 * revocation only `subscription`. `ambiguous` for a body that reads as two (`challenge` beside
 * `event`); `unknown` for one that is no JSON object read one way (not UTF-8, a key twice) or holds
 * none of these.
 * https://dev.twitch.tv/docs/eventsub/handling-webhook-events/
 */
function twitchMessage(body: string | Uint8Array): TwitchMessage {
  const text = bodyText(body);
  const doc = text === undefined ? undefined : parseObjectStrict(text);
  if (!doc) return { type: 'unknown' };
  const hasEvent = 'event' in doc;
  if ('challenge' in doc) {
    if (hasEvent) return { type: 'ambiguous' };
    const { challenge, subscription } = doc as { challenge?: unknown; subscription?: { status?: unknown } | null };
    const pending = typeof subscription === 'object' && subscription !== null && subscription.status === 'webhook_callback_verification_pending';
    const answerable = pending && typeof challenge === 'string' && CHALLENGE.test(challenge) && byteLength(body) <= MAX_VERIFICATION_BYTES;
    return { type: 'webhook_callback_verification', challenge: answerable ? challenge : undefined };
  }
  if (hasEvent) return { type: 'notification' };
  return typeof doc.subscription === 'object' && doc.subscription !== null ? { type: 'revocation' } : { type: 'unknown' };
}

/**
 * Twitch EventSub: a signed `webhook_callback_verification` message; the answer is the challenge,
 * as text/plain. Whether a message is answered or queued is read from the signed body, never from
 * the unsigned `Twitch-Eventsub-Message-Type` header: a captured verification resent within the
 * window as a `notification` is still only answered (never queued), and a notification is never
 * answered. The header, when sent, must name what the body is, else the request is refused (400);
 * so is a verification that cannot be answered (a challenge unsafe to echo, a status other than
 * pending) and a body that reads as two kinds.
 * https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#responding-to-a-challenge-request
 */
export const TWITCH_CALLBACK_VERIFICATION: Handshake = {
  description: 'signed `webhook_callback_verification` POST (told by its signed body) → the `challenge`, text/plain',
  post(body): ImmediateAnswer | undefined {
    if (byteLength(body) > MAX_VERIFICATION_BYTES) return undefined;
    const { challenge } = twitchMessage(body);
    return challenge === undefined ? undefined : { body: challenge, contentType: 'text/plain' };
  },
  agrees(body, headers): RejectionReason | undefined {
    const message = twitchMessage(body);
    if (message.type === 'ambiguous' || (message.type === 'webhook_callback_verification' && message.challenge === undefined)) return 'malformed_header';
    const said = singleHeader(headers, 'twitch-eventsub-message-type');
    return said === undefined || said === message.type ? undefined : 'malformed_header';
  },
};

/**
 * Meta (Facebook, Instagram, WhatsApp): `GET ?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<n>`,
 * answered with the challenge only when the verify token equals the one kept beside the app secret
 * in the source's secret (`{"current": "<app secret>", "verifyToken": "<token>"}`).
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 */
export const META_VERIFICATION: Handshake = {
  description: 'GET `hub.mode=subscribe`, `hub.verify_token`, `hub.challenge` → the challenge, when the token equals the secret\'s `verifyToken`',
  get({ query, verifyToken }): ImmediateAnswer | RejectionReason {
    const mode = single(query, 'hub.mode');
    const token = single(query, 'hub.verify_token');
    const challenge = single(query, 'hub.challenge');
    if (mode !== 'subscribe' || token === undefined || challenge === undefined || !CHALLENGE.test(challenge)) return 'malformed_header';
    if (!verifyToken) return 'no_active_key';
    if (!sameSecret(token, verifyToken)) return 'signature_invalid';
    return { body: challenge, contentType: 'text/plain' };
  },
};

/**
 * Okta event hooks: a one-time GET with `X-Okta-Verification-Challenge`, sent with the hook's
 * authorization header; answered `{"verification": "<challenge>"}` only when that header verifies.
 * https://developer.okta.com/docs/concepts/event-hooks/#one-time-verification-request
 */
export const OKTA_VERIFICATION: Handshake = {
  description: 'GET with `X-Okta-Verification-Challenge` and the hook\'s authorization header → `{"verification": challenge}`, when the header verifies',
  get({ headers }, keys, nowMs, scheme): ImmediateAnswer | RejectionReason {
    const challenge = singleHeader(headers, 'x-okta-verification-challenge');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return 'malformed_header';
    const verified = scheme.verify({ headers, body: '' }, keys, nowMs, scheme.defaultToleranceSeconds ?? 0);
    if (!verified.ok) return verified.reason;
    return { body: JSON.stringify({ verification: challenge }) };
  },
};

export const PLATFORMS = {
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
  /**
   * Meta (Facebook, Instagram, WhatsApp Cloud API): `X-Hub-Signature-256: sha256=<hex>` over the raw
   * payload (as sent, Unicode escaped), keyed with the app secret. Meta signs no time and sends no id
   * or event header: duplicates key on the body, and only the dedupe record stops a replay.
   * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
   */
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
  /**
   * Okta event hooks: the authorization header the hook is configured with, compared in constant
   * time (a token, so weaker than a signature); answers the one-time verification GET.
   * https://developer.okta.com/docs/concepts/event-hooks/
   */
  okta: {
    docs: 'https://developer.okta.com/docs/concepts/event-hooks/',
    // Okta's cells' ranges, as JSON; event hooks come from the org's cell.
    ipRanges: 'https://s3.amazonaws.com/okta-ip-ranges/ip_ranges.json',
    algorithm: 'token',
    encoding: 'hex',
    signature: { kind: 'header', header: 'authorization' },
    signed: [],
    contentTypes: ['application/json'],
    issuesKey: false,
    handshake: OKTA_VERIFICATION,
  },
  /**
   * Segment Webhooks (Actions) and Webhooks (Classic) destinations: `X-Signature` = hex HMAC-SHA1 of
   * the request body under the shared secret the user types in (so we generate it). No timestamp, no
   * id header: duplicates key on the body's SHA-256, and nothing signed limits a replay in time.
   * With batching on, Segment signs only the first event of the batch, not the body it sends: such
   * deliveries fail verification here (the rest of a batch would be unsigned); turn batching off.
   * https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook
   * https://help.twilio.com/articles/51193799782171 (the batching behaviour)
   */
  segment: {
    docs: 'https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook',
    algorithm: 'sha1',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: false,
  },
} satisfies Record<string, SenderEntry>;
