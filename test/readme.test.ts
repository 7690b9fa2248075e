import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { senderTable } from './support/sender-table';

// The README's sender table is generated from the catalogue: a sender added, changed or removed
// without `npm run docs:senders` fails here.
test('the README sender table is the catalogue', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const found = /<!-- senders:start -->\n([\s\S]*?)\n<!-- senders:end -->/.exec(readme);
  expect(found?.[1]).toBe(senderTable());
});
