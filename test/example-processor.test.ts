import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError, ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from '../bin/config';
import { addExampleStack } from '../bin/example';

// The example app's processor (bin/processor/index.ts, wired by bin/stack.ts when cdk.json's
// environment sets exampleProcessor): bundled at synth with the local esbuild (no Docker), given to the
// endpoint as its processor with processorIdempotency, and clean under every nag pack.
const { context } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8'));
const environments = context[ENVIRONMENTS_CONTEXT_KEY];

describe('the example processor (dev)', () => {
  // As `cdk synth -c env=dev` builds it: every nag pack as a Validations plugin, so any finding fails the synth.
  const app = new App({ context: { ...context, env: 'dev' } });
  const stack = addExampleStack(app);
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const processorId = stack.getLogicalId(stack.processor!.function.node.defaultChild as never);

  test('synthesizes with every nag pack on and nothing unacknowledged', () => {
    expect(assembly.getStackByName(stack.stackName).messages.filter((m) => m.level === 'error')).toEqual([]);
  });

  test('is the endpoint\'s processor: batches with partial batch failures, the idempotency table and the body bucket in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: processorId }, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Environment: { Variables: { IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('IdempotencyTable') }, WEBHOOK_BODY_BUCKET: { Ref: Match.stringLikeRegexp('ClaimCheck') } } },
    });
    expect(stack.endpoint.idempotencyTable).toBeDefined();
  });

  test('its code is the bundle of bin/processor, built at synth into the cloud assembly: the helper and Powertools inside, the AWS SDK left to Lambda', () => {
    const code = template.toJSON().Resources[processorId].Properties.Code as { S3Key: string };
    const bundle = readFileSync(join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.js'), 'utf8');
    expect(bundle).toContain('is not a webhook record the verifier queued');
    expect(bundle).toContain('IdempotencyConfig');
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    expect([...required].filter((name) => !name.startsWith('node:')).sort()).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/util-dynamodb']);
  });
});

describe('exampleProcessor in cdk.json', () => {
  test('staging and prod leave processing to you', () => {
    expect(resolveEnvironment(environments, 'staging').props.exampleProcessor).toBeUndefined();
    expect(resolveEnvironment(environments, 'prod').props.exampleProcessor).toBeUndefined();
  });

  test('must be true or false', () => {
    const config = { dev: { allowAnySourceIp: true, exampleProcessor: 'yes', sources: { billing: { scheme: 'standard-webhooks' } } } };
    expect(() => resolveEnvironment(config, 'dev')).toThrow(ConfigError);
    expect(() => resolveEnvironment(config, 'dev')).toThrow('environment "dev" has exampleProcessor "yes"; use true (deploy the example processor) or false');
  });

  test('a source\'s maxBodyBytes becomes its maxBodySize', () => {
    const config = { dev: { allowAnySourceIp: true, sources: { github: { scheme: 'github', maxBodyBytes: 4_000_000 } } } };
    expect(resolveEnvironment(config, 'dev').props.sources!.github.maxBodySize!.toBytes()).toBe(4_000_000);
  });
});
