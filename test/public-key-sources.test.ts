import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HardenedWebhookEndpoint, KeySource, SignatureScheme } from '../lib';
import { familyOf, VERIFIER_FAMILIES } from '../lib/runtime';
import { newStack } from './support/stacks';

// Senders that sign with a private key: a configured public key (Discord), published certificates
// (SNS, PayPal: no secret at all), a published key set fetched with a credential (Plaid) or without
// (Google Pub/Sub). Each source's function runs its family's verifier bundle only.

function endpointWith(add: (endpoint: HardenedWebhookEndpoint, stack: ReturnType<typeof newStack>) => void) {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev' });
  add(endpoint, stack);
  return { stack, endpoint, template: Template.fromStack(stack) };
}

/** The S3 key a function's code has when it is the bundle of `family`. */
function bundleKey(family: string): string {
  const asset = new s3assets.Asset(newStack(), 'Bundle', { path: join(__dirname, '..', 'assets', `verifier-${family}`) });
  return `${asset.assetHash}.zip`;
}

function verifierOf(template: Template, source: string) {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { WEBHOOK_SOURCE: source } } } });
  const [fn] = Object.values(functions);
  return fn.Properties as { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
}

describe('sources whose sender publishes its keys (SNS)', () => {
  const { endpoint, template } = endpointWith((endpoint, stack) => {
    const topic = new sns.Topic(stack, 'Topic', { enforceSSL: true });
    endpoint.addSource('orders', { scheme: SignatureScheme.sns({ topicArns: [topic.topicArn] }) });
  });
  const source = endpoint.sources[0];

  test('have no secret, no secret ARN in the verifier environment and no Secrets Manager grant', () => {
    expect(source.keySource).toBe(KeySource.PUBLISHED);
    expect(source.secret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const { Environment } = verifierOf(template, 'orders');
    expect(Environment.Variables.WEBHOOK_SECRET_ARN).toBeUndefined();
    expect(Environment.Variables.WEBHOOK_KEY_SOURCE).toBe('published');
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('secretsmanager:');
    // Nothing to watch for reads: no secret-read rule.
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toContain('signing secret was read');
  });

  test('the topic ARN, known only at deploy, reaches the verifier through its scheme configuration', () => {
    const { Environment } = verifierOf(template, 'orders');
    expect(JSON.stringify(Environment.Variables.WEBHOOK_SCHEME)).toContain('Ref');
  });

  test('run the certificates bundle', () => {
    expect(verifierOf(template, 'orders').Code.S3Key).toBe(bundleKey('certificates'));
  });

  test('by default take the largest envelope SNS sends (a 413 is final for SNS); other senders keep 256 KiB; an explicit cap stands', () => {
    // A maximal notification: a 256 KiB message (a JSON document, as fan-outs carry: every quote is
    // escaped in the envelope), the longest topic name and subject, an RSA-2048 signature.
    const topicArn = `arn:aws:sns:ap-southeast-2:123456789012:${'t'.repeat(256)}`;
    const unit = '{"id":"a1","ok":true},';
    const message = unit.repeat(Math.floor(262_144 / unit.length)).padEnd(262_144, ' ');
    const envelope = JSON.stringify({
      Type: 'Notification',
      MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
      TopicArn: topicArn,
      Subject: 's'.repeat(100),
      Message: message,
      Timestamp: '2026-11-22T12:00:00.000Z',
      SignatureVersion: '2',
      Signature: 'A'.repeat(344),
      SigningCertURL: `https://sns.ap-southeast-2.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
      UnsubscribeURL: `https://sns.ap-southeast-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${'0'.repeat(36)}`,
    });
    const cap = Number(verifierOf(template, 'orders').Environment.Variables.WEBHOOK_MAX_BODY_BYTES);
    expect(Buffer.byteLength(envelope)).toBeGreaterThan(262_792);
    expect(cap).toBeGreaterThanOrEqual(Buffer.byteLength(envelope));
    expect(cap).toBe(700 * 1024);
    const other = endpointWith((endpoint, stack) => {
      endpoint.addSource('github', { scheme: SignatureScheme.github() });
      endpoint.addSource('small-sns', { scheme: SignatureScheme.sns({ topicArns: [new sns.Topic(stack, 'Topic', { enforceSSL: true }).topicArn] }), maxBodySize: Size.kibibytes(300) });
    }).template;
    // GitHub's source also has a rotation function: find the verifier by the variable itself.
    const capIn = (source: string) =>
      Object.values(other.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { WEBHOOK_SOURCE: source, WEBHOOK_MAX_BODY_BYTES: Match.anyValue() } } } })).map(
        (fn) => (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables.WEBHOOK_MAX_BODY_BYTES,
      );
    expect(capIn('github')).toEqual([String(256 * 1024)]);
    expect(capIn('small-sns')).toEqual([String(300 * 1024)]);
  });
});

test('each source runs its own family bundle, and every bundle is at most 40 KB', () => {
  const { template } = endpointWith((endpoint) => {
    endpoint.addSource('stripe', { scheme: SignatureScheme.stripe() });
    endpoint.addSource('square', { scheme: SignatureScheme.square() });
    endpoint.addSource('discord', { scheme: SignatureScheme.discord() });
    endpoint.addSource('plaid', { scheme: SignatureScheme.plaid({ clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' }) });
  });
  expect(verifierOf(template, 'stripe').Code.S3Key).toBe(bundleKey('core'));
  expect(verifierOf(template, 'square').Code.S3Key).toBe(bundleKey('payments'));
  expect(verifierOf(template, 'discord').Code.S3Key).toBe(bundleKey('signing-keys'));
  expect(verifierOf(template, 'plaid').Code.S3Key).toBe(bundleKey('tokens'));
  // The handler every family shares is 32 KB with no sender (the claim-based dedupe, strict body
  // decoding, the capture store, the exact-URL check): families are split so that each stays within 40 KB.
  // Every family's bundle, and generic-template (a generic HMAC template runs the row engine).
  for (const family of [...Object.keys(VERIFIER_FAMILIES), 'generic-template']) {
    const bytes = statSync(join(__dirname, '..', 'assets', `verifier-${family}`, 'index.js')).size;
    expect({ family, within: bytes <= 40_000 }).toEqual({ family, within: true });
  }
});

test('every scheme type belongs to exactly one family', () => {
  const all = Object.values(VERIFIER_FAMILIES).flat();
  expect(new Set(all).size).toBe(all.length);
  for (const type of all) expect(familyOf(type)).toBeDefined();
});

test('Plaid keeps its API secret (the key endpoint credential) as an imported secret; Discord its public key', () => {
  const { endpoint, template } = endpointWith((endpoint) => {
    endpoint.addSource('plaid', { scheme: SignatureScheme.plaid({ clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' }) });
    endpoint.addSource('discord', { scheme: SignatureScheme.discord() });
  });
  expect(endpoint.sources.map((s) => s.keySource)).toEqual([KeySource.IMPORTED, KeySource.IMPORTED]);
  template.resourceCountIs('AWS::SecretsManager::Secret', 2);
  expect(verifierOf(template, 'plaid').Environment.Variables.WEBHOOK_SECRET_ARN).toBeDefined();
});

describe('synth refuses what does not apply to a published-key source, all at once', () => {
  test('rotation and secret options, and a key source of another kind', () => {
    expect(() =>
      endpointWith((endpoint) => {
        endpoint.addSource('orders', {
          scheme: SignatureScheme.sns({ topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] }),
          keySource: KeySource.IMPORTED,
          rotationInterval: Duration.days(7),
          secretCacheTtl: Duration.minutes(1),
        });
      }),
    ).toThrow(/keySource imported does not apply: sns publishes its keys[\s\S]*rotationInterval, secretCacheTtl do not apply/);
  });

  test('KeySource.PUBLISHED for a sender whose keys live in the secret', () => {
    expect(() => endpointWith((endpoint) => endpoint.addSource('stripe', { scheme: SignatureScheme.stripe(), keySource: KeySource.PUBLISHED }))).toThrow(
      /keySource published does not apply: stripe keys are kept in the source's secret/,
    );
  });

  test('a Pub/Sub dedupe window shorter than its token\'s life is refused (a replay would outlive its record)', () => {
    const scheme = SignatureScheme.pubsub({ audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@p.iam.gserviceaccount.com' });
    expect(() => endpointWith((endpoint) => endpoint.addSource('pubsub', { scheme, dedupeWindow: Duration.minutes(30) }))).toThrow(/dedupeWindow 1800s must be from 4200s/);
    expect(() => endpointWith((endpoint) => endpoint.addSource('pubsub', { scheme, dedupeWindow: Duration.hours(2) }))).not.toThrow();
  });

  test('a scheme configuration the runtime refuses names the value', () => {
    expect(() => SignatureScheme.sns({ topicArns: ['not-an-arn'] })).toThrow(/not-an-arn/);
    expect(() => SignatureScheme.pubsub({ audience: '', serviceAccountEmail: 'nobody' })).toThrow(/audience[\s\S]*nobody|nobody[\s\S]*audience/);
  });
});
