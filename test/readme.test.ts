import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEME_TYPES, VERIFIER_FAMILIES } from '../lib/runtime';
import { senderTable } from './support/sender-table';

// The README's sender table is generated from the catalogue: a sender added, changed or removed
// without `npm run docs:senders` fails here.
test('the README sender table is the catalogue', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const found = /<!-- senders:start -->\n([\s\S]*?)\n<!-- senders:end -->/.exec(readme);
  expect(found?.[1]).toBe(senderTable());
});

// The counts and the family list the README states are the catalogue's.
test('the README counts the catalogue\'s scheme types and names its bundle families', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const named = SCHEME_TYPES.filter((type) => type !== 'hmac' && type !== 'standard-webhooks').length;
  expect(readme).toContain(`The catalogue names ${SCHEME_TYPES.length} scheme types (\`SCHEME_TYPES\`; ${named} named senders`);
  const listed = /\(`assets\/verifier-<family>\/index\.js`: ([^)]*)\)/.exec(readme)?.[1].replace(/\s+/g, ' ').split(', ');
  expect(listed?.sort()).toEqual(Object.keys(VERIFIER_FAMILIES).sort());
});
