// Bundles each Lambda handler under lib/handlers/<name>/index.ts into assets/<name>/index.js at the
// library's own build, so a consumer's `cdk synth` never bundles (no esbuild, no Docker there). The
// verifier is bundled once per family of senders (lib/handlers/verifier/entries/<family>.ts into
// assets/verifier-<family>/index.js): a source's function carries only its own family's code.
// `--if-stale` (this repo's example app, `npm test`) bundles only when a bundle is missing or older than
// lib/ (with lib/cli/), the lockfile or this script: nothing runs it at `npm install` (no `prepare` in a published package).
// It also bundles the command line (lib/cli/index.ts) into dist/cli/index.js, with its dependencies
// (commander, the AWS SDK clients) inside: the published package has no runtime dependencies.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const handlersDir = join(root, 'lib', 'handlers');
const entries = [
  ...readdirSync(handlersDir)
    .filter((n) => statSync(join(handlersDir, n, 'index.ts'), { throwIfNoEntry: false }))
    .map((name) => ({ name, entry: join(handlersDir, name, 'index.ts') })),
  ...readdirSync(join(handlersDir, 'verifier', 'entries'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ name: `verifier-${file.slice(0, -3)}`, entry: join(handlersDir, 'verifier', 'entries', file) })),
];
const names = entries.map((e) => e.name);

if (process.argv.includes('--if-stale')) {
  const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  const outputs = [...names.map((name) => mtime(join(root, 'assets', name, 'index.js'))), mtime(join(root, 'dist', 'cli', 'index.js'))];
  const inputs = [
    ...readdirSync(join(root, 'lib'), { recursive: true }).map((path) => join(root, 'lib', path)),
    join(root, 'package-lock.json'),
    new URL(import.meta.url).pathname,
  ];
  const built = Math.min(...outputs.map((t) => t ?? -Infinity));
  if (inputs.every((path) => (mtime(path) ?? -Infinity) <= built)) process.exit(0);
}

rmSync(join(root, 'assets'), { recursive: true, force: true });
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
const cli = build({
  entryPoints: [join(root, 'lib', 'cli', 'index.ts')],
  outfile: join(root, 'dist', 'cli', 'index.js'),
  bundle: true,
  platform: 'node',
  // Where users run it: their own Node (engines: ^20.15.0 || >=22.2.0), not Lambda's.
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
const results = await Promise.all(entries.map(({ name, entry }) => build({
  entryPoints: [entry],
  outfile: join(root, 'assets', name, 'index.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  // The runtime the handlers run on (DEFAULT_RUNTIME, lambda.Runtime.NODEJS_24_X), not the build's Node.
  target: 'node24',
  format: 'cjs',
  // The Lambda Node.js runtime ships AWS SDK v3; bundling it would only add size and cold start.
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
})));
const cliBytes = Object.values((await cli).metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundled cli: ${(cliBytes / 1024).toFixed(1)} KiB`);
for (const [i, name] of names.entries()) {
  const bytes = Object.values(results[i].metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`bundled ${name}: ${(bytes / 1024).toFixed(1)} KiB`);
}
