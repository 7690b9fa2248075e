// `npm run docs:examples` (scripts/docs-examples.mjs) can fail: over a page with a block that compiles,
// blocks for cdk-nag 3 and cdk-nag 2 (`cdk-nag=2`), a ```text block that is not TypeScript, and a block
// with a type error, it reports the bad block alone,
// at its line in the markdown file (through the fixture that moved its import), and exits 1.
// Compiles against dist/ as the real run does (`npm test`'s pretest builds it); --no-build so the
// test never starts a compile of its own. One TypeScript program with aws-cdk-lib: about 15-30 s.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const page = join('test', 'docs', 'fixtures', 'examples.md');

test('docs:examples reports the block that does not compile, at its line in the markdown, and only it', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'docs-examples.mjs'), '--no-build', page], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
  });
  const errors = run.stderr.split('\n').filter((line) => line.includes(' - error '));
  expect(errors).toEqual([
    `${page}:43:7 - error TS2322: Type 'number' is not assignable to type 'string'.`,
  ]);
  expect(run.stdout).toMatch(/^docs:examples: 4 TypeScript blocks in 1 file \(test\/docs\/fixtures\/examples\.md 4\) compiled under strict against dist\/ in [\d.]+ s: 1 failed \(1 error\)$/m);
  expect(run.status).toBe(1);
}, 120_000);
