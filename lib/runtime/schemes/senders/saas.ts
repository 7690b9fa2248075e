import { timingSafeEqual } from 'node:crypto';
import { DUPLICATE, headerValue, HeaderValue } from '../../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { accepted, isEventId, readHeaders, rejected, SignedContent } from '../common';
import { hmac } from '../mac';
import { Handshake, HmacScheme, SignInput } from '../scheme';
import { SenderEntry } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

// Product and developer SaaS: rows of the sender catalogue (see ../catalogue.ts for how a row is read
// and tested), and two senders that sign a request rather than a body (Contentful, Trello).

// What most rows share (spelt once: the family's bundle is counted in bytes).
const JSON_BODY = ['application/json'];
const HEX_SHA256 = { algorithm: 'sha256', encoding: 'hex' } as const;
const T_DOT_BODY = ['timestamp', { literal: '.' }, 'body'] as const;

// An HTTP date (RFC 9110 IMF-fixdate), as Klaviyo writes `Klaviyo-Timestamp`: `Thu, 04 Jan 2024 18:05:25 GMT`.
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** A `t=<timestamp>,<name>=<signature>` list (Stripe's shape). */
const tList = (header: string, signatureKey: string) => ({ kind: 'list', header, separator: ',', assign: '=', signatureKey, timestampKey: 't' }) as const;

/** WorkOS's window: its SDKs' default tolerance (`DEFAULT_TOLERANCE = 180` s; Node: `180000` ms). */
export const WORKOS_TOLERANCE_SECONDS = 180;
/** Webflow's window: "If the request is older than 5 minutes, this may indicate a replay attack". */
export const WEBFLOW_TOLERANCE_SECONDS = 300;
/** Contentful's window: `verifyRequest`'s default time to live in its node-apps-toolkit (30 s). */
export const CONTENTFUL_TOLERANCE_SECONDS = 30;

const CONTENTFUL_SIGNATURE = 'x-contentful-signature';
const CONTENTFUL_SIGNED_HEADERS = 'x-contentful-signed-headers';
const CONTENTFUL_TIMESTAMP = 'x-contentful-timestamp';
const CONTENTFUL_TOPIC = 'x-contentful-topic';
const CONTENTFUL_IDEMPOTENCY_KEY = 'x-contentful-idempotency-key';
// A header name as Contentful lists it: lower case (it lowercases every name before signing), an HTTP token.
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const METHOD = /^[A-Z]{1,16}$/;
// Unix milliseconds as `Number.toString()` writes them: no sign, fraction, exponent or leading zero.
const MILLISECONDS = /^[1-9]\d{0,14}$/;
const METADATA_VALUE = /^[\x20-\x7e]{1,256}$/;
const NO_URL = 'give the public URL this sender signs';

/**
 * The request path as Contentful's node-apps-toolkit signs it (`getNormalizedEncodedURI`): the path
 * and query of the public URL, the query (up to a second `?`, where the toolkit's `split('?')` stops)
 * escaped by `querystring.escape` (which escapes exactly what `encodeURIComponent` does), and the
 * whole passed through `encodeURI` (so an escape in the query is escaped again, `=` becoming `%253D`):
 * byte for byte what `verifyRequest` compares. The URL is the source's configured one (a bad one
 * throws, as a configuration error).
 */
export function contentfulSignedPath(url: string): string {
  const { pathname, search } = new URL(url);
  const [path, query] = (pathname + search).split('?');
  return encodeURI(query ? `${path}?${encodeURIComponent(query)}` : path);
}

/**
 * Contentful (webhook request verification): `x-contentful-signature` = hex HMAC-SHA256, under the
 * space's webhook signing secret (its text: the 64 characters Contentful generates), of the canonical
 * request: the method, the request path (`contentfulSignedPath`), the signed headers as `name:value`
 * joined by `;`, and the raw body, joined by `\n`. The signed headers are those `x-contentful-signed-headers` names
 * (sorted, lower case, comma-separated), always including itself and `x-contentful-timestamp` (unix
 * ms, signed as `Number#toString` writes it), each value trimmed. Code rather than a row: the signed
 * header set is named by the request. Fail closed: a list that is not sorted, lower case, free of
 * duplicates and of the signature header, that lacks either mandatory name, or a named header absent
 * or sent twice, is refused; so is a header value carrying `;<signed name>:` (it would let a value
 * end where another begins under one signature). Window: the toolkit's 30 s, both ways (the toolkit
 * checks only the past). `x-contentful-topic` travels as `signed.eventType` when signed, else
 * `unsigned.eventType`; `x-contentful-idempotency-key`, when signed, is the signed event id (and the
 * dedupe key), else `unsigned.eventId` (duplicates then key on the body's SHA-256).
 * https://www.contentful.com/developers/docs/extensibility/webhooks/request-verification/
 * https://github.com/contentful/node-apps-toolkit/blob/master/src/requests/verify-request.ts
 */
export class ContentfulScheme extends HmacScheme {
  readonly requiredHeaders = [CONTENTFUL_SIGNATURE, CONTENTFUL_SIGNED_HEADERS, CONTENTFUL_TIMESTAMP];
  readonly signatureHeaders = [CONTENTFUL_SIGNATURE];
  // Contentful's own media type by default; a webhook's transformation may post JSON or a form.
  readonly contentTypes = ['application/vnd.contentful.management.v1+json', 'application/json', 'application/x-www-form-urlencoded'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = CONTENTFUL_TOLERANCE_SECONDS;
  readonly signsUrl = true;
  readonly issuesKey = true;

  constructor() {
    super('sha256');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (!request.url) throw new WebhookConfigurationError(NO_URL);
    return super.verify(request, keys, nowMs, toleranceSeconds);
  }

  protected parse(headers: readonly (string | undefined)[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, list, timestamp] = headers as [string, string, string];
    if (!out.addSignature(signature, 'hex')) return 'malformed_header';
    if (!MILLISECONDS.test(timestamp)) return 'malformed_timestamp';
    const method = (request.method ?? 'POST').toUpperCase();
    if (!METHOD.test(method)) return 'malformed_header';
    const names = list.split(',');
    const mandatory = names.includes(CONTENTFUL_SIGNED_HEADERS) && names.includes(CONTENTFUL_TIMESTAMP);
    if (names.length > 32 || !mandatory || names.includes(CONTENTFUL_SIGNATURE)) return 'malformed_header';
    const pairs: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      // Strictly ascending: sorted as the sender sorts, and no name twice.
      if (!HEADER_NAME.test(name) || (i > 0 && !(names[i - 1] < name))) return 'malformed_header';
      const sent = headerValue(request.headers, name);
      if (sent === DUPLICATE) return 'duplicate_header';
      if (sent === undefined) return 'missing_header';
      // Trimmed, as the toolkit reads it.
      const value = sent.trim();
      if (/[\r\n]/.test(value) || names.some((other) => value.includes(`;${other}:`))) return 'malformed_header';
      pairs.push(`${name}:${value}`);
    }
    const topic = headerValue(request.headers, CONTENTFUL_TOPIC);
    const idempotencyKey = headerValue(request.headers, CONTENTFUL_IDEMPOTENCY_KEY);
    if (topic === DUPLICATE || idempotencyKey === DUPLICATE) return 'duplicate_header';
    if ((topic !== undefined && !METADATA_VALUE.test(topic)) || (idempotencyKey !== undefined && !isEventId(idempotencyKey))) return 'malformed_header';
    if (names.includes(CONTENTFUL_TOPIC)) out.metadata = { 'signed.eventType': topic as string };
    else out.unsignedEventType = topic;
    if (names.includes(CONTENTFUL_IDEMPOTENCY_KEY)) out.eventId = idempotencyKey;
    else out.unsignedEventId = idempotencyKey;
    out.timestamp = Number(timestamp) / 1000;
    out.prefix = `${method}\n${contentfulSignedPath(request.url as string)}\n${pairs.join(';')}\n`;
    return undefined;
  }

  /**
   * The headers Contentful sends when it posts `input.body` to `input.url`: the topic signed with the
   * two mandatory headers (and `input.id` as a signed idempotency key, when given); the media type
   * unsigned.
   */
  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError(NO_URL);
    const signed: Record<string, string> = {
      [CONTENTFUL_TIMESTAMP]: String(Math.round((input.timestamp ?? Date.now() / 1000) * 1000)),
      [CONTENTFUL_TOPIC]: 'ContentManagement.Entry.publish',
      ...(input.id === undefined ? {} : { [CONTENTFUL_IDEMPOTENCY_KEY]: input.id }),
    };
    const names = [...Object.keys(signed), CONTENTFUL_SIGNED_HEADERS].sort();
    signed[CONTENTFUL_SIGNED_HEADERS] = names.join(',');
    const prefix = `${(input.method ?? 'POST').toUpperCase()}\n${contentfulSignedPath(input.url)}\n${names.map((n) => `${n}:${signed[n]}`).join(';')}\n`;
    return { 'content-type': this.contentTypes[0], ...signed, [CONTENTFUL_SIGNATURE]: this.mac(secret, prefix, input.body, 'hex') };
  }

}

/**
 * Trello: `X-Trello-Webhook` = base64 HMAC-SHA1, under the application's secret (the OAuth 1.0
 * secret of its API key, its text), of the body followed by the callback URL exactly as given when
 * the webhook was created: the source's public URL, which must be spelt exactly so. Trello signs them
 * as a Node "binary" string: each UTF-16 unit of the text is reduced to its low byte (its docs' own
 * example: U+2013, the en dash, is signed as the byte 19). So the body is read as strict UTF-8
 * (`malformed_body` otherwise) and mapped the same way; the mapping is lossy (`Ł` and `A` sign alike),
 * so the signature binds the body only partly: `partial`, and duplicates key on what is signed (every
 * such respelling of one delivery is one event). No timestamp: the dedupe record is the replay
 * control. Trello checks the callback URL with a HEAD request when the webhook is created.
 * https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
 */
export class TrelloScheme extends HmacScheme {
  readonly requiredHeaders = ['x-trello-webhook'];
  readonly signatureHeaders = ['x-trello-webhook'];
  readonly contentTypes = JSON_BODY;
  readonly bodyBinding = 'partial';
  readonly signsUrl = true;
  readonly issuesKey = true;
  // "When creating a webhook, Trello will make a HEAD request to callbackURL you provide to verify that it is a valid URL."
  readonly handshake: Handshake = { description: 'HEAD to the callback URL when the webhook is created → 200, no body', head: true };
  private readonly read: HeaderValue[] = [];
  // What Trello signs for the request being verified.
  private content: Buffer = Buffer.alloc(0);

  constructor() {
    super('sha1');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (!request.url) throw new WebhookConfigurationError(NO_URL);
    const out = this.signed.reset();
    const problem = readHeaders(request.headers, this.requiredHeaders, 1, this.read) ?? this.parse(this.read as readonly string[], request, out);
    if (problem) return rejected(problem);
    if (keys.length === 0) return rejected('no_active_key');
    let matched: Buffer | undefined;
    for (const { key, notAfterMs } of keys) {
      if (!(notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
      if (timingSafeEqual(hmac('sha1', key, '', this.content), out.signatures[0]) && !matched) matched = key;
    }
    return matched ? accepted(out, request.body, nowMs, toleranceSeconds, matched) : rejected('signature_invalid');
  }

  protected parse(headers: readonly (string | undefined)[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    if (!out.addSignature(headers[0] as string, 'base64')) return 'malformed_header';
    const content = trelloSignedContent(request.body, request.url as string);
    if (!content) return 'malformed_body';
    this.content = content;
    out.includeBody = false;
    out.bodyBinding = 'partial';
    out.dedupeContent = content.toString('latin1');
    return undefined;
  }

  /** The header Trello sends when it posts `input.body` to the callback URL `input.url`. */
  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError(NO_URL);
    const content = trelloSignedContent(input.body, input.url);
    if (!content) throw new WebhookConfigurationError('trello signs UTF-8 text only');
    return { 'content-type': 'application/json', 'x-trello-webhook': this.mac(secret, '', content, 'base64') };
  }
}

/** Body and URL as Trello signs them (each UTF-16 unit's low byte), or undefined for a body that is not UTF-8. */
export function trelloSignedContent(body: string | Uint8Array, url: string): Buffer | undefined {
  const text = bodyText(body);
  return text === undefined ? undefined : Buffer.from(text + url, 'latin1');
}

/** Product and developer SaaS senders added by issue 21 (WorkOS, Klaviyo, Webflow, Contentful, Trello, ClickUp, TikTok, Sanity, Cal.com). */
export const SAAS = {
  /**
   * WorkOS: `WorkOS-Signature: t=<unix ms>, v1=<hex>`, HMAC-SHA256 over `t` + `.` + the raw body,
   * under the endpoint's webhook secret (its text, as the dashboard shows it). Window: the 180 s its
   * SDKs default to (they check only the past; we check both ways). No metadata header: the event id
   * and type are in the body.
   * https://workos.com/docs/events/data-syncing/webhooks/3-process-the-events/b-validate-the-requests-manually
   */
  workos: {
    docs: 'https://workos.com/docs/events/data-syncing/webhooks/3-process-the-events/b-validate-the-requests-manually',
    ipRanges: 'https://workos.com/docs/events/data-syncing/webhooks#create-an-ip-allowlist',
    ...HEX_SHA256,
    signature: tList('workos-signature', 'v1'),
    signed: T_DOT_BODY,
    timestamp: { format: 'unix-ms', toleranceSeconds: WORKOS_TOLERANCE_SECONDS },
    contentTypes: JSON_BODY,
    issuesKey: true,
  },
  /**
   * Klaviyo (system webhooks): `Klaviyo-Signature` = hex HMAC-SHA256 over the raw body followed by
   * `Klaviyo-Timestamp` exactly as sent (an HTTP date, `Thu, 04 Jan 2024 18:05:25 GMT`), no
   * separator, under the webhook's secret key (chosen when the webhook is created: we generate it).
   * The timestamp is signed but is no clock to check a window against: Klaviyo documents none, and
   * its header has been seen hours off the time it was sent (a local time labelled GMT; reported by
   * the nickdnk/klaviyo-php-sdk, which checks the body's `meta.timestamp` instead). So it is signed
   * content, forwarded as `signed.sentAt`, and the dedupe record is the replay control.
   * `Klaviyo-Webhook-Id` is unsigned (Klaviyo asks that it match the signed body's
   * `meta.klaviyo_webhook_id`: the consumer can check that). Flow webhook actions are not signed and
   * are not this sender.
   * https://developers.klaviyo.com/en/docs/working_with_system_webhooks
   */
  klaviyo: {
    docs: 'https://developers.klaviyo.com/en/docs/working_with_system_webhooks',
    ...HEX_SHA256,
    signature: { kind: 'header', header: 'klaviyo-signature' },
    // Right after the body with no separator: only its fixed HTTP-date form keeps characters from moving
    // between the two under one signature (found in review: `…}` + `Thu, …` verified as `…` + `}Thu, …`).
    signed: ['body', { header: 'klaviyo-timestamp', pattern: HTTP_DATE, write: (seconds) => new Date(seconds * 1000).toUTCString() }],
    metadata: [
      { header: 'klaviyo-timestamp', name: 'sentAt' },
      { header: 'klaviyo-webhook-id', name: 'webhookId' },
    ],
    contentTypes: JSON_BODY,
    issuesKey: false,
  },
  /**
   * Webflow: `x-webflow-signature` = hex HMAC-SHA256 over `x-webflow-timestamp` (unix ms, as sent) +
   * `:` + the raw body, under the OAuth application's client secret (webhooks created from a site's
   * dashboard or with a site token carry no signature). Window: Webflow's 5 minutes. The event type
   * is the body's `triggerType`.
   * https://developers.webflow.com/data/docs/working-with-webhooks
   */
  webflow: {
    docs: 'https://developers.webflow.com/data/docs/working-with-webhooks',
    ...HEX_SHA256,
    signature: { kind: 'header', header: 'x-webflow-signature' },
    signed: ['timestamp', { literal: ':' }, 'body'],
    timestamp: { header: 'x-webflow-timestamp', format: 'unix-ms', toleranceSeconds: WEBFLOW_TOLERANCE_SECONDS },
    contentTypes: JSON_BODY,
    issuesKey: true,
  },
  /** Signs a canonical request named by its own header list: code, above. */
  contentful: {
    docs: 'https://www.contentful.com/developers/docs/extensibility/webhooks/request-verification/',
    issuesKey: true,
    create: () => new ContentfulScheme(),
  },
  /** Signs body + callback URL as a "binary" string: code, above. */
  trello: {
    docs: 'https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures',
    issuesKey: true,
    create: () => new TrelloScheme(),
  },
  /**
   * ClickUp: `X-Signature` = hex HMAC-SHA256 of the raw body under the webhook's `secret` (returned
   * when the webhook is created). No timestamp and no metadata header (`webhook_id`, `event` and the
   * history items are in the body).
   * https://developer.clickup.com/docs/webhooksignature
   */
  clickup: {
    docs: 'https://developer.clickup.com/docs/webhooksignature',
    ...HEX_SHA256,
    signature: { kind: 'header', header: 'x-signature' },
    signed: ['body'],
    contentTypes: JSON_BODY,
    issuesKey: true,
  },
  /**
   * TikTok for Developers: `TikTok-Signature: t=<unix s>,s=<hex>`, HMAC-SHA256 over `t` + `.` + the
   * raw body under the app's client secret. TikTok leaves the window to the receiver: the library's
   * 5 minutes. The event (`event`, `create_time`, `user_openid`) is in the body.
   * https://developers.tiktok.com/doc/webhooks-verification
   */
  tiktok: {
    docs: 'https://developers.tiktok.com/doc/webhooks-verification',
    ...HEX_SHA256,
    signature: tList('tiktok-signature', 's'),
    signed: T_DOT_BODY,
    timestamp: { format: 'unix', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    contentTypes: JSON_BODY,
    issuesKey: true,
  },
  /**
   * Sanity (GROQ-powered webhooks): `sanity-webhook-signature: t=<unix ms>,v1=<base64url>`,
   * HMAC-SHA256 over `t` + `.` + the body under the webhook's secret (its text; set by its user: we
   * generate it), as its official toolkit `@sanity/webhook` computes and checks it. The toolkit
   * checks no window: the library's 5 minutes. Sanity's delivery headers are unsigned:
   * `idempotency-key` (the same for every attempt of one delivery) as `unsigned.eventId`,
   * `sanity-operation` as `unsigned.eventType`, and the webhook, document and transaction ids (the
   * project and dataset headers are the webhook's own, not forwarded).
   * https://www.sanity.io/docs/webhooks
   * https://github.com/sanity-io/webhook-toolkit/blob/main/src/signature.ts
   */
  sanity: {
    docs: 'https://www.sanity.io/docs/webhooks',
    algorithm: 'sha256',
    encoding: 'base64url',
    signature: tList('sanity-webhook-signature', 'v1'),
    signed: T_DOT_BODY,
    timestamp: { format: 'unix-ms', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    metadata: [
      { header: 'idempotency-key', name: 'eventId' },
      { header: 'sanity-operation', name: 'eventType' },
      { header: 'sanity-webhook-id', name: 'webhookId' },
      { header: 'sanity-document-id', name: 'documentId' },
      { header: 'sanity-transaction-id', name: 'transactionId' },
    ],
    contentTypes: JSON_BODY,
    issuesKey: false,
  },
  /**
   * Cal.com: `X-Cal-Signature-256` = hex HMAC-SHA256 of the raw body (JSON, or the form a payload
   * template makes) under the webhook's secret (optional in Cal.com, required here: without one Cal.com
   * sends `no-secret-provided`, refused as malformed). No timestamp; the event is the body's
   * `triggerEvent`.
   * https://cal.com/docs/developing/guides/automation/webhooks
   */
  'cal-com': {
    docs: 'https://cal.com/docs/developing/guides/automation/webhooks',
    ...HEX_SHA256,
    signature: { kind: 'header', header: 'x-cal-signature-256' },
    signed: ['body'],
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    issuesKey: false,
  },
} satisfies Record<string, SenderEntry>;
