import { createHash } from 'node:crypto';
import { ActiveKey, VerifyResult } from '../../../lib/runtime';
import { MailgunScheme } from '../../../lib/runtime/schemes/senders/mailgun';

/*
 * Mailgun signs only `timestamp + token`, read from inside a body whose other parts are unsigned, so
 * whoever holds one delivery can add keys to it. A key the verifier does not read, but a consumer
 * that matches names loosely reads as `token` or `timestamp` (Go's encoding/json, Json.NET,
 * System.Text.Json, ASP.NET form binding, PHP's `token[]`), would hand that consumer a token or time
 * nobody signed under the genuine delivery's dedupe key. Such spellings are refused, as is a
 * timestamp respelt from Mailgun's string to a JSON number.
 */

// The vector of platforms.test.ts (Mailgun's page's snippet over its token and timestamp).
const key = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const timestamp = '1770920772';
const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';
const signature = '3f9f9869e390626cfa401e164e5cd201b24d153eafc2004a69d41c945dc93c1e';
const NOW = Number(timestamp) * 1000 + 30_000;
const keys: ActiveKey[] = [{ key: Buffer.from(key), notAfterMs: Number.POSITIVE_INFINITY }];
const dedupe = `signed-sha256:${createHash('sha256').update(timestamp + token).digest('hex')}`;
const event = { id: 'CPgfbmQMTCKtHW6uIWtuVe', event: 'delivered' };

const mailgun = new MailgunScheme();
const check = (body: string, contentType = 'application/json'): VerifyResult => mailgun.verify({ headers: { 'Content-Type': contentType }, body }, keys, NOW, mailgun.defaultToleranceSeconds);
const json = (sig: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ signature: { token, timestamp, signature, ...sig }, 'event-data': event, ...extra });
const form = (extra: string) => `event=delivered&timestamp=${timestamp}&token=${token}&signature=${signature}${extra}`;

test('the genuine JSON and form deliveries verify under the signed timestamp + token', () => {
  for (const result of [check(json({})), check(form(''), 'application/x-www-form-urlencoded')]) {
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.dedupeKey).toBe(dedupe);
  }
});

test.each([
  ['`Token`', { Token: 'forged-token' }],
  ['`TOKEN`', { TOKEN: 'forged-token' }],
  ['`to\\u212Aen` (Kelvin sign, Go folds it to k)', { 'to\u212Aen': 'forged-token' }],
  ['`Tımestamp` (dotless ı, upper-cased to I)', { 'T\u0131mestamp': '1' }],
  ['`timeſtamp` (long s, folded to s)', { 'time\u017Ftamp': '1' }],
  ['`Signature` inside the signature object', { Signature: '0'.repeat(64) }],
  ['`Parent-Signature`', { 'Parent-Signature': '0'.repeat(64) }],
])('JSON: a second spelling of a signature field, %s, is refused', (_name, twin) => {
  expect(check(json(twin))).toEqual({ ok: false, reason: 'malformed_body' });
});

test.each([
  ['`Signature` object beside `signature`', { Signature: { token: 'forged-token', timestamp, signature } }],
  ['`ſignature` object', { '\u017Fignature': { token: 'forged-token', timestamp, signature } }],
  ['`Event-Data` beside `event-data`', { 'Event-Data': { id: 'other', event: 'failed' } }],
])('JSON: a second spelling of a top-level key, %s, is refused', (_name, extra) => {
  expect(check(json({}, extra))).toEqual({ ok: false, reason: 'malformed_body' });
});

test('JSON: a key escaped as \\u0054oken is the same second spelling, refused', () => {
  const body = json({}).replace('"signature":{', '"signature":{"\\u0054oken":"forged-token",');
  expect(JSON.parse(body).signature.Token).toBe('forged-token');
  expect(check(body)).toEqual({ ok: false, reason: 'malformed_body' });
});

test.each([
  ['an integer', Number(timestamp)],
  ['an exponent', 1.770920772e9],
])('JSON: the timestamp written as a number (%s) is refused, though its digits are the signed ones', (_name, value) => {
  expect(check(json({ timestamp: value }))).toEqual({ ok: false, reason: 'malformed_timestamp' });
});

test('JSON: keys that no consumer takes for a read one still pass', () => {
  expect(check(json({ tokens: 'x' }, { 'signature-v2': {}, recipient: 'a@example.com' })).ok).toBe(true);
});

test.each([
  ['`Token`', '&Token=forged-token'],
  ['`TOKEN` first', 'TOKEN=forged-token&'],
  ['`token[]` (PHP and qs read it as token)', '&token%5B%5D=forged-token'],
  ['`token[0]`', '&token[0]=forged-token'],
  ['` token` (PHP drops the leading space)', '&%20token=forged-token'],
  ['`Timestamp`', '&Timestamp=1'],
  ['`Signature`', `&Signature=${'0'.repeat(64)}`],
  ['`Event`', '&Event=failed'],
])('form: a second spelling of a field, %s, is refused', (_name, extra) => {
  const body = extra.startsWith('&') ? form(extra) : extra + form('');
  expect(check(body, 'application/x-www-form-urlencoded')).toEqual({ ok: false, reason: 'malformed_body' });
});
