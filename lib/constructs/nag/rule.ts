import { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';

/**
 * What a rule says of one resource: cdk-nag's own `NagRuleCompliance` values (the same strings in
 * cdk-nag 2 and 3), spelled out so the rules load without either major.
 */
export const Compliance = {
  COMPLIANT: 'Compliant' as NagRuleCompliance.COMPLIANT,
  NON_COMPLIANT: 'Non-Compliant' as NagRuleCompliance.NON_COMPLIANT,
  NOT_APPLICABLE: 'N/A' as NagRuleCompliance.NOT_APPLICABLE,
} as const;

/** A rule: a pure function over one CloudFormation resource. Its `name` is the rule id after `Webhook-`. */
export type WebhookRule = (node: CfnResource) => NagRuleCompliance;

/** Names a rule as cdk-nag names its own (from the function's name), robust to bundlers that rename functions. */
export function webhookRule(name: string, check: WebhookRule): WebhookRule {
  return Object.defineProperty(check, 'name', { value: name });
}
