import { createHmac } from 'node:crypto';
import * as fc from 'fast-check';
import { schemeFor, verifyWithKeys, WebhookVerifier } from '../../lib/runtime';
import { hmac, HmacAlgorithm } from '../../lib/runtime/schemes/mac';

// The oracle: Node's own HMAC over the same content, written out here rather than taken from the
// code under test. The schemes must agree with it on every key, prefix and body.
function reference(algorithm: HmacAlgorithm, key: Uint8Array, prefix: string, body: string | Uint8Array | undefined): Buffer {
  const mac = createHmac(algorithm, key);
  mac.update(prefix);
  if (body !== undefined) mac.update(body);
  return mac.digest();
}

const ALGORITHMS: HmacAlgorithm[] = ['sha1', 'sha256', 'sha512'];
// Any UTF-16, lone surrogates included: both sides must encode them the same way (as U+FFFD).
const text = fc.string({ unit: 'binary', maxLength: 300 });
const bodies = fc.oneof(text, fc.uint8Array({ maxLength: 600 }), fc.constant(undefined));
const keys = fc.uint8Array({ maxLength: 300 });
const forever = (key: Buffer) => [{ key, notAfterMs: Number.POSITIVE_INFINITY }];

describe('the verifier HMAC is node:crypto createHmac', () => {
  test.each(ALGORITHMS)('%s: any key, prefix and body give createHmac\'s digest', (algorithm) => {
    fc.assert(
      fc.property(keys, text, bodies, (key, prefix, body) => {
        expect(hmac(algorithm, Buffer.from(key), prefix, body).equals(reference(algorithm, key, prefix, body))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test("RFC 4231 test case 2 (HMAC-SHA-256 and -512, key 'Jefe')", () => {
    const key = Buffer.from('Jefe');
    const message = 'what do ya want for nothing?';
    expect(hmac('sha256', key, '', message).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hmac('sha512', key, message, undefined).toString('hex')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });
});

describe('schemes against the createHmac oracle', () => {
  test('GitHub: any body (text or bytes, views into larger buffers included) verifies with its own signature and no other', () => {
    const github = schemeFor({ type: 'github' });
    const secret = 'github-secret-0123456789';
    fc.assert(
      fc.property(fc.oneof(text, fc.uint8Array({ maxLength: 400 })), fc.nat(32), (content, offset) => {
        const signature = 'sha256=' + reference('sha256', Buffer.from(secret), '', content).toString('hex');
        const headers = { 'x-hub-signature-256': signature, 'x-github-delivery': 'd-1' };
        const body = typeof content === 'string' ? content : Buffer.concat([Buffer.alloc(offset, 0xee), content]).subarray(offset);
        expect(verifyWithKeys(github, { headers, body }, forever(Buffer.from(secret)), 0).ok).toBe(true);
        const other = typeof content === 'string' ? content + ' ' : Buffer.concat([Buffer.from(content), Buffer.from([0])]);
        expect(verifyWithKeys(github, { headers, body: other }, forever(Buffer.from(secret)), 0)).toEqual({ ok: false, reason: 'signature_invalid' });
      }),
    );
  });

  test('a kept scheme never verifies a second body against the first one\'s bytes', () => {
    const github = schemeFor({ type: 'github' });
    const secret = 'github-secret-0123456789';
    const genuine = Buffer.from('{"action":"opened","number":1}');
    const headers = { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(genuine).digest('hex'), 'x-github-delivery': 'd-1' };
    expect(verifyWithKeys(github, { headers, body: genuine }, forever(Buffer.from(secret)), 0).ok).toBe(true);
    const forged = Buffer.from('{"action":"closed","number":1}');
    for (const body of [forged, new Uint8Array(forged), forged.subarray(0), new DataView(forged.buffer, forged.byteOffset, forged.length)]) {
      expect(verifyWithKeys(github, { headers, body: body as Uint8Array }, forever(Buffer.from(secret)), 0)).toEqual({ ok: false, reason: 'signature_invalid' });
    }
  });

  test('rejects a forgery whose body is a Uint8Array that lies about its byteLength', () => {
    // GIVEN a signature over the empty body, and a non-empty body claiming to be 0 bytes long
    const github = schemeFor({ type: 'github' });
    const secret = 'github-secret-0123456789';
    const headers = { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update('').digest('hex'), 'x-github-delivery': 'd-1' };
    const body = Buffer.from('{"action":"deleted","repository":"everything"}');
    Object.defineProperty(body, 'byteLength', { value: 0 });
    // WHEN it is verified THEN the MAC covers the bytes the view really holds
    expect(verifyWithKeys(github, { headers, body }, forever(Buffer.from(secret)), 0)).toEqual({ ok: false, reason: 'signature_invalid' });
  });

  test('a key Buffer overwritten in place verifies with its new bytes, not the old ones', () => {
    // GIVEN a key Buffer used once, then overwritten in place with another key
    const stripe = schemeFor({ type: 'stripe' });
    const key = Buffer.from('whsec_first_key_0123456789abcdef');
    const sign = (secret: string, body: string) => `t=100,v1=${createHmac('sha256', secret).update(`100.${body}`).digest('hex')}`;
    expect(verifyWithKeys(stripe, { headers: { 'stripe-signature': sign(key.toString(), '{"n":1}') }, body: '{"n":1}' }, forever(key), 100_000).ok).toBe(true);
    key.write('whsec_other_key_0123456789abcdef');
    // WHEN a delivery signed with the old key and one with the new key arrive
    const old = verifyWithKeys(stripe, { headers: { 'stripe-signature': sign('whsec_first_key_0123456789abcdef', '{"n":2}') }, body: '{"n":2}' }, forever(key), 100_000);
    const fresh = verifyWithKeys(stripe, { headers: { 'stripe-signature': sign('whsec_other_key_0123456789abcdef', '{"n":2}') }, body: '{"n":2}' }, forever(key), 100_000);
    // THEN only the key's current bytes verify
    expect(old).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(fresh.ok).toBe(true);
  });

  test('a prepared WebhookVerifier agrees with createHmac for any generic HMAC configuration', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALGORITHMS), fc.constantFrom<'hex' | 'base64'>('hex', 'base64'), fc.string({ minLength: 16, maxLength: 80 }), text, (algorithm, encoding, secret, body) => {
        const verifier = new WebhookVerifier({ scheme: { type: 'hmac', algorithm, encoding, signatureHeader: 'X-Sig', signedContent: 'body' }, secrets: [secret] });
        const signature = createHmac(algorithm, secret).update(body).digest(encoding);
        expect(verifier.verify({ headers: { 'x-sig': signature }, body }).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
