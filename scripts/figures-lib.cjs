// The figures the README and docs state, computed from the repository, and the markers that hold them:
//   <!-- figure:NAME -->VALUE<!-- /figure -->
// Used by scripts/figures.mjs (`npm run docs:figures`), scripts/jest-figures-reporter.js (the `tests`
// figure, counted at the end of a full jest run) and test/docs/figures.test.ts. Plain CommonJS with no
// dependencies, so that all three can load it as it is. No network, no AWS, no clock.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const MARKER = /<!-- figure:([A-Za-z0-9._-]+) -->([^<\n]*)<!-- \/figure -->/g;

/** The files whose markers are read and rewritten: README.md, CONTRIBUTING.md and docs/**\/*.md. */
function docFiles(root) {
  const files = ['README.md', 'CONTRIBUTING.md'].filter((f) => existsSync(join(root, f)));
  const docs = join(root, 'docs');
  if (existsSync(docs)) {
    for (const f of readdirSync(docs, { recursive: true }).map(String).sort()) {
      if (f.endsWith('.md')) files.push(join('docs', f));
    }
  }
  return files;
}

/** Every `*.test.ts` under test/ (what jest.config.js runs: roots test/, testMatch **\/*.test.ts). */
function testFiles(root) {
  const dir = join(root, 'test');
  return readdirSync(dir, { recursive: true }).map(String)
    .filter((f) => f.endsWith('.test.ts') && !f.split(/[\\/]/).includes('node_modules'))
    .map((f) => join(dir, f))
    .sort();
}

const number = (n) => n.toLocaleString('en-US');
const kib = (bytes) => (bytes / 1024).toFixed(1);
/** The `tests` figure: the count rounded down to the hundred, e.g. 3717 -> "3,700". */
const testsFigure = (count) => number(Math.floor(count / 100) * 100);

/**
 * Every figure, by name, as the docs write it (strings). `runtime` holds what lib/runtime exports
 * (SCHEME_TYPES, VERIFIER_FAMILIES, LARGEST_BODY_BYTES, INLINE_BODY_BYTES): the caller loads the
 * TypeScript (esbuild in figures.mjs, jest's transform in the test). Figures whose inputs are absent
 * (assets/ not bundled yet, no full jest run counted) are left out and named in `missing`.
 */
function computeFigures(root, runtime) {
  const figures = {};
  const missing = {};
  const types = runtime.SCHEME_TYPES;
  figures['scheme-types'] = number(types.length);
  figures['named-senders'] = number(types.filter((t) => t !== 'hmac' && t !== 'standard-webhooks').length);
  const families = Object.keys(runtime.VERIFIER_FAMILIES).sort();
  figures.families = number(families.length);
  figures['family-names'] = families.join(', ');
  figures['largest-body-bytes'] = number(runtime.LARGEST_BODY_BYTES);
  figures['inline-body-bytes'] = number(runtime.INLINE_BODY_BYTES);

  const assets = join(root, 'assets');
  const bundles = existsSync(assets)
    ? readdirSync(assets).filter((d) => d.startsWith('verifier-') && existsSync(join(assets, d, 'index.js')))
      .map((d) => ({ family: d.slice('verifier-'.length), bytes: statSync(join(assets, d, 'index.js')).size }))
    : [];
  if (bundles.length === 0) {
    const why = 'assets/verifier-*/index.js not found: run `npm run bundle` first';
    for (const name of ['bundles', 'bundle-largest', 'bundle-smallest', 'bundle-largest-bytes', 'bundle-smallest-bytes', 'bundle-largest-family', 'bundle-<family>']) missing[name] = why;
  } else {
    bundles.sort((a, b) => a.bytes - b.bytes || a.family.localeCompare(b.family));
    const [smallest, largest] = [bundles[0], bundles[bundles.length - 1]];
    figures.bundles = number(bundles.length);
    figures['bundle-largest'] = kib(largest.bytes);
    figures['bundle-smallest'] = kib(smallest.bytes);
    figures['bundle-largest-bytes'] = number(largest.bytes);
    figures['bundle-smallest-bytes'] = number(smallest.bytes);
    figures['bundle-largest-family'] = largest.family;
    for (const b of [...bundles].sort((x, y) => x.family.localeCompare(y.family))) figures[`bundle-${b.family}`] = kib(b.bytes);
  }

  const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8'));
  const envs = (cdk.context ?? {})['hardened-webhook:environments'] ?? {};
  figures.environments = number(Object.keys(envs).length);
  figures['environment-names'] = Object.keys(envs).join(', ');
  for (const [env, config] of Object.entries(envs)) {
    const sources = Array.isArray(config.sources) ? config.sources.map((s) => s.name) : Object.keys(config.sources ?? {});
    figures[`sources-${env}`] = sources.join(', ');
  }

  figures['test-files'] = number(testFiles(root).length);
  const counted = readTestCount(root);
  if (counted === undefined) missing.tests = 'no full jest run counted yet (.figures/tests.json): run `npm test` first';
  else figures.tests = testsFigure(counted);
  return { figures, missing };
}

const TESTS_FILE = join('.figures', 'tests.json');
function readTestCount(root) {
  try {
    const count = JSON.parse(readFileSync(join(root, TESTS_FILE), 'utf8')).tests;
    return Number.isInteger(count) ? count : undefined;
  } catch {
    return undefined;
  }
}

/** The markers in a text: name, value, 1-based line. */
function markersIn(text) {
  const found = [];
  for (const m of text.matchAll(MARKER)) {
    found.push({ name: m[1], value: m[2], line: text.slice(0, m.index).split('\n').length });
  }
  return found;
}

/** A name is known when it is computed, or is a figure whose inputs are missing here. */
function isKnown(name, figures, missing) {
  if (name in figures || name in missing) return true;
  return name.startsWith('bundle-') && 'bundle-<family>' in missing;
}

/**
 * What is wrong with a text's markers: `{ file, line, name, found, expected?, problem }` for each
 * marker whose VALUE is not the figure, whose NAME is unknown, or whose figure cannot be computed here.
 * `skip` names figures checked elsewhere (`tests`: by the jest reporter).
 */
function checkText(text, file, figures, missing, skip = []) {
  const problems = [];
  for (const { name, value, line } of markersIn(text)) {
    if (skip.includes(name)) continue;
    if (!isKnown(name, figures, missing)) {
      problems.push({ file, line, name, found: value, problem: `unknown figure "${name}" (known: ${Object.keys(figures).sort().join(', ')})` });
    } else if (!(name in figures)) {
      problems.push({ file, line, name, found: value, problem: missing[name] ?? missing['bundle-<family>'] });
    } else if (value !== figures[name]) {
      problems.push({ file, line, name, found: value, expected: figures[name], problem: `says "${value}", the repository gives "${figures[name]}"` });
    }
  }
  return problems;
}

/** The text with every known, computable marker's VALUE replaced by its figure (others left as they are). */
function rewriteText(text, figures) {
  return text.replace(MARKER, (whole, name) => (name in figures ? `<!-- figure:${name} -->${figures[name]}<!-- /figure -->` : whole));
}

function formatProblem(p) {
  return `${p.file}:${p.line}: figure:${p.name}: ${p.problem}`;
}

module.exports = {
  MARKER, TESTS_FILE, docFiles, testFiles, computeFigures, readTestCount, testsFigure, markersIn, checkText, rewriteText, formatProblem,
};
