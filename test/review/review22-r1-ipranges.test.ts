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
import { formatStamp } from '../../lib/handlers/ip-ranges/stamp';

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
  test('Update with a new Name carries over the old set\'s refreshed addresses and stamp when they are newer than the snapshot', async () => {
    const refreshedStamp = formatStamp({ sender: 'github', asOfMs: Date.parse('2026-12-06T00:00:00Z'), origin: 'fetch' });
    const refreshed = ['140.82.112.0/20', '143.55.64.0/20', '185.199.108.0/22', '192.30.252.0/22'];
    const { waf, calls } = fakeWaf((name, input) => {
      if (name === 'GetIPSetCommand' && input.Name === 'old-github-v4') {
        return { LockToken: 't', IPSet: { Name: 'old-github-v4', Id: 'old', ARN: 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/old-github-v4/old', IPAddressVersion: 'IPV4', Addresses: refreshed, Description: refreshedStamp } };
      }
      if (name === 'CreateIPSetCommand') return { Summary: { ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/new`, Id: 'new', Name: input.Name } };
      if (name === 'UpdateIPSetCommand') return {};
      if (name === 'GetIPSetCommand') return { LockToken: 't2', IPSet: { Name: input.Name, Id: input.Id, ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/${input.Id}`, IPAddressVersion: 'IPV4', Addresses: ['192.30.252.0/22'], Description: formatStamp({ sender: 'github', asOfMs: Date.parse('2026-12-01T00:00:00Z'), origin: 'snapshot' }) } };
      throw new Error(`unexpected ${name}`);
    });
    const handler = createIpRangesHandler({ waf, endpoint: 'ep', respond: async () => undefined, write: () => undefined });
    const props = { Name: 'new-github-v4', IpVersion: 'IPV4', Sender: 'github', SnapshotAsOf: '2026-12-01T00:00:00Z', Addresses: ['192.30.252.0/22'] };
    await handler(
      cfnEvent('Update', props, {
        PhysicalResourceId: 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/old-github-v4/old',
        OldResourceProperties: { ...props, Name: 'old-github-v4' },
      }),
    );
    // What the new set holds at the end: its Create, or an Update after it.
    const writes = calls.filter((c) => (c.name === 'CreateIPSetCommand' || c.name === 'UpdateIPSetCommand') && c.input.Name === 'new-github-v4');
    expect(writes.at(-1)?.input.Addresses).toEqual(refreshed);
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
    const stripeSet = 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/test-hooks-stripe-v4/0f0e-id';
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
      ([, r]) => /^(Custom::|AWS::CloudFormation::CustomResource)/.test(r.Type) && r.Type !== 'Custom::WebhookIpSet' && JSON.stringify(r.Properties ?? {}).includes('SenderIpRangesFunction'),
    );
    expect(!breaching || deployTimeRun).toBe(true);
  });
  test('(so also) a fresh set serves the shipped snapshot for a whole interval: the schedule is the only refresh', () => {
    const t = endpointWith(['github']);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    const invokers = Object.values(t.toJSON().Resources as Record<string, any>).filter((r) => r.Type !== 'Custom::WebhookIpSet' && /Custom::|CustomResource/.test(r.Type) && JSON.stringify(r.Properties ?? {}).includes('SenderIpRangesFunction'));
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
  test('the rollback Update (old Name again, physical id = the new set) answers SUCCESS pointing at the old set, not WAFDuplicateItemException', async () => {
    const duplicate = () => Object.assign(new Error('exists'), { name: 'WAFDuplicateItemException', $metadata: { httpStatusCode: 400 } });
    const { waf } = fakeWaf((name, input) => {
      // The old set still exists: CloudFormation deletes it only in the cleanup of a successful update.
      if (name === 'CreateIPSetCommand' && input.Name === 'old-github-v4') throw duplicate();
      if (name === 'GetIPSetCommand') return { LockToken: 't', IPSet: { Name: input.Name, Id: input.Id, ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/${input.Id}`, IPAddressVersion: 'IPV4', Addresses: ['192.30.252.0/22'], Description: formatStamp({ sender: 'github', asOfMs: Date.parse('2026-12-01T00:00:00Z'), origin: 'snapshot' }) } };
      if (name === 'CreateIPSetCommand') return { Summary: { ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/${input.Name}/x`, Id: 'x', Name: input.Name } };
      return {};
    });
    const answers: any[] = [];
    const handler = createIpRangesHandler({ waf, endpoint: 'ep', respond: async (_u, body) => void answers.push(JSON.parse(body)), write: () => undefined });
    const oldProps = { Name: 'old-github-v4', IpVersion: 'IPV4', Sender: 'github', SnapshotAsOf: '2026-12-01T00:00:00Z', Addresses: ['192.30.252.0/22'] };
    await handler(cfnEvent('Update', oldProps, { PhysicalResourceId: 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/new-github-v4/new', OldResourceProperties: { ...oldProps, Name: 'new-github-v4' } }));
    expect(answers[0].Status).toBe('SUCCESS');
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
