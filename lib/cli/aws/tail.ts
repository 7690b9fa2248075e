import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AwsContext, explainAwsError, isAwsError } from './context';
import { DiscoveredEndpoint, DiscoveredSource } from './discovery';
import { table } from './format';
import { formatWafBlocks, readWafBlocks, WafBlocksResult } from './ip-lists';
import { formatInstant } from './time';

/**
 * The verifier's audit records (lib/handlers/shared/telemetry.ts: one JSON line per request, with
 * `message: "webhook"`) that answered 4xx or 5xx. CloudWatch Logs filters on the server; every line
 * is checked again here, so a filter the service reads differently can only cost time, not accuracy.
 */
export const REJECTIONS_FILTER = '{ $.message = "webhook" && $.status >= 400 }';

export interface Rejection {
  readonly timestamp: string;
  readonly source: string;
  readonly status: number;
  readonly outcome: string;
  readonly reason?: string;
  readonly sourceIp?: string;
  readonly requestId?: string;
  readonly eventId?: string;
  readonly unsignedEventId?: string;
  readonly error?: string;
}

export interface RejectionGroup {
  readonly source: string;
  readonly status: number;
  readonly outcome: string;
  readonly reason: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface TailReport {
  readonly stack: string;
  readonly since: string;
  readonly until: string;
  readonly groups: readonly RejectionGroup[];
  /** The most recent rejections first, at most --limit. */
  readonly recent: readonly Rejection[];
  readonly total: number;
  /** A log group held more matching lines than --max-events: counts cover the newest part only. */
  readonly truncated: boolean;
  readonly problems: readonly string[];
  /** What WAF blocked before any verifier saw it (allowlists, rate limit, managed rules), by source. */
  readonly wafBlocks?: WafBlocksResult;
}

/** One audit line as a rejection, or undefined for anything else (accepted, a line of another shape). */
export function parseRejection(message: string, fallbackSource: string, eventTimestamp?: number): Rejection | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (line.message !== 'webhook' || typeof line.status !== 'number' || line.status < 400) return undefined;
  const text = (key: string) => (typeof line[key] === 'string' ? (line[key] as string) : undefined);
  const timestamp = text('timestamp') ?? new Date(eventTimestamp ?? 0).toISOString();
  return {
    timestamp,
    source: text('Source') ?? fallbackSource,
    status: line.status,
    outcome: text('outcome') ?? 'unknown',
    ...optional('reason', text('reason')),
    ...optional('sourceIp', text('sourceIp')),
    ...optional('requestId', text('requestId')),
    ...optional('eventId', text('eventId')),
    ...optional('unsignedEventId', text('unsignedEventId')),
    ...optional('error', [text('error'), text('errorCode')].filter(Boolean).join(':') || undefined),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** Counts by source, status, outcome and reason, the largest first. */
export function groupRejections(rejections: readonly Rejection[]): RejectionGroup[] {
  const groups = new Map<string, { group: Omit<RejectionGroup, 'count' | 'lastSeen'>; count: number; lastSeen: string }>();
  for (const r of rejections) {
    const reason = r.reason ?? '-';
    const key = JSON.stringify([r.source, r.status, r.outcome, reason]);
    const entry = groups.get(key) ?? { group: { source: r.source, status: r.status, outcome: r.outcome, reason }, count: 0, lastSeen: r.timestamp };
    entry.count += 1;
    if (r.timestamp > entry.lastSeen) entry.lastSeen = r.timestamp;
    groups.set(key, entry);
  }
  return [...groups.values()]
    .map((e) => ({ ...e.group, count: e.count, lastSeen: e.lastSeen }))
    .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.reason.localeCompare(b.reason));
}

export interface TailOptions {
  readonly stack: string;
  readonly sinceMs: number;
  readonly limit: number;
  readonly maxEvents: number;
  /**
   * The endpoints whose WAF logs to read too (their web ACLs' blocks, by source); `sources` narrows
   * them to those sources' routes when it is not every source of theirs.
   */
  readonly endpoints?: readonly DiscoveredEndpoint[];
}

export async function tail(context: AwsContext, sources: readonly DiscoveredSource[], options: TailOptions): Promise<TailReport> {
  const until = Date.now();
  const problems: string[] = [];
  let truncated = false;
  const perSource = await Promise.all(
    sources.map(async (source) => {
      if (!source.verifierLogGroupName) {
        problems.push(`${source.name}: its verifier's log group is not in the stack`);
        return [];
      }
      const found: Rejection[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await context.logs.send(
            new FilterLogEventsCommand({ logGroupName: source.verifierLogGroupName, startTime: options.sinceMs, endTime: until, filterPattern: REJECTIONS_FILTER, nextToken }),
          );
          for (const event of page.events ?? []) {
            const rejection = parseRejection(event.message ?? '', source.name, event.timestamp);
            if (rejection) found.push(rejection);
          }
          nextToken = page.nextToken;
          if (found.length >= options.maxEvents && nextToken) {
            truncated = true;
            break;
          }
        } while (nextToken);
      } catch (error) {
        problems.push(
          isAwsError(error, 'ResourceNotFoundException') ? `${source.name}: log group ${source.verifierLogGroupName} does not exist yet` : `${source.name}: ${explainAwsError(error).message}`,
        );
      }
      return found;
    }),
  );
  const all = perSource.flat().sort((a, b) => b.timestamp.localeCompare(a.timestamp));
  const everySource = (options.endpoints ?? []).every((e) => e.sources.every((s) => sources.some((x) => x.endpoint === e.name && x.name === s.name)));
  const wafBlocks = options.endpoints
    ? await readWafBlocks(context, options.endpoints, { sinceMs: options.sinceMs, untilMs: until, maxEvents: options.maxEvents, ...(everySource ? {} : { only: sources.map((s) => s.name) }) })
    : undefined;
  return {
    stack: options.stack,
    since: new Date(options.sinceMs).toISOString(),
    until: new Date(until).toISOString(),
    groups: groupRejections(all),
    recent: all.slice(0, options.limit),
    total: all.length,
    truncated,
    problems,
    ...(wafBlocks ? { wafBlocks } : {}),
  };
}

export function formatTail(report: TailReport): string {
  const out: string[] = [];
  const window = `${formatInstant(Date.parse(report.since))} to ${formatInstant(Date.parse(report.until))}`;
  if (report.total === 0) {
    out.push(`no rejected deliveries in ${report.stack} from ${window}`);
  } else {
    out.push(`${report.total} rejected deliveries in ${report.stack} from ${window}${report.truncated ? ' (more matched than --max-events: the oldest are not counted)' : ''}`, '');
    out.push(table(['SOURCE', 'STATUS', 'OUTCOME', 'REASON', 'COUNT', 'LAST SEEN'], report.groups.map((g) => [g.source, String(g.status), g.outcome, g.reason, String(g.count), formatInstant(Date.parse(g.lastSeen))])).trimEnd());
    out.push('', `most recent ${report.recent.length}:`);
    out.push(
      table(
        ['TIME', 'SOURCE', 'STATUS', 'REASON', 'SOURCE IP', 'REQUEST ID'],
        report.recent.map((r) => [formatInstant(Date.parse(r.timestamp)), r.source, String(r.status), r.reason ?? r.outcome, r.sourceIp ?? '-', r.requestId ?? '-']),
      ).trimEnd(),
    );
  }
  if (report.wafBlocks) {
    out.push('', formatWafBlocks(report.wafBlocks).trimEnd());
    for (const problem of report.wafBlocks.problems) out.push(`! ${problem}`);
  }
  for (const problem of report.problems) out.push(`! ${problem}`);
  return `${out.join('\n')}\n`;
}
