import { createHash, timingSafeEqual } from 'node:crypto';
import { DUPLICATE, Headers } from '../headers';
import { RejectionReason } from '../types';
import { decodeSignature, isReason, one, Parsed, parsed } from './common';
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
  protected readonly algorithm = 'sha1';

  protected parse(headers: Headers, body: string | Uint8Array, url: string | undefined): Parsed | RejectionReason {
    if (!url) throw new Error('Twilio signs the public URL: pass the URL the sender posted to');
    const signature = one(headers, 'x-twilio-signature');
    if (isReason(signature)) return signature;
    const decoded = decodeSignature(signature, 'base64', 20);
    if (!decoded) return 'malformed_header';
    const token = headers.get('i-twilio-idempotency-token');
    if (token === DUPLICATE) return 'duplicate_header';
    const eventId = token && /^[\x21-\x7e]{1,256}$/.test(token) ? token : undefined;
    const contentType = headers.get('content-type');
    const json = typeof contentType === 'string' && contentType.toLowerCase().startsWith('application/json');
    const urls = withAndWithoutPort(url);
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');

    if (json) {
      const query = url.indexOf('?');
      const declared = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('bodySHA256');
      if (!declared || !HEX64.test(declared)) return 'malformed_header';
      const actual = createHash('sha256').update(text, 'utf8').digest();
      const expected = Buffer.from(declared, 'hex');
      return parsed([decoded], urls[0], false, undefined, eventId, urls[1], () => timingSafeEqual(actual, expected));
    }
    const params = sortedParams(text);
    return parsed([decoded], urls[0] + params, false, undefined, eventId, urls[1] === undefined ? undefined : urls[1] + params);
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
