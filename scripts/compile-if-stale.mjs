#!/usr/bin/env node
// `npm test` (pretest): compiles the library into dist/ with `npm run compile` when dist/ is missing or
// older than what it is built from. Tests that load the package as a consumer does (through its
// "exports", e.g. test/runtime/entry-point.test.ts) need dist/, which `npm install` no longer builds:
// a published package carries no `prepare`, and `npm pack` builds through `prepack` instead.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
// A stamp, not the outputs' own times: an incremental compile leaves unchanged outputs untouched.
const stamp = join(root, 'dist', '.compiled');
const inputs = [
  ...readdirSync(join(root, 'lib'), { recursive: true }).filter((p) => p.endsWith('.ts')).map((p) => join(root, 'lib', p)),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((p) => join(root, p)),
];
const complete = ['dist/lib/index.js', 'dist/lib/runtime/index.js', 'dist/lib/runtime/consumer/index.js', 'dist/lib/constructs/testing/index.js', 'dist/lib/constructs/nag/index.js'].every((p) => existsSync(join(root, p)));
if (!complete || inputs.some((path) => mtime(path) > mtime(stamp))) {
  console.log('dist/ is missing or older than lib/: npm run compile');
  const started = Date.now();
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'compile', '--silent'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, `compiled from the sources as they were at ${new Date(started).toISOString()}\n`);
  utimesSync(stamp, new Date(started), new Date(started));
}
