import { App, Aspects, IAspect, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookChecks } from '../../lib/constructs/nag';
import { customisedEndpoint, defaultEndpoint, everyKindEndpoint, everyTypeEndpoint } from '../support/stacks';
import { plainStack, RULE_CASES, RULE_IDS } from './cases';

// cdk-nag 3 (the `cdk-nag` installed here): WebhookChecks is a validation plugin, registered with
// Validations.of(app).addPlugins(new WebhookChecks(app)); findings are acknowledged with
// Validations.of(construct).acknowledge(...).

/**
 * Unacknowledged findings as "rule at path", after the app synthesizes (aspects such as Tags apply
 * then, as they do before cdk-nag 3's validation in `cdk synth`).
 */
function findings(scope: IConstruct, pack = new WebhookChecks()): string[] {
  (scope.node.root as App).synth();
  return pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

const of = (rule: string) => (finding: string) => finding.startsWith(`${rule} at `);

describe('WebhookChecks on cdk-nag 3', () => {
  test('is a cdk-nag 3 NagPack named Webhook, listing its rules in the documented order', () => {
    const pack = new WebhookChecks();
    expect(pack).toBeInstanceOf(NagPack);
    expect(pack.name).toBe('Webhook');
    expect(pack.readPackName).toBe('Webhook');
    const stack = plainStack();
    new sqs.Queue(stack, 'Bare', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(findings(stack, pack)).toEqual(['Webhook-QueueCMK at Test/Bare/Resource', 'Webhook-QueueDLQ at Test/Bare/Resource']);
    expect(RULE_IDS).toHaveLength(9);
  });

  describe.each(RULE_CASES)('$rule', ({ rule, compliant, nonCompliant }) => {
    test('passes a compliant stack', () => {
      const stack = plainStack();
      compliant(stack);
      expect(findings(stack).filter(of(rule))).toEqual([]);
    });

    test('fails a non-compliant stack, naming each resource at fault', () => {
      const stack = plainStack();
      const expected = nonCompliant(stack);
      expect(findings(stack).filter(of(rule)).sort()).toEqual(expected.map((p) => `${rule} at ${p}`).sort());
    });

    test('a finding acknowledged on the resource, or on a construct above it, is not reported', () => {
      const stack = plainStack();
      const [first, second] = nonCompliant(stack);
      Validations.of(stack.node.findAll().find((c) => c.node.path === first)!).acknowledge({ id: rule, reason: 'Reviewed: acceptable here.' });
      const remaining = findings(stack).filter(of(rule));
      expect(remaining).not.toContain(`${rule} at ${first}`);
      if (second) expect(remaining).toContain(`${rule} at ${second}`);

      const whole = plainStack();
      nonCompliant(whole);
      Validations.of(whole).acknowledge({ id: rule, reason: 'Reviewed: acceptable in this stack.' });
      expect(findings(whole).filter(of(rule))).toEqual([]);
    });
  });

  test('acknowledging another rule does not hide a finding', () => {
    const stack = plainStack();
    const queue = new sqs.Queue(stack, 'Bare');
    Validations.of(queue).acknowledge({ id: 'Webhook-QueueCMK', reason: 'Reviewed.' }, { id: 'AwsSolutions-SQS3', reason: 'Another pack.' });
    expect(findings(stack)).toEqual(['Webhook-QueueDLQ at Test/Bare/Resource']);
  });

  describe("the library's own endpoints pass", () => {
    test('the default endpoint', () => {
      expect(findings(defaultEndpoint().stack)).toEqual([]);
    });

    test('an endpoint with a source of every kind (imported keys tagged sender-issued, a captured handshake acknowledged)', () => {
      expect(findings(everyKindEndpoint().stack)).toEqual([]);
    });

    test('a fully customised endpoint (custom domain, own processor, 7-day rotation, cron rotation)', () => {
      expect(findings(customisedEndpoint().stack)).toEqual([]);
    });

    test('an endpoint with a source of every scheme type, in nested-stack groups', () => {
      const { stack, sources } = everyTypeEndpoint();
      expect(sources.length).toBeGreaterThan(90);
      expect(findings(stack)).toEqual([]);
    });
  });

  describe('registered as cdk-nag 3 packs are', () => {
    test('Validations.of(app).addPlugins(new WebhookChecks(app)): a finding fails the synth and is in the validation report', () => {
      const app = new App();
      const stack = new Stack(app, 'Test');
      new sqs.Queue(stack, 'Bare');
      Validations.of(app).addPlugins(new WebhookChecks(app));
      expect(() => app.synth()).toThrow(/[Vv]alidation/);
      const report = readdirSync(app.outdir).find((f) => /validation-report\.json$/.test(f))!;
      const json = JSON.parse(readFileSync(join(app.outdir, report), 'utf8'));
      const rules = json.pluginReports.flatMap((r: { violations: { ruleName: string }[] }) => r.violations.map((v) => v.ruleName)).sort();
      expect(rules).toEqual(['Webhook-QueueCMK', 'Webhook-QueueDLQ']);
    });

    test('an app whose findings are acknowledged synthesizes', () => {
      const app = new App();
      const stack = new Stack(app, 'Test');
      const queue = new sqs.Queue(stack, 'Bare');
      Validations.of(queue).acknowledge({ id: 'Webhook-QueueCMK', reason: 'Holds no customer data.' }, { id: 'Webhook-QueueDLQ', reason: 'Messages may be dropped.' });
      Validations.of(app).addPlugins(new WebhookChecks(app));
      expect(() => app.synth()).not.toThrow();
    });

    test('writeSuppressionsToCloudFormation writes acknowledgements into the template as cdk-nag 2 metadata', () => {
      const app = new App();
      const stack = new Stack(app, 'Test');
      const queue = new sqs.Queue(stack, 'Bare');
      Validations.of(queue).acknowledge({ id: 'Webhook-QueueCMK', reason: 'Holds no customer data.' }, { id: 'Webhook-QueueDLQ', reason: 'Messages may be dropped.' });
      Validations.of(app).addPlugins(new WebhookChecks(app, { writeSuppressionsToCloudFormation: true }));
      const metadata = Object.values(Template.fromStack(stack).findResources('AWS::SQS::Queue'))[0].Metadata;
      expect(metadata.cdk_nag.rules_to_suppress).toEqual([
        { id: 'Webhook-QueueCMK', reason: 'Holds no customer data.' },
        { id: 'Webhook-QueueDLQ', reason: 'Messages may be dropped.' },
      ]);
    });

    test('verbose: a finding carries the explanation a reviewer reads', () => {
      const stack = plainStack();
      new sqs.Queue(stack, 'Bare', { encryption: sqs.QueueEncryption.KMS_MANAGED });
      const [cmk] = new WebhookChecks({ verbose: true }).validateScope(stack).violations;
      expect(cmk.ruleName).toBe('Webhook-QueueCMK');
      expect(cmk.description).toMatch(/^The SQS queue is not encrypted with a customer-managed KMS key\. The queue holds verified webhook bodies/);
    });

    test('rejects being added as an aspect (cdk-nag 2 style), saying how cdk-nag 3 runs it', () => {
      const app = new App();
      new sqs.Queue(new Stack(app, 'Test'), 'Bare');
      Aspects.of(app).add(new WebhookChecks(app) as unknown as IAspect);
      expect(() => app.synth()).toThrow('Webhook checks build on cdk-nag 3, whose packs are validation plugins: Validations.of(app).addPlugins(new WebhookChecks(app))');
    });
  });
});
