import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Users' tests load the helpers through `cdk-hardened-webhook/testing`, under any test runner, with
// either cdk-nag major or none installed: loading the entry point loads no test runner and no cdk-nag
// (nagReport resolves cdk-nag when it runs).
const root = join(__dirname, '..', '..');

test('the package exports the testing helpers as their own entry point, loading no jest and no cdk-nag', () => {
  // Resolved through package.json "exports", as a user's test would.
  const script = `
    const testing = require('cdk-hardened-webhook/testing');
    const loaded = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](jest[^\\\\/]*|@jest|expect|cdk-nag[^\\\\/]*)[\\\\/]/.test(k));
    console.log(JSON.stringify({
      resolved: require.resolve('cdk-hardened-webhook/testing'),
      exports: Object.keys(testing).sort(),
      serializer: typeof testing.webhookSnapshotSerializer.test + ' ' + typeof testing.webhookSnapshotSerializer.serialize,
      loaded,
    }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
  expect(out).toEqual({
    resolved: join(root, 'dist', 'lib', 'constructs', 'testing', 'index.js'),
    exports: ['ANALYTICS_PLACEHOLDER', 'ASSET_HASH_PLACEHOLDER', 'LIBRARY_VERSION_PLACEHOLDER', 'NAG_PACKS', 'SHIPPED_DATA_PLACEHOLDER', 'nagReport', 'normalizedTemplate', 'webhookSnapshotSerializer'],
    serializer: 'function function',
    loaded: [],
  });
});

test('the published entry point runs: a report from the packed code under plain node', () => {
  // GIVEN the compiled helpers and a stack with an endpoint and an unencrypted queue, outside jest
  const script = `
    const { App, Stack } = require('aws-cdk-lib');
    const sqs = require('aws-cdk-lib/aws-sqs');
    const { HardenedWebhookEndpoint, SignatureScheme } = require('cdk-hardened-webhook');
    const { nagReport, normalizedTemplate } = require('cdk-hardened-webhook/testing');
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Plain', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', endpointName: 'plain', alarmEmail: 'a@example.com', allowAnySourceIp: true });
    endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks() });
    new sqs.Queue(stack, 'Mine', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const three = nagReport(stack, { packs: ['AwsSolutions'] });
    const two = nagReport(stack, { packs: ['AwsSolutions'], cdkNag: require('cdk-nag-2') });
    const keys = Object.values(normalizedTemplate(stack).Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Code.S3Key);
    console.log(JSON.stringify([three, two].map((r) => ({ major: r.major, yours: r.yours.map((f) => f.ruleId + ' ' + f.path), library: r.library.length })).concat([[...new Set(keys)]])));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
  // THEN both majors split the findings the same way, and the bundles' keys are placeholders
  const expected = { yours: ['AwsSolutions-SQS2 Plain/Mine/Resource', 'AwsSolutions-SQS3 Plain/Mine/Resource', 'AwsSolutions-SQS4 Plain/Mine/Resource'], library: 0 };
  expect(out).toEqual([{ major: 3, ...expected }, { major: 2, ...expected }, ['ASSET-HASH.zip']]);
});
