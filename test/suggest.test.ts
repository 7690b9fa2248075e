import fc from 'fast-check';
import { closest, didYouMean, editDistance, suggestion, suggestionThreshold, unknownKeyProblems, unknownKeys } from '../lib/runtime/suggest';

describe('editDistance', () => {
  test.each([
    ['github', 'github', 0],
    ['gihub', 'github', 1],
    ['gtihub', 'github', 1],
    ['githbu', 'github', 1],
    ['GitHub', 'github', 0],
    ['', 'abc', 3],
    ['stripe', 'slack', 5],
    ['ca', 'abc', 3],
  ])('%s -> %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  test('is symmetric and zero only on equal names (ignoring case)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b) === 0).toBe(a.toLowerCase() === b.toLowerCase());
      }),
    );
  });
});

describe('closest', () => {
  const sources = ['github', 'stripe', 'slack', 'shopify'];

  test('points a typo at the name meant', () => {
    expect(closest('gihub', sources)).toBe('github');
    expect(closest('strpie', sources)).toBe('stripe');
    expect(closest('Slack', sources)).toBe('slack');
  });

  test('suggests nothing for a name far from every candidate', () => {
    expect(closest('billing', sources)).toBeUndefined();
    expect(closest('x', sources)).toBeUndefined();
    expect(closest('gihub', [])).toBeUndefined();
  });

  test('a candidate is its own closest', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 8, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() }), fc.nat(), (candidates, pick) => {
        const name = candidates[pick % candidates.length];
        expect(closest(name, candidates)).toBe(name);
      }),
    );
  });

  test('never suggests a candidate beyond the threshold', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 8 }), (name, candidates) => {
        const match = closest(name, candidates);
        if (match === undefined) {
          for (const c of candidates) expect(editDistance(name, c)).toBeGreaterThan(suggestionThreshold(name, c));
        } else {
          expect(editDistance(name, match)).toBeLessThanOrEqual(suggestionThreshold(name, match));
          expect(editDistance(name, match)).toBeLessThanOrEqual(3);
          for (const c of candidates) expect(editDistance(name, match) <= editDistance(name, c) || editDistance(name, c) > suggestionThreshold(name, c)).toBe(true);
        }
      }),
    );
  });
});

describe('messages', () => {
  test('didYouMean and suggestion', () => {
    expect(didYouMean('gihub', ['github', 'stripe'])).toBe('; did you mean "github"?');
    expect(didYouMean('billing', ['github', 'stripe'])).toBe('');
    expect(suggestion('gihub', ['github', 'stripe'], 'sources')).toBe('; did you mean "github"? Its sources: github, stripe');
    expect(suggestion('billing', ['github', 'stripe'], 'sources')).toBe('; its sources: github, stripe');
    expect(suggestion('billing', [], 'sources')).toBe('; its sources: (none)');
  });

  test('unknownKeys lists only the keys a plain object has and the interface lacks', () => {
    expect(unknownKeys({ scheme: 1, secrt: undefined, group: 'a' }, ['scheme', 'group', 'secret'])).toEqual(['secrt']);
    expect(unknownKeys(undefined, ['a'])).toEqual([]);
    expect(unknownKeys('text', ['a'])).toEqual([]);
    expect(unknownKeys([1], ['a'])).toEqual([]);
  });

  test('unknownKeyProblems names the key, the suggestion and the known keys', () => {
    expect(unknownKeyProblems('source "billing"', { secrt: 'x', colour: 1 }, ['scheme', 'secret'])).toEqual([
      'source "billing" has no prop "secrt"; did you mean "secret"? Its props: scheme, secret',
      'source "billing" has no prop "colour"; its props: scheme, secret',
    ]);
  });
});
