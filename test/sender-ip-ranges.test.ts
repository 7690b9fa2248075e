import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, RUNBOOK, SenderIpRanges, SignatureScheme } from '../lib';
import { PUBLISHED_IP_LISTS } from '../lib/runtime/ip-ranges';
import { ENVIRONMENTS_CONTEXT_KEY, resolveEnvironment } from '../bin/config';
import { ipSetProperties } from '../lib/handlers/ip-ranges/custom-resource';
import { refreshEvent } from '../lib/handlers/ip-ranges/refresh';
import { defaultEndpoint, newStack } from './support/stacks';

// A fixed snapshot, so these tests do not move when the shipped one is refreshed.
jest.mock('../lib/runtime/ip-ranges/snapshot', () => ({
  IP_RANGES_SNAPSHOT: {
    github: { asOf: '2026-12-01T00:00:00Z', url: 'https://api.github.com/meta', addresses: ['192.30.252.0/22', '2606:50c0::/32', '140.82.112.0/20'] },
    stripe: { asOf: '2026-12-02T00:00:00Z', url: 'https://stripe.com/files/ips/ips_webhooks.json', addresses: ['3.18.12.63/32', '54.187.216.72/32'] },
  },
}));

/** The default prod endpoint (billing, endpoint allowlist) with a GitHub source following GitHub's list. */
function withGithub(props: HardenedWebhookEndpointProps = {}, options: { allowedSourceCidrs?: string[] } = {}) {
  const built = defaultEndpoint(props);
  built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published(), ...options });
  return { ...built, t: built.template() };
}

const ipSets = (t: Template) => t.findResources('Custom::WebhookIpSet');

describe('a source following its sender\'s published IP list', () => {
  test('gets two managed IP sets, seeded from the snapshot by version, served by the refresher', () => {
    const { t } = withGithub();
    const sets = ipSets(t);
    expect(Object.values(sets).map((r) => r.Properties)).toEqual([
      {
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^WebhooksFirewallSenderIpRanges[A-Za-z0-9]*Function[0-9A-F]{8}$/), 'Arn'] },
        // CloudFormation waits 6 minutes for an answer (the function's 5 and a margin), not an hour.
        ServiceTimeout: '360',
        Name: 'test-hooks_github-v4',
        IpVersion: 'IPV4',
        Sender: 'github',
        SnapshotAsOf: '2026-12-01T00:00:00Z',
        Addresses: ['140.82.112.0/20', '192.30.252.0/22'],
      },
      {
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^WebhooksFirewallSenderIpRanges[A-Za-z0-9]*Function[0-9A-F]{8}$/), 'Arn'] },
        ServiceTimeout: '360',
        Name: 'test-hooks_github-v6',
        IpVersion: 'IPV6',
        Sender: 'github',
        SnapshotAsOf: '2026-12-01T00:00:00Z',
        Addresses: ['2606:50c0::/32'],
      },
    ]);
    // The refresher reads each as its own (lib/handlers/ip-ranges).
    for (const resource of Object.values(sets)) expect(() => ipSetProperties(resource.Properties)).not.toThrow();
    // One at a time (the refresher's reserved concurrency is 1).
    const [v4, v6] = Object.keys(sets);
    expect(sets[v6].DependsOn).toContain(v4);
    // No static AWS::WAFv2::IPSet for it: CloudFormation never holds the published addresses.
    expect(Object.values(t.findResources('AWS::WAFv2::IPSet')).map((r) => r.Properties.Description)).toEqual(['EndpointAllowlist IPV4']);
  });

  test('the refresher: one per endpoint, reserved concurrency 1, its own KMS log group, the endpoint in its environment', () => {
    const built = defaultEndpoint();
    built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
    built.endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published({ maxShrinkPercent: 20 }) });
    const t = built.template();
    const refreshers = t.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { WEBHOOK_ENDPOINT: 'test-hooks' } }, ReservedConcurrentExecutions: 1 } });
    expect(Object.keys(refreshers)).toHaveLength(1);
    const [fn] = Object.values(refreshers);
    expect(fn.Properties.Environment.Variables).toEqual({ WEBHOOK_ENDPOINT: 'test-hooks', NODE_OPTIONS: '--enable-source-maps' });
    const logGroup = t.findResources('AWS::Logs::LogGroup')[fn.Properties.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Properties.KmsKeyId).toBeDefined();
    expect(Object.keys(ipSets(t))).toHaveLength(4);
  });

  test('IAM: only its own sets, by the endpoint\'s name prefix, and nothing else of WAF', () => {
    const built = defaultEndpoint();
    built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
    built.endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published() });
    const t = built.template();
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy'));
    const wafStatements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('wafv2:')));
    const resources = wafStatements.flatMap((s: { Action: string[]; Resource: unknown }) => {
      expect([...s.Action].sort()).toEqual(['wafv2:CreateIPSet', 'wafv2:DeleteIPSet', 'wafv2:GetIPSet', 'wafv2:UpdateIPSet']);
      return [s.Resource].flat();
    });
    // Rendered with the partition: the resource names as IAM reads them.
    const rendered = resources.map((r: any) => (typeof r === 'string' ? r : r['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'aws')).join('')));
    // One statement by the endpoint's own prefix `<endpoint>_` (no endpoint or source name holds `_`):
    // a removed source's sets stay deletable in the cleanup phase, after the policy update.
    expect(rendered).toEqual(['arn:aws:wafv2:us-east-1:123456789012:regional/ipset/test-hooks_*/*']);
  });

  test('the schedule: rate(interval), the H2 contract\'s input with each set\'s WAF id', () => {
    const { t } = withGithub({ senderIpRangesRefreshInterval: Duration.hours(6), senderIpRangesMaxAge: Duration.days(1) });
    const rules = t.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(6 hours)' } });
    expect(Object.keys(rules)).toHaveLength(1);
    const [rule] = Object.values(rules);
    const target = rule.Properties.Targets[0];
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    // The input is a Fn::Join around the two ids: put placeholders in their place and read the JSON.
    const ids = Object.keys(ipSets(t));
    const joined = target.Input['Fn::Join'][1]
      .map((part: unknown) => (typeof part === 'string' ? part : `<${(part as { 'Fn::GetAtt': string[] })['Fn::GetAtt'].join('.')}>`))
      .join('');
    expect(JSON.parse(joined)).toEqual({
      action: 'refresh-ip-ranges',
      sources: [
        {
          source: 'github',
          sender: 'github',
          maxShrinkPercent: 50,
          sets: [
            { name: 'test-hooks_github-v4', id: `<${ids[0]}.Id>`, version: 'IPV4' },
            { name: 'test-hooks_github-v6', id: `<${ids[1]}.Id>`, version: 'IPV6' },
          ],
        },
      ],
    });
    // The refresher reads it as its own (lib/handlers/ip-ranges), WAF's ids in place.
    expect(() => refreshEvent(JSON.parse(joined.replace(/<[^>]+>/g, 'a1b2c3d4-0000-4000-8000-000000000000')))).not.toThrow();
    // EventBridge may invoke the function, from this rule only.
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [Object.keys(rules)[0], 'Arn'] } });
  });

  test('a deploy-time refresh (Custom::WebhookIpRangesRefresh) runs the schedule\'s exact input once every set exists', () => {
    const { t } = withGithub();
    const [rule] = Object.values(t.findResources('AWS::Events::Rule'));
    const refreshes = Object.entries(t.findResources('Custom::WebhookIpRangesRefresh'));
    expect(refreshes).toHaveLength(1);
    const [[, refresh]] = refreshes;
    // Same function as the sets' service token.
    const [set] = Object.values(ipSets(t));
    expect(refresh.Properties.ServiceToken).toEqual(set.Properties.ServiceToken);
    // After both sets (a renamed set is a new resource, and a new id in the input: the refresh runs again, R1-4).
    expect([...refresh.DependsOn].sort()).toEqual(expect.arrayContaining(Object.keys(ipSets(t)).sort()));
    // Its Input is the rule's input, as JSON text (CloudFormation hands a custom resource's numbers over as strings).
    expect(refresh.Properties.Input).toEqual(rule.Properties.Targets[0].Input);
    // It runs again when a shipped snapshot changes.
    expect(refresh.Properties.SnapshotAsOf).toEqual({ github: '2026-12-01T00:00:00Z' });
    // The function has the time: 39 s of AccessDenied retries, 2 minutes of refresh starts, 5 s fetches.
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WEBHOOK_ENDPOINT: 'test-hooks' }) }, Timeout: 300 });
  });

  test('set names cannot collide across endpoints: <endpoint>_<source>, and a rename is a new resource (new logical id)', () => {
    const names = (endpointName: string, source: string) => {
      const built = defaultEndpoint({ endpointName });
      built.endpoint.addSource(source, { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      return Object.entries(ipSets(built.template())).map(([id, r]) => [id, r.Properties.Name as string]);
    };
    const a = names('hooks', 'eu-github');
    const b = names('hooks-eu', 'github');
    expect(a.map(([, n]) => n)).toEqual(['hooks_eu-github-v4', 'hooks_eu-github-v6']);
    expect(b.map(([, n]) => n)).toEqual(['hooks-eu_github-v4', 'hooks-eu_github-v6']);
    expect(a.map(([id]) => id).filter((id) => b.some(([other]) => other === id))).toEqual([]);
  });

  test('alarms: a refused refresh, and a stale list (missing data breaching), each pointing at its runbook entry', () => {
    const { t } = withGithub();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IpRangesRefused',
      Namespace: 'HardenedWebhook',
      Dimensions: [{ Name: 'Endpoint', Value: 'test-hooks' }, { Name: 'Source', Value: 'github' }],
      Period: 3600,
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('^test-hooks: github: .*#runbook-ip-ranges-refused$'),
      AlarmActions: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IpRangesAgeSeconds',
      Dimensions: [{ Name: 'Endpoint', Value: 'test-hooks' }, { Name: 'Source', Value: 'github' }],
      // The default interval (1 day) and an hour's slack; the default max age (3 days).
      Period: 25 * 3600,
      Statistic: 'Maximum',
      Threshold: 3 * 86400,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('^test-hooks: github: .*3 days.*#runbook-ip-ranges-stale$'),
      AlarmActions: Match.anyValue(),
    });
  });

  test('with allowedSourceCidrs too, the route accepts either (static and managed sets ORed), and the rate rule skips both', () => {
    const { t } = withGithub({}, { allowedSourceCidrs: ['198.51.100.0/24'] });
    const staticId = Object.entries(t.findResources('AWS::WAFv2::IPSet')).find(([, r]) => r.Properties.Description === 'SourceAllowlist-github IPV4')![0];
    const [v4, v6] = Object.keys(ipSets(t));
    const inSets = { OrStatement: { Statements: [staticId, v4, v6].map((id) => ({ IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [id, 'Arn'] } } })) } };
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL'))[0];
    const rules = acl.Properties.Rules as { Name: string; Statement: Record<string, any> }[];
    const sourceRule = rules.find((r) => r.Name === 'SourceAllowlists')!;
    expect(sourceRule.Statement.AndStatement.Statements[1]).toEqual({ NotStatement: { Statement: inSets } });
    const scopeDown = rules.find((r) => r.Name === 'RateLimitPerIp')!.Statement.RateBasedStatement.ScopeDownStatement;
    const counted = JSON.stringify(scopeDown);
    for (const id of [staticId, v4, v6]) expect(counted).toContain(`"${id}"`);
  });

  test('the API resource policy leaves such a route to WAF (a deploy-time list would refuse the new addresses)', () => {
    const { t } = withGithub({}, { allowedSourceCidrs: ['198.51.100.0/24'] });
    const api = Object.values(t.findResources('AWS::ApiGateway::RestApi'))[0];
    const denied = JSON.stringify(api.Properties.Policy.Statement.filter((s: { Effect: string }) => s.Effect === 'Deny'));
    expect(denied).toContain('webhooks/billing');
    expect(denied).not.toContain('webhooks/github');
  });

  test('counts as an allowlist: production takes a source with only senderIpRanges and no endpoint allowlist', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
      endpointName: 'prod-hooks',
      alarmEmail: 'oncall@example.com',
      sources: { github: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() } },
    });
    endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published() });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('a generic source names its sender; the admin role may edit only the static sets, the viewer read the published ones and the refresher\'s log', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
      endpointName: 'prod-hooks',
      alarmEmail: 'oncall@example.com',
      allowedSourceCidrs: ['203.0.113.0/24'],
      accessRoles: { viewers: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/Auditors')], admins: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/Admins')] },
    });
    endpoint.addSource('gh', { scheme: SignatureScheme.standardWebhooks(), senderIpRanges: SenderIpRanges.publishedBy('github'), allowedSourceCidrs: ['198.51.100.0/24'] });
    const t = Template.fromStack(stack);
    expect(Object.values(ipSets(t)).map((r) => r.Properties.Sender)).toEqual(['github', 'github']);
    const edits = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Sid?: string }) => s.Sid?.startsWith('EditAllowlist'));
    const editable = JSON.stringify(edits);
    expect(editable).toContain('SourceAllowlistghV4');
    for (const id of Object.keys(ipSets(t))) expect(editable).not.toContain(id);
    const statements = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.find((st: { Sid?: string }) => st.Sid === 'ReadPublishedListgh')).toEqual({
      Sid: 'ReadPublishedListgh',
      Effect: 'Allow',
      Action: 'wafv2:GetIPSet',
      Resource: Object.keys(ipSets(t)).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
    });
    const refresherLog = Object.keys(t.findResources('AWS::Logs::LogGroup')).find((id) => /^WebhooksFirewallSenderIpRanges[A-Za-z0-9]*FunctionLogGroup/.test(id))!;
    expect(JSON.stringify(statements.filter((st: { Action: unknown }) => JSON.stringify(st.Action).includes('logs:FilterLogEvents')))).toContain(`"${refresherLog}"`);
  });

  test('a source in a group: its sets, alarms and the refresher stay in the endpoint\'s stack, beside the web ACL', () => {
    const built = defaultEndpoint();
    built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published(), group: 'g1' });
    const t = built.template();
    expect(Object.keys(ipSets(t))).toHaveLength(2);
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: Match.stringLikeRegexp('^IpRanges') } }))).toHaveLength(2);
    t.resourceCountIs('AWS::CloudFormation::Stack', 1);
  });

  test('sources without senderIpRanges keep their logical ids and IP sets when another source uses it', () => {
    const build = (withPublished: boolean) => {
      const built = defaultEndpoint();
      built.endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), allowedSourceCidrs: ['3.18.12.63/32'] });
      if (withPublished) built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      return built.template().toJSON().Resources as Record<string, { Type: string; Properties?: unknown }>;
    };
    const before = build(false);
    const after = build(true);
    // Every resource stays, under its id; only the API deployment (a new route) gets a new one, as with any new source.
    const gone = Object.keys(before).filter((id) => !(id in after));
    expect(gone.map((id) => before[id].Type)).toEqual(['AWS::ApiGateway::Deployment']);
    for (const [id, resource] of Object.entries(before)) {
      if (resource.Type === 'AWS::WAFv2::IPSet' || resource.Type === 'AWS::Lambda::Function') expect(after[id]).toEqual(resource);
    }
  });
});

describe('validation', () => {
  test('fails with every problem of senderIpRanges at once, each naming the value and the fix', () => {
    const props: HardenedWebhookEndpointProps = {
      environment: 'dev',
      senderIpRangesRefreshInterval: Duration.minutes(30),
      senderIpRangesMaxAge: Duration.minutes(20),
      sources: {
        a: { scheme: SignatureScheme.zoom(), senderIpRanges: SenderIpRanges.published() },
        b: { scheme: SignatureScheme.standardWebhooks(), senderIpRanges: SenderIpRanges.published() },
        c: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published({ maxShrinkPercent: 0 }) },
        d: { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.publishedBy('github') },
        e: { scheme: SignatureScheme.standardWebhooks(), senderIpRanges: SenderIpRanges.publishedBy('nosuchsender') },
        f: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published({ maxShrinkPercent: 101 }) },
      },
    };
    let message = '';
    try {
      new HardenedWebhookEndpoint(newStack(), 'W', props);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/senderIpRangesRefreshInterval 1800s must be whole minutes from 1 hour to 7 days/);
    expect(message).toMatch(/senderIpRangesMaxAge \(1200s\) must be longer than senderIpRangesRefreshInterval \(1800s\)/);
    expect(message).toMatch(/source "a": senderIpRanges: zoom has no published list to follow \(Zoom publishes .*\); remove senderIpRanges and set allowedSourceCidrs on the source/);
    expect(message).toMatch(/source "b": senderIpRanges: SenderIpRanges.published\(\) takes the scheme's sender, but standard-webhooks names none; use SenderIpRanges.publishedBy\('<sender>'\) \(senders with a published list: .*github.*stripe/);
    expect(message).toMatch(/source "c": senderIpRanges maxShrinkPercent 0 must be a whole number from 1 to 100/);
    expect(message).toMatch(/source "d": senderIpRanges: SenderIpRanges.publishedBy\('github'\) on a stripe source would admit github's addresses .*; use SenderIpRanges.published\(\)/);
    expect(message).toMatch(/source "e": senderIpRanges: "nosuchsender" is not a sender whose published list this library knows \(those it knows: .*github.*\); set allowedSourceCidrs on the source instead/);
    expect(message).toMatch(/source "f": senderIpRanges maxShrinkPercent 101/);
  });

  test('fails if the max age is over two weeks, or not longer than the interval', () => {
    const build = (props: HardenedWebhookEndpointProps) => () =>
      new HardenedWebhookEndpoint(newStack(), 'W', { environment: 'dev', ...props, sources: { gh: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() } } });
    expect(build({ senderIpRangesMaxAge: Duration.days(15) })).toThrow(/senderIpRangesMaxAge 1296000s must be whole minutes up to 14 days/);
    expect(build({ senderIpRangesRefreshInterval: Duration.days(7), senderIpRangesMaxAge: Duration.days(14) })).not.toThrow();
    expect(build({ senderIpRangesRefreshInterval: Duration.days(3) })).toThrow(/senderIpRangesMaxAge \(259200s\) must be longer than senderIpRangesRefreshInterval \(259200s\)/);
    expect(build({ senderIpRangesRefreshInterval: Duration.days(8), senderIpRangesMaxAge: Duration.days(7) })).toThrow(/senderIpRangesRefreshInterval 691200s must be whole minutes from 1 hour to 7 days/);
    expect(build({ senderIpRangesRefreshInterval: Duration.hours(1), senderIpRangesMaxAge: Duration.hours(3) })).not.toThrow();
  });

  test('fails at synth if the schedule is set but no source uses senderIpRanges (never silently ignored)', () => {
    const { stack } = defaultEndpoint({ senderIpRangesRefreshInterval: Duration.hours(12), senderIpRangesMaxAge: Duration.days(2) });
    expect(() => Template.fromStack(stack)).toThrow(
      /senderIpRangesRefreshInterval and senderIpRangesMaxAge are set but no source uses senderIpRanges, so nothing is refreshed; remove them, or give a source senderIpRanges: SenderIpRanges.published\(\)/,
    );
  });
});

describe('the documentation', () => {
  const read = (file: string) => readFileSync(join(__dirname, '..', file), 'utf8');

  test('docs/runbook.md has a runbook entry for every alarm anchor', () => {
    const runbook = read('docs/runbook.md');
    for (const anchor of new Set(Object.values(RUNBOOK))) expect(runbook).toContain(`\n#### ${anchor}\n`);
  });

  test.each(['README.md', 'docs/ip-allowlists.md'])('%s names exactly the senders with a published list', (file) => {
    const listed = /<!-- ip-lists:start -->(.*?)<!-- ip-lists:end -->/.exec(read(file))?.[1];
    expect(listed).toBe(
      Object.keys(PUBLISHED_IP_LISTS)
        .sort()
        .map((sender) => `\`${sender}\``)
        .join(', '),
    );
  });
});

describe('the example app config', () => {
  test('a source takes senderIpRanges: "published"; staging and prod follow Stripe\'s and GitHub\'s lists', () => {
    const environments = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context[ENVIRONMENTS_CONTEXT_KEY];
    for (const name of ['staging', 'prod']) {
      const { props } = resolveEnvironment(environments, name);
      for (const source of ['payments', 'github']) {
        expect(props.sources![source].senderIpRanges).toEqual(SenderIpRanges.published());
        // No hand-copied addresses left where the published list covers them.
        expect(props.sources![source].allowedSourceCidrs).toBeUndefined();
      }
    }
  });

  test('rejects any other value, naming the one it takes', () => {
    const bad = { dev: { sources: { a: { scheme: 'github', senderIpRanges: 'github' }, b: { scheme: 'stripe', senderIpRanges: true } } } };
    expect(() => resolveEnvironment(bad, 'dev')).toThrow(
      /source "a" in "dev" has senderIpRanges "github"; the only value is "published" .*\n.*source "b" in "dev" has senderIpRanges true; the only value is "published"/,
    );
  });
});
