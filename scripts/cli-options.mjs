#!/usr/bin/env node
// `npm run docs:cli`: rewrites the option tables of docs/cli.md from the command line's definitions
// (test/docs/cli-options-table.ts; test/docs/cli.test.ts fails while the two differ). `--check`: exit 1
// if docs/cli.md is not current, writing nothing.
import { rewriteGeneratedSection } from './generated-section.mjs';

await rewriteGeneratedSection({
  source: 'test/docs/cli-options-table.ts',
  exportName: 'cliOptionTables',
  page: 'docs/cli.md',
  marker: 'cli-options',
  what: 'option tables',
  script: 'npm run docs:cli',
  check: process.argv.includes('--check'),
});
