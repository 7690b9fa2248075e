import { createHmac } from 'node:crypto';
import { ActiveKey, SchemeConfig, schemeFor } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

// Review 21 (rows): attacks tried that the code withstands (these pass; kept as evidence for the report).

const key = (scheme: ReturnType<typeof schemeFor>, secret: string): ActiveKey[] => [{ key: scheme.decodeKey(secret), notAfterMs: Number.POSITIVE_INFINITY }];

describe('review21 rows: checked, no finding', () => {
  test('X: a CRC answer cannot be replayed as a POST signature (the only bodies it MACs are refused)', () => {
    const scheme = schemeFor({ type: 'x' } as SchemeConfig);
    const keys = key(scheme, 'x-consumer-secret-0123456789');
    const token = 'NjM2Mzk0MTk1NzU1NTcyOTc2ZGVhZGJlZWY=';
    const answer = scheme.handshake!.get!({ headers: {}, query: { crc_token: [token] } } as never, keys, TEST_NOW, scheme) as { body: string };
    const signature = JSON.parse(answer.body).response_token as string;
    const post = scheme.verify({ headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature }, body: token }, keys, TEST_NOW, 300);
    expect(post).toEqual({ ok: false, reason: 'malformed_body' });
  });

  test("coinbase-cdp: the signed string is Hook0's own (its published test vector, hook0/hook0 output-worker)", () => {
    // Hook0's create_signature_v1: secret "secret", t=1636936200, x-event-id/x-event-type, payload "hello !".
    const v1 = createHmac('sha256', 'secret').update('1636936200.x-event-id x-event-type.1a01cb48-5142-4d9b-8f90-d20cca61f0ee.service.resource.verb.hello !').digest('hex');
    expect(v1).toBe('bc521546ba5de381b12f135782d2008b028c3065c191760b12b76850a8fc8f51');
  });

  test('contentful: a value cannot absorb the next signed header (list pinned by its own signed value)', () => {
    const scheme = schemeFor({ type: 'contentful' } as SchemeConfig);
    const secret = 'c'.repeat(64);
    const url = 'https://hooks.example.com/contentful';
    const ts = String(TEST_NOW);
    const names = 'x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic';
    const canonical = `POST\n/contentful\nx-contentful-signed-headers:${names};x-contentful-timestamp:${ts};x-contentful-topic:A\n{}`;
    const sig = createHmac('sha256', secret).update(canonical).digest('hex');
    const keys = key(scheme, secret);
    const base = { 'content-type': 'application/json', 'x-contentful-signature': sig, 'x-contentful-signed-headers': names, 'x-contentful-timestamp': ts, 'x-contentful-topic': 'A' };
    expect(scheme.verify({ headers: base, body: '{}', url, method: 'POST' }, keys, TEST_NOW, 30).ok).toBe(true);
    // Drop the topic from the list and fold it into the timestamp's value: refused.
    const folded = { ...base, 'x-contentful-signed-headers': 'x-contentful-signed-headers,x-contentful-timestamp', 'x-contentful-timestamp': `${ts};x-contentful-topic:A` };
    expect(scheme.verify({ headers: folded, body: '{}', url, method: 'POST' }, keys, TEST_NOW, 30).ok).toBe(false);
  });
});
