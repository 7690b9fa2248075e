import { ArnFormat, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { greaterThanPattern, LARGEST_BODY_BYTES } from '../runtime/body-limits';
import { IpVersion } from './validation';

const TOO_LARGE_BODY_KEY = 'payload-too-large';

export type CidrsByVersion = Record<IpVersion, string[]>;

export interface WebhookFirewallProps {
  /** Unique per account and region; names the web ACL and its aws-waf-logs-* log group. */
  readonly name: string;
  /** The endpoint-wide allowlist; undefined allows any source address (other rules still apply). */
  readonly allowedCidrs?: CidrsByVersion;
  readonly rateLimit: number;
  readonly rateLimitWindow: Duration;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Log every request, allowed ones included. Off, only what an investigation needs is logged:
   * blocked requests and those a body-inspecting rule counted (LOGGED_COUNTED_LABELS).
   */
  readonly logAllowedRequests: boolean;
}

/**
 * AWS managed rules that inspect the body and would block real webhooks. The body is authenticated by
 * HMAC before anything reads it and the verifier never interprets it, while senders legitimately post
 * bodies over 8 KB (SizeRestrictions_BODY) and bodies holding HTML, markdown, paths or URLs that users
 * typed (Shopify product descriptions, GitHub issue text): those rules only count.
 */
export const COUNTED_COMMON_RULES = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
  // Generic HMAC senders (and some SDKs) send no User-Agent; the signature, not the header, proves origin.
  'NoUserAgent_HEADER',
];

/** Stripe, Shopify, Twilio and most webhook senders post from cloud providers' address space. */
export const COUNTED_ANONYMOUS_IP_RULES = ['HostingProviderIPList'];

/**
 * The labels of the counted rules whose matches are logged although WAF lets the request through:
 * the ones that look at what a request carries (a body over 8 KB, script, paths, URLs, the metadata
 * address). The other counted rules describe the sender, not the request: every delivery of a sender
 * hosted on a cloud provider matches HostingProviderIPList, every one of a sender without a
 * User-Agent matches NoUserAgent_HEADER, so logging them would log each of those senders' deliveries
 * in full (about 2 KB each). Their counts stay in WAF's CountedRequests metric per rule.
 */
export const LOGGED_COUNTED_LABELS = [
  'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body',
  'awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body',
  'awswaf:managed:aws:core-rule-set:GenericLFI_Body',
  'awswaf:managed:aws:core-rule-set:GenericRFI_Body',
  'awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body',
];

interface SourceAllowlist {
  readonly source: string;
  readonly pathPattern: string;
  readonly ipSetArns: string[];
}

/**
 * The REGIONAL web ACL in front of the API stage: source allowlists (endpoint-wide, or per source,
 * where a source's own list replaces the endpoint's for that source), a per-IP rate limit for
 * addresses outside every allowlist, and AWS managed rule groups tuned for webhook senders. Logs go
 * to an encrypted aws-waf-logs-* group with the signature headers redacted.
 */
export class WebhookFirewall extends Construct {
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly logGroup: logs.LogGroup;
  private readonly sourceAllowlists: SourceAllowlist[] = [];
  private readonly redactedHeaders = new Set<string>();
  /** IP sets of published sender lists in the allowlists (created by the refresher, counted here). */
  private managedIpSets = 0;
  /** The endpoint-wide allowlist's IP sets (empty without one). */
  public readonly endpointIpSetArns: string[];

  constructor(scope: Construct, id: string, private readonly props: WebhookFirewallProps) {
    super(scope, id);
    this.endpointIpSetArns = props.allowedCidrs ? this.ipSets('EndpointAllowlist', props.allowedCidrs) : [];

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: props.name,
      scope: 'REGIONAL',
      description: 'Webhook endpoint: source allowlist, per-IP rate limit, AWS managed rules tuned for webhook senders',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules: Lazy.any({ produce: () => this.renderRules() }),
      customResponseBodies: { [TOO_LARGE_BODY_KEY]: { contentType: 'APPLICATION_JSON', content: '{"error":"Payload too large"}' } },
    });

    const logGroupName = `aws-waf-logs-${props.name}`;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      redactedFields: Lazy.any({ produce: () => [...this.redactedHeaders].sort().map((name) => ({ singleHeader: { Name: name } })) }),
      // WAF logs each request in full (about 2 KB): for allowed deliveries that is the largest log item
      // per webhook, and it repeats what the access and verifier logs already hold. Blocked and
      // suspicious-but-counted requests are exactly what those two logs never see.
      loggingFilter: props.logAllowedRequests
        ? undefined
        : {
          DefaultBehavior: 'DROP',
          Filters: [
            {
              Behavior: 'KEEP',
              Requirement: 'MEETS_ANY',
              Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, ...LOGGED_COUNTED_LABELS.map((label) => ({ LabelNameCondition: { LabelName: label } }))],
            },
          ],
        },
    });
    logging.node.addDependency(this.logGroup);
  }

  /**
   * Restricts one source's route to its own allowlist (replacing the endpoint's for that route): its
   * static CIDRs and the IP sets of its sender's published list (`managedIpSetArns`, kept by the
   * endpoint's refresher), ORed.
   */
  public addSourceAllowlist(source: string, cidrs: CidrsByVersion, managedIpSetArns: string[] = []): string[] {
    const ipSetArns = [...this.ipSets(`SourceAllowlist-${source}`, cidrs), ...managedIpSetArns];
    this.managedIpSets += managedIpSetArns.length;
    this.sourceAllowlists.push({
      source,
      // Matches the route with or without a stage or base-path prefix, after the path is decoded and
      // normalised (NORMALIZE_PATH folds //, /./ and /../), with any number of trailing slashes.
      pathPattern: `/webhooks/+${source}/*$`,
      ipSetArns,
    });
    return ipSetArns;
  }

  public hasSourceAllowlist(source: string): boolean {
    return this.sourceAllowlists.some((a) => a.source === source);
  }

  /** Keeps a header's value out of the WAF logs (signatures are credentials-adjacent). */
  public redactHeader(name: string): void {
    this.redactedHeaders.add(name.toLowerCase());
  }

  /** Associates the web ACL with a resource (an API Gateway stage ARN). */
  public associate(id: string, resourceArn: string): wafv2.CfnWebACLAssociation {
    return new wafv2.CfnWebACLAssociation(this, id, { resourceArn, webAclArn: this.webAcl.attrArn });
  }

  private ipSets(id: string, cidrs: CidrsByVersion): string[] {
    return (['IPV4', 'IPV6'] as const)
      .filter((version) => cidrs[version].length > 0)
      .map(
        (version) =>
          new wafv2.CfnIPSet(this, `${id}${version === 'IPV4' ? 'V4' : 'V6'}`, {
            scope: 'REGIONAL',
            ipAddressVersion: version,
            addresses: cidrs[version],
            description: `${id} ${version}`,
          }).attrArn,
      );
  }

  /**
   * Web ACL capacity units the rules need, by AWS's published costs: the managed groups as listed
   * (MANAGED_GROUP_WCU), a regex match 3 plus 10 per text transformation, an IP set reference 1, a
   * rate-based statement 2 plus its scope-down, logical statements the sum of theirs.
   */
  public capacity(): number {
    return this.renderRules().reduce((sum, rule) => sum + statementCapacity(rule.statement as wafv2.CfnWebACL.StatementProperty), 0);
  }

  /** Statements referencing an IP set or a rule group (WAF allows 50 per web ACL). */
  public referenceStatements(): number {
    const text = JSON.stringify(this.renderRules());
    return (text.match(/"ipSetReferenceStatement"/g) ?? []).length + (text.match(/"managedRuleGroupStatement"/g) ?? []).length;
  }

  /** IP sets the endpoint creates (WAF's default quota is 100 per account and Region). */
  public get ipSetCount(): number {
    return this.node.children.filter((c) => c instanceof wafv2.CfnIPSet).length + this.managedIpSets;
  }

  private renderRules(): wafv2.CfnWebACL.RuleProperty[] {
    const rules: Omit<wafv2.CfnWebACL.RuleProperty, 'priority'>[] = [];
    // Every source with its own allowlist shares one rule (WAF bills $1 a rule-month): an OR over those
    // sources, each branch AND(this source's route, NOT(in this source's IP sets)), so a request is
    // blocked exactly when one of the former per-source rules blocked it. Upgrading from a release with
    // one rule per source, CloudFormation updates the web ACL in place: the SourceAllowlist-<source>
    // rules (and their <acl>-SourceAllowlist-<source> metrics) are replaced by SourceAllowlists and its
    // <acl>-SourceAllowlists metric, and the rules after it move up in priority.
    if (this.sourceAllowlists.length > 0) {
      rules.push({
        name: 'SourceAllowlists',
        action: { block: {} },
        statement: anyOf(
          this.sourceAllowlists.map((a) => ({ andStatement: { statements: [pathMatches(a.pathPattern), not(inIpSets(a.ipSetArns))] } })),
        ),
        visibilityConfig: visibility(`${this.props.name}-SourceAllowlists`),
      });
    }
    if (this.endpointIpSetArns.length > 0) {
      const outsideList = not(inIpSets(this.endpointIpSetArns));
      const ownListRoutes = this.sourceAllowlists.map((a) => pathMatches(a.pathPattern));
      rules.push({
        name: 'EndpointAllowlist',
        action: { block: {} },
        statement:
          ownListRoutes.length === 0 ? outsideList : { andStatement: { statements: [outsideList, not(anyOf(ownListRoutes))] } },
        visibilityConfig: visibility(`${this.props.name}-EndpointAllowlist`),
      });
    }
    // Senders post every customer's deliveries from the same few addresses (Stripe's 12 serve every
    // Stripe account), so anyone could aim their own deliveries from a sender here and get genuine ones
    // rate-blocked. Allowlisted addresses are not counted; stage throttling and each verifier's
    // reserved concurrency still bound them.
    const allowlisted = [...this.endpointIpSetArns, ...this.sourceAllowlists.flatMap((a) => a.ipSetArns)];
    rules.push({
      name: 'RateLimitPerIp',
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit: this.props.rateLimit,
          evaluationWindowSec: this.props.rateLimitWindow.toSeconds(),
          aggregateKeyType: 'IP',
          scopeDownStatement: allowlisted.length > 0 ? not(inIpSets(allowlisted)) : undefined,
        },
      },
      visibilityConfig: visibility(`${this.props.name}-RateLimitPerIp`),
    });
    rules.push(managedGroup(this.props.name, 'AWSManagedRulesAmazonIpReputationList', []));
    rules.push(managedGroup(this.props.name, 'AWSManagedRulesCommonRuleSet', COUNTED_COMMON_RULES));
    rules.push(managedGroup(this.props.name, 'AWSManagedRulesKnownBadInputsRuleSet', []));
    rules.push(managedGroup(this.props.name, 'AWSManagedRulesAnonymousIpList', COUNTED_ANONYMOUS_IP_RULES));
    // Last, so the rules before keep their priorities. A body whose event could never reach a verifier
    // (Lambda refuses an invocation over 6 MiB, and API Gateway would answer a 5xx, which senders retry
    // for days) is answered 413 here, whoever sends it.
    // Smaller bodies over a source's own maxBodySize get their 413 from the verifier. A request without
    // Content-Length (chunked) is not matched, and gets API Gateway's answer.
    rules.push({
      name: 'BodyTooLarge',
      action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: TOO_LARGE_BODY_KEY } } },
      statement: {
        regexMatchStatement: {
          regexString: greaterThanPattern(LARGEST_BODY_BYTES),
          fieldToMatch: { singleHeader: { Name: 'content-length' } },
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      },
      visibilityConfig: visibility(`${this.props.name}-BodyTooLarge`),
    });
    return rules.map((rule, priority) => ({ ...rule, priority }));
  }
}

/** Capacity of the AWS managed rule groups used here (AWS's documentation of each group, 2026-11). */
export const MANAGED_GROUP_WCU: Record<string, number> = {
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesAnonymousIpList: 50,
};

function statementCapacity(statement: wafv2.CfnWebACL.StatementProperty): number {
  const s = statement as Record<string, any>;
  if (s.managedRuleGroupStatement) return MANAGED_GROUP_WCU[s.managedRuleGroupStatement.name] ?? 1500;
  if (s.ipSetReferenceStatement) return 1;
  if (s.regexMatchStatement) return 3 + 10 * (s.regexMatchStatement.textTransformations ?? []).filter((t: { type: string }) => t.type !== 'NONE').length;
  if (s.rateBasedStatement) return 2 + (s.rateBasedStatement.scopeDownStatement ? statementCapacity(s.rateBasedStatement.scopeDownStatement) : 0);
  if (s.notStatement) return statementCapacity(s.notStatement.statement);
  if (s.andStatement) return s.andStatement.statements.reduce((n: number, x: wafv2.CfnWebACL.StatementProperty) => n + statementCapacity(x), 0);
  if (s.orStatement) return s.orStatement.statements.reduce((n: number, x: wafv2.CfnWebACL.StatementProperty) => n + statementCapacity(x), 0);
  return 1;
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metricName.slice(0, 128) };
}

function managedGroup(aclName: string, name: string, countedRules: string[]): Omit<wafv2.CfnWebACL.RuleProperty, 'priority'> {
  return {
    name,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: countedRules.length > 0 ? countedRules.map((rule) => ({ name: rule, actionToUse: { count: {} } })) : undefined,
      },
    },
    visibilityConfig: visibility(`${aclName}-${name}`),
  };
}

function pathMatches(pattern: string): wafv2.CfnWebACL.StatementProperty {
  return {
    regexMatchStatement: {
      regexString: pattern,
      fieldToMatch: { uriPath: {} },
      // Decode and normalise first so /webhooks/%62illing or /webhooks//./billing cannot slip past a
      // rule written for /webhooks/billing.
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'NORMALIZE_PATH' },
        { priority: 2, type: 'LOWERCASE' },
      ],
    },
  };
}

function inIpSets(arns: string[]): wafv2.CfnWebACL.StatementProperty {
  const refs = arns.map((arn) => ({ ipSetReferenceStatement: { arn } }));
  return refs.length === 1 ? refs[0] : { orStatement: { statements: refs } };
}

function anyOf(statements: wafv2.CfnWebACL.StatementProperty[]): wafv2.CfnWebACL.StatementProperty {
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}

function not(statement: wafv2.CfnWebACL.StatementProperty): wafv2.CfnWebACL.StatementProperty {
  return { notStatement: { statement } };
}
