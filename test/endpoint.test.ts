import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as events from 'aws-cdk-lib/aws-events';
import { COUNTED_COMMON_RULES, HardenedWebhookEndpoint, HmacAlgorithm, LOGGED_COUNTED_LABELS, HmacSignedContent, KeySource, SignatureEncoding, SignatureScheme } from '../lib';
import { customisedEndpoint, defaultEndpoint, newProcessor, newStack } from './support/stacks';
import { verifierPermissions } from './support/verifier-policies';
import { keyIssuedBySender, SCHEME_TYPES } from '../lib/runtime';

function only(template: Template, type: string, props: object = {}) {
  const found = template.findResources(type, props);
  const values = Object.values(found);
  expect(values).toHaveLength(1);
  return values[0] as { Properties: Record<string, any> };
}

describe('REST API', () => {
  const t = defaultEndpoint().template();

  test('is Regional, TLS 1.3 and forward-secret AEAD TLS 1.2 via an enhanced security policy with STRICT endpoint access', () => {
    // SecurityPolicy_TLS13_1_2_2021_06 would also admit CBC and RSA key-exchange suites on TLS 1.2.
    t.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09',
      EndpointAccessMode: 'STRICT',
    });
  });

  test('stage: JSON access logs with the TLS version and no headers, execution logs at ERROR, X-Ray, throttling', () => {
    const stage = only(t, 'AWS::ApiGateway::Stage').Properties;
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({ tlsVersion: '$context.tlsVersion', requestId: '$context.requestId', ip: '$context.identity.sourceIp', status: '$context.status' });
    expect(stage.AccessLogSetting.Format).not.toMatch(/\$input|header/i);
    // What joins a request to the WAF and verifier logs and says what happened to it, nothing more.
    expect(Object.keys(format)).toEqual(['requestId', 'requestTime', 'ip', 'userAgent', 'httpMethod', 'resourcePath', 'tlsVersion', 'status', 'errorType', 'wafStatus', 'responseLatency']);
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.StageName).toBe('v1');
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 }),
    ]);
  });

  test('X-Ray traces 1% of this stage\'s requests by default, with no reservoir', () => {
    const rule = only(t, 'AWS::XRay::SamplingRule').Properties.SamplingRule;
    expect(rule).toMatchObject({
      RuleName: 'test-hooks',
      FixedRate: 0.01,
      ReservoirSize: 0,
      ServiceName: 'test-hooks/v1',
      ServiceType: 'AWS::ApiGateway::Stage',
      Host: '*',
      HTTPMethod: '*',
      URLPath: '*',
      Version: 1,
    });
    expect(JSON.stringify(rule.ResourceARN)).toMatch(/:apigateway:us-east-1::\/restapis\/.*\/stages\/v1/);
    expect(rule.Priority).toBeLessThan(10000);
  });

  test('tracingSampleRate: 1 traces every request; a long endpoint name is shortened to X-Ray\'s 32 characters', () => {
    const name = 'a-very-long-endpoint-name-for-the-tests-01234';
    const rule = only(defaultEndpoint({ tracingSampleRate: 1, tracingReservoir: 5, endpointName: name }).template(), 'AWS::XRay::SamplingRule').Properties.SamplingRule;
    expect(rule).toMatchObject({ FixedRate: 1, ReservoirSize: 5, ServiceName: `${name}/v1` });
    expect(rule.RuleName).toHaveLength(32);
    expect(rule.RuleName.startsWith(name.slice(0, 21))).toBe(true);
  });

  test('the access log group is Standard unless accessLogClass asks for Infrequent Access', () => {
    const stageLogGroup = (tt: Template) => only(tt, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0];
    expect(t.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupClass: Match.anyValue() } })).toEqual({});
    const ia = defaultEndpoint({ accessLogClass: logs.LogGroupClass.INFREQUENT_ACCESS }).template();
    const [id] = Object.keys(ia.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupClass: 'INFREQUENT_ACCESS' } }));
    expect(id).toBe(stageLogGroup(ia));
  });

  test('pre-creates the execution log group so it is encrypted and expires', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/v1']] },
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 365,
    });
  });

  test('POST /webhooks/billing requires the scheme\'s signature headers; every body reaches the verifier as bytes; no CORS', () => {
    t.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'billing' });
    const method = only(t, 'AWS::ApiGateway::Method').Properties;
    expect(method.HttpMethod).toBe('POST');
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.RequestParameters).toEqual({
      'method.request.header.webhook-id': true,
      'method.request.header.webhook-timestamp': true,
      'method.request.header.webhook-signature': true,
    });
    // No body model: with binary media type */* the body arrives as the exact bytes, which the verifier authenticates.
    expect(method.RequestModels).toBeUndefined();
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] });
    expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  });

  test('answers its own errors with generic JSON carrying only the request id', () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      t.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': '{"error":"Request rejected","requestId":"$context.requestId"}' },
      });
    }
  });

  test('a custom domain gets the same enhanced TLS 1.2+ policy with STRICT endpoint access and becomes the only way in', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    const { endpoint, template } = defaultEndpoint({ customDomain: { domainName: 'hooks.example.com', certificate, basePath: 'in' } }, stack);
    const tt = template();
    tt.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'hooks.example.com',
      SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09',
      EndpointAccessMode: 'STRICT',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    tt.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true, SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09' });
    tt.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'in' });
    expect(stack.resolve(endpoint.urlForSource('billing'))).toEqual({ 'Fn::Join': ['', ['https://', { Ref: expect.stringMatching('Domain') }, '/in/webhooks/billing']] });
  });
});

describe('WAF', () => {
  const t = defaultEndpoint().template();
  const acl = only(t, 'AWS::WAFv2::WebACL').Properties;
  const rule = (name: string) => acl.Rules.find((r: { Name: string }) => r.Name === name);

  test('a REGIONAL web ACL is associated with the stage', () => {
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const association = only(t, 'AWS::WAFv2::WebACLAssociation').Properties;
    expect(JSON.stringify(association.ResourceArn)).toContain('/stages/');
  });

  test('blocks addresses outside the allowlist IP set', () => {
    t.hasResourceProperties('AWS::WAFv2::IPSet', { Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24'] });
    expect(rule('EndpointAllowlist')).toMatchObject({ Action: { Block: {} }, Statement: { NotStatement: { Statement: { IPSetReferenceStatement: expect.anything() } } } });
  });

  test('rate-limits per IP (default 3000 per 5 minutes)', () => {
    expect(rule('RateLimitPerIp')).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 3000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } } });
  });

  test('managed rules that would block real senders only count', () => {
    const crs = rule('AWSManagedRulesCommonRuleSet');
    const counted = crs.Statement.ManagedRuleGroupStatement.RuleActionOverrides.map((o: { Name: string; ActionToUse: object }) => {
      expect(o.ActionToUse).toEqual({ Count: {} });
      return o.Name;
    });
    expect(counted).toEqual(expect.arrayContaining(['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericLFI_BODY']));
    expect(rule('AWSManagedRulesAnonymousIpList').Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([
      { Name: 'HostingProviderIPList', ActionToUse: { Count: {} } },
    ]);
    expect(rule('AWSManagedRulesKnownBadInputsRuleSet')).toBeDefined();
    expect(rule('AWSManagedRulesAmazonIpReputationList')).toBeDefined();
  });

  test('logs to an encrypted aws-waf-logs-* group with signature headers redacted', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'), KmsKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', { RedactedFields: [{ SingleHeader: { Name: 'webhook-signature' } }] });
  });

  test('logs blocked requests and those a body-inspecting rule counted, not every allowed delivery', () => {
    const { LoggingFilter: filter } = only(t, 'AWS::WAFv2::LoggingConfiguration').Properties;
    expect(filter.DefaultBehavior).toBe('DROP');
    expect(filter.Filters).toHaveLength(1);
    expect(filter.Filters[0]).toMatchObject({ Behavior: 'KEEP', Requirement: 'MEETS_ANY' });
    const conditions = filter.Filters[0].Conditions;
    expect(conditions).toContainEqual({ ActionCondition: { Action: 'BLOCK' } });
    const labels = conditions.filter((c: any) => c.LabelNameCondition).map((c: any) => c.LabelNameCondition.LabelName);
    expect(labels).toEqual(LOGGED_COUNTED_LABELS);
    // Every counted common rule that inspects the body is logged; the ones matching a sender's every delivery are not.
    for (const rule of COUNTED_COMMON_RULES.filter((r) => r.endsWith('_BODY'))) {
      expect(labels).toContain(`awswaf:managed:aws:core-rule-set:${rule.replace(/_BODY$/, '_Body')}`);
    }
    expect(labels.join()).not.toMatch(/NoUserAgent|HostingProvider/);
  });

  test('wafLogAllowedRequests logs every request', () => {
    const props = only(defaultEndpoint({ wafLogAllowedRequests: true }).template(), 'AWS::WAFv2::LoggingConfiguration').Properties;
    expect(props.LoggingFilter).toBeUndefined();
  });

  test('a source with its own allowlist is held to it, and exempt from the endpoint\'s', () => {
    const { endpoint, template } = defaultEndpoint({ allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    endpoint.addSource('github', { scheme: SignatureScheme.standardWebhooks(), allowedSourceCidrs: ['192.30.252.0/22'] });
    const rules = only(template(), 'AWS::WAFv2::WebACL').Properties.Rules;
    const own = rules.find((r: { Name: string }) => r.Name === 'SourceAllowlists');
    expect(own.Priority).toBe(0);
    expect(own.VisibilityConfig.MetricName).toBe('test-hooks-SourceAllowlists');
    expect(own.Statement.AndStatement.Statements[0].RegexMatchStatement).toMatchObject({
      RegexString: '/webhooks/+github/*$',
      TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }, { Priority: 2, Type: 'LOWERCASE' }],
    });
    const endpointRule = rules.find((r: { Name: string }) => r.Name === 'EndpointAllowlist');
    expect(endpointRule.Statement.AndStatement.Statements[0].NotStatement.Statement.OrStatement.Statements).toHaveLength(2); // v4 + v6 sets
    expect(endpointRule.Statement.AndStatement.Statements[1].NotStatement.Statement.RegexMatchStatement.RegexString).toBe('/webhooks/+github/*$');
  });

  test('every source\'s own allowlist is one rule: OR over the sources of AND(its route, NOT(in its IP sets))', () => {
    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: ['192.30.252.0/22'] });
    endpoint.addSource('shopify', { scheme: SignatureScheme.shopify(), allowedSourceCidrs: ['23.227.32.0/19', '2620:127:f00f::/48'] });
    const rules = only(template(), 'AWS::WAFv2::WebACL').Properties.Rules;
    expect(rules.filter((r: { Name: string }) => /SourceAllowlist/.test(r.Name)).map((r: { Name: string }) => r.Name)).toEqual(['SourceAllowlists']);
    const own = rules.find((r: { Name: string }) => r.Name === 'SourceAllowlists');
    expect(own.Action).toEqual({ Block: {} });
    const route = (source: string) => ({
      RegexMatchStatement: {
        RegexString: `/webhooks/+${source}/*$`,
        FieldToMatch: { UriPath: {} },
        TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }, { Priority: 2, Type: 'LOWERCASE' }],
      },
    });
    const ipSet = (id: string) => ({ IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [expect.stringMatching(id), 'Arn'] } } });
    // Exactly the statements the former SourceAllowlist-github and SourceAllowlist-shopify rules had, one branch each.
    expect(own.Statement).toEqual({
      OrStatement: {
        Statements: [
          { AndStatement: { Statements: [route('github'), { NotStatement: { Statement: ipSet('SourceAllowlistgithubV4') } }] } },
          {
            AndStatement: {
              Statements: [route('shopify'), { NotStatement: { Statement: { OrStatement: { Statements: [ipSet('SourceAllowlistshopifyV4'), ipSet('SourceAllowlistshopifyV6')] } } } }],
            },
          },
        ],
      },
    });
    // The endpoint-wide list still exempts both routes, and the rate limit both lists.
    const endpointRule = rules.find((r: { Name: string }) => r.Name === 'EndpointAllowlist');
    expect(endpointRule.Statement.AndStatement.Statements[1].NotStatement.Statement.OrStatement.Statements).toEqual([route('github'), route('shopify')]);
  });

  test('the API resource policy enforces each route\'s allowlist again, after routing', () => {
    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: ['192.30.252.0/22'] });
    const policy = only(template(), 'AWS::ApiGateway::RestApi').Properties.Policy;
    expect(policy.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Principal: { AWS: '*' }, Resource: 'execute-api:/*' },
      { Action: 'execute-api:Invoke', Effect: 'Deny', Principal: { AWS: '*' }, Resource: 'execute-api:/*/*/webhooks/billing', Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } } },
      { Action: 'execute-api:Invoke', Effect: 'Deny', Principal: { AWS: '*' }, Resource: 'execute-api:/*/*/webhooks/github', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.30.252.0/22'] } } },
    ]);
  });

  test('the path regex matches the route however it is spelled, and only that route', () => {
    const regex = new RegExp('/webhooks/+billing/*$');
    for (const path of ['/v1/webhooks/billing', '/webhooks/billing/', '/v1/webhooks//billing//', '/in/v2/webhooks/billing']) expect(regex.test(path)).toBe(true);
    for (const path of ['/v1/webhooks/billing2', '/v1/webhooks/xbilling', '/v1/webhooks/billing/x']) expect(regex.test(path)).toBe(false);
  });

  test('the rate rule neither counts nor blocks addresses in any allowlist: senders share their egress addresses', () => {
    // GIVEN an endpoint allowlist (IPv4 and IPv6) and a source added later with its own list
    const { endpoint, template } = defaultEndpoint({ allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), allowedSourceCidrs: ['3.18.12.63/32'] });
    // WHEN the web ACL is rendered
    const t2 = template();
    const rateRule = only(t2, 'AWS::WAFv2::WebACL').Properties.Rules.find((r: { Name: string }) => r.Name === 'RateLimitPerIp');
    // THEN only requests from outside all three IP sets are counted, so nobody can get a sender's
    // genuine deliveries blocked by aiming their own deliveries from that sender here
    const ipSets = Object.keys(t2.findResources('AWS::WAFv2::IPSet'));
    expect(ipSets).toHaveLength(3);
    expect(rateRule.Statement.RateBasedStatement).toMatchObject({ Limit: 3000, AggregateKeyType: 'IP' });
    const outside = rateRule.Statement.RateBasedStatement.ScopeDownStatement.NotStatement.Statement.OrStatement.Statements;
    expect(outside.map((s: any) => s.IPSetReferenceStatement.Arn['Fn::GetAtt'][0]).sort()).toEqual(ipSets.sort());
    expect(rateRule.Action).toEqual({ Block: {} });
  });

  test('without any allowlist the rate rule counts every address', () => {
    // GIVEN an endpoint that accepts any source address
    const { template } = defaultEndpoint({ allowedSourceCidrs: undefined, allowAnySourceIp: true });
    // WHEN the web ACL is rendered
    const rateRule = only(template(), 'AWS::WAFv2::WebACL').Properties.Rules.find((r: { Name: string }) => r.Name === 'RateLimitPerIp');
    // THEN the rule has no scope-down statement: it is the per-IP limit for everyone
    expect(rateRule.Statement.RateBasedStatement).toEqual({ Limit: 3000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' });
  });

  test('no allowlist rule at all when any source IP is allowed', () => {
    const { template } = defaultEndpoint({ allowedSourceCidrs: undefined, allowAnySourceIp: true });
    const names = only(template(), 'AWS::WAFv2::WebACL').Properties.Rules.map((r: { Name: string }) => r.Name);
    expect(names).not.toContain('EndpointAllowlist');
    expect(names[0]).toBe('RateLimitPerIp');
  });
});

describe('verifier function', () => {
  const { template } = defaultEndpoint();
  const t = template();
  const verifier = () => only(t, 'AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Verifies billing') } }).Properties;

  test('arm64, newest Node runtime, reserved concurrency, sized, traced, with its own log group', () => {
    expect(verifier()).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 10,
      MemorySize: 256,
      Timeout: 10,
      TracingConfig: { Mode: 'Active' },
      // JSON, so Lambda drops its START/END/REPORT lines below WARN; the verifier's own lines stay.
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching('VerifierLogGroup') }, LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' },
    });
  });

  test('its environment names the secret and queue but holds no key material', () => {
    const env = verifier().Environment.Variables;
    expect(env).toMatchObject({ WEBHOOK_SCHEME: '{"type":"standard-webhooks","headerPrefix":"webhook"}', WEBHOOK_MAX_BODY_BYTES: '262144', WEBHOOK_TOLERANCE_SECONDS: '300' });
    expect(JSON.stringify(t.toJSON())).not.toMatch(/whsec_/);
    // Exactly these, all configuration: the secret is named by ARN and read at run time.
    expect(Object.keys(env).sort()).toEqual([
      'NODE_OPTIONS',
      'WEBHOOK_DEDUPE_LOCK_SECONDS',
      'WEBHOOK_DEDUPE_RETENTION_SECONDS',
      'WEBHOOK_DEDUPE_TABLE',
      'WEBHOOK_ENDPOINT',
      'WEBHOOK_KEY_SOURCE',
      'WEBHOOK_MAX_BODY_BYTES',
      'WEBHOOK_QUEUE_URL',
      'WEBHOOK_SCHEME',
      'WEBHOOK_SECRET_ARN',
      'WEBHOOK_SECRET_CACHE_SECONDS',
      'WEBHOOK_SOURCE',
      'WEBHOOK_TOLERANCE_SECONDS',
    ]);
    expect(env.WEBHOOK_SECRET_ARN).toEqual({ Ref: expect.stringMatching('SigningSecret') });
  });

  test('its only permissions: its log group, X-Ray, its own secret, its queue, KMS via those services', () => {
    const policies = t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('SourcebillingVerifierRole') }] } });
    const statements = (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
    expect(statements.map((s: { Action: string | string[] }) => s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      'secretsmanager:GetSecretValue',
      'kms:Decrypt',
      'sqs:SendMessage',
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      ['kms:GenerateDataKey', 'kms:Decrypt'],
    ]);
    expect(statements[5].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['billing#*'] } });
    expect(JSON.stringify(statements)).not.toMatch(/"Action":"[^"]*\*"/);
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('queue', () => {
  test('CMK-encrypted, TLS-only, redrive to a 14-day DLQ after 5 receives', () => {
    const t = defaultEndpoint().template();
    t.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      VisibilityTimeout: 300,
    });
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1209600 });
    const policies = t.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const p of Object.values(policies) as any[]) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });

  test('a processor gets partial batch failures, and the visibility timeout is 6× its timeout', () => {
    const stack = newStack();
    const processor = newProcessor(stack, Duration.seconds(45));
    const { template } = defaultEndpoint({ processor }, stack);
    const t = template();
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270, RedrivePolicy: Match.anyValue() });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
  });

  test('bring your own queue: the verifier sends there and no queue is created', () => {
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', 'arn:aws:sqs:us-east-1:123456789012:existing');
    const { endpoint, template } = defaultEndpoint({ queue }, stack);
    const t = template();
    t.resourceCountIs('AWS::SQS::Queue', 0);
    expect(endpoint.deadLetterQueue).toBeUndefined();
    expect(JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'))).toContain('arn:aws:sqs:us-east-1:123456789012:existing');
  });

  test('grantConsumeMessages lets a consumer receive, delete and decrypt', () => {
    const stack = newStack();
    const { endpoint, template } = defaultEndpoint({}, stack);
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    endpoint.grantConsumeMessages(role);
    const doc = JSON.stringify(template().findResources('AWS::IAM::Policy'));
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'kms:Decrypt']) expect(doc).toContain(action);
  });
});

describe('signing secret and rotation', () => {
  const t = defaultEndpoint().template();

  test('CMK-encrypted, generated as a key set, named per endpoint and source, retained in prod', () => {
    t.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        KmsKeyId: Match.anyValue(),
        Name: Match.stringLikeRegexp('^webhooks/.+/billing$'),
        GenerateSecretString: { SecretStringTemplate: '{"previous":[]}', GenerateStringKey: 'current', PasswordLength: 44, ExcludePunctuation: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('rotates every 30 days and at once on creation, keeping the old key 24 h', () => {
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' }, RotateImmediatelyOnUpdate: true });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Rotates'),
      Environment: { Variables: Match.objectLike({ WEBHOOK_GRACE_SECONDS: '86400', WEBHOOK_SOURCE: 'billing' }) },
      ReservedConcurrentExecutions: 2,
    });
  });

  test('only Secrets Manager, for this secret, may invoke the rotation function', () => {
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: Match.stringLikeRegexp('SigningSecret') },
      SourceAccount: '123456789012',
    });
  });

  test('the rotation role may invoke its own function (RotateSecret requires it for a revoke), by resource policy', () => {
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationFunction'), 'Arn'] },
      Principal: { 'Fn::GetAtt': [Match.stringLikeRegexp('RotationFunctionRole'), 'Arn'] },
    });
  });

  test('rotation role touches only its secret, and the key only through Secrets Manager', () => {
    const policies = t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('RotationFunctionRole') }] } });
    const statements = (Object.values(policies)[0] as any).Properties.PolicyDocument.Statement;
    expect(statements[2]).toMatchObject({
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:RotateSecret',
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
      ],
      Resource: { Ref: expect.stringMatching('SigningSecret') },
    });
    expect(statements[3]).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } });
    expect(statements[4]).toMatchObject({ Action: 'events:PutEvents', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:event-bus/default']] } });
    expect(statements).toHaveLength(5);
    expect(JSON.stringify(statements)).not.toContain('GetRandomPassword');
  });
});

describe('resource policies for AWS services', () => {
  const templates: [string, Template][] = [
    ['default', defaultEndpoint().template()],
    ['customised', customisedEndpoint().template()],
  ];

  test.each(templates)('%s endpoint: every Lambda permission for an AWS service names the account (SourceAccount)', (_name, t) => {
    // GIVEN the synthesized endpoint (API Gateway invoking each verifier, Secrets Manager each rotation function)
    // WHEN its Lambda permissions for service principals are collected
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
    const forServices = permissions.filter((p) => typeof p.Principal === 'string' && p.Principal.endsWith('.amazonaws.com'));
    // THEN each is scoped to this account as well as to its source ARN (CT.LAMBDA.PR.2)
    expect(forServices.map((p) => p.Principal)).toContain('apigateway.amazonaws.com');
    for (const p of forServices) expect(p).toMatchObject({ SourceAccount: '123456789012', SourceArn: expect.anything() });
  });

  test.each(templates)('%s endpoint: fails if the key lets anyone create a grant that is not for an AWS resource (CT.KMS.PR.3)', (_name, t) => {
    // GIVEN the endpoint's key policy
    const statements = only(t, 'AWS::KMS::Key').Properties.KeyPolicy.Statement as any[];
    // WHEN the statement Control Tower's guard rule looks for is picked out
    const deny = statements.filter((s) => s.Effect === 'Deny' && s.Action === 'kms:CreateGrant');
    // THEN there is exactly one, for every principal, denying grants unless they are for an AWS
    // resource or made by an AWS service
    expect(deny).toEqual([
      {
        Sid: 'DenyGrantsExceptForAwsResources',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      },
    ]);
  });
});

describe('alarms, key and logs', () => {
  const t = defaultEndpoint().template();

  test('the alarm topic is encrypted, TLS-only, and lets this account\'s CloudWatch alarms publish', () => {
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // enforceSSL replaces the default topic policy: CloudWatch must be let in explicitly.
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:123456789012:alarm:*']] } } },
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  test('one key with rotation on, usable by CloudWatch Logs and alarms', () => {
    t.resourceCountIs('AWS::KMS::Key', 1);
    const key = only(t, 'AWS::KMS::Key').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const principals = JSON.stringify(key.KeyPolicy.Statement.map((s: { Principal: unknown }) => s.Principal));
    expect(principals).toContain('logs.us-east-1.amazonaws.com');
    expect(principals).toContain('cloudwatch.amazonaws.com');
  });

  test('every log group is encrypted and expires (a year in prod, three months in staging, a month in dev)', () => {
    for (const [env, days] of [['prod', 365], ['staging', 90], ['dev', 30]] as const) {
      const groups = Object.values(defaultEndpoint({ environment: env }).template().findResources('AWS::Logs::LogGroup')) as any[];
      expect(groups.length).toBe(5); // access, execution, WAF, verifier, rotation
      for (const g of groups) expect(g.Properties).toMatchObject({ KmsKeyId: expect.anything(), RetentionInDays: days });
    }
  });

  test('bring your own key and topic', () => {
    const stack = newStack();
    const encryptionKey = kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const alarmTopic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:us-east-1:123456789012:pager');
    const t2 = defaultEndpoint({ encryptionKey, encryptionKeyPolicyManagedExternally: true, alarmTopic, alarmEmail: undefined }, stack).template();
    t2.resourceCountIs('AWS::KMS::Key', 0);
    t2.resourceCountIs('AWS::SNS::Topic', 0);
    t2.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:123456789012:pager'] });
  });

  test('dev destroys what it created on delete; prod retains', () => {
    defaultEndpoint({ environment: 'dev' }).template().hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
    defaultEndpoint({ environment: 'dev', removalPolicy: RemovalPolicy.RETAIN }).template().hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });
});

describe('composition', () => {
  test('sources can be given as props, each with its own function, secret and route', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Hooks', {
      environment: 'staging',
      sources: { billing: { scheme: SignatureScheme.standardWebhooks() }, notify: { scheme: SignatureScheme.svix() } },
    });
    expect(endpoint.sources.map((s) => s.sourceName)).toEqual(['billing', 'notify']);
    expect(stack.resolve(endpoint.metricOutcome('Accepted').toMetricConfig().mathExpression?.expression)).toBe('m0 + m1');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    t.resourceCountIs('AWS::ApiGateway::Method', 2);
    t.hasResourceProperties('AWS::ApiGateway::Method', { RequestParameters: Match.objectLike({ 'method.request.header.svix-signature': true }) });
  });
});

describe('dedupe table and sender presets', () => {
  test('on-demand, CMK, TTL, point-in-time recovery, deletion protection in prod', () => {
    const t = defaultEndpoint().template();
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_DEDUPE_RETENTION_SECONDS: '604800' }) },
    });
  });

  test('a dedupe claim\'s lock outlives the verifier\'s timeout by 5 s, whatever the timeout', () => {
    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('slow', { scheme: SignatureScheme.github(), timeout: Duration.seconds(28) });
    const t = template();
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 10, Environment: { Variables: Match.objectLike({ WEBHOOK_SOURCE: 'billing', WEBHOOK_DEDUPE_LOCK_SECONDS: '15' }) } });
    t.hasResourceProperties('AWS::Lambda::Function', { Timeout: 28, Environment: { Variables: Match.objectLike({ WEBHOOK_SOURCE: 'slow', WEBHOOK_DEDUPE_LOCK_SECONDS: '33' }) } });
  });

  test('deduplication: false creates no table and grants nothing on one', () => {
    const t = defaultEndpoint({ deduplication: false }).template();
    t.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(JSON.stringify(t.toJSON())).not.toContain('dynamodb:');
  });

  test.each([
    ['stripe', SignatureScheme.stripe(), ['stripe-signature'], true],
    // Delivery ids nothing signs are metadata only: not required at the API either.
    ['github', SignatureScheme.github(), ['x-hub-signature-256'], false],
    ['slack', SignatureScheme.slack(), ['x-slack-signature', 'x-slack-request-timestamp'], false],
    ['shopify', SignatureScheme.shopify(), ['x-shopify-hmac-sha256'], true],
    ['twilio', SignatureScheme.twilio(), ['x-twilio-signature'], false],
    ['hmac', SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA512, signatureHeader: 'X-Sig', encoding: SignatureEncoding.BASE64, signedContent: HmacSignedContent.TIMESTAMP_BODY, timestampHeader: 'X-Ts' }), ['x-sig', 'x-ts'], true],
  ])('%s: the route requires its headers, and answers POST only', (name, scheme, headers) => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    endpoint.addSource(name, { scheme });
    const method = only(Template.fromStack(stack), 'AWS::ApiGateway::Method').Properties;
    expect(Object.keys(method.RequestParameters)).toEqual(headers.map((h) => `method.request.header.${h}`));
    expect(method.HttpMethod).toBe('POST');
  });

  test('Notion hands its key over in an unsigned POST: the gateway requires no signature header of it, and its secret awaits the key', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', endpointName: 'hooks' });
    endpoint.addSource('docs', { scheme: SignatureScheme.notion() });
    const t = Template.fromStack(stack);
    const method = only(t, 'AWS::ApiGateway::Method').Properties;
    expect(method.RequestParameters ?? {}).toEqual({});
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'webhooks/hooks/docs',
      GenerateSecretString: { SecretStringTemplate: JSON.stringify({ previous: [], awaitingKey: true }), GenerateStringKey: 'current' },
    });
  });

  test('Notion: captures go to a capture secret of their own (CMK, created holding {}), the only secret the verifier may write; its signing secret it can only read', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', endpointName: 'hooks' });
    const source = endpoint.addSource('docs', { scheme: SignatureScheme.notion() });
    const t = Template.fromStack(stack);
    const secrets = t.findResources('AWS::SecretsManager::Secret');
    const idNamed = (name: string) => Object.entries(secrets).find(([, r]) => r.Properties.Name === name)![0];
    const signingId = idNamed('webhooks/hooks/docs');
    const captureId = idNamed('webhooks/hooks/_captured/docs');
    expect(secrets[captureId].Properties).toMatchObject({ SecretString: '{}', KmsKeyId: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } });
    expect(stack.resolve(source.captureSecret!.secretArn)).toEqual({ Ref: captureId });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ARN: { Ref: signingId }, WEBHOOK_CAPTURE_SECRET_ARN: { Ref: captureId } }) },
    });
    const [{ statements }] = verifierPermissions(t.toJSON().Resources);
    const secretStatements = statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: signingId } }),
      expect.objectContaining({ Action: 'secretsmanager:PutSecretValue', Resource: { Ref: captureId } }),
    ]);
    expect(secretStatements.every((s) => s.Condition === undefined)).toBe(true);
    // Its key: write only for the capture secret (Secrets Manager's encryption context names it).
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': { Ref: captureId } } },
      }),
    );
    expect(JSON.stringify(t.toJSON())).not.toContain('secretsmanager:VersionStage');
    // Repeated refusals page (through the auth-anomaly composite).
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CaptureRefused',
      Dimensions: Match.arrayWith([{ Name: 'Source', Value: 'docs' }]),
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmDescription: Match.stringLikeRegexp('#runbook-capture-refused$'),
    });
  });

  test('Notion with generated keys: no capture secret, nothing to write', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', endpointName: 'hooks' });
    endpoint.addSource('docs', { scheme: SignatureScheme.notion(), keySource: KeySource.GENERATED });
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::SecretsManager::Secret')).map((r) => r.Properties.Name)).toEqual(['webhooks/hooks/docs']);
    const verifier = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.WEBHOOK_QUEUE_URL !== undefined)!;
    expect(verifier.Properties.Environment.Variables.WEBHOOK_CAPTURE_SECRET_ARN).toBeUndefined();
  });

  test('WooCommerce pings unsigned when a webhook is saved: the gateway requires no signature header of its route (the verifier does, of everything but the ping)', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    endpoint.addSource('shop', { scheme: SignatureScheme.sender('woocommerce') });
    endpoint.addSource('pay', { scheme: SignatureScheme.stripe() });
    const t = Template.fromStack(stack);
    const requiredOf = (path: string) => {
      const resourceId = Object.entries(t.findResources('AWS::ApiGateway::Resource')).find(([, r]) => r.Properties.PathPart === path)![0];
      const method = Object.values(t.findResources('AWS::ApiGateway::Method')).find((m) => m.Properties.ResourceId?.Ref === resourceId && m.Properties.HttpMethod === 'POST')!;
      return method.Properties.RequestParameters ?? {};
    };
    expect(SignatureScheme.sender('woocommerce').requiredHeaders).toContain('x-wc-webhook-signature');
    expect(requiredOf('shop')).toEqual({});
    // A scheme without an unsigned handshake keeps its required signature header at the gateway.
    expect(requiredOf('pay')).toEqual({ 'method.request.header.stripe-signature': true });
  });

  test.each([
    ['meta', SignatureScheme.meta()],
    ['dropbox', SignatureScheme.dropbox()],
    ['okta', SignatureScheme.okta()],
  ])('%s: verifies the endpoint with a GET, so the route answers GET too, through the same verifier', (name, scheme) => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    endpoint.addSource(name, { scheme });
    const t = Template.fromStack(stack);
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'POST']);
    expect(methods[0].Integration.Uri).toEqual(methods[1].Integration.Uri);
    expect(methods.find((m) => m.HttpMethod === 'GET').RequestParameters).toBeUndefined();
  });

  test('Twilio\'s verifier is told the public URL, custom domain and base path included', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc');
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', customDomain: { domainName: 'hooks.example.com', certificate, basePath: 'in' } });
    endpoint.addSource('sms', { scheme: SignatureScheme.twilio() });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_PUBLIC_URL: { 'Fn::Join': ['', ['https://', { Ref: Match.anyValue() }, '/in/webhooks/sms']] } }) },
    });
  });

  test('Twilio on the execute-api URL: built from the API id and stage, without a dependency cycle', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    endpoint.addSource('sms', { scheme: SignatureScheme.twilio() });
    const fn = only(Template.fromStack(stack), 'AWS::Lambda::Function', { Properties: { Environment: { Variables: { WEBHOOK_SOURCE: 'sms' } } } }).Properties;
    expect(JSON.stringify(fn.Environment.Variables.WEBHOOK_PUBLIC_URL)).toMatch(/execute-api\.us-east-1\..*\/v1\/webhooks\/sms/);
  });
});

describe('rotation hand-off, imported keys, revoke', () => {
  test('Stripe keys are imported: no rotation function or schedule; the verifier honours the grace window itself', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    const source = endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), gracePeriod: Duration.hours(12) });
    const t = Template.fromStack(stack);
    expect(source.keySource).toBe(KeySource.IMPORTED);
    expect(source.rotationFunction).toBeUndefined();
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WEBHOOK_KEY_SOURCE: 'imported', WEBHOOK_GRACE_SECONDS: '43200' }) } });
    expect(() => source.grantRevoke(new iam.AccountRootPrincipal())).toThrow(/revokePrevious/);
  });

  test('a failed or abandoned rotation of any of the endpoint\'s secrets reaches the alarm topic through one EventBridge rule', () => {
    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github() });
    const t = template();
    const rules = t.findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['AWS Service Event via CloudTrail'] } } });
    expect(Object.keys(rules)).toHaveLength(1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationFailed', 'RotationAbandoned'],
          // Every secret of this endpoint is named webhooks/<endpointName>/<source>; the trailing "/" keeps "test-hooks2" out.
          additionalEventData: { SecretId: [{ prefix: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:webhooks/test-hooks/']] } }] },
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('AlarmTopic') } })],
    });
  });

  test('rejects publishing by another account\'s EventBridge rules: the topic and key policies name no EventBridge principal; the rules publish through a role only this account\'s <endpoint>-* rules can assume', () => {
    // GIVEN an endpoint with a source (a rotation-failure and a secret-read rule)
    const t = defaultEndpoint().template();
    const policies = JSON.stringify([t.findResources('AWS::SNS::TopicPolicy'), only(t, 'AWS::KMS::Key').Properties.KeyPolicy]);
    // THEN neither the topic's policy nor the key's lets events.amazonaws.com in directly
    expect(policies).not.toContain('events.amazonaws.com');
    // AND every rule targeting the topic names itself under the endpoint and publishes through one role
    const rules = Object.values(t.findResources('AWS::Events::Rule')).map((r: any) => r.Properties);
    const toTopic = rules.filter((r) => JSON.stringify(r.Targets).includes('AlarmTopic'));
    expect(toTopic.length).toBe(2);
    for (const r of toTopic) {
      expect(r.Name).toMatch(/^test-hooks-(rotation-failed-any-source|secret-read-billing)$/);
      expect(r.Targets).toEqual([expect.objectContaining({ RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^WebhooksAlarmPublisherRole/), 'Arn'] } })]);
    }
    // AND that role trusts EventBridge only for this account's rules named for this endpoint
    const [role] = Object.values(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })] } } })) as any[];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:rule/test-hooks-*']] } },
    });
    // AND it may publish to the topic and use the key only through SNS
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WebhooksAlarmPublisherRole') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('AlarmTopic') } },
          { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: Match.anyValue(), Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } } },
        ],
      },
    });
  });

  test('rejects another account\'s alarms using the key: CloudWatch may use it only for this account\'s alarms', () => {
    const statements = only(defaultEndpoint().template(), 'AWS::KMS::Key').Properties.KeyPolicy.Statement as any[];
    const cloudwatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(cloudwatch).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:123456789012:alarm:*']] } },
        },
      }),
    ]);
  });

  test('rule names stay within EventBridge\'s 64 characters under the longest endpoint and source names', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', endpointName: 'e'.repeat(48), allowAnySourceIp: true });
    endpoint.addSource('s'.repeat(40), { scheme: SignatureScheme.github() });
    endpoint.addSource('s'.repeat(39) + 't', { scheme: SignatureScheme.github() });
    const names = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((r: any) => r.Properties.Name);
    // a secret-read rule per source, one rotation-failure rule for the endpoint
    expect(names.length).toBe(3);
    for (const name of names) expect(name).toMatch(new RegExp(`^${'e'.repeat(48)}-[A-Za-z0-9-]{1,15}$`));
    expect(new Set(names).size).toBe(3);
  });

  test('schedule expression, sender hook and custom event bus', () => {
    const stack = newStack();
    const hook = lambda.Function.fromFunctionAttributes(stack, 'Hook', { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:push', role: new iam.Role(stack, 'HookRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) });
    const eventBus = events.EventBus.fromEventBusArn(stack, 'Bus', 'arn:aws:events:us-east-1:123456789012:event-bus/webhooks');
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', eventBus });
    endpoint.addSource('gh', { scheme: SignatureScheme.github(), rotationScheduleExpression: 'cron(0 9 ? * MON#1 *)', senderHook: hook });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'cron(0 9 ? * MON#1 *)' } });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_SENDER_HOOK_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:push', WEBHOOK_EVENT_BUS: 'webhooks' }) },
    });
    const policies = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('arn:aws:events:us-east-1:123456789012:event-bus/webhooks');
    expect(policies).toContain('arn:aws:lambda:us-east-1:123456789012:function:push');
    // The hook reads the pending key itself.
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('secretsmanager:GetSecretValue');
  });

  test('grantRevoke lets an operator invoke the rotation function', () => {
    const stack = newStack();
    const { source, template } = defaultEndpoint({}, stack);
    source.grantRevoke(new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(JSON.stringify(template().findResources('AWS::IAM::Policy'))).toContain('lambda:InvokeFunction');
  });
});

describe('every sender of the catalogue has a preset', () => {
  const camel = (type: string) => type.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  // Senders whose scheme needs configuration: their presets take it, and sender(type) says so.
  const CONFIGURED: Record<string, () => SignatureScheme> = {
    sns: () => SignatureScheme.sns({ topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] }),
    paypal: () => SignatureScheme.paypal({ webhookId: '1JE4291016473214C' }),
    plaid: () => SignatureScheme.plaid({ clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' }),
    salesforce: () => SignatureScheme.salesforce({ organizationId: '00D5e000000KQ2eEAG' }),
    'apple-app-store': () => SignatureScheme.appleAppStore({ bundleId: 'com.example.app', appAppleId: 1234567890 }),
    pubsub: () => SignatureScheme.pubsub({ audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@p.iam.gserviceaccount.com' }),
  };
  // No secret: keys fetched (SNS, PayPal, Pub/Sub), or none at all (Apple chains to its pinned root; Salesforce signs nothing).
  const PUBLISHED = ['sns', 'paypal', 'pubsub', 'apple-app-store', 'salesforce'];

  test.each(SCHEME_TYPES.filter((t) => t !== 'hmac'))('%s: SignatureScheme.%s() equals SignatureScheme.sender(type), with the catalogue\'s key source', (type) => {
    const preset = CONFIGURED[type]?.() ?? (SignatureScheme as unknown as Record<string, () => SignatureScheme>)[camel(type)]();
    expect(preset.schemeType).toBe(type);
    expect(preset.defaultKeySource).toBe(PUBLISHED.includes(type) ? KeySource.PUBLISHED : keyIssuedBySender(type) ? KeySource.IMPORTED : KeySource.GENERATED);
    if (CONFIGURED[type]) expect(() => SignatureScheme.sender(type)).toThrow(new RegExp(`${type} needs its configuration: use SignatureScheme\\.${camel(type)}\\(`));
    else expect(SignatureScheme.sender(type).toJson()).toBe(type === 'standard-webhooks' ? JSON.stringify({ type }) : preset.toJson());
  });

  test('an unknown sender is refused, naming the known ones and the generic way', () => {
    expect(() => SignatureScheme.sender('stripe-ish')).toThrow(/Unknown sender "stripe-ish": give one of .*square.*, or describe it with SignatureScheme.hmac\(\)/);
  });
});
