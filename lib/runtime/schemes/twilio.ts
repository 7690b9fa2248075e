import { createHash, timingSafeEqual } from 'node:crypto';
import { ActiveKey, RejectionReason, VerifyResult, WebhookConfigurationError, WebhookRequest } from '../types';
import { bodyText } from './body-text';
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
 * the canonical signed string (URL + sorted parameters), which every spelling of the form shares. A
 * form body is read strictly (formParams) and bound only `partial`ly; a JSON body, through its signed
 * hash, is `signed`.
 */
export class TwilioScheme extends HmacScheme {
  readonly requiredHeaders = ['x-twilio-signature'];
  readonly optionalHeaders = ['i-twilio-idempotency-token', 'content-type'];
  readonly signatureHeaders = ['x-twilio-signature'];
  readonly contentTypes = ['application/x-www-form-urlencoded', 'application/json'];
  // Form deliveries: the parameters as one sorted name+value string, not how they split (see formParams).
  readonly bodyBinding = 'partial';
  readonly signsUrl = true;
  readonly addedQueryParameters = ['bodySHA256'];

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
    const content = json ? input.url : input.url + formParamsToSign(input.body);
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
    const declared = bodyHashesOf(url);
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
      // Every byte of the body, through its signed hash.
      out.bodyBinding = 'signed';
      return undefined;
    }
    // A JSON body Twilio always signs through bodySHA256: without it, nothing binds the body.
    if (contentType !== undefined && contentType.toLowerCase().startsWith('application/json')) return 'malformed_header';
    const params = formParams(body);
    if (params === 'malformed_body') return params;
    if (spellsJsonUrl(urls[0], params)) return 'malformed_body';
    out.prefix = urls[0] + params;
    out.alternatePrefix = urls[1] === undefined ? undefined : urls[1] + params;
    out.bodyBinding = 'partial';
    // Twilio signs the decoded, sorted parameters, not the body's bytes: reordered or re-encoded
    // parameters (and a pair's `=` moved) verify alike, so they must also count as the same delivery.
    out.dedupeContent = out.prefix;
    return undefined;
  }
}

/**
 * Twilio's parameter string for a form body: the names sorted, each followed by its value (a name's
 * several values sorted), concatenated with no separator. Or `malformed_body` when the fields a
 * consumer reads from the body (`new URLSearchParams(body)`, a framework's form parser) are not
 * exactly the ones that string was made of:
 * - a body that is not strict UTF-8 (bodyText), or a field whose percent-escapes are not UTF-8 (a
 *   consumer reads U+FFFD where Twilio signed another character);
 * - an empty pair (`&&`, a trailing `&`), a pair without `=`, or one with an empty name (`&=`,
 *   `=x`): each adds nothing, or only a value, to the string, while a consumer sees another field;
 * - a name repeated with the same value: Twilio's own libraries sign each value once, so the string
 *   cannot say how many times it was sent, while a consumer's `getAll` sees every one;
 * - a raw `;`, which Twilio sends as `%3B`: both sign alike, but readers that split pairs on `;`
 *   too (Python's parse_qs before 3.9.2, Go before 1.17, Rack 2) read other fields from the raw one,
 *   and Go since 1.17 drops the pair that holds it.
 * A BOM is kept, in the first name, as a consumer's parse keeps it: the string then differs from
 * the one Twilio signed. What no check can restore is where each name ends and its value begins
 * (`Body=hi` and `Bodyh=i` give the same string; so do `From=x&FromCity=y` and `From=xFromCityy`),
 * nor the order of a name's values: Twilio does not sign them, so the scheme's `bodyBinding` is
 * `partial` and docs/processor.md says what a consumer may rely on. No check on names closes it: a moved
 * `=` makes names of the very characters Twilio's own are made of (`Bodyh`, `SmsSidSM…`), a merge
 * leaves only names Twilio sends, and Twilio's names are not a closed list (`SipHeader_<name>`, the
 * parameters a Studio flow or a TwiML app adds).
 */
export function formParams(body: string | Uint8Array): string | 'malformed_body' {
  const text = bodyText(body);
  if (text === undefined || text.includes(';')) return 'malformed_body';
  if (text === '') return '';
  const byName = new Map<string, Set<string>>();
  for (const pair of text.split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) return 'malformed_body';
    const name = formDecode(pair.slice(0, at));
    const value = formDecode(pair.slice(at + 1));
    if (name === undefined || value === undefined) return 'malformed_body';
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    if (values.has(value)) return 'malformed_body';
    values.add(value);
  }
  let out = '';
  for (const name of [...byName.keys()].sort()) for (const value of [...byName.get(name)!].sort()) out += name + value;
  return out;
}

/** The `bodySHA256` values of a URL's query: what Twilio appends to the URL it signs for a JSON body. */
export function bodyHashesOf(url: string): string[] {
  const query = url.indexOf('?');
  return query < 0 ? [] : new URLSearchParams(url.slice(query + 1)).getAll('bodySHA256');
}

/**
 * Whether a form's signed string, after the URL, spells a query carrying `bodySHA256`: the string
 * Twilio signs for a JSON body to that URL. A form whose one field is `%3FbodySHA256=%3D<hash>`
 * (`&bodySHA256` after a configured query) would verify with a JSON delivery's signature, and so
 * queue a body that signature never covered: the query moved into the body.
 */
export function spellsJsonUrl(url: string, params: string): boolean {
  return bodyHashesOf(url + params).length > 0;
}

/**
 * One form-encoded name or value as URLSearchParams decodes it (`+` is a space, then percent-escapes),
 * or undefined where URLSearchParams would guess: a `%` not followed by two hex digits (kept as is
 * there) or escapes that are not UTF-8 (U+FFFD there).
 */
export function formDecode(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The signed parameter string of a form body to sign, or a configuration error for a body Twilio never sends. */
export function formParamsToSign(body: string | Uint8Array): string {
  const params = formParams(body);
  if (params === 'malformed_body') {
    throw new WebhookConfigurationError('not a form body Twilio sends (UTF-8 `name=value` pairs, none empty or repeated): the verifier would refuse it');
  }
  return params;
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
