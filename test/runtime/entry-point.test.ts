import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Users verify in their own code through `cdk-hardened-webhook/runtime`, often inside a Lambda of
// their own: that entry point must pull in neither aws-cdk-lib nor the AWS SDK.
const root = join(__dirname, '..', '..');
const runtimeDir = join(root, 'lib', 'runtime');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

// The consumer (lib/runtime/consumer/, its own entry point) may load the S3 client, dynamically and only
// for a claim-checked body: test/consumer/entry-point.test.ts holds it to that.
const consumerDir = join(runtimeDir, 'consumer');

test('lib/runtime imports only itself and node: built-ins (its consumer part aside)', () => {
  const outside = sources(runtimeDir).filter((file) => !file.startsWith(consumerDir)).flatMap((file) =>
    [...withoutComments(readFileSync(file, 'utf8')).matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)]
      .map((m) => m[1])
      .filter((spec) => !spec.startsWith('node:') && !(spec.startsWith('.') && join(file, '..', spec).startsWith(runtimeDir)))
      .map((spec) => `${relative(root, file)} imports ${spec}`),
  );
  expect(outside).toEqual([]);
});

test('the package exports the runtime as its own entry point, and loading it loads no aws-cdk-lib or AWS SDK', () => {
  // Resolved through package.json "exports", as a consumer's require or import would.
  const script = `
    const runtime = require('cdk-hardened-webhook/runtime');
    const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](aws-cdk-lib|@aws-sdk|constructs)[\\\\/]/.test(k));
    console.log(JSON.stringify({ resolved: require.resolve('cdk-hardened-webhook/runtime'), verifyWebhook: typeof runtime.verifyWebhook, heavy }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
  expect(out).toEqual({ resolved: join(root, 'dist', 'lib', 'runtime', 'index.js'), verifyWebhook: 'function', heavy: [] });
});
