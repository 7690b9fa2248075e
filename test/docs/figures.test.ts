import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEME_TYPES, VERIFIER_FAMILIES } from '../../lib/runtime';
import { INLINE_BODY_BYTES, LARGEST_BODY_BYTES } from '../../lib/runtime/body-limits';

// Every figure the README and docs state in a <!-- figure:NAME -->VALUE<!-- /figure --> marker is the
// repository's (scripts/figures-lib.cjs computes them; `npm run docs:figures` rewrites them). The test
// count is checked at the end of a full run by scripts/jest-figures-reporter.js instead.

interface Problem { file: string; line: number; name: string; found: string; expected?: string; problem: string }
interface Figures { figures: Record<string, string>; missing: Record<string, string> }
const lib = require('../../scripts/figures-lib.cjs') as {
  docFiles(root: string): string[];
  computeFigures(root: string, runtime: object): Figures;
  checkText(text: string, file: string, figures: Record<string, string>, missing: Record<string, string>, skip?: string[]): Problem[];
  rewriteText(text: string, figures: Record<string, string>): string;
  markersIn(text: string): { name: string; value: string; line: number }[];
  formatProblem(p: Problem): string;
  testsFigure(count: number): string;
  TESTS_FILE: string;
};
type Reporter = { onRunComplete(contexts: unknown, results: object): void; getLastError(): Error | undefined };
const FiguresReporter = require('../../scripts/jest-figures-reporter.js') as new (globalConfig: object, options?: object) => Reporter;

const root = join(__dirname, '..', '..');
const runtime = { SCHEME_TYPES, VERIFIER_FAMILIES, LARGEST_BODY_BYTES, INLINE_BODY_BYTES };
const fixture = join(__dirname, 'fixtures', 'figures', 'stale.md');

test('every figure marker in README.md, CONTRIBUTING.md and docs/ is the repository\'s figure', () => {
  const { figures, missing } = lib.computeFigures(root, runtime);
  const problems = lib.docFiles(root).flatMap((file) => lib.checkText(readFileSync(join(root, file), 'utf8'), file, figures, missing, ['tests']));
  // Fix: `npm run docs:figures` (after `npm run bundle` for bundle sizes).
  expect(problems.map(lib.formatProblem)).toEqual([]);
});

// Issue 23: the test count, bundle sizes, sender count and example environments are stated through markers,
// so that the checks above (and the reporter's) hold them; plain text would go stale unseen.
test('the docs state the test count, a bundle size, the sender count and the environments through markers', () => {
  const names = new Set(lib.docFiles(root).flatMap((file) => lib.markersIn(readFileSync(join(root, file), 'utf8')).map((m) => m.name)));
  expect({
    tests: names.has('tests'),
    bundleSize: [...names].some((n) => n.startsWith('bundle-') && n !== 'bundle-largest-family'),
    senders: names.has('scheme-types') || names.has('named-senders'),
    environments: [...names].some((n) => n === 'environments' || n === 'environment-names' || n.startsWith('sources-')),
  }).toEqual({ tests: true, bundleSize: true, senders: true, environments: true });
});

test('the figures are computed from the catalogue, cdk.json and the bundles', () => {
  const { figures } = lib.computeFigures(root, runtime);
  expect(figures['scheme-types']).toBe(String(SCHEME_TYPES.length));
  expect(figures['named-senders']).toBe(String(SCHEME_TYPES.length - 2));
  expect(figures['largest-body-bytes']).toBe('4,521,984');
  expect(figures['inline-body-bytes']).toBe('716,800');
  const environments = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context['hardened-webhook:environments'];
  expect(figures['environment-names']).toBe(Object.keys(environments).join(', '));
  expect(figures['sources-staging'].split(', ')).toEqual(Object.keys(environments.staging.sources));
  if (existsSync(join(root, 'assets', 'verifier-core', 'index.js'))) {
    const bytes = readFileSync(join(root, 'assets', 'verifier-core', 'index.js')).length;
    expect(figures['bundle-core']).toBe((bytes / 1024).toFixed(1)); // as `npm run bundle` prints it
  }
});

test('a stale figure and an unknown name are reported, with where and what the figure is', () => {
  const { figures, missing } = lib.computeFigures(root, runtime);
  const text = readFileSync(fixture, 'utf8');
  const problems = lib.checkText(text, 'stale.md', figures, missing, ['tests']);
  expect(problems.map((p) => [p.line, p.name, p.found, p.expected])).toEqual([
    [3, 'scheme-types', '51', String(SCHEME_TYPES.length)],
    [5, 'no-such-figure', '7', undefined],
  ]);
  expect(lib.formatProblem(problems[0])).toBe(`stale.md:3: figure:scheme-types: says "51", the repository gives "${SCHEME_TYPES.length}"`);
  expect(problems[1].problem).toMatch(/^unknown figure "no-such-figure" \(known: .*scheme-types/);

  // The rewrite fixes what it can compute and leaves the rest for a person.
  const fixed = lib.rewriteText(text, figures);
  expect(fixed).toContain(`<!-- figure:scheme-types -->${SCHEME_TYPES.length}<!-- /figure --> scheme types`);
  expect(lib.checkText(fixed, 'stale.md', figures, missing, ['tests']).map((p) => p.name)).toEqual(['no-such-figure']);
});

test('`docs:figures --check` exits 1 naming each disagreeing marker', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'figures.mjs'), '--check', '--files', fixture], { encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('2 figure marker(s) disagree with the repository');
  expect(run.stderr).toMatch(/stale\.md:3: figure:scheme-types: says "51"/);
  expect(run.stderr).toMatch(/stale\.md:5: figure:no-such-figure: unknown figure/);
  expect(run.stderr).toContain('npm run docs:figures');
});

test('the tests figure is the count rounded down to the hundred', () => {
  expect([0, 99, 100, 3699, 3717, 12345].map(lib.testsFigure)).toEqual(['0', '0', '100', '3,600', '3,700', '12,300']);
});

describe('the jest reporter that counts the suite', () => {
  let repo: string;
  const file = (...p: string[]) => join(repo, ...p);
  const result = (paths: string[], tests: number) => ({
    numTotalTests: tests, numRuntimeErrorTestSuites: 0, wasInterrupted: false, testResults: paths.map((testFilePath) => ({ testFilePath })),
  });
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'figures-reporter-'));
    mkdirSync(file('test', 'sub'), { recursive: true });
    writeFileSync(file('test', 'a.test.ts'), '');
    writeFileSync(file('test', 'sub', 'b.test.ts'), '');
    writeFileSync(file('README.md'), 'The suite: <!-- figure:tests -->3,600<!-- /figure --> tests.\n');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));
  const all = () => [file('test', 'a.test.ts'), file('test', 'sub', 'b.test.ts')];

  test('a full run whose count passes the figure\'s hundred fails, naming the figure and the fix, and records the count', () => {
    const reporter = new FiguresReporter({ rootDir: repo });
    reporter.onRunComplete([], result(all(), 3717));
    expect(reporter.getLastError()?.message).toBe([
      'The docs\' test count is stale: this full run counted 3717 tests, so figure:tests should be "3,700" (rounded down to the hundred).',
      '  README.md:1: figure:tests says "3,600"',
      'Fix: `npm run docs:figures` (it reads .figures/tests.json, just written by this run), then commit the docs.',
    ].join('\n'));
    expect(JSON.parse(readFileSync(file(lib.TESTS_FILE), 'utf8'))).toEqual({ tests: 3717, testFiles: 2 });
  });

  test('a full run within the figure\'s hundred passes', () => {
    const reporter = new FiguresReporter({ rootDir: repo });
    reporter.onRunComplete([], result(all(), 3699));
    expect(reporter.getLastError()).toBeUndefined();
  });

  test('a filtered run (a file left out, or a name pattern) neither checks nor records', () => {
    const partial = new FiguresReporter({ rootDir: repo });
    partial.onRunComplete([], result([file('test', 'a.test.ts')], 1));
    const named = new FiguresReporter({ rootDir: repo, testNamePattern: 'one' });
    named.onRunComplete([], result(all(), 1));
    expect([partial.getLastError(), named.getLastError()]).toEqual([undefined, undefined]);
    expect(existsSync(file(lib.TESTS_FILE))).toBe(false);
  });
});
