import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEME_TYPES, VERIFIER_FAMILIES } from '../../lib/runtime';
import { senderTable } from '../support/sender-table';

const page = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');
const figure = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`<!-- figure:${name} -->(.*?)<!-- /figure -->`, 'g'))].map((m) => m[1]);

// docs/senders.md's sender table is generated from the catalogue: a sender added, changed or removed
// without `npm run docs:senders` fails here.
test('the sender table of docs/senders.md is the catalogue', () => {
  const found = /<!-- senders:start -->\n([\s\S]*?)\n<!-- senders:end -->/.exec(page('docs/senders.md'));
  expect(found?.[1]).toBe(senderTable());
});

test('the README keeps no copy of the sender table', () => {
  expect(page('README.md')).not.toContain('<!-- senders:start -->');
});

// The counts and the family list docs/senders.md and the README state are the catalogue's.
test.each(['README.md', 'docs/senders.md'])('%s counts the catalogue\'s scheme types and named senders', (file) => {
  const text = page(file);
  const named = SCHEME_TYPES.filter((type) => type !== 'hmac' && type !== 'standard-webhooks').length;
  expect(new Set(figure(text, 'scheme-types'))).toEqual(new Set([String(SCHEME_TYPES.length)]));
  expect(new Set(figure(text, 'named-senders'))).toEqual(new Set([String(named)]));
});

test('docs/senders.md names every bundle family', () => {
  const listed = figure(page('docs/senders.md'), 'family-names')[0]?.split(', ');
  expect(listed?.sort()).toEqual(Object.keys(VERIFIER_FAMILIES).sort());
});
