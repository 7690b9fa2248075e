import { ActiveKey, RejectionReason, VerifiedWebhook, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { matchedKeyOf, SignedContent, verifySigned } from '../common';
import { Handshake, HmacScheme, ImmediateAnswer, SchemeDescription, SignInput } from '../scheme';
import { CodeSender } from '../sender';
import { strictForm } from './strict-form';

/*
 * Mailchimp Transactional (Mandrill) webhooks.
 * https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests
 *
 * `X-Mandrill-Signature` = base64 HMAC-SHA1, keyed with the webhook's key, over the webhook URL exactly
 * as configured, followed by each POST parameter's name and value, sorted by name. Mandrill posts one
 * parameter, `mandrill_events` (a JSON array of up to 1000 events). Decided here:
 * - The form must be exactly `mandrill_events`, once: then the signed string is the URL, the name and
 *   the value a consumer's form parser reads, and nothing else; the form's bytes (its escapes) are not
 *   signed: `partial`. Duplicates key on that signed string.
 * - Nothing is signed in time and Mandrill documents no window: the dedupe record is the replay control.
 * - When a webhook is added Mandrill checks the URL with a HEAD request; if that does not answer 200 it
 *   POSTs `mandrill_events=[]` signed with the public key `test-webhook`
 *   (https://mandrill.zendesk.com/hc/en-us/articles/205583217-Introduction-to-Webhooks). That exact request
 *   verifies under that key only, and is answered (immediateResponse), never queued.
 */

const TEST_KEY = Buffer.from('test-webhook', 'utf8');
const FIELD = 'mandrill_events';
const NO_URL = 'mandrill signs the webhook URL: give the URL it posts to';

export class MandrillScheme extends HmacScheme {
  readonly requiredHeaders = ['x-mandrill-signature'];
  readonly signatureHeaders = ['x-mandrill-signature'];
  readonly contentTypes = ['application/x-www-form-urlencoded'];
  readonly bodyBinding = 'partial';
  readonly signsUrl = true;
  readonly issuesKey = true;
  readonly handshake: Handshake = { description: 'on adding: HEAD (answer 200), else `mandrill_events=[]` signed with the public key `test-webhook` → 200, never queued' };
  // Whether the request being verified is the empty test POST (then the test key may verify it).
  private ping = false;

  constructor() {
    super('sha1');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (!request.url) throw new WebhookConfigurationError(NO_URL);
    this.ping = false;
    const result = super.verify(request, keys, nowMs, toleranceSeconds);
    if (result.ok || result.reason !== 'signature_invalid' || !this.ping) return result;
    return verifySigned(this.signed, 'sha1', request.body, [{ key: TEST_KEY, notAfterMs: Number.POSITIVE_INFINITY }], nowMs, toleranceSeconds);
  }

  protected parse([signature]: readonly (string | undefined)[], { body, url }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    if (!out.addSignature(signature as string, 'base64')) return 'malformed_header';
    const form = strictForm(body, [FIELD]);
    if (form === 'malformed_body') return form;
    const events = form.get(FIELD);
    if (events === undefined) return 'malformed_body';
    this.ping = events === '[]';
    out.prefix = (url as string) + FIELD + events;
    out.includeBody = false;
    out.bodyBinding = this.bodyBinding;
    out.dedupeContent = out.prefix;
    return undefined;
  }

  /** Mandrill's empty test POST, signed with the public test key: answered, never queued. */
  immediateResponse(_body: string | Uint8Array, verified?: VerifiedWebhook): ImmediateAnswer | undefined {
    const key = verified && matchedKeyOf(verified);
    return key && key.equals(TEST_KEY) ? { body: '{}' } : undefined;
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError(NO_URL);
    const form = strictForm(input.body, [FIELD]);
    if (form === 'malformed_body' || !form.has(FIELD)) throw new WebhookConfigurationError('a mandrill body is `mandrill_events=<JSON>`');
    return { 'content-type': 'application/x-www-form-urlencoded', 'x-mandrill-signature': this.mac(secret, input.url + FIELD + form.get(FIELD), undefined, 'base64') };
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-Mandrill-Signature`, HMAC-SHA1 base64 over URL + `mandrill_events` + its value (the form\'s one field, as read); the form\'s bytes are not signed',
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the signed content (URL + field)',
      metadata: [],
    };
  }
}

/** The catalogue entry: Mandrill generates each webhook's key. */
export const MANDRILL: CodeSender = {
  docs: 'https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests',
  issuesKey: true,
  create: () => new MandrillScheme(),
};
