// Bundles each Lambda handler under lib/handlers/<name>/index.ts into assets/<name>/index.js at the
// library's own build, so a consumer's `cdk synth` never bundles (no esbuild, no Docker there).
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const handlersDir = join(root, 'lib', 'handlers');
const names = readdirSync(handlersDir).filter((n) => statSync(join(handlersDir, n, 'index.ts'), { throwIfNoEntry: false }));

rmSync(join(root, 'assets'), { recursive: true, force: true });
const results = await Promise.all(names.map((name) => build({
  entryPoints: [join(handlersDir, name, 'index.ts')],
  outfile: join(root, 'assets', name, 'index.js'),
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The Lambda Node.js runtime ships AWS SDK v3; bundling it would only add size and cold start.
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
})));
for (const [i, name] of names.entries()) {
  const bytes = Object.values(results[i].metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`bundled ${name}: ${(bytes / 1024).toFixed(1)} KiB`);
}
