import { createHmac, hash } from 'node:crypto';
import * as fc from 'fast-check';
import { HmacAlgorithm, macFor, OneShotHash, OneShotMac, ONE_SHOT_MAX_BYTES, StreamingMac } from '../../lib/runtime/schemes/mac';

// The oracle: Node's own HMAC over the same content, written out here rather than taken from the
// code under test.
function reference(algorithm: HmacAlgorithm, key: Uint8Array, prefix: string, body: string | Uint8Array | undefined): Buffer {
  const hmac = createHmac(algorithm, key);
  hmac.update(prefix);
  if (body !== undefined) hmac.update(body);
  return hmac.digest();
}

const ALGORITHMS: HmacAlgorithm[] = ['sha1', 'sha256', 'sha512'];
// Any UTF-16, lone surrogates included: both sides must encode them the same way (as U+FFFD).
const text = fc.string({ unit: 'binary', maxLength: 300 });
const bodies = fc.oneof(text, fc.uint8Array({ maxLength: 600 }), fc.constant(undefined), fc.string({ unit: 'grapheme', minLength: 1500, maxLength: 3000 }));
// Across every block size: shorter than, equal to and longer than 64 and 128 bytes (long keys are hashed first).
const keys = fc.uint8Array({ maxLength: 300 });

describe('OneShotMac is RFC 2104 HMAC, byte for byte the same as createHmac', () => {
  test.each(ALGORITHMS)('%s: one long-lived instance, any key, prefix and body, in any order', (algorithm) => {
    const mac = new OneShotMac(algorithm, hash as unknown as OneShotHash);
    fc.assert(
      fc.property(keys, text, bodies, (key, prefix, body) => {
        const k = Buffer.from(key);
        expect(mac.digest(k, prefix, body).equals(reference(algorithm, k, prefix, body))).toBe(true);
        // Again, from the cached padded key, and from a fresh instance.
        expect(mac.digest(k, prefix, body).equals(reference(algorithm, k, prefix, body))).toBe(true);
        expect(new OneShotMac(algorithm, hash as unknown as OneShotHash).digest(k, prefix, body).equals(reference(algorithm, k, prefix, body))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('the block-size edges of the key, exactly', () => {
    for (const algorithm of ALGORITHMS) {
      const mac = new OneShotMac(algorithm, hash as unknown as OneShotHash);
      for (const length of [0, 1, 63, 64, 65, 127, 128, 129, 1000]) {
        const key = Buffer.alloc(length, 0xa5);
        expect(mac.digest(key, 'p', 'body').toString('hex')).toBe(reference(algorithm, key, 'p', 'body').toString('hex'));
      }
    }
  });

  test("RFC 4231 test case 2 (HMAC-SHA-256 and -512, key 'Jefe')", () => {
    const key = Buffer.from('Jefe');
    const message = 'what do ya want for nothing?';
    expect(new OneShotMac('sha256', hash as unknown as OneShotHash).digest(key, '', message).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(new OneShotMac('sha512', hash as unknown as OneShotHash).digest(key, message, undefined).toString('hex')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  test('grows its buffer for a longer body, and streams what would not fit in a bounded one', () => {
    const mac = new OneShotMac('sha256', hash as unknown as OneShotHash);
    const key = Buffer.from('a-signing-secret-of-some-length');
    const grown = 'é'.repeat(20_000);
    // Three bytes of room per UTF-16 unit: this body needs more than the bound, so it streams.
    const streamed = '€'.repeat(Math.ceil(ONE_SHOT_MAX_BYTES / 3));
    const bytes = Buffer.alloc(ONE_SHOT_MAX_BYTES + 1, 7);
    for (const body of [grown, streamed, bytes, 'small after large']) {
      expect(mac.digest(key, 'ts.', body).equals(reference('sha256', key, 'ts.', body))).toBe(true);
    }
  });

  test('keys of equal bytes in different Buffers give the same digest; a different key does not', () => {
    const mac = new OneShotMac('sha256', hash as unknown as OneShotHash);
    const a = mac.digest(Buffer.from('key-one-0123456789'), '', 'b');
    expect(mac.digest(Buffer.from('key-one-0123456789'), '', 'b').equals(a)).toBe(true);
    expect(mac.digest(Buffer.from('key-two-0123456789'), '', 'b').equals(a)).toBe(false);
  });
});

describe('macFor', () => {
  test("uses the one-shot path where Node has crypto.hash, and createHmac where it does not", () => {
    expect(macFor('sha256')).toBeInstanceOf(OneShotMac);
    const fallback = macFor('sha256', null);
    expect(fallback).toBeInstanceOf(StreamingMac);
    const key = Buffer.from('k'.repeat(20));
    expect(fallback.digest(key, 'x.', 'y').equals(reference('sha256', key, 'x.', 'y'))).toBe(true);
  });
});
