#!/usr/bin/env node
// `npm run docs:cli`: rewrites the option tables of docs/cli.md from the command line's definitions
// (test/docs/cli-options-table.ts; test/docs/cli.test.ts fails while the two differ). `--check`: exit 1
// if docs/cli.md is not current, writing nothing.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const dir = mkdtempSync(join(tmpdir(), 'cli-options-'));
try {
  const outfile = join(dir, 'tables.cjs');
  await build({ entryPoints: [join(root, 'test', 'docs', 'cli-options-table.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
  const tables = createRequire(import.meta.url)(outfile).cliOptionTables();
  const path = join(root, 'docs', 'cli.md');
  const page = readFileSync(path, 'utf8');
  const markers = /<!-- cli-options:start -->\n[\s\S]*?<!-- cli-options:end -->/;
  if (!markers.test(page)) throw new Error('docs/cli.md has no <!-- cli-options:start --> ... <!-- cli-options:end --> markers');
  const next = page.replace(markers, () => `<!-- cli-options:start -->\n${tables}\n<!-- cli-options:end -->`);
  if (next === page) console.log('docs/cli.md: option tables already current');
  else if (check) {
    console.error('docs/cli.md: option tables are not current; run npm run docs:cli');
    process.exitCode = 1;
  } else {
    writeFileSync(path, next);
    console.log('docs/cli.md: option tables rewritten');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
