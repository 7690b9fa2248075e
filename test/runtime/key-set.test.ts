import { activeKeyStrings, parseKeySet, rotateKeySet } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';

const NOW = TEST_NOW;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('key set', () => {
  test('parses the document and refuses malformed ones without echoing them', () => {
    expect(parseKeySet('{"current":"k1","previous":[{"key":"k0","notAfter":"2026-11-23T00:00:00.000Z"}]}').previous).toHaveLength(1);
    for (const bad of ['not json k-secret', '[]', '{}', '{"current":""}', '{"current":"k","previous":{}}', '{"current":"k","previous":[{"key":"k0","notAfter":"soon"}]}']) {
      expect(() => parseKeySet(bad)).toThrow(/not a valid key set/);
      try {
        parseKeySet(bad);
      } catch (e) {
        expect((e as Error).message).not.toContain('k-secret');
      }
    }
  });

  test('active keys: current always, previous only before its not-after', () => {
    const doc = { current: 'k2', previous: [{ key: 'k1', notAfter: iso(NOW + HOUR) }, { key: 'k0', notAfter: iso(NOW - 1) }] };
    expect(activeKeyStrings(doc, NOW).map((k) => k.key)).toEqual(['k2', 'k1']);
    expect(activeKeyStrings(doc, NOW + HOUR).map((k) => k.key)).toEqual(['k2']);
  });

  test('rotation keeps the old key for the grace window and prunes expired ones', () => {
    const doc = { current: 'k1', previous: [{ key: 'k0', notAfter: iso(NOW - 1) }, { key: 'kx', notAfter: iso(NOW + HOUR) }] };
    expect(rotateKeySet(doc, 'k2', NOW, 24 * HOUR)).toEqual({
      current: 'k2',
      previous: [{ key: 'k1', notAfter: iso(NOW + 24 * HOUR) }, { key: 'kx', notAfter: iso(NOW + HOUR) }],
    });
  });

  test('a rotation with zero grace (emergency revoke) leaves only the new key', () => {
    const doc = { current: 'k1', previous: [{ key: 'k0', notAfter: iso(NOW + HOUR) }] };
    expect(rotateKeySet(doc, 'k2', NOW, 0)).toEqual({ current: 'k2', previous: [] });
  });
});
