// The docs' `tests` figure (<!-- figure:tests -->3,700<!-- /figure -->: the suite's test count rounded
// down to the hundred) can only be counted at the end of a full jest run, so this reporter does it.
// When every test file of the suite ran (not `npx jest some/file`, `-t`, a shard, `test:fuzz` or the e2e
// config), it writes the count to .figures/tests.json (git-ignored; `npm run docs:figures` reads it) and
// fails the run when a `tests` marker in README.md, CONTRIBUTING.md or docs/ says otherwise.
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const lib = require('./figures-lib.cjs');

class FiguresReporter {
  constructor(globalConfig, options = {}) {
    this.globalConfig = globalConfig;
    // `root` only for this reporter's own test (a throwaway repository); the suite's is jest's rootDir.
    this.root = options.root ?? globalConfig.rootDir;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const g = this.globalConfig;
    if (results.wasInterrupted || results.numRuntimeErrorTestSuites > 0) return;
    if (g.testNamePattern || g.shard || g.onlyChanged || g.onlyFailures || g.findRelatedTests || g.lastCommit || g.changedSince) return;
    const ran = new Set(results.testResults.map((r) => r.testFilePath));
    const files = lib.testFiles(this.root);
    if (files.length === 0 || files.some((f) => !ran.has(f))) return; // a filtered run: no count to trust

    const count = results.numTotalTests;
    const out = join(this.root, lib.TESTS_FILE);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ tests: count, testFiles: files.length }, null, 2)}\n`);

    const expected = lib.testsFigure(count);
    const wrong = [];
    for (const file of lib.docFiles(this.root)) {
      for (const m of lib.markersIn(readFileSync(join(this.root, file), 'utf8'))) {
        if (m.name === 'tests' && m.value !== expected) wrong.push(`  ${file}:${m.line}: figure:tests says "${m.value}"`);
      }
    }
    if (wrong.length) {
      const message = [
        `The docs' test count is stale: this full run counted ${count} tests, so figure:tests should be "${expected}" (rounded down to the hundred).`,
        ...wrong,
        `Fix: \`npm run docs:figures\` (it reads ${lib.TESTS_FILE}, just written by this run), then commit the docs.`,
      ].join('\n');
      this.error = new Error(message);
      process.stderr.write(`\n${message}\n`);
    }
  }

  getLastError() {
    return this.error;
  }
}
module.exports = FiguresReporter;
