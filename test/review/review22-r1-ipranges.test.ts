// Reviewer R1, issue 22 part 1 (sender IP allowlists that stay current). Each test states the behaviour
// the fix should give; each fails on the working tree as reviewed.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { HardenedWebhookEndpoint, SenderIpRanges, SignatureScheme } from '../../lib';
import { splitCidrs } from '../../lib/runtime/ip-ranges/cidrs';
import { decideRefresh } from '../../lib/runtime/ip-ranges/decide';
import { createIpRangesHandler } from '../../lib/handlers/ip-ranges/refresher';
import { isResponseHost } from '../../lib/handlers/ip-ranges/respond';

jest.mock('../../lib/runtime/ip-ranges/snapshot', () => ({
  IP_RANGES_SNAPSHOT: {
    github: { asOf: '2026-12-01T00:00:00Z', url: 'https://api.github.com/meta', addresses: ['192.30.252.0/22', '2606:50c0::/32', '140.82.112.0/20'] },
    stripe: { asOf: '2026-12-02T00:00:00Z', url: 'https://stripe.com/files/ips/ips_webhooks.json', addresses: ['3.18.12.63/32', '54.187.216.72/32'] },
  },
}));

const GITHUB_NOW = ['140.82.112.0/20', '143.55.64.0/20', '185.199.108.0/22', '192.30.252.0/22', '2606:50c0::/32', '2a0a:a440::/29'];

/** What a refresh does with `next` against `current`: the refresher's own path (splitCidrs, then decideRefresh). */
function refreshOutcome(current: string[], nextEntries: string[], maxShrinkPercent = 50): string {
  let next: { IPV4: string[]; IPV6: string[] };
  try {
    next = splitCidrs(nextEntries);
  } catch {
    return 'parse-error';
  }
  const decision = decideRefresh({ current, next: [...next.IPV4, ...next.IPV6], maxShrinkPercent });
  return decision.action === 'refuse' ? `refuse:${decision.reason}` : decision.action;
}

describe('R1-1 a published list that covers the whole internet is accepted (allowlist opens)', () => {
  test('0.0.0.0/1 + 128.0.0.0/1 (every IPv4 address, /0 in two halves) added to GitHub\'s list is refused', () => {
    // splitCidrs refuses /0 "because it would let every address through"; two /1s do exactly that, and
    // growth is never counted against the shrink guard.
    expect(refreshOutcome(GITHUB_NOW, [...GITHUB_NOW, '0.0.0.0/1', '128.0.0.0/1'])).not.toBe('update');
  });
  test('::/1 + 8000::/1 (every IPv6 address) is refused', () => {
    expect(refreshOutcome(GITHUB_NOW, [...GITHUB_NOW, '::/1', '8000::/1'])).not.toBe('update');
  });
  test('non-public space (10.0.0.0/8, 127.0.0.0/8) in a sender list is refused', () => {
    expect(refreshOutcome(GITHUB_NOW, [...GITHUB_NOW, '10.0.0.0/8', '127.0.0.0/8'])).not.toBe('update');
  });
});

describe('R1-2 the shrink guard counts CIDR blocks, not addresses', () => {
  test('a /20 narrowed to a /32 (4,095 of 4,105 addresses gone, 99.8%) passes a 50% guard', () => {
    const singles = Array.from({ length: 9 }, (_, i) => `3.18.12.${i + 1}/32`);
    const current = ['140.82.112.0/20', ...singles];
    const next = ['140.82.112.0/32', ...singles];
    expect(refreshOutcome(current, next, 50)).toBe('refuse:shrink');
  });
});

/** A WAFV2Client stand-in recording commands; `script` may throw for a command. */
function fakeWaf(script: (name: string, input: any, call: number) => unknown) {
  const calls: { name: string; input: any }[] = [];
  const waf = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const name = command.constructor.name;
      calls.push({ name, input: command.input });
      return script(name, command.input, calls.filter((c) => c.name === name).length);
    },
  } as unknown as WAFV2Client;
  return { waf, calls };
}

function cfnEvent(RequestType: 'Create' | 'Update' | 'Delete', ResourceProperties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    RequestType,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig=1',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    RequestId: `request-${RequestType}`,
    LogicalResourceId: 'IpSetV4',
    ResourceType: 'Custom::WebhookIpSet',
    ResourceProperties,
    ...extra,
  };
}

const accessDenied = () => Object.assign(new Error('User is not authorized to perform: wafv2:CreateIPSet'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

describe('R1-3 the first Create fails on IAM propagation (no retry of AccessDenied)', () => {
  test('an AccessDeniedException on the first CreateIPSet right after the role\'s policy was attached is retried, and the deploy succeeds', async () => {
    const { waf } = fakeWaf((name, input, call) => {
      if (name === 'CreateIPSetCommand') {
        if (call === 1) throw accessDenied();
        return { Summary: { ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/id-1`, Id: 'id-1', Name: input.Name } };
      }
      throw new Error(`unexpected ${name}`);
    });
    const answers: any[] = [];
    const handler = createIpRangesHandler({ waf, endpoint: 'ep', respond: async (_url, body) => void answers.push(JSON.parse(body)), write: () => undefined, now: () => Date.parse('2026-12-07T00:00:00Z') });
    await handler(cfnEvent('Create', { Name: 'ep-github-v4', IpVersion: 'IPV4', Sender: 'github', SnapshotAsOf: '2026-12-01T00:00:00Z', Addresses: ['192.30.252.0/22'] }));
    expect(answers[0].Status).toBe('SUCCESS');
  });
});

describe('R1-4 a renamed set (source or endpoint renamed) restarts from the snapshot, reverting a newer refresh', () => {
  // Fixed differently from what this test first assumed (carry the old set over on an in-place rename):
  // a rename is now a new resource (R1-8: the set's name is in its logical id), and the deploy-time
  // refresh (R1-6: Custom::WebhookIpRangesRefresh, depending on every set, its input carrying the sets'
  // ids) fills the new set with the sender's current list in the same deploy. What is checked: renaming
  // the endpoint gives new set resources and changes the refresh's input, so the refresh runs again
  // after them.
  const refreshOf = (endpointName: string) => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'prod', endpointName, allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' });
    endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const sets = Object.keys(resources).filter((id) => resources[id].Type === 'Custom::WebhookIpSet').sort();
    const [refreshId, refresh] = Object.entries(resources).find(([, r]) => r.Type === 'Custom::WebhookIpRangesRefresh')!;
    return { sets, refreshId, refresh };
  };
  test('a renamed endpoint has new set resources, and the deploy-time refresh depends on them and runs again', () => {
    const before = refreshOf('old-hooks');
    const after = refreshOf('new-hooks');
    expect(after.sets.filter((id) => before.sets.includes(id))).toEqual([]);
    expect([...after.refresh.DependsOn].sort()).toEqual(expect.arrayContaining(after.sets));
    expect(JSON.stringify(after.refresh.Properties.Input)).toContain('new-hooks_github-v4');
    expect(JSON.stringify(after.refresh.Properties.Input)).not.toEqual(JSON.stringify(before.refresh.Properties.Input));
  });
});

/** The refresher's IAM resources with tokens flattened (partition `aws`). */
function refresherResources(t: Template): string[] {
  const flat = (v: any): string => (typeof v === 'string' ? v : v?.['Fn::Join'] ? v['Fn::Join'][1].map(flat).join(v['Fn::Join'][0]) : v?.Ref === 'AWS::Partition' ? 'aws' : v?.Ref === 'AWS::Region' ? 'us-east-1' : v?.Ref === 'AWS::AccountId' ? '123456789012' : JSON.stringify(v));
  const out: string[] = [];
  for (const policy of Object.values(t.findResources('AWS::IAM::ManagedPolicy'))) {
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      const actions = [statement.Action].flat();
      if (!actions.includes('wafv2:DeleteIPSet')) continue;
      out.push(...[statement.Resource].flat().map(flat));
    }
  }
  return out;
}
const globMatches = (pattern: string, arn: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn);

function endpointWith(sources: string[]) {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'prod', endpointName: 'test-hooks', allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' });
  if (sources.includes('github')) endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
  if (sources.includes('stripe')) endpoint.addSource('stripe', { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published() });
  return Template.fromStack(stack);
}

describe('R1-5 removing a source leaks its IP sets: the policy loses them before CloudFormation deletes them', () => {
  test('after removing the stripe source, the refresher may still GetIPSet/DeleteIPSet the stripe sets it must delete in the cleanup phase', () => {
    const before = refresherResources(endpointWith(['github', 'stripe']));
    // (Fix R1-10 named the sets `<endpoint>_<source>-v4|v6`.)
    const stripeSet = 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/test-hooks_stripe-v4/0f0e-id';
    expect(before.some((p) => globMatches(p, stripeSet))).toBe(true);
    // The ManagedPolicy is updated in the update phase; the stripe Custom::WebhookIpSet resources are
    // deleted in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, by this function, with the updated policy.
    const after = refresherResources(endpointWith(['github']));
    expect(after.some((p) => globMatches(p, stripeSet))).toBe(true);
  });
});

describe('R1-6 the stale alarm fires on every first deploy: missing data is breaching and nothing refreshes at deploy', () => {
  test('either a refresh (or an age datapoint) happens at deploy, or the stale alarm does not treat the first interval\'s missing data as breaching', () => {
    const t = endpointWith(['github']);
    const stale = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'IpRangesAgeSeconds' } }));
    expect(stale).toHaveLength(1);
    const breaching = stale[0].Properties.TreatMissingData === 'breaching';
    // Anything besides the two Custom::WebhookIpSet that invokes the refresher during the deploy.
    const deployTimeRun = Object.entries(t.toJSON().Resources as Record<string, any>).some(
      ([, r]) => /^(Custom::|AWS::CloudFormation::CustomResource)/.test(r.Type) && r.Type !== 'Custom::WebhookIpSet' && JSON.stringify(r.Properties ?? {}).match(/SenderIpRanges[A-Za-z0-9]*Function/) !== null,
    );
    expect(!breaching || deployTimeRun).toBe(true);
  });
  test('(so also) a fresh set serves the shipped snapshot for a whole interval: the schedule is the only refresh', () => {
    const t = endpointWith(['github']);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    const invokers = Object.values(t.toJSON().Resources as Record<string, any>).filter((r) => r.Type !== 'Custom::WebhookIpSet' && /Custom::|CustomResource/.test(r.Type) && JSON.stringify(r.Properties ?? {}).match(/SenderIpRanges[A-Za-z0-9]*Function/) !== null);
    expect(invokers.length).toBeGreaterThan(0);
  });
});

describe('R1-7 the CloudFormation answer may go to any *.amazonaws.com host, including hosts anyone can own', () => {
  test.each(['ec2-198-51-100-7.compute-1.amazonaws.com', 'abcd1234.execute-api.us-east-1.amazonaws.com', 'my-own-bucket.s3.amazonaws.com'])('%s is refused', (host) => {
    expect(isResponseHost(host)).toBe(false);
  });
  test('CloudFormation\'s response bucket host is accepted', () => {
    expect(isResponseHost('cloudformation-custom-resource-response-useast1.s3.amazonaws.com')).toBe(true);
  });
  // (Added with the fix.) Every endpoint form S3 addresses the response buckets by; nothing else on S3.
  test.each([
    'cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com',
    'cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com',
    'cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com',
    'cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn',
  ])('%s is accepted', (host) => expect(isResponseHost(host)).toBe(true));
  test.each(['cloudformation-custom-resource-response-useast1.s3.evil.amazonaws.com', 'x.cloudformation-custom-resource-response-useast1.s3.amazonaws.com', 'cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example'])('%s is refused', (host) => expect(isResponseHost(host)).toBe(false));
});

describe('R1 check (passes): handler EMF and the alarms agree on names and dimensions', () => {
  test('Endpoint dimension = WEBHOOK_ENDPOINT, metric names exact', () => {
    const t = endpointWith(['github']);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WEBHOOK_ENDPOINT: 'test-hooks' }) } });
    for (const name of ['IpRangesRefused', 'IpRangesAgeSeconds']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: name,
        Namespace: Match.anyValue(),
        Dimensions: Match.arrayWith([{ Name: 'Endpoint', Value: 'test-hooks' }, { Name: 'Source', Value: 'github' }]),
      });
    }
  });
});

describe('R1-8 a failed deploy that renamed the endpoint cannot roll back (Update back to the old Name creates a duplicate)', () => {
  // Fixed differently from what this test first assumed (an in-place rename that rolls back): the set's
  // name is in its construct id, so a rename is a Create of a new resource and the Delete of the old one
  // in cleanup; a failed deploy rolls back by deleting the new set, and the old one was never touched.
  // CreateIPSet goes through a client with maxAttempts 1, so an SDK retry never meets its own first attempt.
  test('a renamed endpoint gives its sets new logical ids (Create + Delete, no rename Update)', () => {
    const logicalIds = (endpointName: string) => {
      const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
      const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'prod', endpointName, allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' });
      endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      const t = Template.fromStack(stack);
      return Object.entries(t.findResources('Custom::WebhookIpSet')).map(([id, r]) => [id, r.Properties.Name]);
    };
    const before = logicalIds('old-hooks');
    const after = logicalIds('new-hooks');
    expect(before.map(([, name]) => name).sort()).toEqual(['old-hooks_github-v4', 'old-hooks_github-v6']);
    for (const [id] of after) expect(before.map(([old]) => old)).not.toContain(id);
  });
  test('CreateIPSet is sent through the one-attempt client, every other call through the retrying one', async () => {
    const { wafClients } = jest.requireActual('../../lib/handlers/ip-ranges/index') as typeof import('../../lib/handlers/ip-ranges/index');
    const clients = wafClients();
    expect(await clients.createWaf.config.maxAttempts()).toBe(1);
    expect(await clients.waf.config.maxAttempts()).toBeGreaterThan(1);
    const created = fakeWaf((_name, input) => ({ Summary: { ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/x`, Id: 'x', Name: input.Name } }));
    const other = fakeWaf(() => { throw new Error('CreateIPSet went through the retrying client'); });
    const answers: any[] = [];
    const handler = createIpRangesHandler({ waf: other.waf, createWaf: created.waf, endpoint: 'ep', respond: async (_u, body) => void answers.push(JSON.parse(body)), write: () => undefined, now: () => Date.parse('2026-12-07T00:00:00Z') });
    await handler(cfnEvent('Create', { Name: 'ep_github-v4', IpVersion: 'IPV4', Sender: 'github', SnapshotAsOf: '2026-12-01T00:00:00Z', Addresses: ['192.30.252.0/22'] }));
    expect(answers[0].Status).toBe('SUCCESS');
    expect(created.calls.map((c) => c.name)).toEqual(['CreateIPSetCommand']);
  });
});

describe('R1-9 the documented interval range "1 hour to 7 days" cannot reach 7 days', () => {
  test('interval 7 days has some accepted senderIpRangesMaxAge', () => {
    const { Duration } = jest.requireActual('aws-cdk-lib');
    const attempt = (maxAgeDays: number) => {
      const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
      const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
        environment: 'prod', endpointName: 'test-hooks', allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com',
        senderIpRangesRefreshInterval: Duration.days(7), senderIpRangesMaxAge: Duration.days(maxAgeDays),
      });
      endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      Template.fromStack(stack);
    };
    const errors: string[] = [];
    const accepted = [7, 8, 14].filter((d) => { try { attempt(d); return true; } catch (e) { errors.push(String((e as Error).message).slice(0, 400)); return false; } });
    expect(errors.join("\n")).toMatch(/senderIpRangesMaxAge/);
    expect(accepted.length).toBeGreaterThan(0);
  });
});

describe('R1-10 managed set names can collide across endpoints (<endpoint>-<source> is ambiguous)', () => {
  test('endpoint "hooks" + source "eu-github" and endpoint "hooks-eu" + source "github" in one account: refused at synth, or distinct names', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
    const names: string[] = [];
    let refused = false;
    try {
      for (const [endpointName, source] of [['hooks', 'eu-github'], ['hooks-eu', 'github']]) {
        const endpoint = new HardenedWebhookEndpoint(stack, `E-${endpointName}`, { environment: 'prod', endpointName, allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' });
        endpoint.addSource(source, { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
      }
      const t = Template.fromStack(stack);
      names.push(...Object.values(t.findResources('Custom::WebhookIpSet')).map((r) => r.Properties.Name));
    } catch {
      refused = true;
    }
    // Otherwise each refresher's IAM (regional/ipset/<exact name>/*) also covers the other endpoint's set,
    // and the second CreateIPSet fails with WAFDuplicateItemException at deploy.
    expect(refused || new Set(names).size === names.length).toBe(true);
  });
});
