import { createHmac, createHash, timingSafeEqual } from 'node:crypto';
import { RejectionReason } from '../types';
import { GetRequest, Handshake, ImmediateAnswer } from './scheme';
import { singleHeader } from './sender';

/*
 * How senders check an endpoint before they deliver to it. Each is answered synchronously, only after
 * whatever the sender signs has verified (or, for an unsigned GET, only when the verify token matches
 * or the challenge is all it asks echoed), and never queued.
 */

// A challenge we echo: the characters senders use (base64url, hex, digits), nothing that could turn
// an echo into markup or a header.
const CHALLENGE = /^[A-Za-z0-9._~+/=-]{1,512}$/;
const MAX_HANDSHAKE_BODY = 4096;

function text(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

/** A small JSON body that mentions `marker`, parsed; anything else undefined (never throws). */
function smallJson(body: string | Uint8Array, marker: string): Record<string, unknown> | undefined {
  const raw = text(body);
  if (raw.length > MAX_HANDSHAKE_BODY || !raw.includes(marker)) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** One value of a query parameter; a repeated one is ambiguous and reads as undefined. */
function single(query: GetRequest['query'], name: string): string | undefined {
  const values = query[name];
  return values && values.length === 1 ? values[0] : undefined;
}

/** Equal strings, compared in constant time over their SHA-256 (so lengths may differ). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

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

/**
 * Twitch EventSub: a signed `webhook_callback_verification` message; the answer is the challenge,
 * as text/plain.
 * https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#responding-to-a-challenge-request
 */
export const TWITCH_CALLBACK_VERIFICATION: Handshake = {
  description: 'signed `webhook_callback_verification` POST → the `challenge`, text/plain',
  post(body, headers): ImmediateAnswer | undefined {
    if (singleHeader(headers, 'twitch-eventsub-message-type') !== 'webhook_callback_verification') return undefined;
    const challenge = smallJson(body, 'challenge')?.challenge;
    if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) return undefined;
    return { body: challenge, contentType: 'text/plain' };
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
 * Dropbox: `GET ?challenge=<value>` answered by echoing it as text/plain (Dropbox signs nothing on
 * this GET; echoing proves only that the URL is ours, which is all Dropbox asks).
 * https://www.dropbox.com/developers/reference/webhooks#documentation
 */
export const DROPBOX_CHALLENGE: Handshake = {
  description: 'GET `?challenge=` → the challenge echoed, text/plain (Dropbox signs nothing on it)',
  get({ query }): ImmediateAnswer | RejectionReason {
    const challenge = single(query, 'challenge');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return 'malformed_header';
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
