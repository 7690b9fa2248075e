import * as fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { REJECTION_REASONS, schemeFor, verifyWebhook } from '../../lib/runtime';
import { atTestNow, TEST_NOW } from '../support/clock';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const NOW = TEST_NOW;
const BODY = '{"type":"user.created","data":{"id":"u_1","name":"Zoë 🚀"}}';
const scheme = { type: 'standard-webhooks' } as const;

function standardHeaders(secret: string, body: string, id = 'msg_p5jXN8AQM9LWM0D4loKWxJek', at = NOW) {
  const signature = new StandardWebhook(secret).sign(id, new Date(at), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at / 1000)), 'webhook-signature': signature };
}

function svixHeaders(secret: string, body: string, id = 'msg_svix1', at = NOW) {
  const signature = new SvixWebhook(secret).sign(id, new Date(at), body);
  return { 'svix-id': id, 'svix-timestamp': String(Math.floor(at / 1000)), 'svix-signature': signature };
}

const verify = (headers: Record<string, string | string[]>, body: string | Uint8Array = BODY, secrets = [SECRET], now = NOW, config: object = scheme) =>
  verifyWebhook({ headers, body }, { scheme: config as typeof scheme, secrets, now });

describe('Standard Webhooks against the standardwebhooks library', () => {
  test('accepts what the library signs, returning the event id and timestamp', () => {
    expect(verify(standardHeaders(SECRET, BODY))).toMatchObject({ ok: true, eventId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: NOW / 1000 });
  });

  test('and the library accepts the same delivery (both agree on the signed content)', () => {
    const headers = standardHeaders(SECRET, BODY, 'msg_1');
    expect(verify(headers).ok).toBe(true);
    // The library checks the timestamp against the system clock and takes no time of its own: pinned at NOW.
    expect(() => atTestNow(() => new StandardWebhook(SECRET).verify(BODY, headers))).not.toThrow();
  });

  test('looks headers up case-insensitively', () => {
    const h = standardHeaders(SECRET, BODY);
    expect(verify({ 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] }).ok).toBe(true);
  });

  test('accepts bytes as well as strings, over the same bytes', () => {
    expect(verify(standardHeaders(SECRET, BODY), Buffer.from(BODY, 'utf8')).ok).toBe(true);
  });

  test.each([
    ['a tampered body', () => verify(standardHeaders(SECRET, BODY), BODY.replace('u_1', 'u_2'))],
    ['a tampered id', () => verify({ ...standardHeaders(SECRET, BODY), 'webhook-id': 'msg_other' })],
    ['a tampered timestamp', () => verify({ ...standardHeaders(SECRET, BODY), 'webhook-timestamp': String(NOW / 1000 + 1) })],
    ['another secret', () => verify(standardHeaders(OTHER, BODY))],
  ])('rejects %s as signature_invalid', (_name, run) => {
    expect(run()).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test.each([
    ['stale', NOW - 301_000],
    ['future', NOW + 301_000],
  ])('rejects a %s timestamp outside the 5 minute tolerance', (_name, at) => {
    expect(verify(standardHeaders(SECRET, BODY, 'msg_1', at))).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('accepts a timestamp at the edge of a configured tolerance, rejects one past it', () => {
    const headers = standardHeaders(SECRET, BODY, 'msg_1', NOW - 60_000);
    expect(verifyWebhook({ headers, body: BODY }, { scheme, secrets: [SECRET], now: NOW, toleranceSeconds: 60 }).ok).toBe(true);
    expect(verifyWebhook({ headers, body: BODY }, { scheme, secrets: [SECRET], now: NOW + 1000, toleranceSeconds: 60 }).ok).toBe(false);
  });

  test('accepts any of several signatures and any of several keys (both sides rotating)', () => {
    const mine = standardHeaders(SECRET, BODY)['webhook-signature'];
    const theirs = standardHeaders(OTHER, BODY)['webhook-signature'];
    const headers = { ...standardHeaders(SECRET, BODY), 'webhook-signature': `${theirs} v1a,${Buffer.alloc(64).toString('base64')} ${mine}` };
    expect(verify(headers).ok).toBe(true);
    expect(verify(standardHeaders(OTHER, BODY), BODY, [SECRET, OTHER]).ok).toBe(true);
  });

  test.each([
    ['no headers', {}, 'missing_header'],
    ['an empty signature', { 'webhook-signature': '' }, 'missing_header'],
    ['a duplicated signature header', { 'webhook-signature': ['v1,a', 'v1,b'] }, 'duplicate_header'],
    ['a signature that is not base64 of 32 bytes', { 'webhook-signature': 'v1,AAAA' }, 'malformed_header'],
    ['an entry without a version', { 'webhook-signature': 'justtext' }, 'malformed_header'],
    ['only other versions', { 'webhook-signature': 'v2,abc' }, 'malformed_header'],
    ['17 valid entries', { 'webhook-signature': Array(17).fill(standardHeaders(SECRET, BODY)['webhook-signature']).join(' ') }, 'malformed_header'],
    ['a header over 4096 characters of valid entries', { 'webhook-signature': Array(100).fill('v2,' + 'A'.repeat(43)).concat(standardHeaders(SECRET, BODY)['webhook-signature']).join(' ') }, 'malformed_header'],
    ['a non-numeric timestamp', { 'webhook-timestamp': '1e9' }, 'malformed_timestamp'],
    ['a huge timestamp', { 'webhook-timestamp': '9'.repeat(40) }, 'malformed_timestamp'],
    ['a negative timestamp', { 'webhook-timestamp': '-5' }, 'malformed_timestamp'],
    ['an id with spaces', { 'webhook-id': 'a b' }, 'malformed_header'],
    ['an id with unicode', { 'webhook-id': 'msg_é' }, 'malformed_header'],
  ])('rejects %s', (_name, override, reason) => {
    const base = standardHeaders(SECRET, BODY);
    const headers = Object.keys(override).length === 0 ? {} : { ...base, ...override };
    expect(verify(headers)).toEqual({ ok: false, reason });
  });

  test('reports no_active_key when given no key', () => {
    expect(verify(standardHeaders(SECRET, BODY), BODY, [])).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('decodes secrets with or without the whsec_ prefix and refuses malformed ones', () => {
    const s = schemeFor(scheme);
    expect(s.decodeKey(SECRET)).toEqual(s.decodeKey(SECRET.slice(6)));
    expect(() => s.decodeKey('whsec_!!!')).toThrow(/base64/);
    expect(() => s.decodeKey('whsec_AAAA')).toThrow(/24 to 64 bytes/);
    expect(s.decodeKey(s.generateKey())).toHaveLength(32);
  });
});

describe('Svix headers against the svix library', () => {
  const svix = { type: 'standard-webhooks', headerPrefix: 'svix' };
  test('accepts what svix signs, rejects a tampered body', () => {
    expect(verify(svixHeaders(SECRET, BODY), BODY, [SECRET], NOW, svix).ok).toBe(true);
    expect(verify(svixHeaders(SECRET, BODY), BODY + ' ', [SECRET], NOW, svix)).toEqual({ ok: false, reason: 'signature_invalid' });
  });
  test('does not accept webhook-* headers for an svix source', () => {
    expect(verify(standardHeaders(SECRET, BODY), BODY, [SECRET], NOW, svix)).toEqual({ ok: false, reason: 'missing_header' });
  });
});

describe('properties', () => {
  const secretArb = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((b) => 'whsec_' + Buffer.from(b).toString('base64'));
  const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
  const bodyArb = fc.string({ unit: 'grapheme', maxLength: 2000 });

  test('accept(sign(x)) for every secret, id, body and in-tolerance time', () => {
    fc.assert(
      fc.property(secretArb, idArb, bodyArb, fc.integer({ min: -300, max: 300 }), (secret, id, body, skew) => {
        const headers = standardHeaders(secret, body, id, NOW + skew * 1000);
        expect(verify(headers, body, [secret]).ok).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  test('no forgery is accepted: any change to body, id, timestamp or signature, or another key, is rejected', () => {
    fc.assert(
      fc.property(secretArb, secretArb, idArb, bodyArb, fc.nat(3), fc.string({ minLength: 1, maxLength: 8 }), (secret, other, id, body, what, noise) => {
        fc.pre(secret !== other);
        const headers = standardHeaders(secret, body, id);
        let result;
        if (what === 0) result = verify(headers, body + noise, [secret]);
        else if (what === 1) result = verify({ ...headers, 'webhook-id': id + 'x' }, body, [secret]);
        else if (what === 2) result = verify(headers, body, [other]);
        else {
          const sig = Buffer.from(headers['webhook-signature'].slice(3), 'base64');
          sig[noise.length % 32] ^= 1 << (noise.charCodeAt(0) % 8);
          result = verify({ ...headers, 'webhook-signature': 'v1,' + sig.toString('base64') }, body, [secret]);
        }
        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  test('the parser never throws and always answers a documented reason for arbitrary header values', () => {
    const value = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(value, value, value, bodyArb, (id, ts, sig, body) => {
        const result = verify({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig }, body);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(REJECTION_REASONS).toContain(result.reason);
      }),
      { numRuns: 500 },
    );
  });
});
