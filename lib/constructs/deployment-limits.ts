import { CfnOutput, CfnParameter, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';

/** CloudFormation, per stack (nested stacks included). */
export const MAX_RESOURCES = 500;
export const MAX_OUTPUTS = 200;
export const MAX_PARAMETERS = 200;
/** Bytes of a template CloudFormation accepts from S3 (CDK uploads every template). */
export const MAX_TEMPLATE_BYTES = 1_000_000;
/** WAF, per web ACL (hard limits). */
export const WAF_MAX_CAPACITY = 5000;
export const WAF_MAX_REFERENCE_STATEMENTS = 50;
/** WAF's default quota of IP sets per account and Region. */
export const WAF_IP_SET_QUOTA = 100;
/** Lambda keeps this much of the account's concurrency unreserved. */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
/** API Gateway, per REST API (default quotas, adjustable). */
export const API_RESOURCE_POLICY_CHARS = 8192;
export const API_RESOURCES = 300;
/** CloudWatch: a composite alarm's rule, a Contributor Insights rule's body, a Logs Insights query's log groups. */
export const COMPOSITE_RULE_CHARS = 10240;
export const INSIGHT_RULE_CHARS = 8192;
export const QUERY_LOG_GROUPS = 50;
/** IAM: a managed policy document, whitespace not counted. */
export const MANAGED_POLICY_CHARS = 6144;

/** Length a resolved value stands for when it is still a reference (an ARN or name CloudFormation generates). */
const REFERENCE_CHARS = 100;
/** ALARM("<arn>") OR per child of a composite alarm, with a generated alarm name. */
const COMPOSITE_CHILD_CHARS = 150;

/** One stack of the endpoint: its own, or a source group's. */
export interface EndpointStack {
  readonly stack: Stack;
  /** The group, for a group's nested stack. */
  readonly group?: string;
  readonly sources: string[];
  /** Auth alarms grouped into this stack's composite alarm. */
  readonly compositeChildren: number;
  /** Verifier log groups its Contributor Insights rule and saved queries name. */
  readonly verifierLogGroups: logs.ILogGroup[];
}

export interface LimitInputs {
  readonly endpoint: IConstruct;
  readonly stacks: EndpointStack[];
  readonly wafCapacity: number;
  readonly wafReferenceStatements: number;
  readonly ipSets: number;
  readonly apiResources: number;
  /** The REST API's resource policy as CloudFormation receives it. */
  readonly resourcePolicy: unknown;
  readonly accountConcurrencyLimit: number;
}

/**
 * Every deployment limit the endpoint would break, each naming the limit, what comes near it, and the
 * fix. Run at synth (a validation), when every source is added and every cross-stack reference has
 * become an output and a parameter.
 */
export function deploymentLimitProblems(i: LimitInputs): string[] {
  const problems: string[] = [];
  const resourcesBySource = new Map<string, number>();
  for (const s of i.stacks) {
    const label = s.group === undefined ? `stack ${s.stack.stackName} (${s.stack.node.path})` : `group "${s.group}" (nested stack ${s.stack.node.path})`;
    const resources = s.stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === s.stack);
    for (const name of s.sources) resourcesBySource.set(name, resources.filter((r) => belongsTo(r, name)).length);
    const perSource = Math.max(1, ...s.sources.map((name) => resourcesBySource.get(name) ?? 0));
    const fit = Math.floor((MAX_RESOURCES - (resources.length - s.sources.reduce((n, name) => n + (resourcesBySource.get(name) ?? 0), 0))) / perSource);
    if (resources.length > MAX_RESOURCES) {
      problems.push(
        s.group === undefined
          ? `${label} would hold ${resources.length} resources, over CloudFormation's ${MAX_RESOURCES} per stack; its ${s.sources.length} sources without a group take up to ${perSource} each. Give the sources you add from now on a group: addSource(name, { ..., group: "<group>" }) puts a source in a nested stack of that group (about ${Math.floor((MAX_RESOURCES - 10) / perSource)} such sources fit in one group). Sources already deployed stay where they are, so nothing deployed is replaced`
          : `${label} would hold ${resources.length} resources, over CloudFormation's ${MAX_RESOURCES} per stack (${s.sources.length} sources at up to ${perSource} resources each; about ${fit} fit): put the sources added last in another group. Moving a deployed source to another group replaces its secret, so move only sources not yet deployed`,
      );
    }
    const outputs = s.stack.node.findAll().filter((c) => c instanceof CfnOutput && Stack.of(c) === s.stack).length;
    if (outputs > MAX_OUTPUTS) {
      problems.push(
        `${label} would have ${outputs} outputs, over CloudFormation's ${MAX_OUTPUTS} per stack (each value another stack reads, e.g. a CfnOutput per source URL and secret ARN, or what an endpoint-wide resource reads from a group): output fewer values per source (one JSON output of all source URLs), or spread the sources over more groups`,
      );
    }
    const parameters = s.stack.node.findAll().filter((c) => c instanceof CfnParameter && Stack.of(c) === s.stack).length;
    if (parameters > MAX_PARAMETERS) {
      problems.push(`${label} would have ${parameters} parameters, over CloudFormation's ${MAX_PARAMETERS} per stack: spread its sources over more groups`);
    }
    const bytes = templateBytes(s.stack);
    if (bytes > MAX_TEMPLATE_BYTES) {
      problems.push(
        `${label} would have a ${bytes}-byte template, over CloudFormation's ${MAX_TEMPLATE_BYTES} bytes (a source takes about 28,000): ${s.group === undefined ? 'give the sources you add from now on a group (group: "<group>")' : 'put the sources added last in another group'}, or set suppressTemplateIndentation on the stack (about a quarter smaller)`,
      );
    }
    if (s.compositeChildren * COMPOSITE_CHILD_CHARS > COMPOSITE_RULE_CHARS) {
      problems.push(
        `${label} groups ${s.compositeChildren} auth alarms into one composite alarm, whose rule would pass CloudWatch's ${COMPOSITE_RULE_CHARS} characters (about ${COMPOSITE_CHILD_CHARS} each): spread the sources over more groups (each group has a composite alarm of its own)`,
      );
    }
    // The rule body names each log group; CloudFormation generates the names (about REFERENCE_CHARS each).
    if (s.verifierLogGroups.length * (REFERENCE_CHARS + 3) + 300 > INSIGHT_RULE_CHARS) {
      problems.push(
        `${label} has ${s.verifierLogGroups.length} verifier log groups, too many for its Contributor Insights rule, whose body CloudWatch caps at ${INSIGHT_RULE_CHARS} characters: spread the sources over more groups (each group has a rule of its own)`,
      );
    }
    if (s.verifierLogGroups.length + 1 > QUERY_LOG_GROUPS) {
      problems.push(
        `${label} has ${s.verifierLogGroups.length} verifier log groups, and its saved Logs Insights queries would name ${s.verifierLogGroups.length + 1} log groups, over the ${QUERY_LOG_GROUPS} a query can read: spread the sources over more groups (each group has queries of its own)`,
      );
    }
  }

  if (i.wafCapacity > WAF_MAX_CAPACITY) {
    problems.push(
      `the web ACL would need about ${i.wafCapacity} capacity units (WCU), over WAF's ${WAF_MAX_CAPACITY} per web ACL: each source with its own allowedSourceCidrs costs about 67 (its route is matched, with three text transformations, in its own rule and again in the endpoint allowlist's exception). Let more sources use the endpoint's allowlist (allowedSourceCidrs on the endpoint; the API's resource policy still holds each route to it), or split the sources over two endpoints`,
    );
  }
  if (i.wafReferenceStatements > WAF_MAX_REFERENCE_STATEMENTS) {
    problems.push(
      `the web ACL would hold ${i.wafReferenceStatements} reference statements (IP sets and managed rule groups), over WAF's ${WAF_MAX_REFERENCE_STATEMENTS} per web ACL: each source with its own allowedSourceCidrs references its IP set (one per IP version) twice, in its rule and in the rate rule's exemption. Let more sources use the endpoint's allowlist, keep a source's list to one IP version where the sender allows, or split the sources over two endpoints`,
    );
  }
  if (i.ipSets > WAF_IP_SET_QUOTA) {
    problems.push(
      `the endpoint would create ${i.ipSets} WAF IP sets, over WAF's default quota of ${WAF_IP_SET_QUOTA} per account and Region (shared with everything else in the account): let more sources use the endpoint's allowlist, or raise the quota (Service Quotas, "Maximum number of IP sets") before deploying`,
    );
  }
  if (i.apiResources > API_RESOURCES) {
    problems.push(`the API would have ${i.apiResources} resources (one per source), over API Gateway's default ${API_RESOURCES} per API: raise the quota "Resources per API" before deploying, or split the sources over two endpoints`);
  }
  if (i.resourcePolicy !== undefined) {
    const chars = JSON.stringify(Stack.of(i.endpoint).resolve(i.resourcePolicy)).length;
    if (chars > API_RESOURCE_POLICY_CHARS) {
      problems.push(
        `the API's resource policy would be about ${chars} characters, over API Gateway's default ${API_RESOURCE_POLICY_CHARS}: routes that share a CIDR list share one statement, so each distinct list (a source's own allowedSourceCidrs) adds one. Let more sources use the endpoint's allowlist, or raise the quota "Length of API Gateway resource policy" before deploying`,
      );
    }
  }

  const reserved = i.endpoint.node
    .findAll()
    .filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction)
    .map((f) => f.reservedConcurrentExecutions)
    .filter((n): n is number => typeof n === 'number' && !Token.isUnresolved(n))
    .reduce((a, b) => a + b, 0);
  const available = i.accountConcurrencyLimit - LAMBDA_UNRESERVED_MINIMUM;
  if (reserved > available) {
    problems.push(
      `the endpoint's functions would reserve ${reserved} concurrent executions (each source's verifier its reservedConcurrency, 10 by default, and its rotation function 2), but an account with a Lambda concurrency limit of ${i.accountConcurrencyLimit} (accountConcurrencyLimit) can reserve at most ${available}: Lambda keeps ${LAMBDA_UNRESERVED_MINIMUM} unreserved, and the deployment fails. Lower reservedConcurrency on sources that need less, or raise the account's concurrency quota and set accountConcurrencyLimit to it (other functions of the account reserve from the same pool)`,
    );
  }

  for (const policy of i.endpoint.node.findAll().filter((c): c is iam.CfnManagedPolicy => c instanceof iam.CfnManagedPolicy)) {
    const chars = policyChars(Stack.of(policy).resolve(policy.policyDocument));
    if (chars > MANAGED_POLICY_CHARS) {
      problems.push(
        `IAM managed policy ${policy.node.path} would be about ${chars} characters, over IAM's ${MANAGED_POLICY_CHARS}${policy.node.path.includes('/AccessRoles/') ? ": the access roles' policies name each source's secret, rotation function and log groups, so they outgrow IAM's limit at a few dozen sources. Leave accessRoles out of an endpoint this large and grant your roles with wildcards on the endpoint's names (secrets webhooks/<endpointName>/*), or split the sources over endpoints" : ': split its statements'}`,
      );
    }
  }
  return problems;
}

/** Constructs a source adds outside its own construct, by id: its alarms and rule, each `<prefix>-<source>`. */
const PER_SOURCE_IDS = ['Source', 'SignatureFailureSpike', 'VerifierHealth', 'SignatureFailures', 'SecretAccess'];

/** Whether a resource is one of the source's own: under its construct, its route (/webhooks/<source>), its alarms or rule. */
function belongsTo(resource: CfnResource, source: string): boolean {
  return resource.node.scopes.some(
    (scope) => PER_SOURCE_IDS.some((prefix) => scope.node.id === `${prefix}-${source}`) || (scope.node.id === source && /^[Ww]ebhooks$/.test(scope.node.scope?.node.id ?? '')),
  );
}

function templateBytes(stack: Stack): number {
  const internal = stack as unknown as { _toCloudFormation(): unknown; _suppressTemplateIndentation?: boolean };
  return JSON.stringify(internal._toCloudFormation(), undefined, internal._suppressTemplateIndentation ? undefined : 1).length;
}

/** Characters of a resolved policy document as IAM counts them (no whitespace), references at a typical ARN's length. */
function policyChars(document: unknown): number {
  const reference = 'x'.repeat(REFERENCE_CHARS);
  const flatten = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(flatten);
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return reference;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flatten(v)]));
    }
    return value;
  };
  return JSON.stringify(flatten(document)).length;
}
