import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from '../bin/config';
import { WebhookStack } from '../bin/stack';
import { HardenedWebhookEndpoint, SignatureScheme } from '../lib';
import { customisedEndpoint, defaultEndpoint, everyKindEndpoint, newStack } from './support/stacks';
import { secretWrites, verifierPermissions } from './support/verifier-policies';

// No verifier can change its signing secret: a write there, under any condition, could replace the key
// (PutSecretValue has no secretsmanager:VersionStage key to confine it to a label, and a stage-less
// call makes the new version AWSCURRENT). The one write a verifier has is its capture secret's.

const { [ENVIRONMENTS_CONTEXT_KEY]: environments, ...featureFlags } = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context;

/** The stack and its nested stacks (source groups), each as a template. */
function templates(stack: Stack): Template[] {
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  return [stack, ...nested].map((s) => Template.fromStack(s));
}

function groupedNotion(): Stack {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', endpointName: 'grouped' });
  endpoint.addSource('docs', { scheme: SignatureScheme.notion(), group: 'workplace' });
  endpoint.addSource('shop', { scheme: SignatureScheme.sender('woocommerce'), group: 'workplace' });
  return stack;
}

const CASES: [string, () => Stack][] = [
  ...['dev', 'staging', 'prod'].map((name): [string, () => Stack] => [
    `example app, ${name}`,
    () => new WebhookStack(new App({ builtinCloudFormationValidation: false, context: featureFlags }), `HardenedWebhook-${name}`, resolveEnvironment(environments, name).props),
  ]),
  ['default endpoint', () => defaultEndpoint().stack],
  ['customised endpoint', () => customisedEndpoint().stack],
  ['every kind of sender (Notion included)', () => everyKindEndpoint().stack],
  ['Notion in a source group (nested stack)', groupedNotion],
];

describe('verifier roles never write their signing secret', () => {
  test.each(CASES)('%s', (_name, build) => {
    const verifiers = templates(build()).flatMap((t) => verifierPermissions(t.toJSON().Resources));
    expect(verifiers.length).toBeGreaterThan(0);
    for (const verifier of verifiers) {
      for (const statement of verifier.statements) {
        const writes = secretWrites(statement);
        if (writes.length === 0) continue;
        // The only write: PutSecretValue, on exactly this source's capture secret, by reference.
        expect({ source: verifier.source, writes }).toEqual({ source: verifier.source, writes: ['secretsmanager:PutSecretValue'] });
        expect(verifier.captureSecret).toBeDefined();
        expect({ source: verifier.source, resource: statement.Resource }).toEqual({ source: verifier.source, resource: { Ref: verifier.captureSecret } });
      }
      // Read: its signing secret only (where it has one).
      const reads = verifier.statements.filter((s) => [s.Action ?? []].flat().includes('secretsmanager:GetSecretValue'));
      expect(reads.map((s) => s.Resource)).toEqual(verifier.signingSecret ? [{ Ref: verifier.signingSecret }] : []);
    }
  });

  test('the check sees a capture write where there is one, and would see a write on a signing secret', () => {
    const verifiers = templates(everyKindEndpoint().stack).flatMap((t) => verifierPermissions(t.toJSON().Resources));
    const notion = verifiers.find((v) => v.source === 'notion')!;
    expect(notion.statements.flatMap(secretWrites)).toEqual(['secretsmanager:PutSecretValue']);
    // What the verifier had before: PutSecretValue on the signing secret under a stage condition.
    const old = { Effect: 'Allow', Action: 'secretsmanager:PutSecretValue', Resource: { Ref: notion.signingSecret }, Condition: { 'ForAllValues:StringEquals': { 'secretsmanager:VersionStage': ['HANDSHAKE_CAPTURED'] } } };
    expect(secretWrites(old)).toEqual(['secretsmanager:PutSecretValue']);
    expect(secretWrites({ Effect: 'Allow', Action: ['secretsmanager:Update*'], Resource: '*' })).toEqual(['secretsmanager:Update*']);
    expect(secretWrites({ Effect: 'Allow', Action: '*', Resource: '*' })).toEqual(['*']);
    expect(secretWrites({ Effect: 'Allow', NotAction: 'sqs:*', Resource: '*' })).toHaveLength(1);
    expect(secretWrites({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: '*' })).toEqual([]);
  });
});
