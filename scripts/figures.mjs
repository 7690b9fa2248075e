#!/usr/bin/env node
// `npm run docs:figures`: computes every figure the docs state from the repository (the catalogue, the
// bundles in assets/, cdk.json, the test files, the last full jest run's count) and rewrites each
//   <!-- figure:NAME -->VALUE<!-- /figure -->
// marker in README.md, CONTRIBUTING.md and docs/**/*.md in place, then prints the table of figures.
//   --check       change nothing; exit 1 listing every marker that disagrees or names an unknown figure
//                 (`tests` is checked by scripts/jest-figures-reporter.js at the end of a full run instead)
//   --list        only print the table
//   --files a.md  read these files instead of the docs (with --check: the test's fixtures)
// The names and formats: scripts/figures-lib.cjs (computeFigures). No network, no AWS.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const lib = require('./figures-lib.cjs');
const root = fileURLToPath(new URL('..', import.meta.url));

const args = process.argv.slice(2);
const check = args.includes('--check');
const listOnly = args.includes('--list');
const filesAt = args.indexOf('--files');
const unknownArg = args.find((a, i) => a.startsWith('-') && !['--check', '--list', '--files'].includes(a) && !(filesAt >= 0 && i > filesAt));
if (unknownArg) {
  console.error(`docs:figures: unknown option ${unknownArg} (use --check, --list, --files <file.md...>)`);
  process.exit(2);
}

/** What lib/runtime exports that figures need, loaded from the TypeScript through esbuild (no dist/ needed). */
async function loadRuntime() {
  const dir = mkdtempSync(join(tmpdir(), 'figures-'));
  try {
    const outfile = join(dir, 'runtime.cjs');
    await build({
      stdin: {
        contents: "export { SCHEME_TYPES, VERIFIER_FAMILIES } from './lib/runtime';\nexport { LARGEST_BODY_BYTES, INLINE_BODY_BYTES } from './lib/runtime/body-limits';\n",
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true, platform: 'node', format: 'cjs', packages: 'external', outfile, logLevel: 'warning',
    });
    return require(outfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { figures, missing } = lib.computeFigures(root, await loadRuntime());

// Bundle sizes are read from assets/: older than lib/, they are the last build's, not this tree's.
const newest = (dir) => readdirSync(dir, { recursive: true }).reduce((t, f) => Math.max(t, statSync(join(dir, String(f))).mtimeMs), 0);
if (figures.bundles && newest(join(root, 'lib')) > Math.min(...readdirSync(join(root, 'assets')).filter((d) => d.startsWith('verifier-')).map((d) => statSync(join(root, 'assets', d, 'index.js')).mtimeMs))) {
  console.error('warning: assets/ is older than lib/: the bundle figures are the last build\'s (run `npm run bundle` first)');
}

function printTable() {
  const names = Object.keys(figures).sort();
  const width = Math.max(...names.map((n) => n.length));
  console.log('figure'.padEnd(width), ' value');
  for (const name of names) console.log(name.padEnd(width), '', figures[name]);
  for (const [name, why] of Object.entries(missing)) console.log(name.padEnd(width), '', `(not computed: ${why})`);
}

if (listOnly) {
  printTable();
  process.exit(0);
}

const files = filesAt >= 0 ? args.slice(filesAt + 1).map((f) => resolve(f)) : lib.docFiles(root).map((f) => join(root, f));
const shown = (path) => (path.startsWith(root) ? path.slice(root.length) : path);

if (check) {
  const problems = files.flatMap((path) => lib.checkText(readFileSync(path, 'utf8'), shown(path), figures, missing, ['tests']));
  const markers = files.reduce((n, path) => n + lib.markersIn(readFileSync(path, 'utf8')).length, 0);
  if (problems.length) {
    console.error(`${problems.length} figure marker(s) disagree with the repository:`);
    for (const p of problems) console.error(`  ${lib.formatProblem(p)}`);
    console.error('Fix: `npm run docs:figures` rewrites them (after `npm run bundle` for bundle sizes, and a full `npm test` for `tests`).');
    process.exit(1);
  }
  console.log(`${markers} figure marker(s) in ${files.length} file(s) agree with the repository`);
  process.exit(0);
}

let changed = 0;
for (const path of files) {
  const text = readFileSync(path, 'utf8');
  const next = lib.rewriteText(text, figures);
  const unknown = lib.checkText(next, shown(path), figures, missing).filter((p) => p.expected === undefined);
  for (const p of unknown) console.error(`warning: ${lib.formatProblem(p)}`);
  if (next !== text) {
    writeFileSync(path, next);
    changed += 1;
    console.log(`rewrote ${shown(path)}`);
  }
}
if (!changed) console.log('every figure marker already current');
printTable();
