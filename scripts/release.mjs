#!/usr/bin/env node
// `npm run release -- <version> [--targets js,python] [--date YYYY-MM-DD] [--dry-run]`: the maintainer's
// release up to, not including, publishing (docs/releasing.md). In order: refuses a dirty work tree, a
// version not newer than the last released one, or a pacmak target whose toolchain is missing; moves the
// CHANGELOG's "Unreleased" entries under the version and date; bumps package.json and package-lock.json;
// builds; runs the whole test suite; packs the npm tarball; runs jsii-pacmak for the chosen targets; all
// into dist-packages/. Then prints what publishing takes. Nothing here commits, tags or publishes.
// There is no way to skip the tests.
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const lib = require('./release-lib.cjs');
const root = fileURLToPath(new URL('..', import.meta.url));

const program = new Command('npm run release --')
  .description('CHANGELOG, version bump, build, test, pack and jsii-pacmak into dist-packages/ (publishing is yours: docs/releasing.md)')
  .argument('<version>', 'the version to release, e.g. 0.1.0 or 0.2.0-rc.1')
  .option('--targets <list>', `jsii-pacmak targets, comma-separated (${Object.keys(lib.TARGETS).join(',')})`, Object.keys(lib.TARGETS).join(','))
  .option('--date <YYYY-MM-DD>', 'the release date in CHANGELOG.md (default: today, UTC)')
  .option('--dry-run', 'print the checks and the steps, change nothing')
  .showHelpAfterError()
  .parse();

const [version] = program.args;
const opts = program.opts();
const date = opts.date ?? new Date().toISOString().slice(0, 10);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const changelogPath = join(root, 'CHANGELOG.md');
const changelog = readFileSync(changelogPath, 'utf8');

const fail = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};

let targets;
try {
  targets = lib.parseTargets(opts.targets);
} catch (error) {
  fail(error.message);
}

// Checks, all of them, before anything changes.
const problems = [];
const dirty = git(['status', '--porcelain']);
if (dirty === undefined) problems.push('not a git work tree (git status failed)');
else if (dirty.trim()) {
  const lines = dirty.trimEnd().split('\n');
  const shown = lines.slice(0, 10).map((l) => `    ${l}`).join('\n');
  problems.push(`the work tree is not clean (commit or stash first):\n${shown}${lines.length > 10 ? `\n    ... and ${lines.length - 10} more` : ''}`);
}
const versionProblem = lib.versionProblem(version, pkg.version, changelog);
if (versionProblem) problems.push(versionProblem);
let nextChangelog;
if (!versionProblem) {
  try {
    nextChangelog = lib.releaseChangelog(changelog, version, date, pkg.repository?.url ?? pkg.homepage);
  } catch (error) {
    problems.push(error.message);
  }
}
problems.push(...lib.missingToolchains(targets, hasTool));

const plan = lib.releasePlan({ version, packageVersion: pkg.version, date, targets });
if (opts.dryRun) {
  console.log(`release ${version} (dry run: nothing changes)`);
  plan.forEach((step, i) => console.log(`  ${i + 1}. ${step.what}${step.command ? `\n       $ ${step.command.join(' ')}` : ''}`));
  console.log('then, by hand (credentials):');
  for (const line of lib.nextSteps(version, targets)) console.log(`  $ ${line}`);
  if (problems.length) {
    console.error(`release would refuse:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('checks: passed');
  process.exit(0);
}
if (problems.length) fail(`refusing to release ${version}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

const undo = 'git checkout -- CHANGELOG.md package.json package-lock.json API.md';
writeFileSync(changelogPath, nextChangelog);
console.log(`release: CHANGELOG.md: [${version}] - ${date}`);
rmSync(join(root, 'dist-packages'), { recursive: true, force: true });
mkdirSync(join(root, 'dist-packages'));
for (const step of plan.filter((s) => s.command)) {
  console.log(`release: ${step.what}\n  $ ${step.command.join(' ')}`);
  // pacmak's js target runs `npm pack` again: npm scripts off, so prepack does not rebuild what was just built and tested.
  const env = step.command.includes('jsii-pacmak') ? { ...process.env, npm_config_ignore_scripts: 'true' } : process.env;
  const run = spawnSync(step.command[0], step.command.slice(1), { cwd: root, stdio: 'inherit', env });
  if (run.status !== 0) fail(`"${step.command.join(' ')}" failed (exit ${run.status ?? run.signal}). Nothing was committed; to undo the changed files: ${undo}`);
}
console.log(`release: ${version} built, tested and packed into dist-packages/. To publish (credentials needed, docs/releasing.md):`);
for (const line of lib.nextSteps(version, targets)) console.log(`  $ ${line}`);

function git(args) {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return run.status === 0 ? run.stdout : undefined;
}

function hasTool(tool) {
  const run = spawnSync(tool, [tool === 'go' ? 'version' : '--version'], { stdio: 'ignore' });
  return !run.error && run.status === 0;
}
