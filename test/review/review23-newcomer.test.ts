import { App, Size, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HardenedWebhookEndpoint, SignatureScheme } from '../../lib';
import { parseScheme } from '../../lib/cli/local/inputs';
import { nagReport } from '../../lib/constructs/testing';
import { WebhookVerifier } from '../../lib/runtime';

// Review 23 (newcomer): problems a new user met following README.md and docs/ into a fresh `cdk init` app
// (aws-cdk-lib 2.278.0, cdk-nag 3.0.2). See /work/notes/newcomer-review.md (F3, F6, F7).

describe('a consumer whose aws-cdk-lib knows a newer Node.js runtime than the library pins', () => {
  // `cdk init` today installs aws-cdk-lib 2.278.0, whose Runtime.ALL has nodejs26.x. cdk-nag's AwsSolutions-L1
  // and Serverless-LambdaLatestVersion compare a function's runtime with the newest of Runtime.ALL, so every
  // library function (verifiers, rotation functions, the IP-ranges refresh) is reported. Simulated here by
  // declaring that runtime (the Runtime constructor registers itself in Runtime.ALL).
  let added: lambda.Runtime | undefined;
  beforeAll(() => {
    if (!lambda.Runtime.ALL.some((r) => r.name === 'nodejs26.x')) added = new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS);
  });
  afterAll(() => {
    if (added) lambda.Runtime.ALL.splice(lambda.Runtime.ALL.indexOf(added), 1);
  });

  test('nagReport(app).library stays empty (docs/testing.md: "anything here is worth an issue")', () => {
    const app = new App();
    const stack = new Stack(app, 'Orders');
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
      environment: 'prod',
      endpointName: 'partner-webhooks',
      allowedSourceCidrs: ['203.0.113.0/24'],
      alarmEmail: 'oncall@example.com',
    });
    endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks() });
    endpoint.addSource('payments', { scheme: SignatureScheme.stripe() });
    const { library } = nagReport(app, { packs: ['AwsSolutions', 'Serverless'] });
    expect(library.map((f) => `${f.ruleId} at ${f.path}`)).toEqual([]);
  });
});

test('an environment name that is a near miss of a production one is not silently non-production', () => {
  // PRODUCTION_ENVIRONMENTS is ['prod', 'production']; 'prdo' (a typo) and 'prod-eu' (a name teams use) are accepted
  // with no allowlist, alarm or endpointName, short log retention and data destroyed on delete, without a word.
  for (const environment of ['prdo', 'prod-eu']) {
    const stack = new Stack(new App(), 'S');
    expect(() => {
      const endpoint = new HardenedWebhookEndpoint(stack, 'E', { environment });
      endpoint.addSource('github', { scheme: SignatureScheme.github() });
    }).toThrow(/prod/);
  }
});

test('a wrong-typed value from untyped code is refused with a message, not a raw TypeError', () => {
  // From JavaScript: `maxBodySize: 1000` gave "TypeError: options.maxBodySize?.toBytes is not a function".
  const stack = new Stack(new App(), 'S');
  const endpoint = new HardenedWebhookEndpoint(stack, 'E', { environment: 'dev', allowAnySourceIp: true });
  let error: unknown;
  try {
    endpoint.addSource('b', { scheme: SignatureScheme.github(), maxBodySize: 1000 as unknown as Size });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(/maxBodySize/);
  expect((error as Error).message).toMatch(/Size/);
});

describe('a misspelt scheme type gets "did you mean" everywhere a user types one (issue 23 §2)', () => {
  // The construct side does (SignatureScheme.sender('gihub') -> did you mean "github"?), but the command line and the
  // runtime list all 93 types instead: `send --scheme stirpe`, `serve --source billing=stirpe:env:X`, and
  // `new WebhookVerifier({ scheme: { type: 'stirpe' } })`.
  test('the command line (--scheme, serve --source)', () => {
    expect(() => parseScheme('stirpe')).toThrow(/did you mean "stripe"/i);
  });
  test('the runtime verifier', () => {
    expect(() => new WebhookVerifier({ scheme: { type: 'stirpe' } as never, secrets: ['whsec_local_test_secret_0123456789'] })).toThrow(/did you mean "stripe"/i);
  });
});
