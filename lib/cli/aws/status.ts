import { CompositeAlarm, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { AwsContext, explainAwsError } from './context';
import { DiscoveredEndpoint, DiscoveredSource, queueNameOf, StackDescription } from './discovery';
import { fields, plural } from './format';
import { ipListText, IpListStatus, readIpLists } from './ip-lists';
import { KeyState, previousKeyValidUntil, readKeyState } from './keys';
import { oldestMessageAges, readQueues } from './queues';
import { formatDuration, formatInstant } from './time';

export interface AlarmSummary {
  readonly name: string;
  /** The source the alarm watches; undefined for endpoint-wide alarms. */
  readonly source?: string;
  readonly reason?: string;
  readonly since?: string;
}

export interface QueueSummary {
  readonly name: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly oldestAgeSeconds?: number;
}

export type RotationState = 'scheduled' | 'disabled' | 'in-progress' | 'revoke-in-progress' | 'issued-by-sender' | 'awaiting-first-key';

export interface SourceStatus {
  readonly name: string;
  readonly scheme: string;
  readonly url?: string;
  readonly keySource: 'generated' | 'imported' | 'published';
  readonly secretArn?: string;
  readonly currentKeyCreatedAt?: string;
  readonly keyAgeSeconds?: number;
  readonly rotation?: {
    readonly state: RotationState;
    readonly schedule?: string;
    readonly lastRotatedAt?: string;
    readonly nextRotationAt?: string;
    readonly pendingSince?: string;
  };
  /** Imported keys: the key the last put replaced verifies until then. */
  readonly previousKeyValidUntil?: string;
  /** A source awaiting a key its sender hands over unsigned (Notion): whether, and when, the verifier captured it. */
  readonly capture?: { readonly captured: boolean; readonly capturedAt?: string };
  readonly alarmsInAlarm: readonly AlarmSummary[];
  /** What could not be read (access denied, ...), instead of failing the whole report. */
  readonly error?: string;
}

export interface EndpointStatus {
  readonly name: string;
  readonly queue?: QueueSummary;
  readonly deadLetterQueue?: QueueSummary;
  /** Alarms in ALARM that watch the whole endpoint (API, WAF, queues, the composite). */
  readonly alarmsInAlarm: readonly AlarmSummary[];
  readonly sources: readonly SourceStatus[];
  /** The managed IP sets of sources that follow their sender's published list (none: empty). */
  readonly ipLists?: readonly IpListStatus[];
  readonly errors: readonly string[];
}

export interface StatusReport {
  readonly stack: string;
  readonly region: string;
  readonly checkedAt: string;
  readonly endpoints: readonly EndpointStatus[];
}

export async function gatherStatus(context: AwsContext, stack: StackDescription, endpoints: readonly DiscoveredEndpoint[], now = Date.now()): Promise<StatusReport> {
  const alarms = await alarmsInAlarm(context).catch((error: unknown) => explainAwsError(error));
  return {
    stack: stack.stackName,
    region: stack.region,
    checkedAt: new Date(now).toISOString(),
    endpoints: await Promise.all(endpoints.map((endpoint) => endpointStatus(context, endpoint, alarms, now))),
  };
}

async function endpointStatus(context: AwsContext, endpoint: DiscoveredEndpoint, alarms: (MetricAlarm | CompositeAlarm)[] | Error, now: number): Promise<EndpointStatus> {
  const errors: string[] = [];
  const classified = alarms instanceof Error ? [] : classifyAlarms(alarms, endpoint);
  if (alarms instanceof Error) errors.push(`alarms: ${alarms.message}`);
  let queue: QueueSummary | undefined;
  let deadLetterQueue: QueueSummary | undefined;
  if (endpoint.queueUrl) {
    try {
      const pair = await readQueues(context, endpoint.queueUrl);
      const ages = await oldestMessageAges(context, [pair.queue.name, ...(pair.deadLetter ? [pair.deadLetter.name] : [])], now);
      const summary = (q: typeof pair.queue): QueueSummary => ({ name: q.name, visible: q.visible, inFlight: q.inFlight, delayed: q.delayed, oldestAgeSeconds: ages[q.name] });
      queue = summary(pair.queue);
      deadLetterQueue = pair.deadLetter ? summary(pair.deadLetter) : undefined;
    } catch (error) {
      errors.push(`queue ${queueNameOf(endpoint.queueUrl)}: ${explainAwsError(error).message}`);
    }
  } else {
    errors.push('queue: the verifiers\' WEBHOOK_QUEUE_URL did not resolve from the template');
  }
  const sources = await Promise.all(endpoint.sources.map((source) => sourceStatus(context, source, classified, now)));
  const ipLists = await readIpLists(context, (endpoint.ipSets ?? []).filter((set) => endpoint.sources.some((s) => s.name === set.source)), now);
  return { name: endpoint.name, queue, deadLetterQueue, alarmsInAlarm: classified.filter((a) => a.source === undefined), sources, ...(ipLists.length > 0 ? { ipLists } : {}), errors };
}

async function sourceStatus(context: AwsContext, source: DiscoveredSource, alarms: readonly AlarmSummary[], now: number): Promise<SourceStatus> {
  const base = {
    name: source.name,
    scheme: source.schemeType,
    url: source.url,
    keySource: source.keySource,
    alarmsInAlarm: alarms.filter((a) => a.source === source.name),
  };
  // Keys the sender publishes: no secret to read, nothing rotated here.
  if (source.keySource === 'published') return base;
  let state: KeyState;
  try {
    state = await readKeyState(context, source);
  } catch (error) {
    return { ...base, secretArn: source.secretId, error: explainAwsError(error).message };
  }
  return { ...base, ...describeKeys(source, state, now) };
}

/** The key and rotation part of a source's status, from its secret's metadata. */
export function describeKeys(source: Pick<DiscoveredSource, 'keySource' | 'graceSeconds'>, state: KeyState, now: number): Pick<SourceStatus, 'secretArn' | 'currentKeyCreatedAt' | 'keyAgeSeconds' | 'rotation' | 'previousKeyValidUntil' | 'capture'> {
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const createdAt = state.current?.createdAt;
  let rotation: NonNullable<SourceStatus['rotation']>;
  if (source.keySource === 'imported') {
    rotation = { state: state.awaitingFirstKey ? 'awaiting-first-key' : 'issued-by-sender' };
  } else {
    const stateName: RotationState = state.revokePending ? 'revoke-in-progress' : state.pending ? 'in-progress' : state.rotationEnabled ? 'scheduled' : 'disabled';
    rotation = {
      state: stateName,
      schedule: state.schedule,
      lastRotatedAt: iso(state.lastRotatedAt),
      nextRotationAt: iso(state.nextRotationAt),
      pendingSince: iso(state.pending?.createdAt),
    };
  }
  return {
    secretArn: state.arn,
    currentKeyCreatedAt: iso(createdAt),
    keyAgeSeconds: createdAt === undefined ? undefined : Math.max(0, Math.floor((now - createdAt) / 1000)),
    rotation,
    previousKeyValidUntil: source.keySource === 'imported' ? iso(previousKeyValidUntil(state, source.graceSeconds, now)) : undefined,
    ...(state.capture ? { capture: { captured: state.capture.captured, ...(state.capture.capturedAt === undefined ? {} : { capturedAt: iso(state.capture.capturedAt) }) } } : {}),
  };
}

async function alarmsInAlarm(context: AwsContext): Promise<(MetricAlarm | CompositeAlarm)[]> {
  const alarms: (MetricAlarm | CompositeAlarm)[] = [];
  let nextToken: string | undefined;
  do {
    const page = await context.cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken }));
    alarms.push(...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return alarms;
}

/**
 * The alarms in ALARM that belong to this endpoint: the stack's own alarm resources, and any alarm
 * whose description starts with the endpoint's name (every alarm of the construct does, and the
 * endpoint name is unique per account and region). A source's alarms carry its Source dimension, or
 * say `<endpoint>: <source>:`.
 */
export function classifyAlarms(
  alarms: readonly (MetricAlarm | CompositeAlarm)[],
  endpoint: { readonly name: string; readonly alarmNames: readonly string[]; readonly sources: readonly { readonly name: string }[] },
): AlarmSummary[] {
  const prefix = `${endpoint.name}: `;
  const names = new Set(endpoint.alarmNames);
  return alarms
    .filter((a) => (a.AlarmName && names.has(a.AlarmName)) || (a.AlarmDescription ?? '').startsWith(prefix))
    .map((a) => {
      const dimensionSource = 'Dimensions' in a ? a.Dimensions?.find((d) => d.Name === 'Source')?.Value : undefined;
      const described = endpoint.sources.find((s) => (a.AlarmDescription ?? '').startsWith(`${prefix}${s.name}: `))?.name;
      const source = endpoint.sources.some((s) => s.name === dimensionSource) ? dimensionSource : described;
      return {
        name: a.AlarmName ?? '',
        ...(source ? { source } : {}),
        ...(a.StateReason ? { reason: a.StateReason } : {}),
        ...(a.StateUpdatedTimestamp ? { since: new Date(a.StateUpdatedTimestamp).toISOString() } : {}),
      };
    })
    .sort((x, y) => x.name.localeCompare(y.name));
}

/** The report as people read it. */
export function formatStatus(report: StatusReport, now = Date.parse(report.checkedAt)): string {
  const out: string[] = [`Stack ${report.stack} (${report.region}), checked ${formatInstant(now)}`];
  for (const endpoint of report.endpoints) {
    out.push('', `Endpoint ${endpoint.name}`);
    const queueLine = (q?: QueueSummary) =>
      q
        ? `${q.name}: ${plural(q.visible, 'message')} waiting, ${q.inFlight} in flight${q.delayed ? `, ${q.delayed} delayed` : ''}, oldest ${q.oldestAgeSeconds === undefined ? 'no data' : formatDuration(q.oldestAgeSeconds * 1000)}`
        : 'unknown';
    const entries: [string, string][] = [['queue', queueLine(endpoint.queue)]];
    if (endpoint.deadLetterQueue) {
      const dlq = endpoint.deadLetterQueue;
      const hint = dlq.visible > 0 ? `  (fix the processor, then: cdk-hardened-webhook redrive --stack ${report.stack})` : '';
      entries.push(['dead-letter', `${queueLine(dlq)}${hint}`]);
    }
    entries.push(['alarms', alarmsText(endpoint.alarmsInAlarm)]);
    out.push(fields(entries).trimEnd());
    for (const error of endpoint.errors) out.push(`  ! ${error}`);
    for (const source of endpoint.sources) {
      out.push('', `  ${source.name} (${source.scheme})`);
      const lines: [string, string][] = [['url', source.url ?? 'unknown']];
      if (source.keySource === 'published') {
        lines.push(['key', 'published by the sender (fetched by the verifier; no secret)']);
      } else if (source.error) {
        lines.push(['key', `${source.keySource}; ${source.error}`]);
      } else {
        const age = source.keyAgeSeconds === undefined ? 'age unknown' : `current key ${formatDuration(source.keyAgeSeconds * 1000)} old`;
        lines.push(['key', `${source.keySource}, ${age}`]);
        lines.push(['rotation', rotationText(source, report.stack)]);
      }
      const ipList = (endpoint.ipLists ?? []).filter((set) => set.source === source.name);
      if (ipList.length > 0) lines.push(['ip list', ipListText(ipList)]);
      lines.push(['alarms', alarmsText(source.alarmsInAlarm)]);
      out.push(fields(lines, '    ', 'rotation'.length).trimEnd());
    }
  }
  return `${out.join('\n')}\n`;
}

function rotationText(source: SourceStatus, stack: string): string {
  const r = source.rotation;
  const at = (iso?: string) => (iso ? formatInstant(Date.parse(iso)) : 'unknown');
  switch (r?.state) {
    case 'awaiting-first-key':
      if (source.capture?.captured) {
        return `no key put yet; the sender's handshake was captured ${at(source.capture.capturedAt)}: see where it came from and put it with cdk-hardened-webhook put-key --stack ${stack} --source ${source.name} --from-capture`;
      }
      if (source.capture) return `no key put yet and no handshake captured: create the subscription at the sender, then cdk-hardened-webhook put-key --stack ${stack} --source ${source.name} --from-capture`;
      return `no key put yet: every delivery is refused until you run cdk-hardened-webhook put-key --stack ${stack} --source ${source.name}`;
    case 'issued-by-sender':
      return source.previousKeyValidUntil
        ? `issued by the sender (put-key); the replaced key verifies until ${at(source.previousKeyValidUntil)} unless it was put with --revoke-previous`
        : 'issued by the sender (put-key when the sender rolls it)';
    case 'revoke-in-progress':
      return `revoke in progress (since ${at(r.pendingSince)}); earlier keys stop verifying when it completes`;
    case 'in-progress':
      return `rotation in progress since ${at(r.pendingSince)}${r.schedule ? `; schedule ${r.schedule}` : ''}`;
    case 'scheduled':
      return [`scheduled ${r.schedule ?? ''}`.trim(), r.lastRotatedAt ? `last ${at(r.lastRotatedAt)}` : undefined, r.nextRotationAt ? `next ${at(r.nextRotationAt)}` : undefined]
        .filter(Boolean)
        .join(', ');
    case 'disabled':
      return 'rotation is off for this secret (redeploy the stack to restore its schedule)';
    default:
      return 'unknown';
  }
}

function alarmsText(alarms: readonly AlarmSummary[]): string {
  if (alarms.length === 0) return 'none in ALARM';
  return `${alarms.length} in ALARM: ${alarms.map((a) => a.name).join(', ')}`;
}
