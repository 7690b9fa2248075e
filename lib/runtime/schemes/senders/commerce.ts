import { randomBytes, randomUUID } from 'node:crypto';
import { DUPLICATE, HeaderValue, pickHeaders } from '../../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { isEventId, parseTimestamp, rejected, SignedContent } from '../common';
import { smallJson } from '../handshakes';
import { Handshake, HmacScheme, ImmediateAnswer, SchemeDescription, SignInput } from '../scheme';
import { SenderEntry, SenderRow, SenderScheme, SignedPart } from '../sender';
import { parseObjectStrict } from '../strict-json';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

// Payments, billing and accounting senders added by issue 21: rows where the scheme is a header HMAC
// the row engine reads (../sender.ts), code where it is not. Tests: test/runtime/senders/commerce.test.ts.

const JSON_TYPES = ['application/json'];
const BODY: readonly SignedPart[] = ['body'];
const MALFORMED = 'malformed_header';

/** Xero asks for "no body in the response" to every delivery, its Intent to Receive checks included. */
const NO_BODY: ImmediateAnswer = { body: '', contentType: 'text/plain' };

/**
 * Xero's "Intent to Receive": when a subscription is created, re-enabled or moved, Xero posts a series
 * of requests, some correctly signed and some not, each `{"events": [], "firstEventSequence": 0,
 * "lastEventSequence": 0, "entropy": "..."}`, and wants 200 for the signed ones and 401 for the rest.
 * A signed one is answered here, with no body, and not queued: it carries no event, so a consumer
 * would get nothing but noise. Decided on the signed body alone (an empty `events` list and an
 * `entropy` string), so no unsigned input turns a delivery into an answer; a delivery with events is
 * never one. An unsigned or wrongly signed one never gets here (401).
 * https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/
 */
export const XERO_INTENT_TO_RECEIVE: Handshake = {
  description: 'signed Intent to Receive (`events: []`) → 200, no body, not queued; bad signature → 401',
  post(body) {
    const check = smallJson(body, '"entropy"');
    const events = check?.events;
    return Array.isArray(events) && events.length === 0 && typeof check?.entropy === 'string' ? NO_BODY : undefined;
  },
};

/**
 * Xero: `x-xero-signature` = base64 HMAC-SHA256 over the raw body under the app's webhook key (its
 * text, as the developer portal shows it). Nothing in time is signed: the dedupe record is the replay
 * control (the body carries the events and their sequence numbers). No metadata header.
 */
export const XERO_ROW: SenderRow = {
  docs: 'https://developer.xero.com/documentation/guides/webhooks/configuring-your-server/',
  algorithm: 'sha256',
  encoding: 'base64',
  signature: { kind: 'header', header: 'x-xero-signature' },
  signed: BODY,
  contentTypes: JSON_TYPES,
  issuesKey: true,
  handshake: XERO_INTENT_TO_RECEIVE,
};

/**
 * The Xero row, with what Xero asks of the answers: every delivery acknowledged with no body, and a
 * signature header that is there but cannot be decoded answered as a bad signature (401), not as a
 * malformed request (400): Intent to Receive fails on anything but 401 for a request it signed wrong.
 */
export class XeroScheme extends SenderScheme {
  constructor() {
    super('xero', XERO_ROW);
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const result = super.verify(request, keys, nowMs, toleranceSeconds);
    return !result.ok && result.reason === MALFORMED ? rejected('signature_invalid') : result;
  }

  acknowledge(): ImmediateAnswer {
    return NO_BODY;
  }
}

/** The Authorize.Net row, signing as Authorize.Net writes its digest: upper-case hex. */
export class AuthorizeNetScheme extends SenderScheme {
  sign(input: SignInput, secret: string): Record<string, string> {
    const headers = super.sign(input, secret);
    headers['x-anet-signature'] = headers['x-anet-signature'].toUpperCase().replace('SHA512=', 'sha512=');
    return headers;
  }
}

/**
 * Authorize.Net: `X-ANET-Signature: sha512=<HEX>`, HMAC-SHA512 over the raw body. The key is the
 * Signature Key exactly as the Merchant Interface shows it (128 hex digits), used as its text, not as
 * the 64 bytes those digits spell (as Authorize.Net's older SIM/DPM hashes use it): the webhook page
 * does not say which, and a signature Authorize.Net sent, published with its key and body on its
 * developer forum, verifies only with the text (test/runtime/senders/commerce.test.ts). Authorize.Net
 * writes the digest in upper case; the verifier reads hex in either case (the same bytes, so no
 * other message verifies). No timestamp; the event's `notificationId` and `eventType` are in the body.
 */
export const AUTHORIZE_NET_ROW: SenderRow = {
  docs: 'https://developer.authorize.net/api/reference/features/webhooks.html',
  algorithm: 'sha512',
  encoding: 'hex',
  signature: { kind: 'header', header: 'x-anet-signature', prefix: 'sha512=' },
  signed: BODY,
  minKeyLength: 128,
  // Issued by Authorize.Net; one in its shape for tests and the CLI: 64 random bytes, upper-case hex.
  generatedKey: () => randomBytes(64).toString('hex').toUpperCase(),
  contentTypes: JSON_TYPES,
  issuesKey: true,
};

/** Recurly's window: its client libraries' `DEFAULT_TOLERANCE` of five minutes, both ways. */
export const RECURLY_TOLERANCE_SECONDS = 300;
const RECURLY_STAMP = /^[1-9]\d{0,14}$/;
const RECURLY_HEADERS = ['recurly-signature'];
const MAX_SIGNATURE_HEADER = 4096;

/**
 * Recurly: `recurly-signature: <unix ms>,<hex>[,<hex>...]`: the timestamp, then one HMAC-SHA256 (hex)
 * per valid secret (the old and the new secret both sign for 24 h after one is regenerated), each
 * over `<timestamp>.<raw body>`, keyed with the endpoint's secret key (its text). "Any other format
 * is invalid": no names, no spaces, no empty entry; the timestamp as sent is what is signed. Only
 * JSON webhooks are signed (XML ones are not, and are refused). No metadata header.
 * https://docs.recurly.com/recurly-subscriptions/docs/signature-verification
 */
export class RecurlyScheme extends HmacScheme {
  readonly requiredHeaders = RECURLY_HEADERS;
  readonly signatureHeaders = RECURLY_HEADERS;
  readonly contentTypes = JSON_TYPES;
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = RECURLY_TOLERANCE_SECONDS;

  constructor() {
    super('sha256', 8);
  }

  protected parse(headers: readonly (string | undefined)[], _request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const header = headers[0] as string;
    if (header.length > MAX_SIGNATURE_HEADER) return MALFORMED;
    const [stamp, ...signatures] = header.split(',');
    if (!RECURLY_STAMP.test(stamp)) return 'malformed_timestamp';
    if (signatures.length === 0) return MALFORMED;
    for (const signature of signatures) if (!out.addSignature(signature, 'hex')) return MALFORMED;
    out.prefix = `${stamp}.`;
    out.timestamp = Number(stamp) / 1000;
    return undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    const stamp = String(Math.round((input.timestamp ?? Date.now() / 1000) * 1000));
    return { 'content-type': 'application/json', 'recurly-signature': `${stamp},${this.mac(secret, `${stamp}.`, input.body, 'hex')}` };
  }

  describe(): SchemeDescription {
    return {
      signature: '`recurly-signature`: `<t>,<sig>[,<sig>…]`, HMAC-SHA256 hex over t + `.` + body',
      replay: 'signed timestamp (unix ms), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}

/** Coinbase Developer Platform's window: "Reject events older than 5 minutes". */
export const COINBASE_CDP_TOLERANCE_SECONDS = 300;
const HOOK0_SIGNATURE = 'x-hook0-signature';
const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_COVERED = 16;

/**
 * Coinbase Developer Platform (its webhooks are Hook0's): `X-Hook0-Signature: t=<unix s>,h=<names>,
 * v1=<hex>` (a `v0=` over `t.body` may come too, and is ignored: v1 is what Coinbase says to check,
 * and verifying the weaker of two offered codes is a downgrade). v1 is HMAC-SHA256 over `t` + `.` +
 * the header names `h` lists (space-separated, in that order) + `.` + those headers' values joined by
 * `.` + `.` + the raw body, keyed with the subscription's `secret` (its text). Every header `h` names
 * must arrive exactly once: a covered header that is missing is refused, never signed as empty.
 *
 * The values are joined by `.`, which event types contain (`checkout.payment.success`), so the signed
 * string does not fix where one value ends and the next begins, nor where the last ends and the body
 * begins. So: the body must be one strict JSON object (what Coinbase sends), which no shift of
 * characters across that last `.` leaves valid; and `X-Event-Id` / `X-Event-Type` travel as
 * `unsigned.*` metadata and never key duplicates (the body's SHA-256 does).
 * https://docs.cdp.coinbase.com/webhooks/verify-signatures
 */
export class CoinbaseCdpScheme extends HmacScheme {
  readonly requiredHeaders = [HOOK0_SIGNATURE];
  readonly optionalHeaders = ['x-event-id', 'x-event-type'];
  readonly signatureHeaders = [HOOK0_SIGNATURE];
  readonly contentTypes = JSON_TYPES;
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = COINBASE_CDP_TOLERANCE_SECONDS;
  private readonly covered: HeaderValue[] = [];

  constructor() {
    super('sha256');
  }

  protected parse(headers: readonly (string | undefined)[], request: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [header, eventId, eventType] = headers as [string, string | undefined, string | undefined];
    if (header.length > MAX_SIGNATURE_HEADER) return MALFORMED;
    // Each name once (a second `t`, `h` or `v1` is ambiguous); names other than these are ignored.
    const parts: Record<string, string | undefined> = {};
    for (const entry of header.split(',')) {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, eq).trim();
      if (eq <= 0 || parts[name] !== undefined) return MALFORMED;
      parts[name] = entry.slice(eq + 1).trim();
    }
    const { t, h, v1 } = parts;
    if (t === undefined) return 'malformed_timestamp';
    const sentAt = parseTimestamp(t);
    if (typeof sentAt !== 'number') return sentAt;
    if (h === undefined || v1 === undefined || !out.addSignature(v1, 'hex')) return MALFORMED;
    const names = h.split(' ');
    if (names.length > MAX_COVERED || names.some((n, i) => !HEADER_NAME.test(n) || n === HOOK0_SIGNATURE || names.indexOf(n) !== i)) return MALFORMED;
    pickHeaders(request.headers, names, this.covered);
    for (let i = 0; i < names.length; i++) {
      const value = this.covered[i];
      if (value === DUPLICATE) return 'duplicate_header';
      if (value === undefined) return 'missing_header';
    }
    if ((eventId !== undefined && !isEventId(eventId)) || (eventType !== undefined && !isEventId(eventType))) return MALFORMED;
    const text = bodyText(request.body);
    if (text === undefined || parseObjectStrict(text) === undefined) return 'malformed_body';
    out.prefix = `${t}.${h}.${(this.covered.slice(0, names.length) as string[]).join('.')}.`;
    out.timestamp = sentAt;
    out.unsignedEventId = eventId;
    out.unsignedEventType = eventType;
    return undefined;
  }

  /** A delivery as Coinbase makes it: the three headers it signs, and the v1 code over them. */
  sign(input: SignInput, secret: string): Record<string, string> {
    const t = String(Math.floor(input.timestamp ?? Date.now() / 1000));
    const id = input.id ?? randomUUID();
    const type = 'checkout.payment.success';
    const h = 'content-type x-event-id x-event-type';
    const v1 = this.mac(secret, `${t}.${h}.application/json.${id}.${type}.`, input.body, 'hex');
    return { 'content-type': 'application/json', 'x-event-id': id, 'x-event-type': type, [HOOK0_SIGNATURE]: `t=${t},h=${h},v1=${v1}` };
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-Hook0-Signature`: `t=<t>,h=<names>,v1=<sig>`, HMAC-SHA256 hex over `t.<names>.<values joined by .>.<body>` (a JSON object)',
      replay: 'signed timestamp (unix s), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: ['unsigned.eventId', 'unsigned.eventType'],
    };
  }
}

export const COMMERCE = {
  /**
   * Checkout.com: `Cko-Signature` = hex HMAC-SHA256 over the raw body under the signature key set in
   * the workflow's webhook action (its user's to choose: we generate it). No timestamp: the dedupe
   * record is the replay control (the event's `id` and `type` are in the body). No metadata header.
   * Checkout.com also lets its user add a static `Authorization` header: it is not read (the HMAC binds
   * the body and proves the sender; a static value proves less) and, being a credential, never
   * forwarded.
   * https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks/set-up-your-webhook-receiver
   */
  'checkout-com': {
    docs: 'https://www.checkout.com/docs/developer-resources/webhooks/manage-webhooks/set-up-your-webhook-receiver',
    ipRanges: 'https://www.checkout.com/docs/developer-resources/ip-addresses',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'cko-signature' },
    signed: BODY,
    contentTypes: JSON_TYPES,
    issuesKey: false,
  },
  /**
   * QuickBooks Online (Intuit): `intuit-signature` = base64 HMAC-SHA256 over the raw body under the
   * app's Verifier Token (its text). No timestamp, no metadata header. The body is the legacy
   * `eventNotifications` object or, since Intuit's move to CloudEvents, an array of CloudEvents: both
   * are signed alike, and both JSON media types are taken.
   * https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications
   */
  quickbooks: {
    docs: 'https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications',
    algorithm: 'sha256',
    encoding: 'base64',
    signature: { kind: 'header', header: 'intuit-signature' },
    signed: BODY,
    contentTypes: ['application/json', 'application/cloudevents-batch+json'],
    issuesKey: true,
  },
  /** The row in XERO_ROW, with Xero's bodiless answers and its Intent to Receive. */
  xero: {
    docs: XERO_ROW.docs,
    issuesKey: true,
    create: () => new XeroScheme(),
  },
  /**
   * GoCardless: `Webhook-Signature` = hex HMAC-SHA256 over the raw body (a batch of events) under the
   * webhook endpoint's secret (GoCardless generates one when its user leaves the field blank: imported).
   * GoCardless asks for "498 Token Invalid" on a bad signature; the verifier answers 401, which
   * GoCardless counts as a failed delivery all the same. No timestamp. `Origin` (the GoCardless
   * environment that sent it) is unsigned metadata.
   * https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks/
   */
  gocardless: {
    docs: 'https://developer.gocardless.com/getting-started/staying-up-to-date-with-webhooks/',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'header', header: 'webhook-signature' },
    signed: BODY,
    metadata: [{ header: 'origin', name: 'origin' }],
    contentTypes: JSON_TYPES,
    issuesKey: true,
  },
  /** Signs `<ms>.<body>` with an unnamed list of signatures: code, RecurlyScheme above. */
  recurly: {
    docs: 'https://docs.recurly.com/recurly-subscriptions/docs/signature-verification',
    ipRanges: 'https://docs.recurly.com/docs/ip-allowlist',
    issuesKey: true,
    create: () => new RecurlyScheme(),
  },
  /**
   * Revolut Merchant API: `Revolut-Signature: v1=<hex>[,v1=<hex>...]` (one per signing secret while a
   * rotated one has not expired), HMAC-SHA256 over `v1.` + `Revolut-Request-Timestamp` (unix ms, as
   * sent) + `.` + the raw body under the webhook's signing secret (`wsk_...`, its text). Window:
   * Revolut's "5-minute time tolerance". No other metadata header.
   * https://developer.revolut.com/docs/guides/accept-payments/tutorials/work-with-webhooks/verify-the-payload-signature
   */
  revolut: {
    docs: 'https://developer.revolut.com/docs/guides/accept-payments/tutorials/work-with-webhooks/verify-the-payload-signature',
    ipRanges: 'https://developer.revolut.com/docs/api/merchant/operations/webhook-webhook-event',
    algorithm: 'sha256',
    encoding: 'hex',
    signature: { kind: 'list', header: 'revolut-signature', separator: ',', assign: '=', signatureKey: 'v1' },
    signed: [{ literal: 'v1.' }, 'timestamp', { literal: '.' }, 'body'],
    timestamp: { header: 'revolut-request-timestamp', format: 'unix-ms', toleranceSeconds: DEFAULT_TOLERANCE_SECONDS },
    contentTypes: JSON_TYPES,
    issuesKey: true,
  },
  /** The row in AUTHORIZE_NET_ROW, signing in upper case. */
  'authorize-net': {
    docs: AUTHORIZE_NET_ROW.docs,
    issuesKey: true,
    create: () => new AuthorizeNetScheme('authorize-net', AUTHORIZE_NET_ROW),
  },
  /** Signs a list of headers the request names: code, CoinbaseCdpScheme above. */
  'coinbase-cdp': {
    docs: 'https://docs.cdp.coinbase.com/webhooks/verify-signatures',
    issuesKey: true,
    create: () => new CoinbaseCdpScheme(),
  },
} satisfies Record<string, SenderEntry>;
