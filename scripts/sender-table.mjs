#!/usr/bin/env node
// `npm run docs:senders`: rewrites the sender table of docs/senders.md from the catalogue
// (test/support/sender-table.ts; test/docs/senders.test.ts fails while the two differ).
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sender-table-'));
try {
  const outfile = join(dir, 'table.cjs');
  await build({ entryPoints: [join(root, 'test', 'support', 'sender-table.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
  const table = createRequire(import.meta.url)(outfile).senderTable();
  const path = join(root, 'docs', 'senders.md');
  const page = readFileSync(path, 'utf8');
  const markers = /<!-- senders:start -->\n[\s\S]*?<!-- senders:end -->/;
  if (!markers.test(page)) throw new Error('docs/senders.md has no <!-- senders:start --> ... <!-- senders:end --> markers');
  const next = page.replace(markers, () => `<!-- senders:start -->\n${table}\n<!-- senders:end -->`);
  if (next === page) console.log('docs/senders.md: sender table already current');
  else {
    writeFileSync(path, next);
    console.log('docs/senders.md: sender table rewritten');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
