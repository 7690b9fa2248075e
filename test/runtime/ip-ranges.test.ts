import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SCHEME_TYPES, SENDERS } from '../../lib/runtime';
import {
  canonicalCidr,
  decideRefresh,
  IP_RANGES_SNAPSHOT,
  MAX_IP_SET_ADDRESSES,
  PUBLISHED_IP_LISTS,
  publishedIpList,
  splitCidrs,
  UNPUBLISHED_IP_LISTS,
} from '../../lib/runtime/ip-ranges';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'ip-ranges');
const SCRIPT = join(ROOT, 'scripts', 'ip-ranges-snapshot.mjs');
const SNAPSHOT = join(ROOT, 'lib', 'runtime', 'ip-ranges', 'snapshot.ts');

/** The captured copy a sender's list is read from (senders sharing a list share its copy). */
function captured(sender: string): string {
  const name = ['atlassian', 'bitbucket', 'jira'].includes(sender) ? 'atlassian' : sender;
  return readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
}

function parse(sender: string, text: string): string[] {
  return publishedIpList(sender)!.parse(text);
}

describe('the catalogue of published IP lists', () => {
  it('lists exactly the senders checked to publish a machine-readable webhook list', () => {
    expect(Object.keys(PUBLISHED_IP_LISTS).sort()).toEqual(['atlassian', 'auth0', 'bitbucket', 'github', 'jira', 'linear', 'stripe', 'zendesk']);
  });

  it('names every sender, published or not, by a scheme type of the catalogue, and none twice', () => {
    for (const sender of [...Object.keys(PUBLISHED_IP_LISTS), ...Object.keys(UNPUBLISHED_IP_LISTS)]) expect(SCHEME_TYPES).toContain(sender);
    expect(Object.keys(PUBLISHED_IP_LISTS).filter((s) => Object.hasOwn(UNPUBLISHED_IP_LISTS, s))).toEqual([]);
  });

  it('says something for every catalogue sender whose row links IP ranges', () => {
    const linked = Object.entries(SENDERS as Record<string, { ipRanges?: string }>).filter(([, row]) => row.ipRanges).map(([type]) => type);
    expect(linked.length).toBeGreaterThan(20);
    for (const type of linked) expect(publishedIpList(type) ?? UNPUBLISHED_IP_LISTS[type]).toBeTruthy();
  });

  it('keeps each list under its own sender, at an https URL with https docs and words for its entries', () => {
    for (const [sender, list] of Object.entries(PUBLISHED_IP_LISTS)) {
      expect(list.sender).toBe(sender);
      expect(list.url).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(list.docs).toMatch(/^https:\/\//);
      expect(list.entries.length).toBeGreaterThan(20);
    }
    expect(Object.isFrozen(PUBLISHED_IP_LISTS)).toBe(true);
    expect(publishedIpList('slack')).toBeUndefined();
    expect(publishedIpList('constructor')).toBeUndefined();
    expect(publishedIpList('__proto__')).toBeUndefined();
  });

  it('names the senders the issue asks about, each on one side', () => {
    for (const sender of ['gitlab', 'zoom', 'okta', 'intercom', 'mailgun', 'sendgrid', 'twilio', 'paypal', 'customer-io', 'nylas', 'postmark', 'sentry', 'pagerduty', 'checkout-com', 'recurly', 'adyen', 'paystack', 'square', 'paddle', 'workos', 'vonage', 'microsoft-graph', 'microsoft-teams', 'salesforce', 'telegram', 'slack', 'shopify', 'sns', 'pubsub']) {
      expect(UNPUBLISHED_IP_LISTS[sender]?.length).toBeGreaterThan(40);
    }
    // A list behind a credential is not a list the refresher can follow.
    expect(UNPUBLISHED_IP_LISTS['customer-io']).toMatch(/key/);
    expect(UNPUBLISHED_IP_LISTS.nylas).toMatch(/key/);
  });
});

describe('parsing each sender\'s captured list', () => {
  it('github: the meta API\'s hooks, IPv4 and IPv6, nothing else', () => {
    const entries = parse('github', captured('github'));
    expect(entries).toHaveLength(9);
    expect(entries).toEqual(expect.arrayContaining(['192.30.252.0/22', '140.82.112.0/20', '2a0a:a440::/29', '2606:50c0::/32', '9.234.106.48/28']));
    expect(splitCidrs(entries)).toEqual({
      IPV4: ['9.234.98.160/28', '9.234.98.176/28', '9.234.106.48/28', '140.82.112.0/20', '143.55.64.0/20', '185.199.108.0/22', '192.30.252.0/22'],
      IPV6: ['2606:50c0::/32', '2a0a:a440::/29'],
    });
  });

  it('stripe: the WEBHOOKS addresses, bare, as /32', () => {
    const entries = parse('stripe', captured('stripe'));
    expect(entries).toHaveLength(15);
    expect(entries[0]).toBe('3.18.12.63');
    expect(entries).toContain('54.187.216.72');
    const { IPV4, IPV6 } = splitCidrs(entries);
    expect(IPV4).toHaveLength(15);
    expect(IPV4).toContain('54.187.216.72/32');
    expect(IPV6).toEqual([]);
  });

  it('atlassian and jira: the egress items of Jira (and Confluence), all regions, not ingress, email or the crawler', () => {
    for (const sender of ['atlassian', 'jira']) {
      const entries = parse(sender, captured(sender));
      expect(entries).toHaveLength(21);
      expect(entries).toEqual(expect.arrayContaining(['13.52.5.96/28', '185.166.141.112/28', '2401:1d80:3230::/64']));
      expect(entries).not.toContain('104.192.136.0/21'); // ingress
      expect(entries).not.toContain('167.89.0.0/17'); // email
      expect(entries).not.toContain('18.246.31.208/28'); // rovo-crawler
      expect(entries).not.toContain('34.199.54.113/32'); // Bitbucket only
    }
  });

  it('bitbucket: the egress items of Bitbucket, its /32 webhook addresses among them', () => {
    const entries = parse('bitbucket', captured('bitbucket'));
    expect(entries).toHaveLength(28);
    expect(entries).toEqual(expect.arrayContaining(['34.199.54.113/32', '52.41.219.63/32', '104.192.142.240/28']));
    expect(entries).not.toContain('13.200.41.224/28'); // no bitbucket in its products
    expect(entries).not.toContain('185.166.140.0/22'); // ingress
  });

  it('auth0: every region\'s ipv4_cidrs', () => {
    const entries = parse('auth0', captured('auth0'));
    expect(entries).toHaveLength(72);
    expect(entries).toEqual(expect.arrayContaining(['174.129.105.183/32', '54.69.107.228/32', '18.197.9.11/32']));
  });

  it('linear: the ips, not the coding sessions\' addresses', () => {
    const entries = parse('linear', captured('linear'));
    expect(entries).toHaveLength(15);
    expect(entries).toEqual(expect.arrayContaining(['34.134.222.122', '35.246.210.220']));
    expect(parse('linear', JSON.stringify({ ips: ['192.0.2.1'], codingSessionIps: ['198.51.100.7'] }))).toEqual(['192.0.2.1']);
  });

  it('zendesk: egress.all only', () => {
    expect(parse('zendesk', captured('zendesk'))).toEqual(['216.198.0.0/18']);
    const text = JSON.stringify({ ips: { egress: { all: ['192.0.2.0/24'], specific: ['192.0.2.1/32'] }, ingress: { all: ['198.51.100.0/24'] } } });
    expect(parse('zendesk', text)).toEqual(['192.0.2.0/24']);
  });

  it('atlassian: Government Cloud items are left out; an item without a perimeter counts as commercial', () => {
    const text = JSON.stringify({
      items: [
        { cidr: '192.0.2.0/28', product: ['jira'], direction: ['egress'], perimeter: 'fedramp-moderate' },
        { cidr: '192.0.2.16/28', product: ['jira'], direction: ['ingress', 'egress'] },
        { cidr: '192.0.2.32/28', product: ['confluence'], direction: ['egress'], perimeter: 'commercial' },
      ],
    });
    expect(parse('jira', text)).toEqual(['192.0.2.16/28']);
    expect(parse('atlassian', text)).toEqual(['192.0.2.16/28', '192.0.2.32/28']);
    expect(parse('bitbucket', text)).toEqual([]);
  });
});

describe('a list in an unknown shape is refused whole', () => {
  const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>oops</body></html>';
  const cases: Array<[string, string, RegExp]> = [
    ...Object.keys(PUBLISHED_IP_LISTS).map((s): [string, string, RegExp] => [s, html, /not JSON.*HTML/]),
    ...Object.keys(PUBLISHED_IP_LISTS).map((s): [string, string, RegExp] => [s, '["192.0.2.1"]', /not an object|missing/]),
    ...Object.keys(PUBLISHED_IP_LISTS).map((s): [string, string, RegExp] => [s, '{}', /missing/]),
    ...Object.keys(PUBLISHED_IP_LISTS).map((s): [string, string, RegExp] => [s, '', /not JSON/]),
    ['github', '{"hooks":"192.30.252.0/22"}', /"hooks" is missing or not an array/],
    ['github', '{"hooks":["192.30.252.0/22",7]}', /"hooks"\[1\] is not a string/],
    ['github', '{"web":["192.30.252.0/22"]}', /"hooks" is missing/],
    ['stripe', '{"webhooks":["3.18.12.63"]}', /"WEBHOOKS" is missing/],
    ['stripe', '{"WEBHOOKS":[null]}', /is not a string/],
    ['linear', '{"codingSessionIps":["192.0.2.1"]}', /"ips" is missing/],
    ['zendesk', '{"ips":{"ingress":{"all":[]}}}', /ips\.egress is missing/],
    ['zendesk', '{"ips":{"egress":{"specific":["192.0.2.1"]}}}', /ips\.egress\.all is missing/],
    ['auth0', '{"regions":{"US":{"ipv4_cidrs":["192.0.2.1/32"]},"EU":{}}}', /regions\.EU\.ipv4_cidrs is missing/],
    ['auth0', '{"regions":[]}', /"regions" is missing or not an object/],
    ['auth0', '{"regions":{"US":"192.0.2.1"}}', /regions\.US is missing or not an object/],
    ['jira', '{"items":{}}', /"items" is missing or not an array/],
    ['jira', '{"items":[{"cidr":"192.0.2.0/28","product":["jira"]}]}', /items\[0\]\.direction is missing/],
    ['jira', '{"items":[{"cidr":"192.0.2.0/28","product":"jira","direction":["egress"]}]}', /items\[0\]\.product is missing or not an array/],
    ['jira', '{"items":[{"cidr":7,"product":["jira"],"direction":["egress"]}]}', /items\[0\]\.cidr/],
    ['jira', '{"items":[{"cidr":"192.0.2.0/28","product":["jira"],"direction":["egress"],"perimeter":1}]}', /perimeter is not a string/],
    ['jira', '{"items":[null]}', /items\[0\] is missing or not an object/],
  ];
  it.each(cases)('%s: %s', (sender, text, message) => {
    expect(() => parse(sender, text)).toThrow(message);
  });

  it('an empty list is read as empty (the refresh then refuses it), not as an error', () => {
    expect(parse('github', '{"hooks":[]}')).toEqual([]);
    expect(decideRefresh({ current: ['192.0.2.0/24'], next: splitCidrs(parse('github', '{"hooks":[]}')).IPV4, maxShrinkPercent: 50 })).toMatchObject({ action: 'refuse', reason: 'empty' });
  });
});

describe('splitCidrs', () => {
  it('splits, canonicalises, masks host bits, dedupes and sorts numerically', () => {
    expect(
      splitCidrs(['192.0.2.7/24', '10.0.0.1', '2001:DB8:0:0:1:0:0:1', '2001:db8::1/128', '9.9.9.9/32', '10.0.0.1/32', '192.0.2.0/24', '2001:0db8:0000::/32', '::1', '100.64.0.0/10']),
    ).toEqual({
      IPV4: ['9.9.9.9/32', '10.0.0.1/32', '100.64.0.0/10', '192.0.2.0/24'],
      IPV6: ['::1/128', '2001:db8::/32', '2001:db8::1/128', '2001:db8::1:0:0:1/128'],
    });
    expect(splitCidrs([])).toEqual({ IPV4: [], IPV6: [] });
    expect(splitCidrs(['192.0.2.0/25', '192.0.2.0/24'])).toEqual({ IPV4: ['192.0.2.0/24', '192.0.2.0/25'], IPV6: [] });
    expect(canonicalCidr('2A0A:A440:0000::/29')).toBe('2a0a:a440::/29');
  });

  it.each([
    ['::ffff:192.0.2.1', /IPv4-mapped/],
    ['::ffff:c000:201/128', /IPv4-mapped/],
    ['fe80::1%eth0', /zone id/],
    ['192.0.2.0/0', /\/0/],
    ['::/0', /\/0/],
    ['192.0.2.0/33', /above 32/],
    ['2001:db8::/129', /above 128/],
    ['192.0.2.0/024', /plain number/],
    ['192.0.2.0/+24', /plain number/],
    ['192.0.2.0/', /plain number/],
    ['192.0.2.0/24/8', /plain number/],
    ['192.0.2.01', /no IPv4 or IPv6/],
    ['192.0.2', /no IPv4 or IPv6/],
    [' 192.0.2.1', /no IPv4 or IPv6/],
    ['192.0.2.1\n', /no IPv4 or IPv6/],
    ['example.com', /no IPv4 or IPv6/],
    ['', /no IPv4 or IPv6/],
  ])('refuses %j', (entry, why) => {
    expect(() => splitCidrs(['192.0.2.1', entry])).toThrow(/entry 2 .* is not an IP address or CIDR/);
    expect(() => splitCidrs([entry])).toThrow(why);
  });

  it('names the first bad entry, and refuses non-strings', () => {
    expect(() => splitCidrs(['192.0.2.1', 'nope', 'nope either'])).toThrow('entry 2 ("nope")');
    expect(() => splitCidrs(['192.0.2.1', 7 as unknown as string])).toThrow('entry 2 (a number) is not an IP address or CIDR: not a string');
    expect(() => splitCidrs(['x'.repeat(500)])).toThrow(/…"\)/);
  });

  it('refuses more blocks of one version than a WAF IP set holds', () => {
    const many = Array.from({ length: MAX_IP_SET_ADDRESSES + 1 }, (_, i) => `10.${i >> 8}.${i & 0xff}.0/24`);
    expect(() => splitCidrs(many)).toThrow(/10001 IPV4 blocks, more than the 10000/);
    expect(splitCidrs(many.slice(1)).IPV4).toHaveLength(MAX_IP_SET_ADDRESSES);
  });

  // Oracles independent of the code under test: BigInt arithmetic for the mask, and the WHATWG URL
  // parser's host serialiser (RFC 5952 compression for IPv6, plain dotted decimal for IPv4).
  const v4 = (text: string) => text.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n);
  const v6 = (text: string) => {
    const host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined];
    const first = head ? head.split(':') : [];
    const last = tail ? tail.split(':') : [];
    const groups = tail === undefined ? first : [...first, ...new Array<string>(8 - first.length - last.length).fill('0'), ...last];
    return BigInt(`0x${groups.map((g) => g.padStart(4, '0')).join('')}`);
  };
  const show4 = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const show6 = (n: bigint) => new URL(`http://[${n.toString(16).padStart(32, '0').match(/.{4}/g)!.join(':')}]/`).hostname.slice(1, -1);
  const maskOf = (bits: number, width: number) => ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - bits)) - 1n);

  it('property: any IPv4 CIDR comes out masked, canonical, and stable', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 32 }), fc.boolean(), (address, prefix, bare) => {
        const out = splitCidrs([bare ? address : `${address}/${prefix}`]);
        const bits = bare ? 32 : prefix;
        const expected = `${show4(v4(address) & maskOf(bits, 32))}/${bits}`;
        expect(out).toEqual({ IPV4: [expected], IPV6: [] });
        expect(splitCidrs(out.IPV4)).toEqual(out);
      }),
      { numRuns: 500 },
    );
  });

  it('property: any IPv6 CIDR (not IPv4-mapped) comes out masked, RFC 5952, and stable', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 1, max: 128 }), fc.boolean(), (address, prefix, bare) => {
        const n = v6(address);
        const entry = bare ? address : `${address}/${prefix}`;
        if (n >> 32n === 0xffffn) {
          expect(() => splitCidrs([entry])).toThrow(/IPv4-mapped/);
          return;
        }
        const bits = bare ? 128 : prefix;
        const out = splitCidrs([entry, entry.toUpperCase()]);
        expect(out).toEqual({ IPV4: [], IPV6: [`${show6(n & maskOf(bits, 128))}/${bits}`] });
        expect(splitCidrs(out.IPV6)).toEqual(out);
      }),
      { numRuns: 500 },
    );
  });

  it('property: anything with a character no address has is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => /[^0-9a-fA-F:./]/.test(s)),
        (garbage) => {
          expect(() => splitCidrs(['192.0.2.1', garbage])).toThrow(/entry 2 .* is not an IP address or CIDR/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: sorted and deduplicated whatever the order and repetition', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.ipV4(), fc.ipV4().map((a) => `${a}/24`)), { maxLength: 40 }), (entries) => {
        const once = splitCidrs(entries);
        expect(splitCidrs([...entries].reverse().concat(entries))).toEqual(once);
        expect(new Set(once.IPV4).size).toBe(once.IPV4.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('decideRefresh', () => {
  // Published lists must be public unicast (documentation ranges are refused there), so these are real-looking addresses.
  const ten = Array.from({ length: 10 }, (_, i) => `3.18.12.${i}/32`);
  it.each([
    ['an empty list is refused, whatever the sets hold', ten, [], 50, { action: 'refuse', reason: 'empty' }],
    ['an empty list is refused on the first fill too', [], [], 50, { action: 'refuse', reason: 'empty' }],
    ['the first fill is an update', [], ['54.187.216.0/24'], 0, { action: 'update' }],
    ['the same set is unchanged', ten, [...ten].reverse(), 0, { action: 'unchanged' }],
    ['the same set spelled differently is unchanged', ['3.18.12.1', '2606:50C0::1/128'], ['3.18.12.1/32', '2606:50c0::1/128'], 0, { action: 'unchanged' }],
    ['growth up to doubling is allowed', ten, [...ten, ...Array.from({ length: 10 }, (_, i) => `3.18.13.${i}/32`)], 0, { action: 'update' }],
    ['growth beyond doubling but within a /24 is allowed (a short list gaining a block)', ten, [...ten, '54.187.216.0/24'], 0, { action: 'update' }],
    ['growth beyond doubling and a /24 is refused', ten, [...ten, '54.187.216.0/23'], 0, { action: 'refuse', reason: 'growth', detail: 'the list would add 512 IPv4 addresses to the 10 covered now (5120% growth, more than doubling and more than a /24)' }],
    ['growth of a large list up to doubling is allowed', ['140.82.112.0/20'], ['140.82.112.0/20', '143.55.64.0/20'], 0, { action: 'update' }],
    ['growth of a large list beyond doubling is refused', ['140.82.112.0/20'], ['140.82.112.0/20', '143.55.64.0/20', '185.199.108.0/22'], 0, { action: 'refuse', reason: 'growth' }],
    ['IPv6 growth beyond doubling and a /48 is refused', ['2606:50c0::/48'], ['2606:50c0::/48', '2a0a:a440::/47'], 0, { action: 'refuse', reason: 'growth' }],
    ['a version the sets hold nothing of yet may gain at most a /48 (IPv6) in one refresh', ten, [...ten, '2606:50c0::/48'], 0, { action: 'update' }],
    ['a version the sets hold nothing of yet is refused more than that (growth)', ten, [...ten, '2606:50c0::/32'], 0, { action: 'refuse', reason: 'growth', detail: 'the list would add 79228162514264337593543950336 IPv6 addresses where the sets hold none (more than a /48)' }],
    ['sets holding nothing at all (a first fill) take any public list within the floor', [], ['2606:50c0::/32', '140.82.112.0/20'], 0, { action: 'update' }],
    ['a shrink up to the threshold is allowed', ten, ten.slice(5), 50, { action: 'update' }],
    ['a shrink beyond the threshold is refused', ten, ten.slice(6), 50, { action: 'refuse', reason: 'shrink', detail: 'the list would remove 6 of the 10 IPv4 addresses covered now (60%, more than the 50% allowed) and add 0' }],
    ['a replacement counts its removals', ten, ['54.187.216.0/24'], 50, { action: 'refuse', reason: 'shrink', detail: 'the list would remove 10 of the 10 IPv4 addresses covered now (100%, more than the 50% allowed) and add 256' }],
    ['growth does not pay for removals', ten, [...ten.slice(6), ...Array.from({ length: 20 }, (_, i) => `54.187.216.${i}/32`)], 50, { action: 'refuse', reason: 'shrink' }],
    ['0% allows no removal', ten, ten.slice(1), 0, { action: 'refuse', reason: 'shrink' }],
    ['100% allows any removal but not an empty list', ten, ['54.187.216.0/29'], 100, { action: 'update' }],
    ['a shrink is measured in addresses, not blocks (a /20 narrowed to a /32)', ['140.82.112.0/20', ...ten.slice(1)], ['140.82.112.0/32', ...ten.slice(1)], 50, { action: 'refuse', reason: 'shrink' }],
    ['a block split into its halves is unchanged coverage: an update', ['140.82.112.0/20'], ['140.82.112.0/21', '140.82.120.0/21'], 0, { action: 'update' }],
    ['IPv6 coverage is counted exactly (BigInt): a /32 narrowed to a /48 is a shrink', ['2606:50c0::/32'], ['2606:50c0::/48'], 50, { action: 'refuse', reason: 'shrink', detail: 'the list would remove 79226953588444722964369244160 of the 79228162514264337593543950336 IPv6 addresses covered now (99.9%, more than the 50% allowed) and add 0' }],
    ['each version is guarded on its own', ['2606:50c0::/32', ...ten], ['2606:50c0::/33', ...ten, ...Array.from({ length: 10 }, (_, i) => `3.18.13.${i}/32`)], 49, { action: 'refuse', reason: 'shrink' }],
    ['every IPv4 address in two halves is refused (too wide)', ten, [...ten, '0.0.0.0/1', '128.0.0.0/1'], 100, { action: 'refuse', reason: 'too-wide', detail: 'the list holds 2 block(s) wider than IPv4 /16 or IPv6 /24, e.g. 0.0.0.0/1' }],
    ['every IPv6 address in two halves is refused (too wide)', ten, [...ten, '::/1', '8000::/1'], 100, { action: 'refuse', reason: 'too-wide' }],
    ['an IPv4 /16 is the widest allowed', [], ['54.187.0.0/16'], 0, { action: 'update' }],
    ['an IPv4 /15 is refused', [], ['54.186.0.0/15'], 0, { action: 'refuse', reason: 'too-wide' }],
    ['an IPv6 /24 is the widest allowed', [], ['2606:5000::/24'], 0, { action: 'update' }],
    ['an IPv6 /23 is refused', [], ['2606:4000::/23'], 0, { action: 'refuse', reason: 'too-wide' }],
    ['private space is refused', ten, [...ten, '10.0.0.0/16'], 100, { action: 'refuse', reason: 'not-public', detail: 'the list holds 1 block(s) in special-purpose (not globally reachable) space, e.g. 10.0.0.0/16 in 10.0.0.0/8' }],
    ['loopback is refused', ten, [...ten, '127.0.0.1'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv4 link-local is refused', ten, [...ten, '169.254.169.254'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv4 multicast is refused', ten, [...ten, '224.0.0.251'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv4 documentation space is refused in a published list', ten, [...ten, '203.0.113.0/24'], 100, { action: 'refuse', reason: 'not-public' }],
    ['shared address space (CGNAT) is refused', ten, [...ten, '100.64.0.0/16'], 100, { action: 'refuse', reason: 'not-public' }],
    ['a block that contains a special one is refused', [], ['172.16.0.0/16', '54.187.216.0/24'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 loopback is refused', ten, [...ten, '::1'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 unique local is refused', ten, [...ten, 'fd00::/48'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 link-local is refused', ten, [...ten, 'fe80::/64'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 multicast is refused', ten, [...ten, 'ff02::1'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 documentation space is refused in a published list', ten, [...ten, '2001:db8::/48'], 100, { action: 'refuse', reason: 'not-public' }],
    ['IPv6 6to4 and Teredo are refused', ten, [...ten, '2002:c000:204::/48'], 100, { action: 'refuse', reason: 'not-public' }],
  ])('%s', (_name, current, next, maxShrinkPercent, expected) => {
    expect(decideRefresh({ current, next, maxShrinkPercent })).toMatchObject(expected);
  });

  it('refuses a threshold outside 0-100 and a next entry that is not an address', () => {
    for (const bad of [-1, 101, Number.NaN, Number.POSITIVE_INFINITY, '50' as unknown as number]) {
      expect(() => decideRefresh({ current: [], next: ['3.18.12.1'], maxShrinkPercent: bad })).toThrow(/maxShrinkPercent must be a number from 0 to 100/);
    }
    expect(() => decideRefresh({ current: [], next: ['nope'], maxShrinkPercent: 50 })).toThrow(/not an IP address/);
    // A current entry WAF hands back that cannot be read is compared as written (it is simply removed).
    expect(decideRefresh({ current: ['odd', ...ten], next: ten, maxShrinkPercent: 50 })).toEqual({ action: 'update' });
  });

  it('every shipped snapshot passes the published-list checks (too wide, not public) as a first fill', () => {
    for (const [sender, snapshot] of Object.entries(IP_RANGES_SNAPSHOT)) {
      const next = splitCidrs(snapshot.addresses);
      expect([sender, decideRefresh({ current: [], next: [...next.IPV4, ...next.IPV6], maxShrinkPercent: 50 })]).toEqual([sender, { action: 'update' }]);
    }
  });
});

describe('the shipped snapshot', () => {
  function regenerate(from: string, out: string, previous = SNAPSHOT) {
    return spawnSync(process.execPath, [SCRIPT, '--from', from, '--out', out, '--previous', previous], { cwd: ROOT, encoding: 'utf8' });
  }

  it('equals a regeneration from the captured copies (npm run ip-ranges:snapshot -- --from test/fixtures/ip-ranges)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ip-ranges-test-'));
    try {
      const out = join(dir, 'snapshot.ts');
      const run = regenerate(FIXTURES, out);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(SNAPSHOT, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds every published list: its URL, a capture time, canonical addresses', () => {
    expect(Object.keys(IP_RANGES_SNAPSHOT).sort()).toEqual(Object.keys(PUBLISHED_IP_LISTS).sort());
    for (const [sender, entry] of Object.entries(IP_RANGES_SNAPSHOT)) {
      expect(entry.url).toBe(PUBLISHED_IP_LISTS[sender].url);
      expect(entry.asOf).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(entry.addresses.length).toBeGreaterThan(0);
      const { IPV4, IPV6 } = splitCidrs(entry.addresses);
      expect(entry.addresses).toEqual([...IPV4, ...IPV6]);
    }
    expect(IP_RANGES_SNAPSHOT.github.addresses).toContain('2606:50c0::/32');
    expect(IP_RANGES_SNAPSHOT.stripe.addresses).toContain('54.187.216.72/32');
  });

  it('keeps the previous entry of a list that fails, and exits 1 naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ip-ranges-test-'));
    try {
      const from = join(dir, 'from');
      mkdirSync(from);
      for (const file of readdirSync(FIXTURES)) if (!file.startsWith('stripe.') && file !== 'README.md') copyFileSync(join(FIXTURES, file), join(from, file));
      writeFileSync(join(from, 'github.json'), '<html>rate limited</html>');
      writeFileSync(join(from, 'zendesk.json'), '{"ips":{"egress":{"all":[]}}}');
      writeFileSync(join(from, 'linear.asof'), 'yesterday\n');
      const out = join(dir, 'snapshot.ts');
      const run = regenerate(from, out);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/4 lists not refreshed/);
      expect(run.stderr).toMatch(/github: github's IP list: the list is not JSON .*HTML.*previous snapshot entry is kept/);
      expect(run.stderr).toMatch(/stripe: .*no captured copy stripe\.json or stripe\.txt/);
      expect(run.stderr).toMatch(/zendesk: the list holds no webhook address/);
      expect(run.stderr).toMatch(/linear: .*linear\.asof is not an ISO 8601 UTC time/);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(SNAPSHOT, 'utf8'));

      // Without a previous entry, a failed list is left out (and still named).
      const empty = join(dir, 'empty.ts');
      writeFileSync(empty, '');
      const fresh = regenerate(from, join(dir, 'fresh.ts'), empty);
      expect(fresh.status).toBe(1);
      expect(fresh.stderr).toMatch(/stripe: .*no previous snapshot entry: left out/);
      const text = readFileSync(join(dir, 'fresh.ts'), 'utf8');
      expect(text).not.toMatch(/"stripe"/);
      expect(text).toMatch(/"bitbucket"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown options', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--form', FIXTURES], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/usage: ip-ranges-snapshot/);
  });
});
