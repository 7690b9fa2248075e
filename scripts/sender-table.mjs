#!/usr/bin/env node
// `npm run docs:senders`: rewrites the README's sender table from the catalogue
// (test/support/sender-table.ts; test/readme.test.ts fails while the two differ).
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
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const next = readme.replace(/<!-- senders:start -->\n[\s\S]*?<!-- senders:end -->/, `<!-- senders:start -->\n${table}\n<!-- senders:end -->`);
  if (next === readme) console.log('README sender table already current');
  else {
    writeFileSync(path, next);
    console.log('README sender table rewritten');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
