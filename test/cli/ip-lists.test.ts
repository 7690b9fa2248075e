import { CreateIPSetCommand, DeleteIPSetCommand, GetIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { HardenedWebhookEndpoint, SenderIpRanges, SignatureScheme } from '../../lib';
import { AwsContext } from '../../lib/cli/aws/context';
import { DiscoveredEndpoint, DiscoveredIpSet, discoverEndpoints, StackDescription, Template } from '../../lib/cli/aws/discovery';
import { groupWafBlocks, ipListText, parseWafBlock, readIpLists, sourceOfUri } from '../../lib/cli/aws/ip-lists';
import { formatStatus, StatusReport } from '../../lib/cli/aws/status';
import { formatTail, tail } from '../../lib/cli/aws/tail';
import { formatStamp } from '../../lib/handlers/ip-ranges/stamp';
import { MotoServer, startMoto } from '../e2e/support/moto';
import { TEST_NOW } from '../support/clock';
import { newStack } from '../support/stacks';

// `status` and `tail` for sources that follow their sender's published IP list: the managed sets found
// from the stack, read from moto's WAFv2 with the real SDK client; WAF's blocked requests by source.
const NOW = TEST_NOW;
const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';

/** An endpoint with a source following GitHub's list, one following Stripe's with static CIDRs too, and one without. */
function endpointTemplate(): Template {
  const stack = newStack();
  new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'dev',
    endpointName: 'test-hooks',
    allowAnySourceIp: true,
    sources: {
      billing: { scheme: SignatureScheme.standardWebhooks() },
      github: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() },
      payments: { scheme: SignatureScheme.stripe(), senderIpRanges: SenderIpRanges.published(), allowedSourceCidrs: ['198.51.100.0/24'] },
    },
  });
  return CdkTemplate.fromStack(stack).toJSON() as Template;
}

/** The stack as deployed: each managed set's physical id its ARN (`ids`, by set name), everything else `<logical id>-physical`. */
function deployed(template: Template, ids: Record<string, string | undefined>): StackDescription {
  return {
    stackName: 'Hooks',
    stackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Hooks/0a1b2c3d`,
    region: REGION,
    accountId: ACCOUNT,
    urlSuffix: 'amazonaws.com',
    template,
    resources: Object.entries(template.Resources ?? {}).map(([logicalId, r]) => {
      const name = r.Properties?.Name as string;
      const physicalId =
        r.Type === 'Custom::WebhookIpSet'
          ? ids[name] && `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/${name}/${ids[name]}`
          : r.Type === 'AWS::SQS::Queue'
            ? `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalId}`
            : `${logicalId}-physical`;
      return { logicalId, type: r.Type, physicalId };
    }),
    outputs: {},
  };
}

describe('discovery: the managed IP sets', () => {
  test('each Custom::WebhookIpSet belongs to its endpoint and source, with its sender, version and WAF id from its ARN', () => {
    const [endpoint] = discoverEndpoints(deployed(endpointTemplate(), { 'test-hooks_github-v4': 'id-g4', 'test-hooks_github-v6': 'id-g6', 'test-hooks_payments-v4': 'id-p4' }));
    const arn = (name: string, id: string) => `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/${name}/${id}`;
    expect(endpoint.ipSets).toEqual([
      { source: 'github', sender: 'github', version: 'IPV4', name: 'test-hooks_github-v4', id: 'id-g4', arn: arn('test-hooks_github-v4', 'id-g4') },
      { source: 'github', sender: 'github', version: 'IPV6', name: 'test-hooks_github-v6', id: 'id-g6', arn: arn('test-hooks_github-v6', 'id-g6') },
      { source: 'payments', sender: 'stripe', version: 'IPV4', name: 'test-hooks_payments-v4', id: 'id-p4', arn: arn('test-hooks_payments-v4', 'id-p4') },
      // Not created (yet): no physical id, so no WAF id.
      { source: 'payments', sender: 'stripe', version: 'IPV6', name: 'test-hooks_payments-v6' },
    ]);
  });
});

describe('status: each published list\'s size and age, from moto\'s WAFv2', () => {
  let moto: MotoServer;
  let waf: WAFV2Client;
  let context: AwsContext;

  beforeAll(async () => {
    moto = await startMoto();
    waf = new WAFV2Client({ region: REGION, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    context = new (class extends AwsContext {
      override get waf() {
        return waf;
      }
    })({ stack: 'Hooks' });
  });
  afterAll(async () => {
    waf?.destroy();
    await moto?.stop();
  });

  async function createSet(name: string, version: 'IPV4' | 'IPV6', addresses: string[], description: string): Promise<string> {
    const out = await waf.send(new CreateIPSetCommand({ Name: name, Scope: 'REGIONAL', IPAddressVersion: version, Addresses: addresses, Description: description }));
    return out.Summary!.Id!;
  }

  test('reads each set by name and id; its stamp gives the age; what cannot be read says why and the rest still report', async () => {
    // GIVEN GitHub's sets refreshed 3 hours ago (fetch) and 2 hours ago, Stripe's IPv4 still the shipped
    // snapshot (2 days old), and Stripe's IPv6 set deleted outside CloudFormation
    const ids = {
      'test-hooks_github-v4': await createSet('test-hooks_github-v4', 'IPV4', ['192.30.252.0/22', '140.82.112.0/20'], formatStamp({ sender: 'github', asOfMs: NOW - 3 * 3_600_000, origin: 'fetch' })),
      'test-hooks_github-v6': await createSet('test-hooks_github-v6', 'IPV6', ['2606:50c0::/32'], formatStamp({ sender: 'github', asOfMs: NOW - 2 * 3_600_000, origin: 'fetch' })),
      'test-hooks_payments-v4': await createSet('test-hooks_payments-v4', 'IPV4', ['3.18.12.63/32'], formatStamp({ sender: 'stripe', asOfMs: NOW - 2 * 86_400_000, origin: 'snapshot' })),
      'test-hooks_payments-v6': await createSet('test-hooks_payments-v6', 'IPV6', [], 'hand edited'),
    };
    const gone = await waf.send(new GetIPSetCommand({ Name: 'test-hooks_payments-v6', Id: ids['test-hooks_payments-v6'], Scope: 'REGIONAL' }));
    await waf.send(new DeleteIPSetCommand({ Name: 'test-hooks_payments-v6', Id: ids['test-hooks_payments-v6'], Scope: 'REGIONAL', LockToken: gone.LockToken }));
    const [endpoint] = discoverEndpoints(deployed(endpointTemplate(), ids));

    // WHEN status reads them
    const lists = await readIpLists(context, endpoint.ipSets!, NOW);

    // THEN each set's size and stamp, and a reason for the one it could not read
    expect(lists).toEqual([
      { source: 'github', sender: 'github', version: 'IPV4', name: 'test-hooks_github-v4', addresses: 2, asOf: new Date(NOW - 3 * 3_600_000).toISOString(), ageSeconds: 3 * 3600, origin: 'fetch' },
      { source: 'github', sender: 'github', version: 'IPV6', name: 'test-hooks_github-v6', addresses: 1, asOf: new Date(NOW - 2 * 3_600_000).toISOString(), ageSeconds: 2 * 3600, origin: 'fetch' },
      { source: 'payments', sender: 'stripe', version: 'IPV4', name: 'test-hooks_payments-v4', addresses: 1, asOf: new Date(NOW - 2 * 86_400_000).toISOString(), ageSeconds: 2 * 86400, origin: 'snapshot' },
      { source: 'payments', sender: 'stripe', version: 'IPV6', name: 'test-hooks_payments-v6', error: expect.stringMatching(/no longer exists in WAF .*redeploy the stack/) },
    ]);
    // One line per source: the total, by version, and the older set's age (what the stale alarm watches).
    expect(ipListText(lists.slice(0, 2))).toBe("github's published list: 3 addresses (IPv4 2, IPv6 1), confirmed 3h ago (2026-11-28 09:00:00Z, fetched from the sender)");
    expect(ipListText(lists.slice(2))).toMatch(/^stripe's published list: 1 address \(IPv4 1\), age unknown; IPv6 set test-hooks_payments-v6: the set no longer exists/);
  });

  test('a set whose description is not the refresher\'s stamp, or not yet created, is reported as such', async () => {
    const id = await createSet('test-hooks_x-v4', 'IPV4', ['192.0.2.0/24'], 'edited by hand');
    const sets: DiscoveredIpSet[] = [
      { source: 'x', sender: 'github', version: 'IPV4', name: 'test-hooks_x-v4', id },
      { source: 'x', sender: 'github', version: 'IPV6', name: 'test-hooks_x-v6' },
    ];
    const [foreign, missing] = await readIpLists(context, sets, NOW);
    expect(foreign).toMatchObject({ addresses: 1, error: expect.stringMatching(/not the refresher's stamp \("edited by hand"\); the refresher counts it as oldest/) });
    expect(missing).toMatchObject({ error: expect.stringMatching(/not in the stack's resources yet/) });
  });

  test('the report shows the list under its source', () => {
    const report: StatusReport = {
      stack: 'Hooks',
      region: REGION,
      checkedAt: new Date(NOW).toISOString(),
      endpoints: [
        {
          name: 'test-hooks',
          alarmsInAlarm: [],
          errors: [],
          sources: [{ name: 'github', scheme: 'github', keySource: 'generated', keyAgeSeconds: 60, rotation: { state: 'scheduled' }, alarmsInAlarm: [] }],
          ipLists: [{ source: 'github', sender: 'github', version: 'IPV4', name: 'test-hooks_github-v4', addresses: 7, asOf: new Date(NOW - 3_600_000).toISOString(), ageSeconds: 3600, origin: 'fetch' }],
        },
      ],
    };
    expect(formatStatus(report)).toContain("    ip list   github's published list: 7 addresses (IPv4 7), confirmed 1h ago");
  });
});

describe('tail: what WAF blocked, by source', () => {
  const sources = ['billing', 'github', 'payments'];
  const record = (uri: string, rule: string, clientIp: string, timestamp = NOW, action = 'BLOCK') =>
    JSON.stringify({ timestamp, action, terminatingRuleId: rule, httpRequest: { clientIp, uri, httpMethod: 'POST' } });

  test('a URI names its source as the web ACL reads it: decoded, normalised, lower-cased, any stage prefix', () => {
    expect(sourceOfUri('/v1/webhooks/github', sources)).toBe('github');
    expect(sourceOfUri('/live/webhooks//GitHub/', sources)).toBe('github');
    expect(sourceOfUri('/webhooks/%67ithub', sources)).toBe('github');
    expect(sourceOfUri('/v1/x/../webhooks/./payments', sources)).toBe('payments');
    expect(sourceOfUri('/v1/webhooks/nosuch', sources)).toBe('-');
    expect(sourceOfUri('/admin', sources)).toBe('-');
    expect(sourceOfUri(undefined, sources)).toBe('-');
  });

  test('reads blocks only; groups by source and rule with the sender list and the most frequent addresses', () => {
    expect(parseWafBlock(record('/v1/webhooks/github', 'SourceAllowlists', '203.0.113.9', NOW, 'ALLOW'), sources)).toBeUndefined();
    expect(parseWafBlock('not json', sources)).toBeUndefined();
    const blocks = [
      record('/v1/webhooks/github', 'SourceAllowlists', '203.0.113.9', NOW - 60_000),
      record('/v1/webhooks/github', 'SourceAllowlists', '203.0.113.9', NOW - 30_000),
      record('/v1/webhooks/github', 'SourceAllowlists', '198.51.100.7', NOW - 90_000),
      record('/v1/webhooks/billing', 'EndpointAllowlist', '192.0.2.1', NOW - 10_000),
      record('/v1/.env', 'AWSManagedRulesKnownBadInputsRuleSet', '192.0.2.66', NOW - 5_000),
    ].map((line) => parseWafBlock(line, sources)!);
    expect(groupWafBlocks(blocks, { github: 'github' })).toEqual([
      { source: 'github', sender: 'github', rule: 'SourceAllowlists', count: 3, clientIps: ['203.0.113.9', '198.51.100.7'], lastSeen: new Date(NOW - 30_000).toISOString() },
      { source: '-', rule: 'AWSManagedRulesKnownBadInputsRuleSet', count: 1, clientIps: ['192.0.2.66'], lastSeen: new Date(NOW - 5_000).toISOString() },
      { source: 'billing', rule: 'EndpointAllowlist', count: 1, clientIps: ['192.0.2.1'], lastSeen: new Date(NOW - 10_000).toISOString() },
    ]);
  });

  test('reads each endpoint\'s aws-waf-logs-<endpoint> group; --source keeps that source\'s blocks', async () => {
    // GIVEN a WAF log group holding blocks on two routes (a CloudWatch Logs client that answers from them)
    const lines = [record('/v1/webhooks/github', 'SourceAllowlists', '203.0.113.9'), record('/v1/webhooks/billing', 'RateLimitPerIp', '192.0.2.1')];
    const asked: FilterLogEventsCommand['input'][] = [];
    const logs = { send: async (command: FilterLogEventsCommand) => (asked.push(command.input), { events: lines.map((message, i) => ({ message, timestamp: NOW - i })) }) };
    const context = new (class extends AwsContext {
      override get logs() {
        return logs as unknown as CloudWatchLogsClient;
      }
    })({ stack: 'Hooks' });
    const [endpoint] = discoverEndpoints(deployed(endpointTemplate(), { 'test-hooks_github-v4': 'a', 'test-hooks_github-v6': 'b' }));
    const withoutVerifierLogs = endpoint.sources.map((s) => ({ ...s, verifierLogGroupName: undefined }));
    const endpoints: DiscoveredEndpoint[] = [endpoint];

    // WHEN tail runs over every source, then over github alone
    const all = await tail(context, withoutVerifierLogs, { stack: 'Hooks', sinceMs: NOW - 900_000, limit: 5, maxEvents: 100, endpoints });
    const github = await tail(context, withoutVerifierLogs.filter((s) => s.name === 'github'), { stack: 'Hooks', sinceMs: NOW - 900_000, limit: 5, maxEvents: 100, endpoints });

    // THEN the WAF log group is asked for blocks, and the report counts them by source and sender list
    expect(asked[0]).toMatchObject({ logGroupName: 'aws-waf-logs-test-hooks', filterPattern: '{ $.action = "BLOCK" }', startTime: NOW - 900_000 });
    expect(all.wafBlocks?.groups.map((g) => [g.source, g.sender, g.rule, g.count])).toEqual([
      ['billing', undefined, 'RateLimitPerIp', 1],
      ['github', 'github', 'SourceAllowlists', 1],
    ]);
    expect(github.wafBlocks?.groups.map((g) => g.source)).toEqual(['github']);
    const text = formatTail(github);
    expect(text).toContain('1 request blocked by WAF:');
    expect(text).toMatch(/SOURCE\s+SENDER LIST\s+RULE\s+COUNT\s+LAST SEEN\s+CLIENT IPS\ngithub\s+github\s+SourceAllowlists\s+1\s+2026-11-28 12:00:00Z\s+203.0.113.9/);
  });
});
