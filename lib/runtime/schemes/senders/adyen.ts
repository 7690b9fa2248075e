import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { bodyText } from '../body-text';
import { accepted, decodeInto, rejected, SignedContent } from '../common';
import { hmac } from '../mac';
import { ImmediateAnswer, Scheme, SchemeDescription, SignInput } from '../scheme';
import { CodeSender } from '../sender';
import { parseObjectStrict, spelledAsRead } from '../strict-json';

/*
 * Adyen standard webhooks (JSON).
 * https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures
 *
 * Each `NotificationRequestItem` carries `additionalData.hmacSignature`: base64 HMAC-SHA256, keyed
 * with the hex-decoded HMAC key of the webhook, over
 * `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
 * (`value` and `currency` from `amount`; a field the item lacks is the empty string), as Adyen's
 * libraries compute it (adyen-node-api-library `HmacValidator.getDataToSign`). What is decided here:
 * - Only those eight fields are signed, so the body is bound `partial`ly: the rest of the item
 *   (`eventDate`, `reason`, `paymentMethod`, the rest of `additionalData`) and `live` are not.
 * - Adyen's libraries disagree on a `:` or `\` inside a value (the Node library joins as is, the Ruby
 *   one escapes them); as is, a `:` moved from one field to the next keeps the signature. A signed
 *   value holding either is refused rather than read one of two ways.
 * - One item per request, as Adyen sends them ("The list contains a single item", its
 *   `NotificationRequest` schema). Items are signed one by one, never the list: a batch would verify
 *   as a new delivery when put together from captured items (one item twice, two deliveries' items,
 *   a subset), which the dedupe record (keyed per request) would not recognise. So a list of more
 *   than one item is refused, and duplicates key on the one item's signed string, so a respelled body
 *   is the same delivery.
 * - The body is read strictly: a key twice anywhere, or a second spelling of a name read here, refused.
 * - Nothing is signed in time: the dedupe record is the replay control.
 * - Adyen accepts any 2xx today (https://docs.adyen.com/development-resources/webhooks#accept-webhooks);
 *   older integrations were told to answer `[accepted]`, which is still given (acknowledge), after queueing.
 */

const MAX_ITEMS = 1;
const TOP = spelledAsRead(['live', 'notificationItems']);
const WRAPPER = spelledAsRead(['NotificationRequestItem']);
const ITEM = spelledAsRead(['pspReference', 'originalReference', 'merchantAccountCode', 'merchantReference', 'amount', 'eventCode', 'success', 'additionalData']);
const AMOUNT = spelledAsRead(['value', 'currency']);
const ADDITIONAL = spelledAsRead(['hmacSignature']);
const HEX_KEY = /^(?:[0-9A-Fa-f]{2}){16,128}$/;
const PLAIN = /^[\x20-\x7e]{1,256}$/;

type Fields = Record<string, unknown>;

/** The string Adyen signs for one item, or why the item cannot be read one way. */
export function adyenSignedString(item: Fields): string | RejectionReason {
  const amount = item.amount;
  if (!isObject(amount) || !Object.keys(amount).every(AMOUNT)) return 'malformed_body';
  const value = amount.value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'malformed_body';
  const parts = [item.pspReference, item.originalReference ?? '', item.merchantAccountCode, item.merchantReference ?? '', String(value), amount.currency, item.eventCode, item.success];
  for (const part of parts) if (typeof part !== 'string' || /[:\\]/.test(part)) return 'malformed_body';
  if (!item.pspReference || !item.merchantAccountCode || !item.eventCode || (item.success !== 'true' && item.success !== 'false')) return 'malformed_body';
  return parts.join(':');
}

/** Adyen: HMAC-SHA256 over each notification item's signed fields, the signature inside the item. */
export class AdyenScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'partial';
  readonly signsUrl = false;
  readonly issuesKey = true;
  private readonly signed = new SignedContent(0, 0);

  decodeKey(secret: string): Buffer {
    if (typeof secret !== 'string' || !HEX_KEY.test(secret)) throw new WebhookConfigurationError('an adyen HMAC key is hex (32 digits or more)');
    return Buffer.from(secret, 'hex');
  }

  generateKey(): string {
    return randomBytes(32).toString('hex').toUpperCase();
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const items = readItems(request.body);
    if (typeof items === 'string') return rejected(items);
    if (keys.length === 0) return rejected('no_active_key');
    let matched: Buffer | undefined;
    for (const { key, notAfterMs } of keys) {
      if (!(notAfterMs > nowMs) || !Buffer.isBuffer(key)) continue;
      let all = true;
      for (const item of items) all = timingSafeEqual(hmac('sha256', key, item.text, undefined), item.signature) && all;
      if (all) matched ??= key;
    }
    if (!matched) return rejected('signature_invalid');
    const signed = this.signed.reset();
    signed.includeBody = false;
    signed.bodyBinding = this.bodyBinding;
    signed.dedupeContent = JSON.stringify(items.map((i) => i.text));
    if (items.length === 1) {
      const [psp, , , , , , eventCode] = items[0].text.split(':');
      signed.metadata = {};
      if (PLAIN.test(eventCode)) signed.metadata['signed.eventCode'] = eventCode;
      if (PLAIN.test(psp)) signed.metadata['signed.pspReference'] = psp;
    }
    return accepted(signed, request.body, nowMs, toleranceSeconds, matched);
  }

  acknowledge(): ImmediateAnswer {
    return { body: '[accepted]', contentType: 'text/plain' };
  }

  describe(): SchemeDescription {
    return {
      signature:
        'in the body: each item\'s `additionalData.hmacSignature`, HMAC-SHA256 base64 (hex key) over `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`; one item per request (a batch of items, each signed alone, is refused); the rest is not signed',
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the signed strings of every item',
      metadata: ['signed.eventCode', 'signed.pspReference'],
    };
  }

  sign(): Record<string, string> {
    throw new WebhookConfigurationError('adyen signs inside the body: use signDelivery');
  }

  /**
   * The delivery Adyen would send: a body that is already a notification has each item signed; any
   * other JSON object is taken as the fields of one item, over example values (`input.id` is its
   * `pspReference`).
   */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    const key = this.decodeKey(secret);
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {}
    if (!isObject(doc)) throw new WebhookConfigurationError('an adyen body is a JSON object');
    if (!Array.isArray(doc.notificationItems)) {
      const item = {
        pspReference: input.id ?? randomBytes(8).toString('hex').toUpperCase(),
        merchantAccountCode: 'TestMerchant',
        merchantReference: 'TestPayment-1',
        amount: { value: 1130, currency: 'EUR' },
        eventCode: 'AUTHORISATION',
        success: 'true',
        ...doc,
      };
      doc = { live: 'false', notificationItems: [{ NotificationRequestItem: item }] };
    }
    for (const wrapper of (doc as { notificationItems: { NotificationRequestItem?: Fields }[] }).notificationItems) {
      const item = wrapper?.NotificationRequestItem;
      const signedString = isObject(item) ? adyenSignedString(item) : 'malformed_body';
      if (signedString === 'malformed_body' || !isObject(item)) throw new WebhookConfigurationError('not a notification item adyen signs');
      item.additionalData = { ...(isObject(item.additionalData) ? item.additionalData : {}), hmacSignature: hmac('sha256', key, signedString, undefined).toString('base64') };
    }
    return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) };
  }
}

/** The signed string and signature of every item, or why the body is refused. */
function readItems(body: string | Uint8Array): { text: string; signature: Buffer }[] | RejectionReason {
  const text = bodyText(body);
  const doc = text === undefined ? undefined : parseObjectStrict(text);
  if (!doc || !Object.keys(doc).every(TOP)) return 'malformed_body';
  const list = doc.notificationItems;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ITEMS) return 'malformed_body';
  const out: { text: string; signature: Buffer }[] = [];
  for (const wrapper of list) {
    if (!isObject(wrapper) || !Object.keys(wrapper).every(WRAPPER)) return 'malformed_body';
    const item = wrapper.NotificationRequestItem;
    if (!isObject(item) || !Object.keys(item).every(ITEM)) return 'malformed_body';
    const extra = item.additionalData;
    if (extra !== undefined && (!isObject(extra) || !Object.keys(extra).every(ADDITIONAL))) return 'malformed_body';
    const sent = extra?.hmacSignature;
    if (sent === undefined) return 'missing_header';
    const signature = Buffer.alloc(32);
    if (typeof sent !== 'string' || !decodeInto(sent, 'base64', signature)) return 'malformed_header';
    const signedString = adyenSignedString(item);
    if (signedString === 'malformed_body') return signedString;
    out.push({ text: signedString, signature });
  }
  return out;
}

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The catalogue entry: the key is generated (or entered) in Adyen's Customer Area. */
export const ADYEN: CodeSender = {
  docs: 'https://docs.adyen.com/development-resources/webhooks/secure-webhooks/verify-hmac-signatures',
  ipRanges: 'https://docs.adyen.com/development-resources/webhooks/domain-and-ip-addresses',
  issuesKey: true,
  create: () => new AdyenScheme(),
};
