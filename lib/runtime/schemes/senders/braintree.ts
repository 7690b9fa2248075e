import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { accepted, decodeInto, rejected, SignedContent } from '../common';
import { hmac } from '../mac';
import { Scheme, SchemeDescription, SignInput } from '../scheme';
import { CodeSender } from '../sender';
import { strictForm } from './strict-form';

/*
 * Braintree webhooks: a form with `bt_signature` and `bt_payload` (base64 of the notification XML).
 * https://developer.paypal.com/braintree/docs/guides/webhooks/parse/node
 *
 * `bt_signature` is `<public key>|<hex HMAC-SHA1>` pairs joined by `&`; the HMAC is keyed with the
 * SHA-1 of the private key and covers `bt_payload` as sent. As Braintree's own library does
 * (braintree_node `WebhookNotificationGateway.validateSignature`, `Digest.hmacSha1`): the pair of the
 * configured public key is used, the payload may hold only base64 characters and newlines, and the
 * signature may cover the payload or the payload followed by a newline (a framework may strip the
 * trailing newline Braintree's payload ends with). Decided here:
 * - The form holds exactly `bt_signature` and `bt_payload`, once each; every `bt_signature` entry
 *   is a well-formed pair and no public key is named twice.
 * - The signature covers the payload read from the form, not the form's bytes: `partial`. A
 *   consumer reading `bt_payload` reads what was signed, up to a trailing newline (the base64 decodes
 *   the same). Duplicates key on the payload without its newlines.
 * - The secret is `<public key>:<private key>`, as the Control Panel's API keys show them.
 * - The notification's `<timestamp>` is inside the payload; Braintree documents no window for it, so it
 *   is not read: the dedupe record is the replay control.
 */

const NAMES = ['bt_signature', 'bt_payload'];
const PAYLOAD = /^[A-Za-z0-9+/=\n]{1,1048576}$/;
const PAIR = /^([A-Za-z0-9_-]{1,64})\|([0-9a-fA-F]{40})$/;
const SECRET = /^([A-Za-z0-9_-]{1,64}):(\S{16,256})$/;

/** Braintree: HMAC-SHA1 (key: SHA-1 of the private key) over the form's `bt_payload`. */
export class BraintreeScheme implements Scheme {
  readonly requiredHeaders: readonly string[] = [];
  readonly signatureHeaders: readonly string[] = [];
  readonly contentTypes = ['application/x-www-form-urlencoded'];
  readonly bodyBinding = 'partial';
  readonly signsUrl = false;
  readonly issuesKey = true;
  private readonly signed = new SignedContent(0, 0);

  /** `<public key>:<private key>` as key bytes: the 20-byte SHA-1 of the private key, then the public key. */
  decodeKey(secret: string): Buffer {
    const m = typeof secret === 'string' ? SECRET.exec(secret) : null;
    if (!m) throw new WebhookConfigurationError('a braintree secret is `<public key>:<private key>`');
    return Buffer.concat([createHash('sha1').update(m[2], 'utf8').digest(), Buffer.from(m[1], 'utf8')]);
  }

  generateKey(): string {
    return `${randomBytes(8).toString('hex')}:${randomBytes(16).toString('hex')}`;
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    const form = strictForm(request.body, NAMES);
    if (form === 'malformed_body') return rejected(form);
    const payload = form.get('bt_payload');
    const signature = form.get('bt_signature');
    if (payload === undefined || signature === undefined) return rejected('missing_header');
    if (!PAYLOAD.test(payload)) return rejected('malformed_body');
    const pairs = readPairs(signature);
    if (typeof pairs === 'string') return rejected(pairs);
    if (keys.length === 0) return rejected('no_active_key');
    let matched: Buffer | undefined;
    for (const { key, notAfterMs } of keys) {
      if (!(notAfterMs > nowMs) || !Buffer.isBuffer(key) || key.length <= 20) continue;
      const sent = pairs.get(key.subarray(20).toString('utf8'));
      if (!sent) continue;
      const hmacKey = key.subarray(0, 20);
      const plain = timingSafeEqual(hmac('sha1', hmacKey, payload, undefined), sent);
      const newline = timingSafeEqual(hmac('sha1', hmacKey, payload, undefined, '\n'), sent);
      if (plain || newline) matched ??= key;
    }
    if (!matched) return rejected('signature_invalid');
    const signed = this.signed.reset();
    signed.includeBody = false;
    signed.bodyBinding = this.bodyBinding;
    signed.dedupeContent = payload.replace(/\n/g, '');
    return accepted(signed, request.body, nowMs, toleranceSeconds, matched);
  }

  describe(): SchemeDescription {
    return {
      signature:
        'in the form: `bt_signature` = `<public key>|<sig>` pairs, HMAC-SHA1 hex (key: SHA-1 of the private key) over `bt_payload` (base64 XML), with or without a final newline; the form\'s bytes are not signed',
      replay: 'dedupe record only (the payload\'s timestamp has no documented window)',
      dedupe: 'SHA-256 of the signed payload (newlines removed)',
      metadata: [],
    };
  }

  sign(): Record<string, string> {
    throw new WebhookConfigurationError('braintree signs inside the body: use signDelivery');
  }

  /** The form Braintree would post for the notification XML `input.body` (base64 with a trailing newline, as its library's samples). */
  signDelivery(input: SignInput, secret: string): { headers: Record<string, string>; body: string } {
    const key = this.decodeKey(secret);
    const payload = `${Buffer.from(input.body).toString('base64')}\n`;
    const signature = `${key.subarray(20).toString('utf8')}|${hmac('sha1', key.subarray(0, 20), payload, undefined).toString('hex')}`;
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ bt_signature: signature, bt_payload: payload }).toString() };
  }
}

/** The signatures of `bt_signature` by public key, or why it cannot be read one way. */
function readPairs(value: string): Map<string, Buffer> | RejectionReason {
  const entries = value.split('&');
  if (entries.length > 10) return 'malformed_header';
  const pairs = new Map<string, Buffer>();
  for (const entry of entries) {
    const m = PAIR.exec(entry);
    if (!m || pairs.has(m[1])) return 'malformed_header';
    const signature = Buffer.alloc(20);
    if (!decodeInto(m[2], 'hex', signature)) return 'malformed_header';
    pairs.set(m[1], signature);
  }
  return pairs;
}

/** The catalogue entry: the key pair is Braintree's (Control Panel → API keys). */
export const BRAINTREE: CodeSender = {
  docs: 'https://developer.paypal.com/braintree/docs/guides/webhooks/parse/node',
  issuesKey: true,
  create: () => new BraintreeScheme(),
};
