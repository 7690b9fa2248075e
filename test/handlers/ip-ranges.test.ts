import { GetIPSetCommand, ListIPSetsCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CustomResourceResponse, NO_SET } from '../../lib/handlers/ip-ranges/custom-resource';
import { createIpRangesHandler, IpRangesDeps, ListFetchError, pinnedListFetcher } from '../../lib/handlers/ip-ranges/refresher';
import { httpsResponder, isResponseHost } from '../../lib/handlers/ip-ranges/respond';
import { formatStamp, parseIsoUtc, parseStamp } from '../../lib/handlers/ip-ranges/stamp';
import { IP_RANGES_METRIC, METRIC_NAMESPACE } from '../../lib/runtime/metrics-contract';
import { MotoServer, startMoto } from '../e2e/support/moto';
import { DAY, HOUR, isoAt, testClock, TEST_NOW } from '../support/clock';
import { createLocalCa, LocalCa } from '../runtime/senders/support/local-ca';

// The sender IP-ranges function (lib/handlers/ip-ranges) against moto's WAFv2 with the real SDK client:
// the Custom::WebhookIpSet lifecycle as CloudFormation drives it, and the scheduled refresh from the
// catalogue's GitHub list (its text injected in place of the fetch).

const REGION = 'us-east-1';
const GITHUB_META = 'https://api.github.com/meta';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation/resp?X-Amz-Signature=secret-signature';
const SNAPSHOT_AS_OF = isoAt(TEST_NOW - 30 * DAY);
const SNAPSHOT = ['192.30.252.0/22', '185.199.108.0/22', '140.82.112.0/20', '143.55.64.0/20', '2a0a:a440::/29', '2606:50c0::/32'];

let moto: MotoServer;
let waf: WAFV2Client;

beforeAll(async () => {
  moto = await startMoto();
  waf = new WAFV2Client({ region: REGION, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});

afterAll(async () => {
  waf?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  const reset = await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
  expect(reset.ok).toBe(true);
});

/** A function of endpoint `orders` with everything observable: the answers, the fetches, the log lines. */
function world(overrides: Partial<IpRangesDeps> = {}) {
  const clock = testClock();
  const answers: { url: string; body: CustomResourceResponse }[] = [];
  const fetched: string[] = [];
  const lines: Record<string, unknown>[] = [];
  let list: string | Error = JSON.stringify({ verifiable_password_authentication: false, hooks: SNAPSHOT, web: ['192.0.2.0/24'] });
  const handler = createIpRangesHandler({
    waf,
    endpoint: 'orders',
    now: clock.now,
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    respond: async (url, body) => {
      answers.push({ url, body: JSON.parse(body) as CustomResourceResponse });
    },
    fetch: async (url) => {
      fetched.push(url);
      if (url !== GITHUB_META) throw new Error(`unexpected fetch of ${url}`);
      if (list instanceof Error) throw list;
      return list;
    },
    ...overrides,
  });
  return {
    clock,
    answers,
    fetched,
    lines,
    handler,
    /** What the GitHub meta API answers next: the `hooks` array, a raw text, or a failure. */
    serve(hooks: string[] | string | Error) {
      list = Array.isArray(hooks) ? JSON.stringify({ hooks, web: ['192.0.2.0/24'] }) : hooks;
    },
    /** The last answer CloudFormation got. */
    answer: () => answers[answers.length - 1].body,
    metrics: () => lines.filter((l) => l.message === 'ip-ranges'),
  };
}

type World = ReturnType<typeof world>;

interface Props {
  Name: string;
  IpVersion: 'IPV4' | 'IPV6';
  Sender: string;
  SnapshotAsOf: string;
  Addresses: string[];
}

const props = (overrides: Partial<Props> = {}): Props => ({
  Name: 'orders-acl-github-v4',
  IpVersion: 'IPV4',
  Sender: 'github',
  SnapshotAsOf: SNAPSHOT_AS_OF,
  Addresses: SNAPSHOT,
  ...overrides,
});

function cfnEvent(RequestType: 'Create' | 'Update' | 'Delete', resource: Partial<Props> | Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:ip-ranges',
    ResponseURL: RESPONSE_URL,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/orders/guid',
    RequestId: `request-${RequestType}`,
    LogicalResourceId: 'GithubV4',
    ResourceType: 'Custom::WebhookIpSet',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:ip-ranges', ...resource },
    ...extra,
  };
}

async function create(w: World, overrides: Partial<Props> = {}): Promise<CustomResourceResponse> {
  await w.handler(cfnEvent('Create', props(overrides)));
  const answer = w.answer();
  expect(answer.Status).toBe('SUCCESS');
  return answer;
}

async function update(w: World, physicalId: string, next: Partial<Props>, old: Partial<Props> = {}): Promise<CustomResourceResponse> {
  await w.handler(cfnEvent('Update', props(next), { PhysicalResourceId: physicalId, OldResourceProperties: props(old) }));
  return w.answer();
}

async function ipSet(answer: Pick<CustomResourceResponse, 'Data'>) {
  const out = await waf.send(new GetIPSetCommand({ Name: answer.Data!.Name, Id: answer.Data!.Id, Scope: 'REGIONAL' }));
  return { addresses: [...(out.IPSet!.Addresses ?? [])].sort(), description: out.IPSet!.Description, stamp: parseStamp(out.IPSet!.Description), version: out.IPSet!.IPAddressVersion };
}

async function ipSetNames(): Promise<string[]> {
  const out = await waf.send(new ListIPSetsCommand({ Scope: 'REGIONAL' }));
  return (out.IPSets ?? []).map((s) => s.Name!).sort();
}

const sorted = (list: string[]) => [...list].sort();
const V4 = SNAPSHOT.filter((a) => !a.includes(':'));
const V6 = SNAPSHOT.filter((a) => a.includes(':'));

/** Another writer changing the set between the function's read and its write, `times` times. */
function racingWaf(times: number): WAFV2Client & { races: number } {
  const racer = { races: 0 } as WAFV2Client & { races: number };
  racer.send = (async (command: unknown) => {
    if (command instanceof UpdateIPSetCommand && racer.races < times) {
      racer.races++;
      const input = command.input;
      const fresh = await waf.send(new GetIPSetCommand({ Name: input.Name, Id: input.Id, Scope: 'REGIONAL' }));
      await waf.send(
        new UpdateIPSetCommand({ Name: input.Name, Id: input.Id, Scope: 'REGIONAL', Addresses: fresh.IPSet!.Addresses, Description: fresh.IPSet!.Description, LockToken: fresh.LockToken }),
      );
    }
    return waf.send(command as never);
  }) as never;
  return racer;
}

describe('Custom::WebhookIpSet', () => {
  test('Create makes the set from the snapshot (its own version only), stamped as the snapshot, and answers with its ARN', async () => {
    const w = world();
    await w.handler(cfnEvent('Create', props()));
    expect(w.answers).toHaveLength(1);
    const { url, body } = w.answers[0];
    expect(url).toBe(RESPONSE_URL);
    expect(body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: expect.stringMatching(/^arn:aws:wafv2:us-east-1:\d{12}:regional\/ipset\/orders-acl-github-v4\/[\w-]+$/),
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/orders/guid',
      RequestId: 'request-Create',
      LogicalResourceId: 'GithubV4',
      NoEcho: false,
      Data: { Arn: body.PhysicalResourceId, Id: expect.any(String), Name: 'orders-acl-github-v4' },
    });
    const set = await ipSet(body);
    expect(set.addresses).toEqual(sorted(V4));
    expect(set.version).toBe('IPV4');
    expect(set.description).toBe('cdk-hardened-webhook sender=github as-of=2026-10-29T12:00:00Z origin=snapshot');

    await w.handler(cfnEvent('Create', props({ Name: 'orders-acl-github-v6', IpVersion: 'IPV6' })));
    expect((await ipSet(w.answer())).addresses).toEqual(sorted(V6));
    expect(w.lines.filter((l) => l.message === 'ip-set')).toMatchObject([
      { level: 'INFO', requestType: 'Create', action: 'created', status: 'SUCCESS' },
      { level: 'INFO', requestType: 'Create', action: 'created', status: 'SUCCESS' },
    ]);
    // The pre-signed URL is a credential: never logged.
    expect(JSON.stringify(w.lines)).not.toContain('secret-signature');
  });

  test('Create of an empty version makes an empty set (the rule can name it; the refresh fills it)', async () => {
    const w = world();
    const answer = await create(w, { Addresses: V6 });
    expect((await ipSet(answer)).addresses).toEqual([]);
  });

  test('Update with an older snapshot never reverts a refreshed set', async () => {
    const w = world();
    const created = await create(w);
    w.clock.advance(HOUR);
    w.serve([...SNAPSHOT, '20.201.28.0/24']);
    await w.handler(refreshEvent([sourceOf(created)]));
    expect((await ipSet(created)).stamp).toEqual({ sender: 'github', asOfMs: TEST_NOW + HOUR, origin: 'fetch' });

    // A redeploy of the same package, and one of an older package (a rollback).
    for (const SnapshotAsOf of [SNAPSHOT_AS_OF, isoAt(TEST_NOW - 90 * DAY)]) {
      const answer = await update(w, created.PhysicalResourceId, { SnapshotAsOf, Addresses: ['198.51.100.0/24'] });
      expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId, Data: created.Data });
      const set = await ipSet(created);
      expect(set.addresses).toEqual(sorted([...V4, '20.201.28.0/24']));
      expect(set.stamp).toEqual({ sender: 'github', asOfMs: TEST_NOW + HOUR, origin: 'fetch' });
    }
    expect(w.lines.filter((l) => l.message === 'ip-set').map((l) => l.action)).toEqual(['created', 'kept', 'kept']);
  });

  test('Update with a newer snapshot moves the set forward, in place', async () => {
    const w = world();
    const created = await create(w);
    const newer = isoAt(TEST_NOW - DAY);
    const answer = await update(w, created.PhysicalResourceId, { SnapshotAsOf: newer, Addresses: ['198.51.100.0/24', '2001:db8::/32'] });
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId, Data: created.Data });
    const set = await ipSet(created);
    expect(set.addresses).toEqual(['198.51.100.0/24']);
    expect(set.description).toBe('cdk-hardened-webhook sender=github as-of=2026-11-27T12:00:00Z origin=snapshot');
  });

  test('Update replaces what a set holds when its stamp cannot be read or names another sender (unreadable counts as oldest)', async () => {
    const w = world();
    const created = await create(w);
    for (const Description of ['edited by hand', 'cdk-hardened-webhook sender=stripe as-of=2099-01-01T00:00:00Z origin=fetch', 'cdk-hardened-webhook sender=github as-of=2099-02-30T00:00:00Z origin=fetch']) {
      const fresh = await waf.send(new GetIPSetCommand({ Name: created.Data!.Name, Id: created.Data!.Id, Scope: 'REGIONAL' }));
      await waf.send(new UpdateIPSetCommand({ Name: created.Data!.Name, Id: created.Data!.Id, Scope: 'REGIONAL', Addresses: ['198.51.100.0/24'], Description, LockToken: fresh.LockToken }));
      expect(await update(w, created.PhysicalResourceId, {})).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
      const set = await ipSet(created);
      expect(set.addresses).toEqual(sorted(V4));
      expect(set.stamp).toEqual({ sender: 'github', asOfMs: Date.parse(SNAPSHOT_AS_OF), origin: 'snapshot' });
    }
  });

  test('Update to another sender under the same name takes the new sender\'s snapshot', async () => {
    const w = world();
    const created = await create(w);
    const answer = await update(w, created.PhysicalResourceId, { Sender: 'stripe', Addresses: ['3.18.12.63'] }, {});
    expect(answer.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(await ipSet(created)).toMatchObject({ addresses: ['3.18.12.63/32'], stamp: { sender: 'stripe', origin: 'snapshot' } });
  });

  test.each([
    ['Name', { Name: 'orders-acl-hooks-v4', IpVersion: 'IPV4' }],
    ['IpVersion', { Name: 'orders-acl-github-v4', IpVersion: 'IPV6' }],
  ] as const)('Update with a new %s creates a new set (new physical id); the old one stays until CloudFormation deletes it', async (_, next) => {
    const w = world();
    const created = await create(w);
    const answer = await update(w, created.PhysicalResourceId, next);
    expect(answer.Status).toBe('SUCCESS');
    expect(answer.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect((await ipSet(answer)).version).toBe(next.IpVersion);
    expect((await ipSet(created)).addresses).toEqual(sorted(V4));

    await w.handler(cfnEvent('Delete', props(), { PhysicalResourceId: created.PhysicalResourceId }));
    expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    expect(await ipSetNames()).toEqual([next.Name]);
  });

  test('Update of a set removed behind the stack\'s back makes it again', async () => {
    const w = world();
    const created = await create(w);
    await w.handler(cfnEvent('Delete', props(), { PhysicalResourceId: created.PhysicalResourceId }));
    const answer = await update(w, created.PhysicalResourceId, {});
    expect(answer.Status).toBe('SUCCESS');
    expect(answer.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect((await ipSet(answer)).addresses).toEqual(sorted(V4));
  });

  test('Delete removes the set; a set already gone, or never made, is deleted too', async () => {
    const w = world();
    const created = await create(w);
    await w.handler(cfnEvent('Delete', props(), { PhysicalResourceId: created.PhysicalResourceId }));
    expect(w.answer()).toEqual({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId, StackId: expect.any(String), RequestId: 'request-Delete', LogicalResourceId: 'GithubV4', NoEcho: false });
    expect(await ipSetNames()).toEqual([]);

    await w.handler(cfnEvent('Delete', props(), { PhysicalResourceId: created.PhysicalResourceId }));
    expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    await w.handler(cfnEvent('Delete', {}, { PhysicalResourceId: NO_SET }));
    expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: NO_SET });
    expect(w.lines.filter((l) => l.message === 'ip-set').map((l) => l.action)).toEqual(['created', 'deleted', 'already-gone', 'already-gone']);
  });

  test('a lock conflict (another writer between read and write) is retried once on a fresh read', async () => {
    const racer = racingWaf(1);
    const w = world({ waf: racer });
    const created = await create(w);
    const answer = await update(w, created.PhysicalResourceId, { SnapshotAsOf: isoAt(TEST_NOW), Addresses: ['198.51.100.0/24'] });
    expect(racer.races).toBe(1);
    expect(answer.Status).toBe('SUCCESS');
    expect((await ipSet(created)).addresses).toEqual(['198.51.100.0/24']);
  });

  test('rejects properties it cannot use: FAILED, a reason that repeats nothing of the request, and no set made', async () => {
    const w = world();
    await w.handler(cfnEvent('Create', props({ Name: 'no spaces <script>', IpVersion: 'IPV5' as 'IPV4', SnapshotAsOf: 'yesterday', Sender: 'Evil Sender' })));
    const answer = w.answer();
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: NO_SET, RequestId: 'request-Create' });
    expect(answer.Reason).toBe(
      'Create failed. Invalid Custom::WebhookIpSet properties: Name must be 1-128 letters, digits, _ or -; IpVersion must be IPV4 or IPV6; Sender must be a catalogue sender name; SnapshotAsOf must be an ISO 8601 UTC time',
    );
    await w.handler(cfnEvent('Create', props({ Addresses: ['192.0.2.0/24', 'evil.example.com'] })));
    expect(w.answer().Reason).toBe('Create failed. Invalid Custom::WebhookIpSet properties: Addresses holds an entry that is not an IP address or CIDR');
    expect(JSON.stringify(w.answers)).not.toMatch(/script|IPV5|yesterday|Evil|evil\.example/);
    expect(await ipSetNames()).toEqual([]);
  });

  test('an AWS error is FAILED naming only its class; an unexpected one is FAILED in general words; both logged', async () => {
    const wafError = Object.assign(new Error('The parameter Addresses 192.0.2.7/24 is not valid'), { name: 'WAFInvalidParameterException', $metadata: {} });
    const refusing = { send: async () => Promise.reject(wafError) } as unknown as WAFV2Client;
    const w = world({ waf: refusing });
    await w.handler(cfnEvent('Create', props()));
    expect(w.answer()).toMatchObject({ Status: 'FAILED', PhysicalResourceId: NO_SET, Reason: 'Create failed: AWS WAF answered WAFInvalidParameterException. See the function\'s log.' });

    const broken = { send: async () => Promise.reject(new TypeError('Cannot read properties of undefined (reading 192.0.2.7)')) } as unknown as WAFV2Client;
    const b = world({ waf: broken });
    await b.handler(cfnEvent('Update', props(), { PhysicalResourceId: 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/orders-acl-github-v4/abc', OldResourceProperties: props() }));
    expect(b.answer()).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'arn:aws:wafv2:us-east-1:123456789012:regional/ipset/orders-acl-github-v4/abc',
      Reason: 'Update failed on an unexpected error. See the function\'s log.',
    });
    expect(JSON.stringify([...w.answers, ...b.answers])).not.toContain('192.0.2.7');
    expect(b.lines).toMatchObject([{ level: 'ERROR', message: 'ip-set', action: 'failed', error: 'TypeError' }]);
  });

  test('an unknown RequestType is answered FAILED, not left waiting', async () => {
    const w = world();
    await w.handler(cfnEvent('Replace' as 'Create', props()));
    expect(w.answer()).toMatchObject({ Status: 'FAILED', Reason: 'The request failed. Unknown RequestType' });
  });

  test('a request whose answer could not go to CloudFormation (a ResponseURL off S3) changes nothing', async () => {
    const w = world({ respond: httpsResponder() });
    await w.handler({ ...cfnEvent('Create', props()), ResponseURL: 'https://attacker.example/collect' });
    await w.handler({ ...cfnEvent('Create', props()), ResponseURL: 'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x' });
    expect(await ipSetNames()).toEqual([]);
    expect(w.lines).toMatchObject([
      { level: 'ERROR', message: 'ip-set', action: 'ignored', answered: false, answerError: 'The ResponseURL is not a CloudFormation response host' },
      { level: 'ERROR', message: 'ip-set', action: 'ignored', answered: false, answerError: 'The ResponseURL is not https' },
    ]);
  });

  test('an answer that cannot be delivered is logged, not thrown (a rerun would make a second set)', async () => {
    const w = world({ respond: async () => Promise.reject(new Error('connect ETIMEDOUT')) });
    await expect(w.handler(cfnEvent('Create', props()))).resolves.toBeUndefined();
    expect(w.lines).toMatchObject([{ level: 'ERROR', message: 'ip-set', action: 'created', answered: false, answerError: 'connect ETIMEDOUT' }]);
  });
});

interface EventSource {
  source: string;
  sender: string;
  maxShrinkPercent: number;
  sets: { name: string; id: string; version: 'IPV4' | 'IPV6' }[];
  [extra: string]: unknown;
}

function sourceOf(...answers: CustomResourceResponse[]): EventSource {
  return {
    source: 'github',
    sender: 'github',
    maxShrinkPercent: 50,
    sets: answers.map((a) => ({ name: a.Data!.Name, id: a.Data!.Id, version: a.Data!.Name.endsWith('-v6') ? 'IPV6' : 'IPV4' })),
  };
}

const refreshEvent = (sources: EventSource[]) => ({ action: 'refresh-ip-ranges', sources });

/** A source `github` with both sets made from the snapshot, as a first deploy leaves it. */
async function deployed(w: World, name = 'orders-acl-github') {
  const v4 = await create(w, { Name: `${name}-v4` });
  const v6 = await create(w, { Name: `${name}-v6`, IpVersion: 'IPV6' });
  return { v4, v6, source: sourceOf(v4, v6) };
}

describe('the scheduled refresh', () => {
  test('updates both sets from the list (IPv4 and IPv6 each to its set), stamps them, and reports the metrics', async () => {
    const w = world();
    const { v4, v6, source } = await deployed(w);
    w.clock.advance(DAY);
    w.serve([...SNAPSHOT, '20.201.28.0/24', '2a0a:a448::/48', '20.201.29.7']);
    const result = await w.handler(refreshEvent([source]));
    expect(result).toEqual({ sources: [{ source: 'github', sender: 'github', outcome: 'updated', count: 9, listed: 9, ageSeconds: 0 }] });
    expect(w.fetched).toEqual([GITHUB_META]);
    expect(await ipSet(v4)).toMatchObject({ addresses: sorted([...V4, '20.201.28.0/24', '20.201.29.7/32']), stamp: { sender: 'github', asOfMs: TEST_NOW + DAY, origin: 'fetch' } });
    expect(await ipSet(v6)).toMatchObject({ addresses: sorted([...V6, '2a0a:a448::/48']), stamp: { asOfMs: TEST_NOW + DAY, origin: 'fetch' } });
    expect(w.metrics()).toEqual([
      {
        level: 'INFO',
        message: 'ip-ranges',
        Endpoint: 'orders',
        Source: 'github',
        sender: 'github',
        outcome: 'updated',
        listed: 9,
        IpRangesRefused: 0,
        IpRangesAgeSeconds: 0,
        IpRangesCount: 9,
        _aws: {
          Timestamp: TEST_NOW + DAY,
          CloudWatchMetrics: [
            {
              Namespace: METRIC_NAMESPACE,
              Dimensions: [['Endpoint', 'Source']],
              Metrics: [
                { Name: 'IpRangesRefused', Unit: 'Count' },
                { Name: 'IpRangesAgeSeconds', Unit: 'Seconds' },
                { Name: 'IpRangesCount', Unit: 'Count' },
              ],
            },
          ],
        },
      },
    ]);
    expect(Object.values(IP_RANGES_METRIC).sort()).toEqual(['IpRangesAgeSeconds', 'IpRangesCount', 'IpRangesRefused']);
  });

  test('an unchanged list renews the stamp (the age is since the last good check) and leaves the addresses', async () => {
    const w = world();
    const { v4, v6, source } = await deployed(w);
    w.clock.advance(2 * DAY);
    w.serve([...SNAPSHOT].reverse());
    expect(await w.handler(refreshEvent([source]))).toMatchObject({ sources: [{ outcome: 'unchanged', count: 6, ageSeconds: 0 }] });
    for (const [answer, addresses] of [[v4, V4], [v6, V6]] as const) {
      expect(await ipSet(answer)).toMatchObject({ addresses: sorted(addresses), stamp: { asOfMs: TEST_NOW + 2 * DAY, origin: 'fetch' } });
    }
    expect(w.metrics()).toMatchObject([{ outcome: 'unchanged', IpRangesRefused: 0, IpRangesAgeSeconds: 0, IpRangesCount: 6 }]);
  });

  describe('refuses a list that looks wrong: keeps the sets, logs why with the counts, and counts IpRangesRefused', () => {
    const SNAPSHOT_AGE_S = (30 * DAY) / 1000;

    test.each([
      ['an empty list', [] as string[], 'empty', /the list is empty \(the sets hold 6 blocks and keep them\)/],
      // Measured in addresses per version: the /20s and one /22 gone leave 1,024 of 10,240 IPv4 addresses.
      ['a list that shrinks beyond maxShrinkPercent', ['192.30.252.0/22', '2a0a:a440::/29'], 'shrink', /remove 9216 of the 10240 IPv4 addresses covered now \(90%, more than the 50% allowed\)/],
      ['a list that more than doubles', [...SNAPSHOT, '20.201.0.0/16'], 'growth', /add 65536 IPv4 addresses to the 10240 covered now/],
      ['a list that covers every address', [...SNAPSHOT, '0.0.0.0/1', '128.0.0.0/1'], 'too-wide', /wider than IPv4 \/16 or IPv6 \/24, e\.g\. 0\.0\.0\.0\/1/],
      ['a list with private space', [...SNAPSHOT, '10.1.0.0/16'], 'not-public', /10\.1\.0\.0\/16 in 10\.0\.0\.0\/8/],
    ])('rejects %s', async (_, hooks, reason, detail) => {
      const w = world();
      const { v4, v6, source } = await deployed(w);
      w.serve(hooks);
      expect(await w.handler(refreshEvent([source]))).toEqual({
        sources: [{ source: 'github', sender: 'github', outcome: 'refused', reason, count: 6, listed: hooks.length, ageSeconds: SNAPSHOT_AGE_S }],
      });
      expect(await ipSet(v4)).toMatchObject({ addresses: sorted(V4), stamp: { origin: 'snapshot', asOfMs: TEST_NOW - 30 * DAY } });
      expect(await ipSet(v6)).toMatchObject({ addresses: sorted(V6), stamp: { origin: 'snapshot' } });
      const [line] = w.metrics();
      expect(line).toMatchObject({ level: 'WARN', outcome: 'refused', reason, listed: hooks.length, IpRangesRefused: 1, IpRangesAgeSeconds: SNAPSHOT_AGE_S, IpRangesCount: 6 });
      expect(line.detail).toMatch(detail);
    });

    test('a shrink within maxShrinkPercent is applied', async () => {
      const w = world();
      const { v4, source } = await deployed(w);
      w.serve(SNAPSHOT.slice(1));
      expect(await w.handler(refreshEvent([{ ...source, maxShrinkPercent: 20 }]))).toMatchObject({ sources: [{ outcome: 'updated', count: 5 }] });
      expect((await ipSet(v4)).addresses).toEqual(sorted(V4.slice(1)));
    });

    test.each([
      ['not JSON (an HTML error page)', '<html><body>Service Unavailable</body></html>'],
      ['JSON without the hooks array', JSON.stringify({ web: ['192.0.2.0/24'] })],
      ['an entry that is not an address', JSON.stringify({ hooks: [...SNAPSHOT, 'hooks.github.com'] })],
    ])('rejects a list that cannot be read: %s', async (_, text) => {
      const w = world();
      const { v4, source } = await deployed(w);
      w.serve(text);
      expect(await w.handler(refreshEvent([source]))).toMatchObject({ sources: [{ outcome: 'refused', reason: 'parse-error', count: 6, ageSeconds: SNAPSHOT_AGE_S }] });
      expect((await ipSet(v4)).addresses).toEqual(sorted(V4));
      expect(w.metrics()).toMatchObject([{ reason: 'parse-error', IpRangesRefused: 1, IpRangesAgeSeconds: SNAPSHOT_AGE_S, error: 'Error' }]);
    });

    test('a failed fetch keeps the sets, and the age keeps growing from the last good check', async () => {
      const w = world();
      const { v4, source } = await deployed(w);
      w.clock.advance(DAY);
      await w.handler(refreshEvent([source]));
      w.clock.advance(3 * DAY);
      w.serve(new ListFetchError('the list\'s host answered HTTP 503'));
      expect(await w.handler(refreshEvent([source]))).toMatchObject({ sources: [{ outcome: 'refused', reason: 'fetch-error', count: 6, ageSeconds: (3 * DAY) / 1000 }] });
      expect((await ipSet(v4)).stamp).toEqual({ sender: 'github', asOfMs: TEST_NOW + DAY, origin: 'fetch' });
      expect(w.metrics()[1]).toMatchObject({ level: 'WARN', reason: 'fetch-error', error: 'ListFetchError', errorMessage: 'the list\'s host answered HTTP 503', IpRangesRefused: 1, IpRangesAgeSeconds: 259200 });
    });
  });

  test('a lock conflict is retried once with a fresh read; a second one refuses this run', async () => {
    const once = racingWaf(1);
    const w = world({ waf: once });
    const { v4, source } = await deployed(w);
    w.serve([...SNAPSHOT, '20.201.28.0/24']);
    expect(await w.handler(refreshEvent([source]))).toMatchObject({ sources: [{ outcome: 'updated', count: 7 }] });
    expect(once.races).toBe(1);
    expect((await ipSet(v4)).addresses).toEqual(sorted([...V4, '20.201.28.0/24']));

    const always = racingWaf(Number.POSITIVE_INFINITY);
    const a = world({ waf: always });
    const second = await deployed(a, 'orders-acl-hooks');
    a.serve([...SNAPSHOT, '20.201.28.0/24']);
    expect(await a.handler(refreshEvent([second.source]))).toMatchObject({ sources: [{ outcome: 'refused', reason: 'waf-error', count: 6 }] });
    expect(always.races).toBe(2);
    expect(a.metrics()).toMatchObject([{ reason: 'waf-error', error: 'WAFOptimisticLockException', IpRangesRefused: 1 }]);
  });

  test('one source failing never stops the next', async () => {
    const w = world();
    const first = await deployed(w, 'orders-acl-github');
    const second = await deployed(w, 'orders-acl-ghe');
    // The first source's IPv6 set is gone (removed behind the stack's back): its refresh fails.
    await w.handler(cfnEvent('Delete', {}, { PhysicalResourceId: first.v6.PhysicalResourceId }));
    w.serve([...SNAPSHOT, '20.201.28.0/24']);
    const result = await w.handler(refreshEvent([first.source, { ...second.source, source: 'enterprise' }, { ...second.source, source: 'unknown', sender: 'not-a-sender' }]));
    expect(result).toMatchObject({
      sources: [
        { source: 'github', outcome: 'refused', reason: 'waf-error' },
        { source: 'enterprise', outcome: 'updated', count: 7 },
        { source: 'unknown', outcome: 'refused', reason: 'unknown-sender' },
      ],
    });
    // Two sources follow GitHub's list: it is fetched once in the run.
    expect(w.fetched).toEqual([GITHUB_META]);
    expect((await ipSet(first.v4)).addresses).toEqual(sorted(V4));
    expect((await ipSet(second.v4)).addresses).toEqual(sorted([...V4, '20.201.28.0/24']));
    // The set that cannot be read has no age to tell: it counts as the oldest there is, and no count.
    expect(w.metrics()[0]).toMatchObject({ Source: 'github', IpRangesRefused: 1, IpRangesAgeSeconds: TEST_NOW / 1000, error: 'WAFNonexistentItemException' });
    expect(w.metrics()[0]).not.toHaveProperty('IpRangesCount');
    expect(w.metrics().map((l) => l.IpRangesRefused)).toEqual([1, 0, 1]);
  });

  test('a set with an unreadable stamp reports the oldest age until a refresh stamps it', async () => {
    const w = world();
    const { v4, source } = await deployed(w);
    const fresh = await waf.send(new GetIPSetCommand({ Name: v4.Data!.Name, Id: v4.Data!.Id, Scope: 'REGIONAL' }));
    await waf.send(new UpdateIPSetCommand({ Name: v4.Data!.Name, Id: v4.Data!.Id, Scope: 'REGIONAL', Addresses: V4, Description: 'edited by hand', LockToken: fresh.LockToken }));
    w.serve([]);
    await w.handler(refreshEvent([source]));
    w.serve(SNAPSHOT);
    await w.handler(refreshEvent([source]));
    expect(w.metrics().map((l) => l.IpRangesAgeSeconds)).toEqual([TEST_NOW / 1000, 0]);
  });

  test('the event cannot name a URL: only the catalogue\'s URL for the sender is fetched', async () => {
    const w = world();
    const { source } = await deployed(w);
    const event = { ...refreshEvent([{ ...source, url: 'https://attacker.example/hooks.json', sender: 'github' }]), url: 'https://attacker.example/' };
    await w.handler(event);
    const unlisted = { ...source, source: 'other', sender: 'attacker', url: 'https://attacker.example/hooks.json' };
    expect(await w.handler(refreshEvent([unlisted]))).toMatchObject({ sources: [{ outcome: 'refused', reason: 'unknown-sender', count: 6 }] });
    expect(w.fetched).toEqual([GITHUB_META]);
  });

  test('rejects an event that is not a well-formed refresh, naming every problem, before touching any set', async () => {
    const w = world();
    await expect(w.handler({ action: 'refresh-ip-ranges', sources: [] })).rejects.toThrow('Not a refresh event: sources must be a non-empty list');
    await expect(
      w.handler(refreshEvent([{ source: 'a b', sender: 'github', maxShrinkPercent: 150, sets: [{ name: 'x', id: 'y', version: 'IPV4' }, { name: 'z', id: 'w', version: 'IPV4' }] }])),
    ).rejects.toThrow('Not a refresh event: sources[0].source must be a source name; sources[0].maxShrinkPercent must be 0-100; sources[0].sets has two sets of one version');
    await expect(w.handler({ action: 'revoke' })).rejects.toThrow(/Unknown event/);
    await expect(w.handler(undefined)).rejects.toThrow(/Unknown event/);
    expect(w.fetched).toEqual([]);
  });

  test('a refresh without the endpoint\'s name fails (its metrics would reach no alarm)', async () => {
    const w = world({ endpoint: undefined });
    await expect(w.handler(refreshEvent([{ source: 'github', sender: 'github', maxShrinkPercent: 50, sets: [{ name: 'x', id: 'y', version: 'IPV4' }] }]))).rejects.toThrow(/WEBHOOK_ENDPOINT/);
  });
});

describe('the stamp', () => {
  test('is written within WAF\'s Description pattern and read back exactly; anything else is unreadable', () => {
    const stamp = formatStamp({ sender: 'github', asOfMs: TEST_NOW + 1234, origin: 'fetch' });
    expect(stamp).toBe('cdk-hardened-webhook sender=github as-of=2026-11-28T12:00:01Z origin=fetch');
    expect(stamp).toMatch(/^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/);
    expect(parseStamp(stamp)).toEqual({ sender: 'github', asOfMs: TEST_NOW + 1000, origin: 'fetch' });
    expect(parseStamp(stamp, 'stripe')).toBeUndefined();
    for (const text of [undefined, '', `${stamp} `, stamp.replace('fetch', 'manual'), stamp.replace('12:00:01Z', '12:00:01+00:00'), stamp.replace('2026-11-28', '2026-02-30')]) {
      expect(parseStamp(text)).toBeUndefined();
    }
    expect(parseIsoUtc('2026-11-28T12:00:00.500Z')).toBe(TEST_NOW + 500);
    expect(parseIsoUtc('2026-11-28')).toBeUndefined();
    expect(() => formatStamp({ sender: 'Not A Sender', asOfMs: TEST_NOW, origin: 'fetch' })).toThrow();
  });
});

describe('over HTTPS (a local server with a certificate from the tests\' own authority)', () => {
  // TLS checks the certificate against the real clock: the leaf is valid from a year before TEST_NOW
  // to nine years after, so this holds on any day the suite could run (and under faketime +400d).
  let ca: LocalCa;
  let server: Server;
  let base: string;
  const received: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    ca = createLocalCa();
    const leaf = ca.issue({ cn: 'localhost', dns: ['localhost'], notBefore: new Date(TEST_NOW - 365 * DAY), notAfter: new Date(TEST_NOW + 9 * 365 * DAY) });
    server = createServer({ key: leaf.privateKey, cert: leaf.certificate }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method, url: request.url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (request.url === '/meta') response.end('{"hooks":["192.30.252.0/22"]}');
        else if (request.url === '/moved') response.writeHead(301, { location: '/meta' }).end();
        else if (request.url?.startsWith('/fail')) response.writeHead(403).end('<Error>SignatureDoesNotMatch</Error>');
        else response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    base = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    ca?.dispose();
  });

  test('the answer to CloudFormation is one PUT with an empty Content-Type and the exact Content-Length', async () => {
    received.length = 0;
    const respond = httpsResponder({ ca: ca.certificate, hostAllowed: (host) => host === 'localhost' });
    const body = JSON.stringify({ Status: 'SUCCESS', Reason: 'é', PhysicalResourceId: 'x', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' });
    await respond(`${base}/response?X-Amz-Signature=abc`, body);
    expect(received).toEqual([
      { method: 'PUT', url: '/response?X-Amz-Signature=abc', headers: expect.objectContaining({ 'content-type': '', 'content-length': String(Buffer.byteLength(body)) }), body },
    ]);
    await expect(httpsResponder({ ca: ca.certificate, hostAllowed: () => true, attempts: 2 })(`${base}/fail`, '{}')).rejects.toThrow('the response URL answered HTTP 403');
    expect(received.filter((r) => r.url === '/fail')).toHaveLength(2);
  });

  test('the answer goes only to https and only to CloudFormation\'s response hosts', async () => {
    await expect(httpsResponder()(`${base}/response`, '{}')).rejects.toThrow('The ResponseURL is not a CloudFormation response host');
    await expect(httpsResponder()('http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', '{}')).rejects.toThrow('The ResponseURL is not https');
    await expect(httpsResponder()('not a url', '{}')).rejects.toThrow('The ResponseURL is not a URL');
    expect(isResponseHost('cloudformation-custom-resource-response-useast1.s3.amazonaws.com')).toBe(true);
    expect(isResponseHost('cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn')).toBe(true);
    expect(isResponseHost('amazonaws.com.attacker.example')).toBe(false);
  });

  test('the list fetcher reads a 200 and refuses a redirect, plain http and an untrusted certificate', async () => {
    const fetchList = pinnedListFetcher({ ca: ca.certificate });
    await expect(fetchList(`${base}/meta`)).resolves.toBe('{"hooks":["192.30.252.0/22"]}');
    expect(received.find((r) => r.url === '/meta')?.headers['user-agent']).toBe('cdk-hardened-webhook-ip-ranges');
    await expect(fetchList(`${base}/moved`)).rejects.toThrow('the list\'s host answered HTTP 301');
    await expect(fetchList(base.replace('https:', 'http:') + '/meta')).rejects.toThrow('only https URLs are fetched');
    await expect(pinnedListFetcher()(`${base}/meta`)).rejects.toThrow();
  });
});

describe('Custom::WebhookIpRangesRefresh: the scheduled refresh, run once at deploy (review R1-6, R1-4)', () => {
  const refreshResource = (RequestType: 'Create' | 'Update' | 'Delete', input: unknown, extra: Record<string, unknown> = {}) => ({
    ...cfnEvent(RequestType, { Input: typeof input === 'string' ? input : JSON.stringify(input), SnapshotAsOf: { github: SNAPSHOT_AS_OF } }),
    ResourceType: 'Custom::WebhookIpRangesRefresh',
    LogicalResourceId: 'DeployRefresh',
    ...extra,
  });

  test('Create refreshes the new sets from the live list at once (not the snapshot), sends the first age datapoint, answers SUCCESS', async () => {
    const w = world();
    const { v4, v6, source } = await deployed(w);
    w.serve([...SNAPSHOT, '20.201.28.0/24']);
    await w.handler(refreshResource('Create', refreshEvent([source])));
    expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ip-ranges-refresh-orders', LogicalResourceId: 'DeployRefresh' });
    expect(w.answer()).not.toHaveProperty('Data');
    expect((await ipSet(v4)).addresses).toEqual(sorted([...V4, '20.201.28.0/24']));
    expect((await ipSet(v4)).stamp).toMatchObject({ origin: 'fetch', asOfMs: TEST_NOW });
    expect((await ipSet(v6)).stamp).toMatchObject({ origin: 'fetch' });
    expect(w.metrics()).toMatchObject([{ outcome: 'updated', IpRangesRefused: 0, IpRangesAgeSeconds: 0 }]);
  });

  test('a refused or failed refresh still answers SUCCESS (the refused alarm tells), keeping the snapshot; the physical id is kept on Update', async () => {
    const w = world();
    const { v4, source } = await deployed(w);
    for (const served of [[] as string[], new ListFetchError('the list\'s host answered HTTP 503'), [...SNAPSHOT, '10.0.0.0/16']]) {
      w.serve(served);
      await w.handler(refreshResource('Update', refreshEvent([source]), { PhysicalResourceId: 'ip-ranges-refresh-orders', OldResourceProperties: {} }));
      expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ip-ranges-refresh-orders' });
      expect((await ipSet(v4)).stamp).toMatchObject({ origin: 'snapshot' });
    }
    expect(w.metrics().map((m) => [m.reason, m.IpRangesRefused])).toEqual([['empty', 1], ['fetch-error', 1], ['not-public', 1]]);
  });

  test('an unreadable input is logged as an error and answered SUCCESS (never fails a deploy); Delete does nothing', async () => {
    const w = world();
    await w.handler(refreshResource('Create', '{not json'));
    expect(w.answer().Status).toBe('SUCCESS');
    expect(w.lines.find((l) => l.message === 'ip-set')).toMatchObject({ level: 'ERROR', action: 'refresh-failed' });
    await w.handler(refreshResource('Create', { action: 'refresh-ip-ranges', sources: [] }));
    expect(w.answer().Status).toBe('SUCCESS');
    const before = await ipSetNames();
    await w.handler(refreshResource('Delete', { action: 'refresh-ip-ranges', sources: [] }, { PhysicalResourceId: 'ip-ranges-refresh-orders' }));
    expect(w.answer()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ip-ranges-refresh-orders' });
    expect(await ipSetNames()).toEqual(before);
    expect(w.fetched).toEqual([]);
  });

  test('sources not started within the deploy budget are left to the schedule (logged, no metrics), so the answer comes in time', async () => {
    const w = world();
    const { source } = await deployed(w);
    // Each fetch takes the whole budget on the test clock.
    const slow = world({ fetch: async () => { w.clock.advance(121_000); return JSON.stringify({ hooks: SNAPSHOT }); }, now: w.clock.now });
    await slow.handler(refreshResource('Create', refreshEvent([source, { ...source, source: 'second' }])));
    expect(slow.answer().Status).toBe('SUCCESS');
    expect(slow.metrics().map((m) => [m.Source, m.outcome])).toEqual([['github', 'unchanged'], ['second', 'skipped']]);
    expect(slow.metrics()[1]).not.toHaveProperty('IpRangesAgeSeconds');
  });
});

describe('CloudFormation requests right after a deploy attached the policy (review R1-3) and other request guards', () => {
  const accessDenied = () => Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

  test('AccessDeniedException is retried with backoff for 39 s, then answered FAILED naming it', async () => {
    const pauses: number[] = [];
    const denying = { send: async () => Promise.reject(accessDenied()) } as unknown as WAFV2Client;
    const w = world({ waf: denying, sleep: async (ms) => void pauses.push(ms) });
    await w.handler(cfnEvent('Create', props()));
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    expect(w.answer()).toMatchObject({ Status: 'FAILED', PhysicalResourceId: NO_SET, Reason: 'Create failed: AWS WAF answered AccessDeniedException. See the function\'s log.' });
  });

  test('a Create denied twice then allowed succeeds against moto', async () => {
    let denied = 0;
    const flaky = { send: async (command: Parameters<WAFV2Client['send']>[0]) => (denied++ < 2 ? Promise.reject(accessDenied()) : waf.send(command as never)) } as unknown as WAFV2Client;
    const w = world({ waf: flaky, sleep: async () => undefined });
    const answer = await create(w);
    expect(answer.Data!.Name).toBe('orders-acl-github-v4');
    expect(await ipSetNames()).toEqual(['orders-acl-github-v4']);
  });

  test('a SnapshotAsOf more than 5 minutes after the function\'s clock is refused (it would pin the set against every later deploy)', async () => {
    const w = world();
    await w.handler(cfnEvent('Create', props({ SnapshotAsOf: isoAt(TEST_NOW + 6 * 60_000) })));
    expect(w.answer()).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('SnapshotAsOf must not be later than now') });
    await w.handler(cfnEvent('Create', props({ SnapshotAsOf: isoAt(TEST_NOW + 4 * 60_000) })));
    expect(w.answer().Status).toBe('SUCCESS');
  });
});
