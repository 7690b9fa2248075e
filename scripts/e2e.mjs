// npm run test:e2e: the end-to-end suite on moto (test/e2e, jest.e2e.config.js). The suite starts
// moto_server on a free loopback port itself and stops it at the end, failures included. The bundles
// it runs (assets/verifier-<family>, assets/rotation, dist/cli) are rebuilt first when lib/ or cli/ changed.
// Extra arguments go to jest (e.g. -t redrive).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) {
  console.error('moto_server is not on PATH: pip install "moto[server]" (the suite is checked with moto 5.2.1)');
  process.exit(1);
}
const bundled = run(['scripts/bundle.mjs', '--if-stale']);
if (bundled !== 0) process.exit(bundled);
const started = Date.now();
const status = run(['node_modules/jest/bin/jest.js', '--config', 'jest.e2e.config.js', '--runInBand', ...process.argv.slice(2)]);
console.error(`e2e suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(status);
