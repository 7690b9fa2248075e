import { createSign, generateKeyPairSync, KeyObject } from 'node:crypto';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { ActiveKey, Scheme, schemeFor, WebhookConfigurationError } from '../../../lib/runtime';
import { TEST_NOW } from '../../support/clock';

// Senders that sign with a private key and give the verifier the public one. Signatures here come
// from the senders' own documented recipes with independent code: tweetnacl for Ed25519 (Discord's
// documentation verifies with it), node's createSign('sha256') over timestamp + payload for SendGrid
// (its documentation's recipe); and our own `sign` must agree with them.

const NOW = TEST_NOW;
const TS = String(NOW / 1000);
const BODY = '{"type":2,"id":"123","data":{"name":"caf\u00e9"}}';

const keys = (scheme: Scheme, ...publicKeys: string[]): ActiveKey[] => publicKeys.map((k) => ({ key: scheme.decodeKey(k), notAfterMs: Number.POSITIVE_INFINITY }));

function naclPair() {
  const pair = nacl.sign.keyPair();
  return { secretKey: pair.secretKey, publicKey: Buffer.from(pair.publicKey) };
}

describe('discord', () => {
  const scheme = schemeFor({ type: 'discord' });
  const signer = naclPair();
  const publicHex = signer.publicKey.toString('hex');
  const headersFor = (body: string, ts = TS, secretKey = signer.secretKey) => ({
    'x-signature-ed25519': Buffer.from(nacl.sign.detached(Buffer.from(ts + body), secretKey)).toString('hex'),
    'x-signature-timestamp': ts,
    'content-type': 'application/json',
  });

  test('accepts what tweetnacl signs over timestamp + body (Discord\'s own recipe)', () => {
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, keys(scheme, publicHex), NOW, 300)).toMatchObject({ ok: true, timestamp: NOW / 1000 });
  });

  test('a one-byte change, another key, a stale or future timestamp are refused', () => {
    const k = keys(scheme, publicHex);
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY.replace('123', '124') }, k, NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, keys(scheme, naclPair().publicKey.toString('hex')), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    for (const offset of [-301, 301]) {
      const ts = String(NOW / 1000 + offset);
      expect(scheme.verify({ headers: headersFor(BODY, ts), body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    }
  });

  test('malformed, missing and duplicated headers are refused', () => {
    const k = keys(scheme, publicHex);
    const good = headersFor(BODY);
    expect(scheme.verify({ headers: { ...good, 'x-signature-ed25519': 'zz' }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { ...good, 'x-signature-ed25519': good['x-signature-ed25519'].slice(2) }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { ...good, 'x-signature-timestamp': '12a' }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(scheme.verify({ headers: { 'x-signature-timestamp': TS }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'missing_header' });
    expect(scheme.verify({ headers: { ...good, 'x-signature-ed25519': [good['x-signature-ed25519'], good['x-signature-ed25519']] }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'duplicate_header' });
  });

  test('verifies with public keys only: an HMAC-style secret in the key set is never used, and no usable key is no_active_key', () => {
    const hmacKey: ActiveKey = { key: Buffer.from(publicHex, 'hex'), notAfterMs: Number.POSITIVE_INFINITY };
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, [hmacKey], NOW, 300)).toEqual({ ok: false, reason: 'no_active_key' });
    const expired: ActiveKey = { key: scheme.decodeKey(publicHex), notAfterMs: NOW - 1 };
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, [expired], NOW, 300)).toEqual({ ok: false, reason: 'no_active_key' });
  });

  test('a verified PING is answered with type 1; anything else, or an unverified one, is not', () => {
    const ping = '{"type":1,"id":"1","application_id":"2"}';
    const result = scheme.verify({ headers: headersFor(ping), body: ping }, keys(scheme, publicHex), NOW, 300);
    expect(result.ok).toBe(true);
    expect(scheme.immediateResponse?.(ping, result.ok ? result : undefined)).toEqual({ body: '{"type":1}' });
    expect(scheme.immediateResponse?.(BODY)).toBeUndefined();
    // The handler asks only after verifying; a probe with a bad signature is a 401 before that.
    expect(scheme.verify({ headers: { ...headersFor(ping), 'x-signature-ed25519': '00'.repeat(64) }, body: ping }, keys(scheme, publicHex), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a public key of the wrong form is a configuration error that does not echo it', () => {
    expect(() => scheme.decodeKey('abc')).toThrow(WebhookConfigurationError);
    expect(() => scheme.decodeKey('g'.repeat(64))).toThrow(/64 hex characters/);
  });

  test('property: our sign agrees with tweetnacl, and no other body verifies', () => {
    const { privateKey, publicKey } = scheme.generateKeyPair!();
    const raw = Buffer.from(publicKey, 'hex');
    fc.assert(
      fc.property(fc.string(), fc.string(), (body, other) => {
        const headers = scheme.sign({ body, timestamp: NOW / 1000 }, privateKey);
        expect(nacl.sign.detached.verify(Buffer.from(TS + body), Buffer.from(headers['x-signature-ed25519'], 'hex'), raw)).toBe(true);
        expect(scheme.verify({ headers, body }, keys(scheme, publicKey), NOW, 300).ok).toBe(true);
        if (other !== body) expect(scheme.verify({ headers, body: other }, keys(scheme, publicKey), NOW, 300).ok).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('telnyx', () => {
  const scheme = schemeFor({ type: 'telnyx' });
  const signer = naclPair();
  const publicB64 = signer.publicKey.toString('base64');
  const headersFor = (body: string, ts = TS) => ({
    'telnyx-signature-ed25519': Buffer.from(nacl.sign.detached(Buffer.from(`${ts}|${body}`), signer.secretKey)).toString('base64'),
    'telnyx-timestamp': ts,
  });

  test('accepts Ed25519 over `timestamp|body` with the base64 public key; refuses changes, other keys, stale times', () => {
    const k = keys(scheme, publicB64);
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, k, NOW, 300).ok).toBe(true);
    expect(scheme.verify({ headers: headersFor(BODY), body: `${BODY} ` }, k, NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(BODY), body: BODY }, keys(scheme, naclPair().publicKey.toString('base64')), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(BODY, String(NOW / 1000 - 301)), body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  test('a signature that is not canonical base64 of 64 bytes is malformed', () => {
    const good = headersFor(BODY);
    const k = keys(scheme, publicB64);
    expect(scheme.verify({ headers: { ...good, 'telnyx-signature-ed25519': good['telnyx-signature-ed25519'].replace(/=*$/, '') }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_header' });
    expect(scheme.verify({ headers: { ...good, 'telnyx-signature-ed25519': Buffer.alloc(63).toString('base64') }, body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_header' });
  });
});

describe('sendgrid', () => {
  const scheme = schemeFor({ type: 'sendgrid' });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicB64 = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const events = '[{"email":"example@test.com","event":"bounce","sg_event_id":"ZGVmYXVsdC0xLTE","timestamp":1588788367}]\r\n';
  const headersFor = (body: string, ts = TS) => ({
    'x-twilio-email-event-webhook-signature': createSign('sha256').update(ts + body).sign(pair.privateKey).toString('base64'),
    'x-twilio-email-event-webhook-timestamp': ts,
  });

  test('accepts ECDSA P-256/SHA-256 (DER) over timestamp + payload, as SendGrid\'s recipe verifies it', () => {
    expect(scheme.verify({ headers: headersFor(events), body: events }, keys(scheme, publicB64), NOW, 300).ok).toBe(true);
  });

  test('refuses a changed payload, another key, a stale timestamp, a non-DER signature', () => {
    const k = keys(scheme, publicB64);
    expect(scheme.verify({ headers: headersFor(events), body: events.replace('bounce', 'bouncf') }, k, NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(scheme.verify({ headers: headersFor(events), body: events }, keys(scheme, other), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(events, String(NOW / 1000 + 400)), body: events }, k, NOW, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(scheme.verify({ headers: { ...headersFor(events), 'x-twilio-email-event-webhook-signature': Buffer.alloc(64, 1).toString('base64') }, body: events }, k, NOW, 300)).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
  });

  test('refuses a verification key of another curve or kind', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => scheme.decodeKey(p384)).toThrow(/P-256/);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => scheme.decodeKey(ed)).toThrow(/P-256/);
  });

  test('our sign produces what the recipe verifies', () => {
    const { privateKey, publicKey } = scheme.generateKeyPair!();
    const headers = scheme.sign({ body: events, timestamp: NOW / 1000 }, privateKey);
    const key = scheme.decodeKey(publicKey) as KeyObject;
    const { createVerify } = jest.requireActual('node:crypto') as typeof import('node:crypto');
    expect(createVerify('sha256').update(TS + events).verify(key, Buffer.from(headers['x-twilio-email-event-webhook-signature'], 'base64'))).toBe(true);
  });
});

describe('standard-webhooks with public keys (v1a, Ed25519)', () => {
  const scheme = schemeFor({ type: 'standard-webhooks' });
  const signer = naclPair();
  const whpk = `whpk_${signer.publicKey.toString('base64')}`;
  const whsec = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const v1a = (body: string, id = 'msg_1', ts = TS) => `v1a,${Buffer.from(nacl.sign.detached(Buffer.from(`${id}.${ts}.${body}`), signer.secretKey)).toString('base64')}`;
  const headersFor = (signature: string, id = 'msg_1', ts = TS) => ({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature });

  test('a v1a entry verifies with the whpk_ key, the signed id keys duplicates', () => {
    expect(scheme.verify({ headers: headersFor(v1a(BODY)), body: BODY }, keys(scheme, whpk), NOW, 300)).toMatchObject({ ok: true, eventId: 'msg_1', dedupeKey: 'msg_1' });
  });

  test('a mixed key set during a migration: v1 with whsec_, v1a with whpk_, each only its own kind', () => {
    const mixed = keys(scheme, whsec, whpk);
    const hmacSigned = scheme.sign({ body: BODY, id: 'msg_1', timestamp: NOW / 1000 }, whsec)['webhook-signature'];
    expect(scheme.verify({ headers: headersFor(hmacSigned), body: BODY }, mixed, NOW, 300).ok).toBe(true);
    expect(scheme.verify({ headers: headersFor(v1a(BODY)), body: BODY }, mixed, NOW, 300).ok).toBe(true);
    expect(scheme.verify({ headers: headersFor(`${hmacSigned} ${v1a(BODY)}`), body: BODY }, mixed, NOW, 300).ok).toBe(true);
    // A v1a entry is not checked against an HMAC secret, nor a v1 entry against a public key.
    expect(scheme.verify({ headers: headersFor(v1a(BODY)), body: BODY }, keys(scheme, whsec), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(hmacSigned), body: BODY }, keys(scheme, whpk), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a changed body or id, another public key, a stale timestamp, a malformed v1a entry are refused', () => {
    const k = keys(scheme, whpk);
    expect(scheme.verify({ headers: headersFor(v1a(BODY)), body: `${BODY}x` }, k, NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(v1a(BODY), 'msg_2'), body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(scheme.verify({ headers: headersFor(v1a(BODY)), body: BODY }, keys(scheme, `whpk_${naclPair().publicKey.toString('base64')}`), NOW, 300)).toEqual({ ok: false, reason: 'signature_invalid' });
    const old = String(NOW / 1000 - 301);
    expect(scheme.verify({ headers: headersFor(v1a(BODY, 'msg_1', old), 'msg_1', old), body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(scheme.verify({ headers: headersFor('v1a,AAAA'), body: BODY }, k, NOW, 300)).toEqual({ ok: false, reason: 'malformed_header' });
  });

  test('whsk_ signs v1a entries our verifier and tweetnacl accept; a whsk_ key is not a verification key', () => {
    const { privateKey, publicKey } = scheme.generateKeyPair!();
    const headers = scheme.sign({ body: BODY, id: 'msg_9', timestamp: NOW / 1000 }, privateKey);
    expect(headers['webhook-signature']).toMatch(/^v1a,/);
    const raw = Buffer.from(publicKey.slice(5), 'base64');
    expect(nacl.sign.detached.verify(Buffer.from(`msg_9.${TS}.${BODY}`), Buffer.from(headers['webhook-signature'].slice(4), 'base64'), raw)).toBe(true);
    expect(scheme.verify({ headers, body: BODY }, keys(scheme, publicKey), NOW, 300).ok).toBe(true);
    expect(() => scheme.decodeKey(privateKey)).toThrow(/whpk_/);
    expect(() => scheme.decodeKey('whpk_AAAA')).toThrow(/32-byte/);
  });
});
