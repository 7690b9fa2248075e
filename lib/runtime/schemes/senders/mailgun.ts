import { randomBytes } from 'node:crypto';
import { RejectionReason, WebhookConfigurationError, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { isEventId, parseTimestamp, SignedContent } from '../common';
import { parseObjectStrict, spelledAsRead } from '../strict-json';
import { HmacScheme, SchemeDescription, SignInput } from '../scheme';
import { CodeSender } from '../sender';
import { DEFAULT_TOLERANCE_SECONDS } from '../tolerance';

/*
 * Mailgun signs no header and not the body: each delivery carries `timestamp`, `token` (50 random
 * characters) and `signature` = hex HMAC-SHA256, keyed with the HTTP webhook signing key, of the
 * timestamp and the token concatenated with no separator. In a JSON webhook they are the `signature`
 * object beside `event-data`; in legacy webhooks and routes they are form fields. A subaccount's
 * delivery also carries `parent-signature`, the same HMAC under the primary account's key.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 *
 * What that means here, beyond the words of the page:
 * - The event itself is not signed. The signature proves only that Mailgun issued this token at this
 *   time; whoever captures one delivery can resend its token with other event data. What stops that is
 *   Mailgun's own advice, applied: the token is single use (duplicates key on the signed
 *   `timestamp + token`, so a respelled body under a seen token is a duplicate) and the timestamp must
 *   be recent. Mailgun documents no window ("don't be too aggressive"): the library's 300 s applies.
 * - `event-data.id` and `event-data.event` (JSON) or `event` (form) travel as the unsigned event id and
 *   type: routing hints, never trusted.
 * - Multipart bodies (routes forwarding attachments) are not read: refused, never guessed at.
 */

const MAX_TOKEN = 256;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const METADATA_VALUE = /^[\x20-\x7e]{1,256}$/;
// The names read here, at each level: a second spelling of one (`Token`, `toKen` with the Kelvin
// sign, a form's `token[]`) is what a consumer matching names loosely may read instead.
const JSON_TOP = spelledAsRead(['signature', 'event-data']);
const JSON_SIGNATURE = spelledAsRead(['timestamp', 'token', 'signature', 'parent-signature']);
const FORM_FIELDS = spelledAsRead(['timestamp', 'token', 'signature', 'parent-signature', 'event'], true);

interface Fields {
  timestamp: string;
  token: string;
  signatures: string[];
  eventId?: string;
  eventType?: string;
}

/** Mailgun: HMAC-SHA256 over `timestamp + token`, both read from the body (JSON or form). */
export class MailgunScheme extends HmacScheme {
  readonly requiredHeaders = ['content-type'];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['application/json', 'application/x-www-form-urlencoded'];
  // Only the `timestamp` and `token` inside the body are signed; the event data is not.
  readonly bodyBinding = 'partial';
  readonly defaultToleranceSeconds = DEFAULT_TOLERANCE_SECONDS;
  readonly issuesKey = true;

  constructor() {
    // `signature` and, for a subaccount, `parent-signature`.
    super('sha256', 2);
  }

  protected parse(headers: readonly (string | undefined)[], { body }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const type = mediaType(headers[0] as string);
    // Read as its consumer reads it: a BOM kept (so JSON.parse refuses it, as the consumer's would),
    // bytes that are not UTF-8 refused. Else the signed token could be read from a body the
    // consumer cannot parse.
    const text = bodyText(body);
    if (text === undefined) return 'malformed_body';
    // Multipart (routes forwarding attachments) and anything else: refused, never guessed at.
    const fields = type === 'application/json' ? fromJson(text) : type === 'application/x-www-form-urlencoded' ? fromForm(text) : 'malformed_header';
    if (typeof fields === 'string') return fields;
    const sentAt = parseTimestamp(fields.timestamp);
    if (typeof sentAt !== 'number') return sentAt;
    for (const signature of fields.signatures) if (!out.addSignature(signature, 'hex')) return 'malformed_header';
    out.timestamp = sentAt;
    out.prefix = fields.timestamp + fields.token;
    out.includeBody = false;
    out.bodyBinding = this.bodyBinding;
    // The only thing signed, and single use by Mailgun's word: what duplicates key on.
    out.dedupeContent = out.prefix;
    out.unsignedEventId = fields.eventId;
    out.unsignedEventType = fields.eventType;
    return undefined;
  }

  describe(): SchemeDescription {
    return {
      signature: 'in the body (JSON `signature` object or form fields): `signature` (or a subaccount\'s `parent-signature`), HMAC-SHA256 hex over `timestamp` + `token`; the event data is not signed',
      replay: 'signed timestamp (unix s), 5 min; dedupe record on the single-use token',
      dedupe: 'SHA-256 of the signed content (timestamp + token)',
      metadata: ['unsigned.eventId', 'unsigned.eventType'],
    };
  }

  /**
   * Mailgun puts its signature in the body, so the headers alone cannot carry it: use `signDelivery`,
   * which returns the body with the signature in it.
   */
  sign(): Record<string, string> {
    throw new WebhookConfigurationError('Mailgun signs inside the body: use signDelivery, which returns the signed body with its headers');
  }

  /**
   * The delivery Mailgun would send for `input.body`: a JSON object gains the `signature` object, a
   * form body the three fields. `input.id` is the token (default: 50 random hex characters).
   */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    const timestamp = String(Math.floor(input.timestamp ?? Date.now() / 1000));
    const token = input.id ?? randomBytes(25).toString('hex');
    const signature = this.mac(secret, timestamp + token, undefined, 'hex');
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      const form = new URLSearchParams(text);
      if (form.has('signature') || form.has('token') || form.has('timestamp')) throw new WebhookConfigurationError('this form body is already signed');
      form.append('timestamp', timestamp);
      form.append('token', token);
      form.append('signature', signature);
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
    }
    if (!isObject(parsed)) throw new WebhookConfigurationError('a Mailgun JSON body is an object');
    return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...parsed, signature: { token, timestamp, signature } }) };
  }
}

/** The catalogue entry: Mailgun issues the key ("HTTP webhook signing key"). */
export const MAILGUN: CodeSender = {
  docs: 'https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks',
  issuesKey: true,
  create: () => new MailgunScheme(),
};

function fromJson(text: string): Fields | RejectionReason {
  // A key twice anywhere (two `token`s, two `signature` objects) is read one way here and maybe
  // another by the consumer: refused.
  const parsed = parseObjectStrict(text);
  if (parsed === undefined || !Object.keys(parsed).every(JSON_TOP)) return 'malformed_body';
  if (!isObject(parsed.signature)) return 'missing_header';
  if (!Object.keys(parsed.signature).every(JSON_SIGNATURE)) return 'malformed_body';
  const { timestamp, token, signature } = parsed.signature;
  const parent = parsed.signature['parent-signature'];
  if (timestamp === undefined || typeof token !== 'string' || typeof signature !== 'string') return 'missing_header';
  // Mailgun writes a string of digits. A number (`1770920772`, `1.770920772e9`) is another value
  // to a consumer's typed read (Go's `TimeStamp string` fails on it) under the same signature.
  if (typeof timestamp !== 'string') return 'malformed_timestamp';
  if (parent !== undefined && typeof parent !== 'string') return 'malformed_header';
  const event = isObject(parsed['event-data']) ? parsed['event-data'] : undefined;
  return checked({ timestamp, token, signatures: parent === undefined ? [signature] : [signature, parent], eventId: event?.id, eventType: event?.event });
}

function fromForm(text: string): Fields | RejectionReason {
  const form = new URLSearchParams(text);
  for (const name of form.keys()) if (!FORM_FIELDS(name)) return 'malformed_body';
  const one = (name: string): string | undefined | false => {
    const values = form.getAll(name);
    return values.length > 1 ? false : values[0];
  };
  const timestamp = one('timestamp');
  const token = one('token');
  const signature = one('signature');
  const parent = one('parent-signature');
  const eventType = one('event');
  // A field sent twice leaves which one is meant to a guess.
  if (timestamp === false || token === false || signature === false || parent === false || eventType === false) return 'duplicate_header';
  if (timestamp === undefined || token === undefined || signature === undefined) return 'missing_header';
  return checked({ timestamp, token, signatures: parent === undefined ? [signature] : [signature, parent], eventType });
}

/** The signed fields well formed; the unsigned ones kept only when they are plain printable text. */
function checked(fields: { timestamp: string; token: string; signatures: string[]; eventId?: unknown; eventType?: unknown }): Fields | RejectionReason {
  if (fields.token.length > MAX_TOKEN || !isEventId(fields.token)) return 'malformed_header';
  if (!fields.signatures.every((s) => HEX64.test(s))) return 'malformed_header';
  const plain = (value: unknown) => (typeof value === 'string' && METADATA_VALUE.test(value) ? value : undefined);
  return { timestamp: fields.timestamp, token: fields.token, signatures: fields.signatures, eventId: plain(fields.eventId), eventType: plain(fields.eventType) };
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
