import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Processors read the queue through `cdk-hardened-webhook/consumer`, inside their own Lambda: that
// entry point must pull in neither aws-cdk-lib nor the AWS SDK when it loads. @aws-sdk/client-s3 is
// imported only when a claim-checked body is fetched without a client given.
const root = join(__dirname, '..', '..');
const consumerDir = join(root, 'lib', 'runtime', 'consumer');
const runtimeDir = join(root, 'lib', 'runtime');

const withoutComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

test('lib/runtime/consumer imports only itself, lib/runtime and node: built-ins, and the S3 client only dynamically', () => {
  const found = readdirSync(consumerDir)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => {
      const file = join(consumerDir, name);
      return [...withoutComments(readFileSync(file, 'utf8')).matchAll(/(from|import\(|require\()\s*['"]([^'"]+)['"]/g)]
        .filter(([, , spec]) => !spec.startsWith('node:') && !(spec.startsWith('.') && [consumerDir, runtimeDir].some((dir) => join(file, '..', spec).startsWith(dir))))
        .map(([, how, spec]) => `${relative(root, file)}: ${how} ${spec}`);
    });
  expect(found).toEqual(['lib/runtime/consumer/record.ts: require( @aws-sdk/client-s3', 'lib/runtime/consumer/record.ts: import( @aws-sdk/client-s3']);
});

test('the package exports the consumer as its own entry point, and loading it loads no aws-cdk-lib or AWS SDK', () => {
  // Resolved through package.json "exports", as a processor's require or import would.
  const script = `
    const consumer = require('cdk-hardened-webhook/consumer');
    const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](aws-cdk-lib|@aws-sdk|constructs)[\\\\/]/.test(k));
    console.log(JSON.stringify({ resolved: require.resolve('cdk-hardened-webhook/consumer'), parseWebhookRecord: typeof consumer.parseWebhookRecord, WebhookRecordError: typeof consumer.WebhookRecordError, heavy }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
  expect(out).toEqual({ resolved: join(root, 'dist', 'lib', 'runtime', 'consumer', 'index.js'), parseWebhookRecord: 'function', WebhookRecordError: 'function', heavy: [] });
});
