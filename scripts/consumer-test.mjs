#!/usr/bin/env node
// npm run test:consumer: the library as a consumer gets it. `npm pack` (prepack builds: bundle, jsii,
// docgen), then a throw-away project in a temp dir installs the tarball with aws-cdk-lib, constructs,
// cdk-nag 3 and cdk-nag 2, and synthesizes scripts/consumer-app.js (an existing stack with its own key,
// queue and processor, plus two production endpoints with Stripe, GitHub, Standard Webhooks, Discord and SNS sources)
// (a) with the five cdk-nag 3 packs as Validations plugins, (b) with the five cdk-nag 2 packs as Aspects
// (each with the library's own WebhookChecks pack beside them), (c) through cdk-hardened-webhook/testing,
// then runs cfn-lint over the template. Fails on any nag finding (error or warning) on a construct the
// library created, or any cfn-lint error. Findings on the consumer's own resources are listed, not counted.
//
// Twice: with aws-cdk-lib and constructs as pinned in devDependencies, and with the lowest versions
// peerDependencies admit (constructs raised to what cdk-nag 3 needs), each with the cdk-nag versions
// installed here. CONSUMER_AWS_CDK_LIB=<version> (and CONSUMER_CONSTRUCTS) tries that one instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const installed = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const floor = (range) => /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range)?.[1] ?? (() => { throw new Error(`cannot read a lowest version from "${range}"`); })();
const newer = (a, b) => (a.localeCompare(b, undefined, { numeric: true }) >= 0 ? a : b);
const nag = { 'cdk-nag': installed('cdk-nag'), 'cdk-nag-2': installed('cdk-nag-2') };
const nagPeers = JSON.parse(readFileSync(join(root, 'node_modules', 'cdk-nag', 'package.json'), 'utf8')).peerDependencies;
const targets = process.env.CONSUMER_AWS_CDK_LIB
  ? [{ name: 'asked', 'aws-cdk-lib': process.env.CONSUMER_AWS_CDK_LIB, constructs: process.env.CONSUMER_CONSTRUCTS || pkg.devDependencies.constructs, ...nag }]
  : [
    { name: 'pinned', 'aws-cdk-lib': pkg.devDependencies['aws-cdk-lib'], constructs: pkg.devDependencies.constructs, ...nag },
    {
      name: 'lowest',
      'aws-cdk-lib': newer(floor(pkg.peerDependencies['aws-cdk-lib']), floor(nagPeers['aws-cdk-lib'])),
      constructs: newer(floor(pkg.peerDependencies.constructs), floor(nagPeers.constructs)),
      ...nag,
    },
  ];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'consumer-test-'));
const keep = process.env.CONSUMER_KEEP === '1';

let failed = false;
try {
  // 1. Pack, as `npm publish` would (prepack runs the build).
  let t = Date.now();
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  run(npm, ['pack', '--silent', '--pack-destination', packDir], { cwd: root, what: 'npm pack' });
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  console.log(`consumer-test: packed ${tarball} (${(statSync(join(packDir, tarball)).size / 1024).toFixed(1)} KiB) in ${seconds(t)}`);

  for (const target of targets) {
    const { name, ...versions } = target;
    console.log(`consumer-test (${name}): ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')}`);
    if (!consume(join(packDir, tarball), join(work, name), versions)) failed = true;
  }
} catch (error) {
  failed = true;
  console.error(`consumer-test: ${error.message}`);
} finally {
  if (keep) console.log(`consumer-test: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`consumer-test: ${failed ? 'FAILED' : 'passed'} in ${seconds(started)}`);
process.exit(failed ? 1 : 0);

/**
 * Installs the tarball with these versions into a new project in dir, synthesizes the consumer app
 * with each cdk-nag major and lints the template. Returns whether the library's resources were clean.
 */
function consume(tarball, dir, versions) {
  let clean = true;
  // A project with exactly these versions (strict peer resolution: a peerDependencies range that
  // excludes them fails here).
  let t = Date.now();
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }));
  copyFileSync(join(root, 'scripts', 'consumer-app.js'), join(dir, 'consumer-app.js'));
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball,
    `aws-cdk-lib@${versions['aws-cdk-lib']}`, `constructs@${versions.constructs}`, `cdk-nag@${versions['cdk-nag']}`,
    `cdk-nag-2@npm:cdk-nag@${versions['cdk-nag-2']}`], { cwd: dir, what: 'npm install' });
  console.log(`  installed in ${seconds(t)}`);

  let templates = [];
  for (const [mode, label] of [['nag3', 'cdk-nag 3 (Validations plugins)'], ['nag2', 'cdk-nag 2 (Aspects)']]) {
    t = Date.now();
    const out = run('node', ['consumer-app.js', mode, join(dir, `cdk.out.${mode}`)], { cwd: dir, what: `synth with ${label}` });
    const result = JSON.parse(out.trim().split('\n').pop());
    const library = result.findings.filter((f) => f.library);
    const own = result.findings.filter((f) => !f.library);
    const count = (list, level) => list.filter((f) => f.level === level).length;
    console.log(`  ${label}, 5 packs + WebhookChecks: ${count(library, 'error')} error(s), ${count(library, 'warning')} warning(s) on the library's resources` +
      ` (${own.length} on the consumer's own resources, not counted) in ${seconds(t)}`);
    for (const f of library) console.log(`    ${f.level.toUpperCase()} ${f.rule} on ${f.path}`);
    for (const path of new Set(own.map((f) => f.path))) {
      console.log(`    not counted, the consumer's own ${path}: ${own.filter((f) => f.path === path).map((f) => f.rule.replace(/\[.*$/, '')).join(', ')}`);
    }
    if (library.length > 0) clean = false;
    templates = result.templates;
  }

  // The testing helpers a user's CI calls (cdk-hardened-webhook/testing), from the tarball: nagReport
  // must split the findings as the construct tree does, and normalizedTemplate must replace every
  // library bundle's hash (the consumer's processor is inline code, so every S3 key is the library's).
  t = Date.now();
  const helpers = JSON.parse(run('node', ['consumer-app.js', 'helpers', join(dir, 'cdk.out.helpers')], { cwd: dir, what: 'cdk-hardened-webhook/testing' }).trim().split('\n').pop());
  for (const r of helpers.reports) {
    console.log(`  nagReport, ${r.engine}: ${r.library.length} on the library's resources, ${r.yours.length} on the consumer's own, ${r.disagree.length} disagreeing with the construct-tree split`);
    for (const f of [...r.library, ...r.disagree]) console.log(`    ${f.level.toUpperCase()} ${f.ruleId} on ${f.path}`);
    if (!r.majorOk || r.library.length > 0 || r.disagree.length > 0) clean = false;
  }
  const raw = helpers.s3Keys.filter((k) => k !== 'ASSET-HASH.zip');
  console.log(`  normalizedTemplate: ${helpers.s3Keys.length - raw.length} of ${helpers.s3Keys.length} function code keys normalised in ${seconds(t)}`);
  if (raw.length > 0 || helpers.s3Keys.length === 0) clean = false;

  t = Date.now();
  const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--non-zero-exit-code', 'error', '--', ...templates], { encoding: 'utf8' });
  if (lint.error) throw new Error(`cannot run cfn-lint (${lint.error.message}); install it with: pip install cfn-lint==1.51.0`);
  const lines = lint.stdout.split('\n').filter(Boolean);
  const level = (l) => l.split(':')[5]?.[0];
  const errors = lines.filter((l) => level(l) === 'E');
  const warnings = lines.filter((l) => level(l) === 'W').map((l) => l.split(':')[5]);
  const byRule = [...new Set(warnings)].map((rule) => `${rule} x${warnings.filter((w) => w === rule).length}`).join(', ');
  console.log(`  cfn-lint over ${templates.length} template(s): ${errors.length} error(s), ${warnings.length} warning(s)${byRule ? ` (${byRule})` : ''} in ${seconds(t)}`);
  for (const l of errors) console.log(`    ${l.replace(`${dir}/`, '')}`);
  if (lint.stderr.trim()) console.error(lint.stderr.trim());
  return clean && errors.length === 0 && lint.status === 0;
}

/** Runs a command, returning its stdout; on failure throws with its output. */
function run(command, args, { cwd = work, what = command } = {}) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`${what} failed (exit ${error.status}):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}
