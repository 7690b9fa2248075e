import { createHash, timingSafeEqual } from 'node:crypto';
import { DUPLICATE, headerValue } from '../headers';
import { ActiveKey, RejectionReason, VerifyResult, WebhookRequest } from '../types';
import { SignedContent } from './common';
import { HmacScheme } from './scheme';

const URL_PARTS = /^(https?):\/\/([^/:?#]+)(?::(\d+))?(.*)$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Twilio: `X-Twilio-Signature` = base64 HMAC-SHA1, keyed with the auth token, over the exact public
 * URL followed by the form parameters sorted by name (name + value, repeated names' values sorted).
 * JSON bodies are not signed directly: the URL carries `bodySHA256`, which must equal the body's
 * SHA-256. As Twilio's own library does, the URL is tried with and without the default port.
 * `I-Twilio-Idempotency-Token`, when sent, is the event id.
 */
export class TwilioScheme extends HmacScheme {
  readonly requiredHeaders = ['x-twilio-signature'];
  readonly signatureHeaders = ['x-twilio-signature'];
  readonly contentTypes = ['application/x-www-form-urlencoded', 'application/json'];
  readonly signsUrl = true;

  constructor() {
    super('sha1');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    // A caller's mistake, not the sender's: say so whatever the request looks like.
    if (!request.url) throw new Error('Twilio signs the public URL: pass the URL the sender posted to');
    return super.verify(request, keys, nowMs, toleranceSeconds);
  }

  protected parse(required: readonly string[], { headers, body, url: givenUrl }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const url = givenUrl as string;
    if (!out.addSignature(required[0], 'base64')) return 'malformed_header';
    const token = headerValue(headers, 'i-twilio-idempotency-token');
    if (token === DUPLICATE) return 'duplicate_header';
    const contentType = headerValue(headers, 'content-type');
    const json = typeof contentType === 'string' && contentType.toLowerCase().startsWith('application/json');
    const urls = withAndWithoutPort(url);
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    out.includeBody = false;
    out.eventId = token && /^[\x21-\x7e]{1,256}$/.test(token) ? token : undefined;

    if (json) {
      const query = url.indexOf('?');
      const declared = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('bodySHA256');
      if (!declared || !HEX64.test(declared)) return 'malformed_header';
      const actual = createHash('sha256').update(text, 'utf8').digest();
      const expected = Buffer.from(declared, 'hex');
      out.prefix = urls[0];
      out.alternatePrefix = urls[1];
      out.afterMatch = () => timingSafeEqual(actual, expected);
      return undefined;
    }
    const params = sortedParams(text);
    out.prefix = urls[0] + params;
    out.alternatePrefix = urls[1] === undefined ? undefined : urls[1] + params;
    return undefined;
  }
}

/** Twilio's parameter string: names sorted, each name followed by its value (repeated: unique values sorted). */
function sortedParams(formBody: string): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of new URLSearchParams(formBody)) {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) for (const value of [...byName.get(name)!].sort()) out += name + value;
  return out;
}

function withAndWithoutPort(url: string): [string, string | undefined] {
  const m = URL_PARTS.exec(url);
  if (!m) return [url, undefined];
  const [, scheme, host, , rest] = m;
  const port = scheme === 'https' ? '443' : '80';
  return [`${scheme}://${host}${rest}`, `${scheme}://${host}:${port}${rest}`];
}
