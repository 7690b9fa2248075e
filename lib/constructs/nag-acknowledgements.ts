import { AspectPriority, Aspects, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A nag finding and why it is acceptable here. Findings with detail keep it: `AwsSolutions-IAM5[Resource::*]`. */
export interface NagFinding {
  readonly id: string;
  readonly reason: string;
}

/** One entry of cdk-nag 2's `cdk_nag.rules_to_suppress` resource metadata. */
interface SuppressedRule {
  readonly reason: string;
  readonly id: string;
  readonly applies_to?: string[];
  readonly is_reason_encoded?: boolean;
}

/**
 * Acknowledges nag findings on `scope` and everything under it, for both cdk-nag majors, without
 * depending on either: cdk-nag 3 reads `Validations` acknowledgements on the resource or any of its
 * ancestors; cdk-nag 2 reads only the `cdk_nag` metadata of the CfnResource it checks, so each one
 * under `scope` gets it.
 */
export function acknowledge(scope: IConstruct, ...findings: NagFinding[]): void {
  Validations.of(scope).acknowledge(...findings);
  const rules = findings.map(toSuppressedRule);
  const write = (node: IConstruct) => {
    if (CfnResource.isCfnResource(node)) addSuppressedRules(node, rules);
  };
  // Now, so the metadata is there whatever order the consumer's aspects run in; and again as an aspect
  // that runs before cdk-nag 2's (default priority), for resources added under the scope later, such
  // as the API methods each source adds.
  scope.node.findAll().forEach(write);
  Aspects.of(scope).add({ visit: write }, { priority: AspectPriority.MUTATING });
}

/** The entry cdk-nag 2's NagSuppressions would write, key order included, so the two deduplicate. */
function toSuppressedRule(finding: NagFinding): SuppressedRule {
  const detail = /^([^[\]]+)\[(.+)\]$/.exec(finding.id);
  const id = detail ? detail[1] : finding.id;
  const appliesTo = detail ? { applies_to: [detail[2]] } : {};
  // CloudFormation stores metadata characters beyond Latin-1 as '?', which `cdk diff` then reports forever.
  if ([...finding.reason].some((c) => c.codePointAt(0)! > 255)) {
    return { reason: Buffer.from(finding.reason).toString('base64'), id, ...appliesTo, is_reason_encoded: true };
  }
  return { reason: finding.reason, id, ...appliesTo };
}

function addSuppressedRules(resource: CfnResource, rules: SuppressedRule[]): void {
  const metadata = resource.getMetadata('cdk_nag');
  const merged: SuppressedRule[] = [...(metadata?.rules_to_suppress ?? [])];
  const seen = new Set(merged.map((rule) => JSON.stringify(rule)));
  let changed = false;
  for (const rule of rules) {
    const key = JSON.stringify(rule);
    if (!seen.has(key)) {
      seen.add(key);
      merged.push(rule);
      changed = true;
    }
  }
  if (changed) resource.addMetadata('cdk_nag', { ...metadata, rules_to_suppress: merged });
}

/**
 * A resource ARN as cdk-nag names it in a finding's detail (`AwsSolutions-IAM5[Resource::<this>]`):
 * intrinsic references written `<AWS::Partition>`, `<LogicalId>`, `<LogicalId.Attribute>`, joins
 * concatenated. For acknowledging one exact wildcard resource rather than every one.
 */
export function nagResourceName(scope: IConstruct, arn: string): string {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string; 'Fn::GetAtt'?: [string, string] };
    if (v['Fn::Join']) return v['Fn::Join'][1].map(flatten).join(v['Fn::Join'][0]);
    if (v.Ref) return `<${v.Ref}>`;
    if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
    return JSON.stringify(value);
  };
  return flatten(Stack.of(scope).resolve(arn));
}
