import { createHash, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { isEventId, SignedContent } from './common';
import { HmacScheme, SignInput } from './scheme';

const URL_PARTS = /^(https?):\/\/([^/:?#]+)(?::(\d+))?(.*)$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Twilio: `X-Twilio-Signature` = base64 HMAC-SHA1, keyed with the auth token, over the exact public
 * URL followed by the form parameters sorted by name (name + value, repeated names' values sorted).
 * JSON bodies are not signed directly: the URL carries `bodySHA256`, which must equal the body's
 * SHA-256. As Twilio's own library does, the URL is tried with and without the default port.
 * `I-Twilio-Idempotency-Token`, when sent, travels as the unsigned event id. Duplicates are keyed on
 * the canonical signed string (URL + sorted parameters), which every spelling of the form shares.
 */
export class TwilioScheme extends HmacScheme {
  readonly requiredHeaders = ['x-twilio-signature'];
  readonly optionalHeaders = ['i-twilio-idempotency-token', 'content-type'];
  readonly signatureHeaders = ['x-twilio-signature'];
  readonly contentTypes = ['application/x-www-form-urlencoded', 'application/json'];
  readonly signsUrl = true;

  constructor() {
    super('sha1');
  }

  verify(request: WebhookRequest, keys: readonly ActiveKey[], nowMs: number, toleranceSeconds: number): VerifyResult {
    // A caller's mistake, not the sender's: say so whatever the request looks like.
    if (!request.url) throw new WebhookConfigurationError('Twilio signs the public URL: pass the URL the sender posted to');
    return super.verify(request, keys, nowMs, toleranceSeconds);
  }

  /**
   * Signs a form body over the URL and its sorted parameters; a URL carrying `bodySHA256` (what
   * Twilio does for JSON bodies) is signed alone, and must carry the body's hash.
   */
  sign(input: SignInput, secret: string): Record<string, string> {
    if (!input.url) throw new WebhookConfigurationError('Twilio signs the public URL: give the URL the delivery is posted to');
    const query = input.url.indexOf('?');
    const json = query >= 0 && new URLSearchParams(input.url.slice(query + 1)).has('bodySHA256');
    const content = json ? input.url : input.url + sortedParams(formText(input.body));
    return { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', 'x-twilio-signature': this.mac(secret, content, undefined, 'base64') };
  }

  protected parse(headers: readonly (string | undefined)[], { body, url: givenUrl }: WebhookRequest, out: SignedContent): RejectionReason | undefined {
    const [signature, token, contentType] = headers;
    const url = givenUrl as string;
    if (!out.addSignature(signature as string, 'base64')) return 'malformed_header';
    if (token !== undefined && !isEventId(token)) return 'malformed_header';
    const urls = withAndWithoutPort(url);
    out.includeBody = false;
    out.unsignedEventId = token;
    const query = url.indexOf('?');
    const declared = query < 0 ? [] : new URLSearchParams(url.slice(query + 1)).getAll('bodySHA256');
    // The signed URL, not the unsigned Content-Type, decides how the body is bound (as Twilio's own
    // library does): a URL carrying bodySHA256 signs the body only through that hash, so its body is
    // always checked against it. Chosen by Content-Type, a captured JSON delivery resent as an empty
    // form would verify with no body check at all.
    if (declared.length > 0) {
      // Exactly one bodySHA256: two would leave which one binds the body to a guess.
      if (declared.length !== 1 || !HEX64.test(declared[0])) return 'malformed_header';
      // The body's own bytes, exactly as received: never a decoded (and so lossy) copy of them.
      const actual = createHash('sha256').update(body).digest();
      const expected = Buffer.from(declared[0], 'hex');
      out.prefix = urls[0];
      out.alternatePrefix = urls[1];
      out.afterMatch = () => timingSafeEqual(actual, expected);
      // The signed URL carries the body's hash, so it identifies the delivery exactly.
      out.dedupeContent = urls[0];
      return undefined;
    }
    // A JSON body Twilio always signs through bodySHA256: without it, nothing binds the body.
    if (contentType !== undefined && contentType.toLowerCase().startsWith('application/json')) return 'malformed_header';
    const params = sortedParams(formText(body));
    out.prefix = urls[0] + params;
    out.alternatePrefix = urls[1] === undefined ? undefined : urls[1] + params;
    // Twilio signs the decoded, sorted parameters, not the body's bytes: reordered, re-encoded or
    // repeated parameters verify alike, so they must also count as the same delivery.
    out.dedupeContent = out.prefix;
    return undefined;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A form body as text: UTF-8, as Twilio sends it. Bytes that are not UTF-8 (never Twilio's) are read
 * one character per byte, so that no two byte strings collapse into one signed form the way a lossy
 * decode (every bad byte a U+FFFD) would make them.
 */
export function formText(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  try {
    return UTF8.decode(body);
  } catch {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  }
}

/** Twilio's parameter string: names sorted, each name followed by its value (repeated: unique values sorted). */
export function sortedParams(formBody: string): string {
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

/**
 * The spellings of the URL Twilio may have signed: without and with the scheme's default port (its
 * own library tries both), port-less first. A URL with any other port is signed as given, only.
 */
export function withAndWithoutPort(url: string): [string, string | undefined] {
  const m = URL_PARTS.exec(url);
  if (!m) return [url, undefined];
  const [, scheme, host, port, rest] = m;
  const standard = scheme === 'https' ? '443' : '80';
  if (port !== undefined && port !== standard) return [url, undefined];
  return [`${scheme}://${host}${rest}`, `${scheme}://${host}:${standard}${rest}`];
}
