import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../../types';
import { SignedContent } from '../common';
import { HmacScheme, SchemeDescription, SignInput } from '../scheme';

/** HubSpot's documented window: "reject the request if the timestamp is older than 5 minutes". */
export const HUBSPOT_TOLERANCE_SECONDS = 300;

// The percent-encodings HubSpot decodes in the request URI before it signs (its table, and only
// those: any other %XX stays as sent). Hex digits are case-insensitive (RFC 3986 §2.1).
const DECODED = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;
// Unix milliseconds as sent: digits only, never a sign, a fraction or an exponent.
const MILLISECONDS = /^\d{1,15}$/;
const METHOD = /^[A-Z]{1,16}$/;
// A `?` escaped in the path (before the query, or the whole URL when there is none).
// In the path, `%3F` and `%2F` decode into structure (a query, another segment); the rest of the list
// decodes to the same segment text a router reads.
const ESCAPED_STRUCTURE = /^[^?#]*%(3F|2F)/i;

/** The request URI as HubSpot signs it: the listed percent-encodings decoded, nothing else touched. */
export function hubspotSignedUri(url: string): string {
  return url.replace(DECODED, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * HubSpot v3 (app webhooks, workflow webhook actions, CRM cards): `X-HubSpot-Signature-v3` = base64
 * HMAC-SHA256, keyed with the app's client secret (its UTF-8 bytes, as HubSpot shows it), over the
 * HTTP method + the request URI + the raw body + `X-HubSpot-Request-Timestamp` (unix milliseconds, as
 * sent), with no separators. The URI is the full public URL (protocol, host, path, query) after
 * HubSpot's own decoding of a fixed list of percent-encodings (`hubspotSignedUri`): code rather than a
 * catalogue row because the row engine signs the URL exactly as given. A URL with `%3F` or `%2F` in its
 * path is refused: decoded, it would sign as another path (with a query, or other segments). The timestamp must be within 5
 * minutes, both ways (HubSpot's SDK checks only the past). v1/v2 signatures (`X-HubSpot-Signature`,
 * plain SHA-256 of secret + content, no time) are not accepted; their header is redacted like the v3
 * one. Duplicates key on the body's SHA-256 (a retry resends the same batch of events).
 * https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature
 */
export class HubSpotScheme extends HmacScheme {
  readonly requiredHeaders = ['x-hubspot-signature-v3', 'x-hubspot-request-timestamp'];
  readonly signatureHeaders = ['x-hubspot-signature-v3', 'x-hubspot-signature'];
  readonly contentTypes = ['application/json'];
  readonly bodyBinding = 'signed';
  readonly defaultToleranceSeconds = HUBSPOT_TOLERANCE_SECONDS;
  readonly signsUrl = true;
  readonly issuesKey = true;

  constructor() {
    super('sha256');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    // A caller's mistake, not the sender's: say so whatever the request looks like.
    if (!request.url) throw new WebhookConfigurationError('HubSpot signs the public URL: pass the URL the sender posted to');
    return super.verify(request, keys, nowMs, toleranceSeconds);
  }

  protected parse(headers: readonly (string | undefined)[], { url, method }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, timestamp] = headers as [string, string];
    if (!out.addSignature(signature, 'base64')) return 'malformed_header';
    if (!MILLISECONDS.test(timestamp)) return 'malformed_timestamp';
    const verb = (method ?? 'POST').toUpperCase();
    if (!METHOD.test(verb)) return 'malformed_header';
    // HubSpot decodes %3F and %2F before it signs: in the path they become the start of a query or a
    // segment boundary, so `/hook%3Fa=b` (to whoever routes it, a path with no query) would verify as
    // `/hook?a=b`, and `/prod%2Fhook` (one segment) as `/prod/hook`.
    if (ESCAPED_STRUCTURE.test(url as string)) return 'malformed_header';
    out.timestamp = Number(timestamp) / 1000;
    out.prefix = verb + hubspotSignedUri(url as string);
    out.suffix = timestamp;
    return undefined;
  }

  /** The headers HubSpot sends when it posts `input.body` to `input.url` (method default POST). */
  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError('HubSpot signs the public URL: give the URL the delivery is posted to');
    const timestamp = String(Math.round((input.timestamp ?? Date.now() / 1000) * 1000));
    const verb = (input.method ?? 'POST').toUpperCase();
    return {
      'content-type': 'application/json',
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-v3': this.mac(secret, verb + hubspotSignedUri(input.url), input.body, 'base64', timestamp),
    };
  }

  describe(): SchemeDescription {
    return {
      signature: '`X-HubSpot-Signature-v3`, HMAC-SHA256 base64 over method + URL (HubSpot\'s percent-decoding) + body + `X-HubSpot-Request-Timestamp`',
      replay: 'signed timestamp (unix ms), 5 min; dedupe record',
      dedupe: 'SHA-256 of the body',
      metadata: [],
    };
  }
}
