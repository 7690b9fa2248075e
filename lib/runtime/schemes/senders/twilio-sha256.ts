import { createHash, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { isEventId, SignedContent } from '../common';
import { HmacScheme, SchemeDescription, SignInput } from '../scheme';
import { bodyHashesOf, formParams, formParamsToSign, spellsJsonUrl, withAndWithoutPort } from '../twilio';

/*
 * Twilio signing with a SharedKey (Webhooks configuration API, public beta): a Webhook Rule that
 * matches the URL names a Setting whose signature uses a key the account owner created, and an
 * algorithm. Twilio then signs exactly as it signs with the auth token (`X-Twilio-Signature`, base64,
 * over the full URL followed by the POST parameters sorted by name, each name then its value; JSON
 * bodies through `bodySHA256` in the URL), with that key and algorithm, and says so in
 * `X-Twilio-Webhooks-Signature-Settings: key=<SharedKey id>,algorithm=HMAC_SHA256`. "Only the hash
 * changes."
 * https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys
 * https://github.com/twilio/twilio-node/blob/HEAD/examples/WebhookSignatureValidation.md
 *
 * The same canonical form as ../twilio.ts, whose helpers it shares; the algorithm is a parameter and
 * the settings header is required.
 */

const SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';
const HEX64 = /^[0-9a-fA-F]{64}$/;
const MAX_SETTINGS = 512;
const ALGORITHM_NAMES = { sha256: 'HMAC_SHA256', sha1: 'HMAC_SHA1' } as const;

/**
 * Twilio's URL + sorted parameters signature under a SharedKey. Requires the settings header to name
 * the algorithm this instance verifies (a delivery signed otherwise is refused, not guessed at); the
 * SharedKey's id in it travels as `unsigned.signingKey`, `I-Twilio-Idempotency-Token` as the unsigned
 * event id. Duplicates key on the canonical signed string, as for `twilio`.
 */
export class TwilioSharedKeyScheme extends HmacScheme {
  readonly requiredHeaders = ['x-twilio-signature', SETTINGS_HEADER];
  readonly optionalHeaders = ['i-twilio-idempotency-token', 'content-type'];
  readonly signatureHeaders = ['x-twilio-signature'];
  readonly contentTypes = ['application/x-www-form-urlencoded', 'application/json'];
  // As for `twilio`: a form's parameters only as one sorted name+value string.
  readonly bodyBinding = 'partial';
  readonly signsUrl = true;
  readonly addedQueryParameters = ['bodySHA256'];
  readonly issuesKey = true;
  private readonly algorithmName: string;

  constructor(algorithm: 'sha256' | 'sha1' = 'sha256') {
    super(algorithm);
    this.algorithmName = ALGORITHM_NAMES[algorithm];
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    if (!request.url) throw new WebhookConfigurationError('Twilio signs the public URL: pass the URL the sender posted to');
    return super.verify(request, keys, nowMs, toleranceSeconds);
  }

  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError('Twilio signs the public URL: give the URL the delivery is posted to');
    const json = bodyHashesOf(input.url).length > 0;
    const content = json ? input.url : input.url + formParamsToSign(input.body);
    return {
      'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      [SETTINGS_HEADER]: `algorithm=${this.algorithmName}`,
      'x-twilio-signature': this.mac(secret, content, undefined, 'base64'),
    };
  }

  describe(): SchemeDescription {
    return {
      signature: `\`X-Twilio-Signature\`, HMAC-${this.algorithmName === 'HMAC_SHA1' ? 'SHA1' : 'SHA256'} base64 over URL + sorted form parameters (JSON: URL with \`bodySHA256\`), with \`X-Twilio-Webhooks-Signature-Settings\` naming the algorithm`,
      replay: 'dedupe record only (nothing signed in time)',
      dedupe: 'SHA-256 of the signed content (URL + sorted parameters)',
      metadata: ['unsigned.eventId', 'unsigned.signingKey'],
    };
  }

  protected parse(headers: readonly (string | undefined)[], { body, url: givenUrl }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, settings, token, contentType] = headers;
    const url = givenUrl as string;
    if (!out.addSignature(signature as string, 'base64')) return 'malformed_header';
    const keyId = readSettings(settings as string, this.algorithmName);
    if (keyId === false) return 'malformed_header';
    if (token !== undefined && !isEventId(token)) return 'malformed_header';
    out.unsignedEventId = token;
    if (keyId !== undefined) out.metadata = { 'unsigned.signingKey': keyId };
    out.includeBody = false;
    const [plain, withPort] = withAndWithoutPort(url);
    // The signed URL decides how the body is bound, never the unsigned Content-Type: a URL carrying
    // bodySHA256 binds the body only through that hash, so it is always checked.
    const declared = bodyHashesOf(url);
    if (declared.length > 0) {
      if (declared.length !== 1 || !HEX64.test(declared[0])) return 'malformed_header';
      const actual = createHash('sha256').update(body).digest();
      const expected = Buffer.from(declared[0], 'hex');
      out.prefix = plain;
      out.alternatePrefix = withPort;
      out.afterMatch = () => timingSafeEqual(actual, expected);
      out.dedupeContent = plain;
      out.bodyBinding = 'signed';
      return undefined;
    }
    // Twilio signs a JSON body only through bodySHA256: without it nothing binds the body.
    if (contentType !== undefined && contentType.toLowerCase().startsWith('application/json')) return 'malformed_header';
    // Read as strictly as for `twilio` (formParams says what is refused, and what no check can bind).
    const params = formParams(body);
    if (params === 'malformed_body') return params;
    if (spellsJsonUrl(plain, params)) return 'malformed_body';
    out.prefix = plain + params;
    out.alternatePrefix = withPort === undefined ? undefined : withPort + params;
    out.bodyBinding = 'partial';
    // Reordered or re-encoded parameters verify alike, so they must count as the same delivery.
    out.dedupeContent = out.prefix;
    return undefined;
  }
}

/**
 * The settings header's `key=` (undefined when absent), or false when the header is malformed, repeats
 * an entry, or names another algorithm than `algorithm`.
 */
function readSettings(header: string, algorithm: string): string | undefined | false {
  if (header.length > MAX_SETTINGS) return false;
  let key: string | undefined;
  let named: string | undefined;
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    const at = entry.indexOf('=');
    if (at <= 0) return false;
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (name === 'algorithm') {
      if (named !== undefined) return false;
      named = value;
    } else if (name === 'key') {
      if (key !== undefined || !isEventId(value)) return false;
      key = value;
    }
  }
  return named === algorithm ? key : false;
}

