#!/usr/bin/env node
// npm run lint:cfn: synthesizes the example app for every environment in cdk.json (in this one
// process, as `cdk synth -c env=<name>` would: nag packs and CloudFormation's built-in validation on)
// and runs cfn-lint over the templates. Errors fail; warnings are printed and do not (today's are
// W3005, an explicit DependsOn that a Ref already implies, which CloudFormation accepts).
// `node scripts/lint-cfn.mjs <template>...` lints the given templates only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templates = process.argv.slice(2);
let outdir;
if (templates.length === 0) {
  const require = createRequire(import.meta.url);
  require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
  const { App } = require('aws-cdk-lib');
  const { addExampleStack } = require('../bin/example.ts');
  const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context;
  outdir = mkdtempSync(join(tmpdir(), 'lint-cfn-'));
  for (const env of Object.keys(context['hardened-webhook:environments'])) {
    // analyticsReporting: the CLI turns it on, so the templates carry CDKMetadata as deployed ones do.
    const app = new App({ outdir: join(outdir, env), context: { ...context, env }, analyticsReporting: true });
    addExampleStack(app);
    templates.push(...app.synth().stacks.map((stack) => relative(outdir, stack.templateFullPath)));
  }
}

const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--non-zero-exit-code', 'error', '--', ...templates], { encoding: 'utf8', cwd: outdir });
if (outdir) rmSync(outdir, { recursive: true, force: true });
if (lint.error) {
  console.error(`lint:cfn: cannot run cfn-lint (${lint.error.message}); install it with: pip install cfn-lint==1.51.0`);
  process.exit(1);
}
// Parseable lines: <template>:<line>:<column>:<end line>:<end column>:<rule id>:<message>.
const findings = lint.stdout.split('\n').filter(Boolean);
const count = (level) => findings.filter((line) => line.split(':')[5]?.startsWith(level)).length;
if (findings.length > 0) console.log(findings.join('\n'));
if (lint.stderr) console.error(lint.stderr.trimEnd());
console.log(`cfn-lint over ${templates.length} template(s): ${count('E')} error(s), ${count('W')} warning(s), ${count('I')} informational`);
process.exit(lint.status === 0 ? 0 : 1);
