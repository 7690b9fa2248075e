import { createHmac } from 'node:crypto';
import { DUPLICATE, HeaderValue, pickHeaders } from '../../headers';
import { HeaderInput, RejectionReason } from '../../types';
import { CHALLENGE, single, singleHeader, smallJson } from '../handshakes';
import { Handshake, ImmediateAnswer, Scheme } from '../scheme';
import { SenderEntry, SenderRow, SenderScheme } from '../sender';

// Messaging, voice and collaboration senders: rows of the sender catalogue (see ../catalogue.ts for
// how a row is read and tested), and the handshakes they need.

/** One header's value: undefined when absent, DUPLICATE when sent twice. */
function headerOf(headers: HeaderInput, name: string): HeaderValue {
  const out: HeaderValue[] = [];
  pickHeaders(headers, [name], out);
  return out[0];
}

/**
 * Front's validation request: a signed `{"type": "sync", ...}` POST made when an application webhook
 * is saved, with an `X-Front-Challenge` header to echo. Told by its signed body only: a sync is
 * answered, never queued, whatever its headers say; the challenge (unsigned) is only echoed.
 */
function isFrontSync(body: string | Uint8Array): boolean {
  return smallJson(body, '"sync"')?.type === 'sync';
}

/**
 * Front application webhooks: the signed `sync` POST → `{"challenge": <X-Front-Challenge>}` (JSON, as
 * Front's own sample app answers), within 10 s. A sync whose challenge is duplicated or unsafe to
 * echo is refused (never queued); so is any other event that carries a challenge header, which
 * Front never sends with one.
 * https://dev.frontapp.com/docs/application-webhooks#application-webhook-validation
 * https://github.com/dugjason/front-webhook-application (src/middlewares/handle_validation_request.ts)
 */
export const FRONT_VALIDATION: Handshake = {
  description: 'signed `{"type": "sync"}` POST (told by its signed body) with `X-Front-Challenge` → `{"challenge": ...}`',
  post(body, headers): ImmediateAnswer | undefined {
    if (!isFrontSync(body)) return undefined;
    const challenge = headerOf(headers, 'x-front-challenge');
    return { body: typeof challenge === 'string' ? JSON.stringify({ challenge }) : '{}' };
  },
  agrees(body, headers): RejectionReason | undefined {
    const challenge = headerOf(headers, 'x-front-challenge');
    if (challenge === undefined) return undefined;
    if (!isFrontSync(body) || challenge === DUPLICATE || !CHALLENGE.test(challenge)) return 'malformed_header';
    return undefined;
  },
};

/**
 * Nylas: `GET ?challenge=<value>` when a webhook is created or reactivated, answered within 10 s
 * with the exact value as a plain-text body (no quotes, no JSON). Unsigned and unkeyed (the webhook
 * secret is issued after it passes), so only a challenge of safe characters is echoed.
 * https://developer.nylas.com/docs/v3/notifications/
 */
export const NYLAS_CHALLENGE: Handshake = {
  description: 'GET `?challenge=<value>` → the value, text/plain',
  get({ query }): ImmediateAnswer | RejectionReason {
    const challenge = single(query, 'challenge');
    if (challenge === undefined || !CHALLENGE.test(challenge)) return 'malformed_header';
    return { body: challenge, contentType: 'text/plain' };
  },
};

// What Asana's hook secrets are made of (64 hex digits today), with room for the shape to grow:
// nothing that could not be typed back in as a key or that would break the echoed header.
const HOOK_SECRET = /^[A-Za-z0-9._~+/=-]{16,512}$/;

/**
 * Asana: when a webhook is created, Asana POSTs (unsigned, no body to keep) with an `X-Hook-Secret`
 * header and expects a 200 with the same value in its own `X-Hook-Secret`; that value is the key every
 * later event is signed with. Captured like Notion's token: only while the source's secret awaits its
 * first key, the first capture stands (later ones 409), and it verifies nothing until an operator puts
 * it as the key (check it against the `X-Hook-Secret` Asana's create-webhook response returns). Told by
 * the header alone: the request's body is neither read nor kept.
 * https://developers.asana.com/reference/createwebhook
 */
export const ASANA_HANDSHAKE: Handshake = {
  description: 'unsigned POST with `X-Hook-Secret` before any key → 200 echoing `X-Hook-Secret`; the first secret is kept in a capture secret (later ones refused, 409) for the operator to put as the key',
  // The signing key itself: never in the WAF's logs.
  secretHeaders: ['x-hook-secret'],
  capture(_body, headers) {
    const secret = singleHeader(headers, 'x-hook-secret');
    if (secret === undefined || !HOOK_SECRET.test(secret)) return undefined;
    return { answer: { body: '', contentType: 'text/plain', headers: { 'x-hook-secret': secret } }, captured: secret };
  },
};

// X's CRC tokens are opaque base64 (a UUID's, 48 characters, in practice): a token of this shape
// only. A CRC answer is HMAC-SHA256(consumer secret, token), the very MAC a POST carries over its
// body, so whatever the CRC answers for is a body anyone could have signed: see X_CRC.agrees.
const CRC_TOKEN = /^[A-Za-z0-9+/=_-]{16,512}$/;

function crcShaped(body: string | Uint8Array): boolean {
  if (body.length > 512) return false;
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  return CRC_TOKEN.test(text);
}

/**
 * X (Account Activity, v2 webhooks): the Challenge-Response Check, `GET ?crc_token=<t>` at
 * registration and hourly, answered within 3 s with `{"response_token": "sha256=<base64
 * HMAC-SHA256(consumer secret, t)>"}` under the current key. The answer is a MAC of the caller's
 * choosing, so the token must have the shape of X's tokens, and a signed POST whose body has that
 * shape (which no JSON event has) is refused: no CRC answer becomes a queued delivery.
 * https://docs.x.com/x-api/webhooks/quickstart
 */
export const X_CRC: Handshake = {
  description: 'GET `?crc_token=<t>` → `{"response_token": "sha256=" + base64 HMAC-SHA256(consumer secret, t)}`',
  get({ query }, keys, nowMs): ImmediateAnswer | RejectionReason {
    const token = single(query, 'crc_token');
    if (token === undefined || !CRC_TOKEN.test(token)) return 'malformed_header';
    const active = keys.find((k) => k.notAfterMs > nowMs && Buffer.isBuffer(k.key));
    if (!active) return 'no_active_key';
    const mac = createHmac('sha256', active.key as Buffer).update(token, 'utf8').digest('base64');
    return { body: JSON.stringify({ response_token: `sha256=${mac}` }) };
  },
  agrees: (body) => (crcShaped(body) ? 'malformed_body' : undefined),
};

/**
 * What the verifier answers Microsoft Teams for a queued message: Teams shows the reply in the
 * message's thread and waits at most 5 s for it, and an outgoing webhook has no other way to reply.
 * The consumer reads the message from the queue later; the channel is told only that it arrived.
 */
const TEAMS_RECEIVED: ImmediateAnswer = { body: '{"type":"message","text":"Received."}' };

/**
 * Microsoft Teams outgoing webhooks: `Authorization: HMAC <base64>`, HMAC-SHA256 of the body (UTF-8
 * bytes) keyed with the security token Teams shows once, base64-decoded. Teams signs no time and
 * sends no id header: duplicates key on the body (its activity `id` is in it), and only the dedupe
 * record stops a replay. A queued (or duplicate) message is answered with a text message, Teams'
 * expected reply (`acknowledge`).
 * https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook
 */
const TEAMS_ROW: SenderRow = {
  docs: 'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-outgoing-webhook',
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { kind: 'header', header: 'authorization', prefix: 'HMAC ' },
  signed: ['body'],
  key: 'base64',
  contentTypes: ['application/json'],
  issuesKey: true,
};

class TeamsScheme extends SenderScheme {
  acknowledge(): ImmediateAnswer {
    return TEAMS_RECEIVED;
  }
}

export const MESSAGING = {
  /**
   * Customer.io reporting webhooks: `X-CIO-Signature` = hex HMAC-SHA256 over
   * `v0:<X-CIO-Timestamp>:<body>` with the webhook signing key. No window is documented: the
   * library's 300 s.
   * https://docs.customer.io/api/webhooks/
   */
  'customer-io': {
    docs: 'https://docs.customer.io/api/webhooks/',
    ipRanges: 'https://docs.customer.io/integrations/api/app/tag/info/getCioAllowlist/',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-cio-signature' },
    signed: [{ literal: 'v0:' }, 'timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-cio-timestamp', format: 'unix', toleranceSeconds: 300 },
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * LINE Messaging API: `x-line-signature` = base64 HMAC-SHA256 of the body keyed with the channel
   * secret. No time, no id header (the body's `webhookEventId`s are in the body): duplicates key on
   * the body. LINE does not disclose its source addresses.
   * https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/
   */
  line: {
    docs: 'https://developers.line.biz/en/docs/messaging-api/verify-webhook-signature/',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-line-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /** Microsoft Teams outgoing webhooks: a row, with the reply Teams expects (see TEAMS_ROW). */
  'microsoft-teams': {
    docs: TEAMS_ROW.docs,
    issuesKey: true,
    create: (): Scheme => new TeamsScheme('microsoft-teams', TEAMS_ROW),
  },
  /**
   * Front application webhooks: `X-Front-Signature` = base64 HMAC-SHA256 over
   * `<X-Front-Request-Timestamp>:<body>` with the app secret, the timestamp in milliseconds. Front's
   * 5-minute recommendation is the window. (Rule webhooks sign the body alone with HMAC-SHA1 and the
   * API secret, and are never retried: not this type.)
   * https://dev.frontapp.com/docs/application-webhooks
   */
  front: {
    docs: 'https://dev.frontapp.com/docs/application-webhooks',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-front-signature' },
    signed: ['timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-front-request-timestamp', format: 'unix-ms', toleranceSeconds: 300 },
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: FRONT_VALIDATION,
  },
  /**
   * ElevenLabs: `ElevenLabs-Signature: t=<unix s>,v0=<hex>`, HMAC-SHA256 over `<t>.<body>`. The
   * official SDK's `constructEvent` accepts 30 minutes: the window here, both ways.
   * https://elevenlabs.io/docs/product-guides/administration/webhooks
   */
  elevenlabs: {
    docs: 'https://elevenlabs.io/docs/product-guides/administration/webhooks',
    ipRanges: 'https://elevenlabs.io/docs/eleven-agents/workflows/post-call-webhooks',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'elevenlabs-signature', separator: ',', assign: '=', signatureKey: 'v0', timestampKey: 't' },
    signed: ['timestamp', { literal: '.' }, 'body'],
    timestamp: { format: 'unix', toleranceSeconds: 1800 },
    contentTypes: ['application/json'],
    issuesKey: true,
  },
  /**
   * Nylas (v3): `x-nylas-signature` = hex HMAC-SHA256 of the body as sent, keyed with the webhook
   * secret Nylas issues once the challenge passed. No time, no id header: duplicates key on the body.
   * https://developer.nylas.com/docs/v3/notifications/
   */
  nylas: {
    docs: 'https://developer.nylas.com/docs/v3/notifications/',
    ipRanges: 'https://developer.nylas.com/docs/api/v3/admin/#get-/v3/webhooks/ip-addresses',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'x-nylas-signature' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: NYLAS_CHALLENGE,
  },
  /**
   * Asana: `X-Hook-Signature` = hex HMAC-SHA256 of the body keyed with the `X-Hook-Secret` of the
   * handshake. The signature header is read as optional (a `headers` list of one) so that the
   * unsigned handshake reaches the verifier; a delivery without it is refused. No time, no id
   * header: duplicates key on the body (heartbeats `{"events":[]}` are duplicates of each other).
   * https://developers.asana.com/docs/webhooks-guide
   */
  asana: {
    docs: 'https://developers.asana.com/docs/webhooks-guide',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'headers', headers: ['x-hook-signature'] },
    signed: ['body'],
    maxSignatures: 1,
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: ASANA_HANDSHAKE,
  },
  /**
   * X (Twitter) Account Activity / v2 webhooks: `x-twitter-webhooks-signature: sha256=<base64>`,
   * HMAC-SHA256 of the body keyed with the app's consumer secret; the CRC GET is answered (X_CRC).
   * https://docs.x.com/x-api/webhooks/quickstart
   */
  x: {
    docs: 'https://docs.x.com/x-api/webhooks/quickstart',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'x-twitter-webhooks-signature', prefix: 'sha256=' },
    signed: ['body'],
    contentTypes: ['application/json'],
    issuesKey: true,
    handshake: X_CRC,
  },
} satisfies Record<string, SenderEntry>;
