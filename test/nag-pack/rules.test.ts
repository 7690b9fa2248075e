import { CfnResource } from 'aws-cdk-lib';
import * as nag3 from 'cdk-nag';
import * as nag2 from 'cdk-nag-2';
import { DEFAULT_TLS_POLICY, TLS12_OR_NEWER_POLICIES } from '../../lib';
import { Compliance, longestRotationGapDays, rules, WEBHOOK_RULES } from '../../lib/constructs/nag';
import { everyKindEndpoint } from '../support/stacks';
import { plainStack, RULE_IDS } from './cases';

// The rules as pure functions over one CloudFormation resource, and the readings they rest on.

describe('rules', () => {
  test("Compliance holds cdk-nag's NagRuleCompliance values, the same in both majors", () => {
    for (const nag of [nag3, nag2]) {
      expect(Compliance).toEqual({ COMPLIANT: nag.NagRuleCompliance.COMPLIANT, NON_COMPLIANT: nag.NagRuleCompliance.NON_COMPLIANT, NOT_APPLICABLE: nag.NagRuleCompliance.NOT_APPLICABLE });
      expect(nag.NagMessageLevel.ERROR).toBe('Error');
    }
  });

  test('each rule is named as its id, one rule per file, listed once in the pack', () => {
    expect(WEBHOOK_RULES.map((r) => `Webhook-${r.rule.name}`)).toEqual(RULE_IDS);
    expect(Object.values(rules).filter((r) => typeof r === 'function' && WEBHOOK_RULES.some((w) => w.rule === r))).toHaveLength(9);
    for (const { info, explanation } of WEBHOOK_RULES) {
      expect(info).toMatch(/^(The|A) .+\.$/);
      expect(explanation.length).toBeGreaterThan(200);
    }
  });

  test("every rule applies to some resource of the library's endpoint and finds it compliant (none passes by finding nothing to judge)", () => {
    const { stack } = everyKindEndpoint();
    const resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
    const judged = WEBHOOK_RULES.map(({ rule }) => {
      const results = resources.map((r) => rule(r));
      return [rule.name, results.filter((r) => r === Compliance.COMPLIANT).length, results.filter((r) => r === Compliance.NON_COMPLIANT).length];
    });
    expect(judged).toEqual([
      ['APITlsPolicy', 1, 0],
      ['APIStageWAF', 1, 0],
      ['APINoCORS', 17, 0],
      ['RouteFunctionConcurrency', 14, 0],
      // The one: Notion's captured-handshake secret, no key in use, acknowledged next to it.
      ['SecretRotation', 11, 1],
      ['QueueCMK', 2, 0],
      ['QueueDLQ', 2, 0],
      ['DLQAlarm', 1, 0],
      ['APIStageAccessLogs', 1, 0],
    ]);
  });

  test("reads what CloudFormation receives: an escape hatch that removes the library's setting is seen", () => {
    const stack = plainStack();
    const queue = new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue', properties: { KmsMasterKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc' } });
    expect(rules.QueueCMK(queue)).toBe(Compliance.COMPLIANT);
    queue.addPropertyDeletionOverride('KmsMasterKeyId');
    expect(rules.QueueCMK(queue)).toBe(Compliance.NON_COMPLIANT);
    queue.addPropertyOverride('KmsMasterKeyId', 'alias/aws/sqs');
    expect(rules.QueueCMK(queue)).toBe(Compliance.NON_COMPLIANT);
  });
});

describe('isEnhancedTls12Policy', () => {
  test("accepts the library's own policies and the edge-optimized TLS 1.2+ ones", () => {
    for (const policy of [...TLS12_OR_NEWER_POLICIES, DEFAULT_TLS_POLICY, 'SecurityPolicy_TLS12_PFS_2025_EDGE', 'SecurityPolicy_TLS13_2025_EDGE', 'SecurityPolicy_TLS12_2018_EDGE']) {
      expect([policy, rules.isEnhancedTls12Policy(policy)]).toEqual([policy, true]);
    }
  });

  test('rejects the legacy policies, anything admitting TLS 1.0 or 1.1, and no policy', () => {
    for (const policy of ['TLS_1_0', 'TLS_1_2', 'SecurityPolicy_TLS13_1_0_2021_06', 'SecurityPolicy_TLS13_1_1_2021_06', 'securitypolicy_tls13_1_2_2021_06', '', undefined]) {
      expect([policy, rules.isEnhancedTls12Policy(policy)]).toEqual([policy, false]);
    }
  });
});

describe('longestRotationGapDays', () => {
  test.each([
    [{ AutomaticallyAfterDays: 30 }, 30],
    [{ AutomaticallyAfterDays: 91 }, 91],
    [{ ScheduleExpression: 'rate(30 days)' }, 30],
    [{ ScheduleExpression: 'rate(1 day)' }, 1],
    [{ ScheduleExpression: 'rate(4 hours)' }, 4 / 24],
    [{ ScheduleExpression: 'rate(90 days)' }, 90],
    // Every month: at most 31 days plus a week of weekday drift.
    [{ ScheduleExpression: 'cron(0 9 ? * MON#1 *)' }, 38],
    [{ ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, 38],
    [{ ScheduleExpression: 'cron(0 0 L * ? *)' }, 38],
    [{ ScheduleExpression: 'cron(0 0 ? * 2L *)' }, 38],
    [{ ScheduleExpression: 'cron(0 0 ? * MON-FRI *)' }, 38],
    // Every other month.
    [{ ScheduleExpression: 'cron(0 9 1 */2 ? *)' }, 69],
    [{ ScheduleExpression: 'cron(0 9 1 JAN,MAR,MAY,JUL,SEP,NOV ? *)' }, 69],
  ])('%j allows %d days at most', (rules, days) => {
    expect(longestRotationGapDays(rules)).toBe(days);
  });

  test.each([
    // Quarterly, or months without the day: no bound within 90 days.
    [{ ScheduleExpression: 'cron(0 9 1 1,4,7,10 ? *)' }],
    [{ ScheduleExpression: 'cron(0 9 31 * ? *)' }],
    [{ ScheduleExpression: 'cron(0 9 ? * MON#5 *)' }],
    // One year only: rotation stops.
    [{ ScheduleExpression: 'cron(0 9 1 * ? 2027)' }],
    // Unreadable or absent.
    [{ ScheduleExpression: { Ref: 'Schedule' } }],
    [{ ScheduleExpression: 'rate(0 days)' }],
    [{ ScheduleExpression: 'every month' }],
    [{}],
    [undefined],
  ])('%j has no bound it can prove', (rules) => {
    expect(longestRotationGapDays(rules)).toBeUndefined();
  });
});
