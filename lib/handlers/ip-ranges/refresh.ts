import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { CidrsByVersion, splitCidrs } from '../../runtime/ip-ranges/cidrs';
import { decideRefresh, RefreshRefusal } from '../../runtime/ip-ranges/decide';
import type { PublishedIpList } from '../../runtime/ip-ranges/lists';
import { IP_RANGES_METRIC, METRIC_NAMESPACE } from '../../runtime/metrics-contract';
import type { LineWriter } from '../shared/telemetry';
import { getIpSet, IpSetState, IpVersion, isLockConflict, updateIpSet } from './ip-sets';
import { formatStamp, parseStamp } from './stamp';

/*
 * The scheduled refresh: for each source, fetch its sender's list from the catalogue's URL (never a
 * URL from the event), read it, and replace the source's IP sets with it unless it looks wrong (empty,
 * unreadable, or shrinking by more than the source allows). Whatever happens to one source, the next is
 * still refreshed, and each source ends with one log line that is also its metrics.
 */

export const REFRESH_ACTION = 'refresh-ip-ranges';

/** The EventBridge rule's input, as the construct writes it. */
export interface RefreshEvent {
  readonly action: typeof REFRESH_ACTION;
  readonly sources: readonly RefreshSource[];
}

export interface RefreshSource {
  /** The endpoint's source name (the metrics' Source dimension). */
  readonly source: string;
  /** The catalogue sender whose list the sets follow. */
  readonly sender: string;
  /** The largest share (0-100) of the current addresses one refresh may remove. */
  readonly maxShrinkPercent: number;
  /** The source's sets, at most one per version. */
  readonly sets: readonly { readonly name: string; readonly id: string; readonly version: IpVersion }[];
}

/** Why a source's sets were left as they were. */
export type RefusalReason = RefreshRefusal | 'parse-error' | 'fetch-error' | 'unknown-sender' | 'waf-error';

export interface SourceResult {
  readonly source: string;
  readonly sender: string;
  readonly outcome: 'updated' | 'unchanged' | 'refused';
  readonly reason?: RefusalReason;
  /** Addresses in the sets after the run (IPv4 and IPv6), when they could be read. */
  readonly count?: number;
  /** Addresses in the sender's list, when it was read. */
  readonly listed?: number;
  /** Seconds since the oldest of the source's sets was last known to match the sender's list. */
  readonly ageSeconds: number;
}

export interface RefreshDeps {
  readonly waf: WAFV2Client;
  readonly fetch: (url: string) => Promise<string>;
  readonly lists: (sender: string) => PublishedIpList | undefined;
  readonly now: () => number;
  readonly write: LineWriter;
  readonly endpoint: string;
  /**
   * When set (epoch ms), sources not yet started by then are left for the next scheduled run (logged,
   * no metrics): the deploy-time refresh must answer CloudFormation within the function's timeout.
   */
  readonly deadline?: number;
}

const NAME = /^[\w-]{1,128}$/;

/** The event, checked whole before any source is touched: a malformed one is the construct's bug, not the sender's. */
export function refreshEvent(event: unknown): RefreshEvent {
  const problems: string[] = [];
  const e = event as Partial<RefreshEvent>;
  if (e?.action !== REFRESH_ACTION) problems.push(`action must be "${REFRESH_ACTION}"`);
  if (!Array.isArray(e?.sources) || e.sources.length === 0) problems.push('sources must be a non-empty list');
  else
    e.sources.forEach((s: Partial<RefreshSource>, i) => {
      const at = `sources[${i}]`;
      if (typeof s?.source !== 'string' || !NAME.test(s.source)) problems.push(`${at}.source must be a source name`);
      if (typeof s?.sender !== 'string' || s.sender.length === 0 || s.sender.length > 64) problems.push(`${at}.sender must be a sender name`);
      if (typeof s?.maxShrinkPercent !== 'number' || !(s.maxShrinkPercent >= 0 && s.maxShrinkPercent <= 100)) problems.push(`${at}.maxShrinkPercent must be 0-100`);
      const sets = s?.sets;
      if (!Array.isArray(sets) || sets.length === 0 || sets.length > 2) problems.push(`${at}.sets must list one or two IP sets`);
      else {
        sets.forEach((set, j) => {
          if (typeof set?.name !== 'string' || !NAME.test(set.name) || typeof set.id !== 'string' || !NAME.test(set.id)) problems.push(`${at}.sets[${j}] needs a name and an id`);
          if (set?.version !== 'IPV4' && set?.version !== 'IPV6') problems.push(`${at}.sets[${j}].version must be IPV4 or IPV6`);
        });
        if (new Set(sets.map((set) => set?.version)).size !== sets.length) problems.push(`${at}.sets has two sets of one version`);
      }
    });
  if (problems.length > 0) throw new Error(`Not a refresh event: ${problems.join('; ')}`);
  return e as RefreshEvent;
}

/** Refreshes every source of the event in turn; one source's failure is its own result, never the others'. */
export async function refreshAll(deps: RefreshDeps, event: RefreshEvent): Promise<SourceResult[]> {
  // One fetch per list in a run, however many sources follow it (jira, bitbucket and atlassian share
  // Atlassian's; two GitHub sources share /meta, whose unauthenticated rate limit is per address).
  const fetched = new Map<string, Promise<string>>();
  const { fetch } = deps;
  const fetchOnce = (url: string) => {
    let text = fetched.get(url);
    if (!text) fetched.set(url, (text = fetch(url)));
    return text;
  };
  deps = { ...deps, fetch: fetchOnce };
  const results: SourceResult[] = [];
  for (const source of event.sources) {
    if (deps.deadline !== undefined && deps.now() >= deps.deadline) {
      deps.write(JSON.stringify({ level: 'WARN', message: 'ip-ranges', Endpoint: deps.endpoint, Source: source.source, sender: source.sender, outcome: 'skipped', detail: 'out of time in this run; the next scheduled run refreshes it' }));
      continue;
    }
    let result: SourceResult;
    try {
      result = await refreshSource(deps, source);
    } catch (error) {
      // refreshSource answers for its own failures; this is only what it could not foresee.
      result = report(deps, source, { outcome: 'refused', reason: 'waf-error', ageSeconds: deps.now() / 1000, error });
    }
    results.push(result);
  }
  return results;
}

interface ReadSets {
  readonly sets: IpSetState[];
  readonly current: string[];
  readonly ageSeconds: number;
}

async function refreshSource(deps: RefreshDeps, source: RefreshSource): Promise<SourceResult> {
  // An age that cannot be told counts from the epoch: the oldest there is, so the stale alarm fires.
  const unknownAge = deps.now() / 1000;
  const refuse = (reason: RefusalReason, fields: Omit<Parameters<typeof report>[2], 'outcome' | 'reason' | 'ageSeconds'> & { ageSeconds?: number } = {}) =>
    report(deps, source, { ageSeconds: unknownAge, ...fields, outcome: 'refused', reason });

  let read: ReadSets;
  try {
    read = await readSets(deps, source);
  } catch (error) {
    return refuse('waf-error', { error });
  }
  // What the sets hold and how old they are, as last read (a lock conflict reads them again).
  const kept = () => ({ count: read.current.length, ageSeconds: read.ageSeconds });

  const list = deps.lists(source.sender);
  if (!list) return refuse('unknown-sender', kept());

  let text: string;
  try {
    text = await deps.fetch(list.url);
  } catch (error) {
    return refuse('fetch-error', { ...kept(), error });
  }
  let next: CidrsByVersion;
  try {
    next = splitCidrs(list.parse(text));
  } catch (error) {
    return refuse('parse-error', { ...kept(), error });
  }
  // Only the versions the source has a set for: a list's IPv6 addresses need the IPv6 set to land in.
  const versions = new Set(source.sets.map((s) => s.version));
  const nextAll = [...(versions.has('IPV4') ? next.IPV4 : []), ...(versions.has('IPV6') ? next.IPV6 : [])];

  for (let attempt = 1; ; attempt++) {
    const decision = decideRefresh({ current: read.current, next: nextAll, maxShrinkPercent: source.maxShrinkPercent });
    if (decision.action === 'refuse') return refuse(decision.reason, { ...kept(), listed: nextAll.length, detail: decision.detail });
    const description = formatStamp({ sender: source.sender, asOfMs: deps.now(), origin: 'fetch' });
    try {
      // Unchanged still writes: the new stamp records that the list was checked (the age is since the last good check).
      for (const set of read.sets) await updateIpSet(deps.waf, set, decision.action === 'update' ? next[set.version] : set.addresses, description);
      return report(deps, source, {
        outcome: decision.action === 'update' ? 'updated' : 'unchanged',
        count: decision.action === 'update' ? nextAll.length : read.current.length,
        listed: nextAll.length,
        ageSeconds: 0,
      });
    } catch (error) {
      if (!(isLockConflict(error) && attempt === 1)) return refuse('waf-error', { ...kept(), listed: nextAll.length, error });
      // Another writer (a deploy, an overlapping run) changed a set since it was read: decide again on what it holds now.
      try {
        read = await readSets(deps, source);
      } catch (again) {
        return refuse('waf-error', { ...kept(), listed: nextAll.length, error: again });
      }
    }
  }
}

async function readSets(deps: RefreshDeps, source: RefreshSource): Promise<ReadSets> {
  const sets: IpSetState[] = [];
  for (const ref of source.sets) {
    const set = await getIpSet(deps.waf, ref);
    if (!set) throw new MissingSetError();
    if (set.version !== ref.version) throw new Error('An IP set holds another IP version than the event says');
    sets.push(set);
  }
  const stamps = sets.map((set) => parseStamp(set.description, source.sender)?.asOfMs ?? 0);
  return { sets, current: canonical(sets.flatMap((set) => set.addresses)), ageSeconds: Math.max(0, deps.now() - Math.min(...stamps)) / 1000 };
}

class MissingSetError extends Error {
  override readonly name = 'WAFNonexistentItemException';
  constructor() {
    super('An IP set of the source no longer exists (a redeploy of the stack makes it again)');
  }
}

/** What WAF holds, spelled as splitCidrs spells the list, so the two compare address for address. */
function canonical(addresses: string[]): string[] {
  try {
    const split = splitCidrs(addresses);
    return [...split.IPV4, ...split.IPV6];
  } catch {
    return addresses;
  }
}

interface ReportFields {
  readonly outcome: SourceResult['outcome'];
  readonly reason?: RefusalReason;
  readonly count?: number;
  readonly listed?: number;
  readonly ageSeconds: number;
  readonly detail?: string;
  readonly error?: unknown;
}

/**
 * One JSON line per source and run: the log record and, through CloudWatch's Embedded Metric Format,
 * IpRangesRefused (0 or 1), IpRangesAgeSeconds and IpRangesCount (when the sets could be read).
 */
function report(deps: RefreshDeps, source: RefreshSource, fields: ReportFields): SourceResult {
  const refused = fields.outcome === 'refused' ? 1 : 0;
  const ageSeconds = Math.round(fields.ageSeconds);
  const error = fields.error instanceof Error ? fields.error : undefined;
  const code = (error?.cause as NodeJS.ErrnoException | undefined)?.code ?? (error as NodeJS.ErrnoException | undefined)?.code;
  const metrics = [
    { Name: IP_RANGES_METRIC.Refused, Unit: 'Count' },
    { Name: IP_RANGES_METRIC.AgeSeconds, Unit: 'Seconds' },
    ...(fields.count === undefined ? [] : [{ Name: IP_RANGES_METRIC.Count, Unit: 'Count' }]),
  ];
  deps.write(
    JSON.stringify({
      level: refused ? 'WARN' : 'INFO',
      message: 'ip-ranges',
      Endpoint: deps.endpoint,
      Source: source.source,
      sender: source.sender,
      outcome: fields.outcome,
      reason: fields.reason,
      detail: fields.detail,
      listed: fields.listed,
      error: error?.name,
      errorCode: typeof code === 'string' ? code : undefined,
      errorMessage: error?.message.slice(0, 300),
      [IP_RANGES_METRIC.Refused]: refused,
      [IP_RANGES_METRIC.AgeSeconds]: ageSeconds,
      ...(fields.count === undefined ? {} : { [IP_RANGES_METRIC.Count]: fields.count }),
      _aws: {
        Timestamp: deps.now(),
        CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [['Endpoint', 'Source']], Metrics: metrics }],
      },
    }),
  );
  return { source: source.source, sender: source.sender, outcome: fields.outcome, reason: fields.reason, count: fields.count, listed: fields.listed, ageSeconds };
}
