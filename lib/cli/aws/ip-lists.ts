import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetIPSetCommand } from '@aws-sdk/client-wafv2';
import { parseStamp } from '../../handlers/ip-ranges/stamp';
import { AwsContext, explainAwsError, isAwsError } from './context';
import { DiscoveredEndpoint, DiscoveredIpSet } from './discovery';
import { plural, table } from './format';
import { formatDuration, formatInstant } from './time';

/**
 * The published sender IP lists of a deployed endpoint: each managed set's size and age (its
 * Description stamp, lib/handlers/ip-ranges/stamp.ts), for `status`; and the requests WAF blocked,
 * by the source whose route they asked for, for `tail`.
 */

/** One managed IP set as `status` reports it. */
export interface IpListStatus {
  readonly source: string;
  readonly sender: string;
  readonly version: 'IPV4' | 'IPV6';
  readonly name: string;
  readonly addresses?: number;
  /** When the set last matched the sender's list (a refresh that found it unchanged renews it). */
  readonly asOf?: string;
  readonly ageSeconds?: number;
  /** `snapshot`: still the list shipped with the package; `fetch`: refreshed from the sender. */
  readonly origin?: 'snapshot' | 'fetch';
  /** What could not be read (the set not created yet, access denied, a stamp that is not ours). */
  readonly error?: string;
}

/** Reads each managed set (GetIPSet by name and id; sets are REGIONAL). One failing set never hides the others. */
export async function readIpLists(context: AwsContext, ipSets: readonly DiscoveredIpSet[], now: number): Promise<IpListStatus[]> {
  return Promise.all(
    ipSets.map(async (set): Promise<IpListStatus> => {
      const base = { source: set.source, sender: set.sender, version: set.version, name: set.name };
      if (!set.id) return { ...base, error: 'not in the stack\'s resources yet (the deploy did not create it)' };
      let description: string | undefined;
      let addresses: number;
      try {
        const out = await context.waf.send(new GetIPSetCommand({ Name: set.name, Id: set.id, Scope: 'REGIONAL' }));
        description = out.IPSet?.Description;
        addresses = out.IPSet?.Addresses?.length ?? 0;
      } catch (error) {
        return { ...base, error: isAwsError(error, 'WAFNonexistentItemException') ? 'the set no longer exists in WAF (deleted outside CloudFormation?): redeploy the stack' : explainAwsError(error).message };
      }
      const stamp = parseStamp(description, set.sender);
      if (!stamp) return { ...base, addresses, error: `its description is not the refresher's stamp (${JSON.stringify(description ?? '')}); the refresher counts it as oldest and refreshes it next` };
      return {
        ...base,
        addresses,
        asOf: new Date(stamp.asOfMs).toISOString(),
        ageSeconds: Math.max(0, Math.floor((now - stamp.asOfMs) / 1000)),
        origin: stamp.origin,
      };
    }),
  );
}

/**
 * One line per source: the sender, the addresses over both sets, and the age of the older set (what
 * the stale alarm watches), e.g. `github's published list: 9 addresses (IPv4 7, IPv6 2), confirmed 3h ago (fetched)`.
 */
export function ipListText(sets: readonly IpListStatus[]): string {
  const sender = sets[0]?.sender ?? 'unknown';
  const errors = sets.filter((s) => s.error).map((s) => `${s.version === 'IPV4' ? 'IPv4' : 'IPv6'} set ${s.name}: ${s.error}`);
  const counted = sets.filter((s) => s.addresses !== undefined);
  const total = counted.reduce((n, s) => n + (s.addresses ?? 0), 0);
  const byVersion = counted.map((s) => `${s.version === 'IPV4' ? 'IPv4' : 'IPv6'} ${s.addresses}`).join(', ');
  const stamped = sets.filter((s) => s.ageSeconds !== undefined);
  const oldest = stamped.length === sets.length && stamped.length > 0 ? stamped.reduce((a, b) => ((a.ageSeconds ?? 0) >= (b.ageSeconds ?? 0) ? a : b)) : undefined;
  const age = oldest
    ? `confirmed ${formatDuration((oldest.ageSeconds ?? 0) * 1000)} ago (${formatInstant(Date.parse(oldest.asOf!))}, ${oldest.origin === 'fetch' ? 'fetched from the sender' : 'the snapshot shipped with the package'})`
    : 'age unknown';
  const parts = [`${sender}'s published list: ${total} address${total === 1 ? '' : 'es'}${byVersion ? ` (${byVersion})` : ''}, ${age}`, ...errors];
  return parts.join('; ');
}

/** A WAF log record of a blocked request, as `tail` reports it. */
export interface WafBlock {
  readonly timestamp: string;
  /** The source whose route the request asked for, or `-` for no source's route. */
  readonly source: string;
  /** The rule that blocked it: `SourceAllowlists`, `EndpointAllowlist`, `RateLimitPerIp`, a managed group. */
  readonly rule: string;
  readonly clientIp?: string;
  readonly uri?: string;
}

export interface WafBlockGroup {
  readonly source: string;
  /** The sender whose published list the source follows, if it follows one. */
  readonly sender?: string;
  readonly rule: string;
  readonly count: number;
  /** Distinct client addresses, the most frequent first (at most 5). */
  readonly clientIps: readonly string[];
  readonly lastSeen: string;
}

/**
 * The source a request's URI asked for, read as the web ACL's rules read it (lib/webhook-firewall.ts:
 * URL-decoded, path-normalised, lower-cased, `/webhooks/+<source>/*` at the end, any stage or base-path
 * prefix before it), or `-` when it names none of `sources`.
 */
export function sourceOfUri(uri: string | undefined, sources: readonly string[]): string {
  if (!uri) return '-';
  let path = uri;
  try {
    path = decodeURIComponent(uri);
  } catch {
    // WAF's URL_DECODE leaves a malformed escape as it is: so does this.
  }
  path = normalisePath(path).toLowerCase();
  const match = /\/webhooks\/+([^/]+)\/*$/.exec(path);
  return match && sources.includes(match[1]) ? match[1] : '-';
}

/** NORMALIZE_PATH: `//` folded, `/./` and `/../` resolved. */
function normalisePath(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, i) => {
    if (segment === '.' || (segment === '' && i > 0 && i < segments.length - 1)) return;
    if (segment === '..') {
      if (out.length > 1) out.pop();
      return;
    }
    out.push(segment);
  });
  return out.join('/') || '/';
}

/** One WAF log line (JSON) as a block, or undefined for anything else (an allowed or counted request). */
export function parseWafBlock(message: string, sources: readonly string[]): WafBlock | undefined {
  let record: { action?: unknown; terminatingRuleId?: unknown; timestamp?: unknown; httpRequest?: { clientIp?: unknown; uri?: unknown } };
  try {
    record = JSON.parse(message) as typeof record;
  } catch {
    return undefined;
  }
  if (record.action !== 'BLOCK') return undefined;
  const uri = typeof record.httpRequest?.uri === 'string' ? record.httpRequest.uri : undefined;
  const clientIp = typeof record.httpRequest?.clientIp === 'string' ? record.httpRequest.clientIp : undefined;
  return {
    timestamp: new Date(typeof record.timestamp === 'number' ? record.timestamp : 0).toISOString(),
    source: sourceOfUri(uri, sources),
    rule: typeof record.terminatingRuleId === 'string' ? record.terminatingRuleId : 'unknown',
    ...(clientIp ? { clientIp } : {}),
    ...(uri ? { uri } : {}),
  };
}

/** Counts by source and rule, the largest first, with each group's most frequent client addresses. */
export function groupWafBlocks(blocks: readonly WafBlock[], senders: Readonly<Record<string, string>> = {}): WafBlockGroup[] {
  const groups = new Map<string, { source: string; rule: string; count: number; ips: Map<string, number>; lastSeen: string }>();
  for (const block of blocks) {
    const key = JSON.stringify([block.source, block.rule]);
    const group = groups.get(key) ?? { source: block.source, rule: block.rule, count: 0, ips: new Map<string, number>(), lastSeen: block.timestamp };
    group.count += 1;
    if (block.clientIp) group.ips.set(block.clientIp, (group.ips.get(block.clientIp) ?? 0) + 1);
    if (block.timestamp > group.lastSeen) group.lastSeen = block.timestamp;
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({
      source: g.source,
      ...(senders[g.source] ? { sender: senders[g.source] } : {}),
      rule: g.rule,
      count: g.count,
      clientIps: [...g.ips.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([ip]) => ip),
      lastSeen: g.lastSeen,
    }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.rule.localeCompare(b.rule));
}

/** WAF logs only what it blocks (and body-counted requests, filtered out here) unless wafLogAllowedRequests is on. */
export const WAF_BLOCKS_FILTER = '{ $.action = "BLOCK" }';

export interface WafBlocksResult {
  readonly groups: readonly WafBlockGroup[];
  readonly total: number;
  readonly truncated: boolean;
  readonly problems: readonly string[];
}

/**
 * The requests each endpoint's web ACL blocked in the window, from its `aws-waf-logs-<endpoint>` log
 * group, by source. With `only`, the blocks of those sources alone.
 */
export async function readWafBlocks(
  context: AwsContext,
  endpoints: readonly DiscoveredEndpoint[],
  window: { readonly sinceMs: number; readonly untilMs: number; readonly maxEvents: number; readonly only?: readonly string[] },
): Promise<WafBlocksResult> {
  const problems: string[] = [];
  let truncated = false;
  const blocks: WafBlock[] = [];
  const senders: Record<string, string> = {};
  for (const endpoint of endpoints) {
    const sources = endpoint.sources.map((s) => s.name);
    for (const set of endpoint.ipSets ?? []) senders[set.source] = set.sender;
    const logGroupName = `aws-waf-logs-${endpoint.name}`;
    let nextToken: string | undefined;
    let found = 0;
    try {
      do {
        const page = await context.logs.send(new FilterLogEventsCommand({ logGroupName, startTime: window.sinceMs, endTime: window.untilMs, filterPattern: WAF_BLOCKS_FILTER, nextToken }));
        for (const event of page.events ?? []) {
          const block = parseWafBlock(event.message ?? '', sources);
          if (block && (!window.only || window.only.includes(block.source))) {
            blocks.push(block);
            found += 1;
          }
        }
        nextToken = page.nextToken;
        if (found >= window.maxEvents && nextToken) {
          truncated = true;
          break;
        }
      } while (nextToken);
    } catch (error) {
      problems.push(isAwsError(error, 'ResourceNotFoundException') ? `WAF log group ${logGroupName} does not exist yet` : `WAF log group ${logGroupName}: ${explainAwsError(error).message}`);
    }
  }
  return { groups: groupWafBlocks(blocks, senders), total: blocks.length, truncated, problems };
}

/** The WAF part of `tail`'s report. */
export function formatWafBlocks(result: WafBlocksResult): string {
  if (result.total === 0) return 'no requests blocked by WAF\n';
  const lines = [`${plural(result.total, 'request')} blocked by WAF${result.truncated ? ' (more matched than --max-events: the oldest are not counted)' : ''}:`, ''];
  lines.push(
    table(
      ['SOURCE', 'SENDER LIST', 'RULE', 'COUNT', 'LAST SEEN', 'CLIENT IPS'],
      result.groups.map((g) => [g.source, g.sender ?? '-', g.rule, String(g.count), formatInstant(Date.parse(g.lastSeen)), g.clientIps.join(', ') || '-']),
    ).trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
