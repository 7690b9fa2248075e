import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { ActiveKey, Scheme, SchemeConfig, schemeFor } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

/*
 * Twilio forms (`twilio`, `twilio-sha256`): what a form's signed string cannot carry.
 * - The string of a JSON delivery's URL: Twilio signs a JSON body as `<URL>?bodySHA256=<hash>`, and a
 *   form as `<URL>` + its sorted names and values, so a form whose one field is named `?bodySHA256`
 *   with the value `=<hash>` signs exactly as the JSON delivery did: the query moved into the body.
 * - A raw `;`: Twilio percent-encodes it (`%3B`), and the two spellings sign alike, but readers that
 *   split on `;` (Python before 3.9.2, Go before 1.17, Rack 2) read other fields from the raw one,
 *   and Go since 1.17 drops the whole pair.
 */

const SECRET = 'twilio-auth-token-0123456789abcdef';
const FORM = 'application/x-www-form-urlencoded';
const keysOf = (scheme: Scheme): ActiveKey[] => [{ key: scheme.decodeKey(SECRET), notAfterMs: Number.POSITIVE_INFINITY }];
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(['twilio', 'twilio-sha256'])('%s', (type) => {
  const scheme = schemeFor({ type } as SchemeConfig);
  const verify = (headers: Record<string, string>, body: string, url: string) => scheme.verify({ headers, body, url }, keysOf(scheme), TEST_NOW, 0);

  test.each([
    ['without a query', 'https://hooks.example.com/webhooks/sms', '%3FbodySHA256=%3D'],
    ['with a query', 'https://hooks.example.com/webhooks/sms?tenant=7', '%26bodySHA256=%3D'],
  ])('a JSON delivery\'s signature does not verify a form spelling its URL\'s query (URL %s)', (_name, url, spelling) => {
    // GIVEN a genuine JSON delivery, signed over the URL with the body's hash
    const json = '{"CallSid":"CA1234567890ABCDE","Body":"pay 10"}';
    const jsonUrl = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${sha(json)}`;
    const headers = scheme.sign({ body: json, url: jsonUrl }, SECRET);
    if (type === 'twilio') expect(twilio.validateRequestWithBody(SECRET, headers['x-twilio-signature'], jsonUrl, json)).toBe(true);
    expect(verify(headers, json, jsonUrl)).toMatchObject({ ok: true, bodyBinding: 'signed' });
    // WHEN its signature comes with the configured URL and a form whose one field spells the query
    const form = `${spelling}${sha(json)}`;
    const [[name, value]] = [...new URLSearchParams(form)];
    expect(url + name + value).toBe(jsonUrl);
    // THEN it is refused: the consumer would read a body the signature never covered
    expect(verify({ ...headers, 'content-type': FORM }, form, url)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test('a raw `;` where Twilio sends `%3B` is refused: readers that split on it read other fields', () => {
    const url = 'https://hooks.example.com/webhooks/sms';
    const body = 'Body=hi%3BFrom%3D%2B15550001111&From=%2B15005550006';
    const headers = scheme.sign({ body, url }, SECRET);
    expect(verify(headers, body, url)).toMatchObject({ ok: true });
    const raw = body.replace('%3B', ';').replace('%3D', '=');
    // A reader splitting on `&` and `;` (Python's parse_qs before 3.9.2) sees From twice, the last the sender's text.
    const splitOnSemicolon = raw.split(/[&;]/).map((pair) => pair.split('=').map((part) => decodeURIComponent(part.replace(/\+/g, ' '))));
    expect(splitOnSemicolon.filter(([name]) => name === 'From')).toHaveLength(2);
    expect(verify(headers, raw, url)).toEqual({ ok: false, reason: 'malformed_body' });
    expect(() => scheme.sign({ body: raw, url }, SECRET)).toThrow(/not a form body Twilio sends/);
  });
});
