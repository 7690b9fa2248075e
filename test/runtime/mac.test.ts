import { createHmac, hash } from 'node:crypto';
import * as fc from 'fast-check';
import { schemeFor, verifyWithKeys } from '../../lib/runtime';
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
const mac256 = () => new OneShotMac('sha256', hash as unknown as OneShotHash);
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

  test('byte bodies that are views into a larger buffer (as pooled Buffer.from(base64) bodies are) hash their own bytes only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(64), fc.nat(64), (bytes, before, after) => {
        const backing = Buffer.alloc(before + bytes.length + after, 0xee);
        backing.set(bytes, before);
        const view = backing.subarray(before, before + bytes.length);
        const key = Buffer.from('view-key-0123456789');
        expect(mac256().digest(key, 'p.', view).equals(reference('sha256', key, 'p.', bytes))).toBe(true);
        expect(mac256().digest(key, '', new Uint8Array(backing.buffer, backing.byteOffset + before, bytes.length)).equals(reference('sha256', key, '', bytes))).toBe(true);
      }),
    );
  });

  test('contents within a block of the 1 MiB bound: no truncated write, no overflow, same digest', () => {
    const mac = mac256();
    const key = Buffer.from('edge-key-0123456789');
    for (let delta = -70; delta <= 70; delta += 1) {
      // Byte bodies: the prefix plus body is exactly the bound plus delta, less the block.
      const bytes = Buffer.alloc(ONE_SHOT_MAX_BYTES - 64 - 3 + delta, delta & 0xff);
      expect(mac.digest(key, 'ts.', bytes).equals(reference('sha256', key, 'ts.', bytes))).toBe(true);
    }
    for (const unit of ['a', 'é', '€', '😀']) {
      for (const delta of [-66, -65, -64, -3, -1, 0, 1, 3]) {
        const body = unit.repeat(Math.floor((ONE_SHOT_MAX_BYTES - 64) / 3 / unit.length) + delta);
        expect(mac.digest(key, '', body).equals(reference('sha256', key, '', body))).toBe(true);
      }
    }
  });

  test('a body that is neither a string nor a Uint8Array is hashed or refused exactly as createHmac does, never read from stale bytes', () => {
    const mac = mac256();
    const key = Buffer.from('other-views-0123456789');
    const bytes = Buffer.from('{"amount":1}');
    // Fill the shared buffer with a first request's body, then hand over other shapes of the same length.
    mac.digest(key, '', Buffer.from('{"amount":9}'));
    const views = [new DataView(bytes.buffer, bytes.byteOffset, bytes.length), new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 12)), new Uint8ClampedArray(bytes)];
    for (const view of views) expect(mac.digest(key, '', view as unknown as Uint8Array).equals(createHmac('sha256', key).update(view).digest())).toBe(true);
    const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    expect(() => createHmac('sha256', key).update(arrayBuffer as unknown as Uint8Array)).toThrow(/argument must be of type string or an instance of Buffer/);
    expect(() => mac.digest(key, '', arrayBuffer as unknown as Uint8Array)).toThrow(/argument must be of type string or an instance of Buffer/);
  });

  test('a kept scheme never verifies a second body against the first one\'s bytes', () => {
    const github = schemeFor({ type: 'github' });
    const secret = 'github-secret-0123456789';
    const keys = [{ key: Buffer.from(secret), notAfterMs: Number.POSITIVE_INFINITY }];
    const genuine = Buffer.from('{"action":"opened","number":1}');
    const headers = { 'x-hub-signature-256': 'sha256=' + createHmac('sha256', secret).update(genuine).digest('hex'), 'x-github-delivery': 'd-1' };
    expect(verifyWithKeys(github, { headers, body: genuine }, keys, 0).ok).toBe(true);
    const forged = Buffer.from('{"action":"closed","number":1}');
    for (const body of [forged, new Uint8Array(forged), forged.subarray(0), new DataView(forged.buffer, forged.byteOffset, forged.length)]) {
      expect(verifyWithKeys(github, { headers, body: body as Uint8Array }, keys, 0)).toEqual({ ok: false, reason: 'signature_invalid' });
    }
    const arrayBuffer = forged.buffer.slice(forged.byteOffset, forged.byteOffset + forged.length);
    expect(() => verifyWithKeys(github, { headers, body: arrayBuffer as unknown as Uint8Array }, keys, 0)).toThrow();
  });

  test('the padded key does not stay behind in the shared buffer', () => {
    const mac = mac256();
    mac.digest(Buffer.from('stay-out-of-scratch-0123'), 'p', 'b');
    expect((mac as unknown as { scratch: Buffer }).scratch.subarray(0, 64).every((b) => b === 0)).toBe(true);
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
