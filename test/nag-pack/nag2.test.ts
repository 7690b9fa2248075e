import { Aspects, IAspect, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as nag2 from 'cdk-nag-2';
import { IConstruct } from 'constructs';
import { WebhookChecks } from '../../lib/constructs/nag';
import { customisedEndpoint, defaultEndpoint, everyKindEndpoint } from '../support/stacks';
import { plainStack, RULE_CASES } from './cases';

// A project on cdk-nag 2: its `cdk-nag` is major 2 (here the npm alias cdk-nag-2 stands in for it),
// so WebhookChecks builds on cdk-nag 2's NagPack and runs as an aspect, Aspects.of(app).add(new
// WebhookChecks()); findings are suppressed with NagSuppressions (resource metadata cdk_nag).
jest.mock('cdk-nag', () => jest.requireActual('cdk-nag-2'));

const NO_REPORTS: nag2.NagPackProps = { reports: false };

/** Errors and warnings of the pack as "rule at path" (paths without the leading slash, as cdk-nag 3 gives them). */
function findings(stack: Stack, props: nag2.NagPackProps = NO_REPORTS): string[] {
  // Typed here by the cdk-nag 3 this repository compiles against; in a project on cdk-nag 2 the
  // declarations resolve cdk-nag 2's NagPack, an IAspect (test/nag-pack/entry.test.ts checks both).
  Aspects.of(stack.node.root).add(new WebhookChecks(props) as unknown as IAspect);
  const annotations = Annotations.fromStack(stack);
  const ours = Match.stringLikeRegexp('^Webhook-');
  return [...annotations.findError('*', ours), ...annotations.findWarning('*', ours)].map((m) => {
    const text = String(m.entry.data);
    return `${text.slice(0, text.indexOf(': '))} at ${m.id.replace(/^\//, '')}`;
  });
}

const of = (rule: string) => (finding: string) => finding.startsWith(`${rule} at `);
const construct = (stack: Stack, path: string): IConstruct => stack.node.findAll().find((c) => c.node.path === path)!;

describe('WebhookChecks on cdk-nag 2', () => {
  test("is a cdk-nag 2 NagPack (an aspect) named Webhook, built on the project's cdk-nag", () => {
    const pack = new WebhookChecks(NO_REPORTS);
    expect(pack).toBeInstanceOf(nag2.NagPack);
    expect(pack.readPackName).toBe('Webhook');
    expect(typeof (pack as unknown as { visit: unknown }).visit).toBe('function');
    const stack = plainStack();
    new sqs.Queue(stack, 'Bare', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(findings(stack).sort()).toEqual(['Webhook-QueueCMK at Test/Bare/Resource', 'Webhook-QueueDLQ at Test/Bare/Resource']);
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

    test('a finding suppressed with NagSuppressions, on the resource or its stack, is not reported', () => {
      const stack = plainStack();
      const [first, second] = nonCompliant(stack);
      nag2.NagSuppressions.addResourceSuppressions(construct(stack, first), [{ id: rule, reason: 'Reviewed: acceptable here.' }]);
      const remaining = findings(stack).filter(of(rule));
      expect(remaining).not.toContain(`${rule} at ${first}`);
      if (second) expect(remaining).toContain(`${rule} at ${second}`);

      const whole = plainStack();
      nonCompliant(whole);
      nag2.NagSuppressions.addStackSuppressions(whole, [{ id: rule, reason: 'Reviewed: acceptable in this stack.' }]);
      expect(findings(whole).filter(of(rule))).toEqual([]);
    });
  });

  test('suppressing another rule does not hide a finding; logIgnores reports the suppression', () => {
    const stack = plainStack();
    const queue = new sqs.Queue(stack, 'Bare');
    nag2.NagSuppressions.addResourceSuppressions(queue, [{ id: 'Webhook-QueueCMK', reason: 'Holds no customer data.' }], true);
    expect(findings(stack, { reports: false, logIgnores: true })).toEqual(['Webhook-QueueDLQ at Test/Bare/Resource']);
    const infos = Annotations.fromStack(stack).findInfo('/Test/Bare/Resource', Match.stringLikeRegexp('Webhook-QueueCMK'));
    expect(infos.map((m) => String(m.entry.data))).toEqual([expect.stringContaining('Webhook-QueueCMK was triggered but suppressed')]);
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
  });

  test('rejects being added as a validation plugin (cdk-nag 3 style), saying how cdk-nag 2 runs it', () => {
    const stack = plainStack();
    new sqs.Queue(stack, 'Bare');
    Validations.of(stack.node.root).addPlugins(new WebhookChecks(NO_REPORTS));
    expect(() => Annotations.fromStack(stack)).toThrow('Webhook checks build on cdk-nag 2, whose packs are aspects: Aspects.of(app).add(new WebhookChecks())');
  });
});
