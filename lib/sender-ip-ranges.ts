import { CustomResource, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HardenedFunction } from './hardened-function';
import { acknowledge, nagResourceName } from './nag-acknowledgements';
import { IP_RANGES_SNAPSHOT, PUBLISHED_IP_LISTS, publishedIpList, splitCidrs, UNPUBLISHED_IP_LISTS } from './runtime/ip-ranges';
import { SignatureScheme } from './signature-scheme';
import { isConcrete, Problems } from './validation';

/** Options of a source's published sender IP ranges. */
export interface SenderIpRangesOptions {
  /**
   * The largest share (1-100 percent) of a source's current addresses one refresh may remove. A
   * refresh that would remove more keeps the current sets and raises the refused alarm: a list that
   * suddenly lost most of its entries is more likely broken than true.
   * @default 50
   */
  readonly maxShrinkPercent?: number;
}

/**
 * A source's IP allowlist that follows the list of addresses its sender publishes: the WAF IP sets
 * (IPv4 and IPv6) start from the snapshot shipped with this library and are refreshed on a schedule
 * by the endpoint's refresher function, which refuses an empty list, an unreadable one, and one that
 * shrank more than `maxShrinkPercent` (alarmed, the sets kept as they were). A deploy never reverts a
 * refreshed set to an older snapshot.
 */
export class SenderIpRanges {
  /** The list of the sender the source's scheme names (`SignatureScheme.github()` → GitHub's). */
  public static published(options: SenderIpRangesOptions = {}): SenderIpRanges {
    return new SenderIpRanges(undefined, options);
  }

  /**
   * The list of a named sender (`github`, `stripe`, ... as scheme types are spelled), for a source
   * with a generic scheme (`hmac`, `standard-webhooks`) or one whose own sender publishes no list.
   * Refused on a source whose own sender publishes a different list.
   */
  public static publishedBy(sender: string, options: SenderIpRangesOptions = {}): SenderIpRanges {
    return new SenderIpRanges(sender, options);
  }

  /** The sender named with publishedBy(); undefined for published() (the scheme's sender). */
  public readonly sender?: string;
  /** The largest share of the current addresses one refresh may remove, in percent. */
  public readonly maxShrinkPercent: number;

  private constructor(sender: string | undefined, options: SenderIpRangesOptions) {
    this.sender = sender;
    this.maxShrinkPercent = options.maxShrinkPercent ?? DEFAULT_MAX_SHRINK_PERCENT;
  }
}

export const DEFAULT_MAX_SHRINK_PERCENT = 50;
export const DEFAULT_IP_RANGES_REFRESH_INTERVAL = Duration.days(1);
export const DEFAULT_IP_RANGES_MAX_AGE = Duration.days(3);
/** The oldest a list may be allowed to get: older, it is the stale copy this feature replaces. */
const LONGEST_MAX_AGE_SECONDS = 7 * 86400;
/** Schemes that name no sender: their sources say whose list with publishedBy(). */
const GENERIC_SCHEMES = ['hmac', 'standard-webhooks'];
/** EventBridge's limit on a target's Input. */
const TARGET_INPUT_LIMIT = 8192;

/** The sender whose list a source follows. */
export function senderOf(ranges: SenderIpRanges, scheme: SignatureScheme): string {
  return ranges.sender ?? scheme.schemeType;
}

/** Checks a source's senderIpRanges; adds problems. */
export function checkSenderIpRanges(problems: Problems, label: string, ranges: SenderIpRanges, scheme: SignatureScheme | undefined): void {
  const shrink = ranges.maxShrinkPercent;
  if (isConcrete(shrink) && (!Number.isInteger(shrink) || shrink < 1 || shrink > 100)) {
    problems.add(`${label}: senderIpRanges maxShrinkPercent ${shrink} must be a whole number from 1 to 100 (the largest share of the current addresses one refresh may remove; default ${DEFAULT_MAX_SHRINK_PERCENT})`);
  }
  if (!scheme) return;
  const own = scheme.schemeType;
  if (ranges.sender === undefined && GENERIC_SCHEMES.includes(own)) {
    problems.add(`${label}: senderIpRanges: SenderIpRanges.published() takes the scheme's sender, but ${own} names none; use SenderIpRanges.publishedBy('<sender>') (senders with a published list: ${Object.keys(PUBLISHED_IP_LISTS).sort().join(', ')})`);
    return;
  }
  const sender = senderOf(ranges, scheme);
  if (Token.isUnresolved(sender)) {
    problems.add(`${label}: senderIpRanges names its sender with a token; give the sender literally (e.g. 'github')`);
    return;
  }
  if (!publishedIpList(sender)) {
    const instead = Object.hasOwn(UNPUBLISHED_IP_LISTS, sender) ? UNPUBLISHED_IP_LISTS[sender] : undefined;
    const known = Object.keys(PUBLISHED_IP_LISTS).sort().join(', ');
    problems.add(
      instead !== undefined
        ? `${label}: senderIpRanges: ${sender} has no published list to follow (${instead}); remove senderIpRanges and set allowedSourceCidrs on the source to the addresses the sender documents (kept current by hand)`
        : `${label}: senderIpRanges: "${sender}" is not a sender whose published list this library knows (those it knows: ${known}); set allowedSourceCidrs on the source instead`,
    );
    return;
  }
  if (!Object.hasOwn(IP_RANGES_SNAPSHOT, sender)) {
    problems.add(`${label}: senderIpRanges: this build of cdk-hardened-webhook ships no snapshot of ${sender}'s list (run npm run ip-ranges:snapshot in cdk-hardened-webhook)`);
  }
  // A Stripe route that also admitted GitHub's addresses would be open to anyone hosting a GitHub
  // webhook: a source follows its own sender's list when that sender publishes one.
  if (ranges.sender !== undefined && ranges.sender !== own && publishedIpList(own)) {
    problems.add(`${label}: senderIpRanges: SenderIpRanges.publishedBy('${ranges.sender}') on a ${own} source would admit ${ranges.sender}'s addresses to a route only ${own} posts to, and ${own} publishes its own list; use SenderIpRanges.published()`);
  }
}

/**
 * Checks the endpoint's refresh schedule: the interval (1 hour to 7 days) and the age past which the
 * stale alarm fires (longer than the interval, at most 7 days).
 */
export function checkIpRangesSchedule(problems: Problems, interval: Duration | undefined, maxAge: Duration | undefined): void {
  const intervalSeconds = (interval ?? DEFAULT_IP_RANGES_REFRESH_INTERVAL).toSeconds();
  const maxAgeSeconds = (maxAge ?? DEFAULT_IP_RANGES_MAX_AGE).toSeconds();
  if (interval !== undefined && isConcrete(intervalSeconds) && (intervalSeconds < 3600 || intervalSeconds > 7 * 86400 || intervalSeconds % 60 !== 0)) {
    problems.add(`senderIpRangesRefreshInterval ${intervalSeconds}s must be whole minutes from 1 hour to 7 days (default Duration.days(1))`);
  }
  if (maxAge !== undefined && isConcrete(maxAgeSeconds) && (maxAgeSeconds % 60 !== 0 || maxAgeSeconds > LONGEST_MAX_AGE_SECONDS)) {
    problems.add(`senderIpRangesMaxAge ${maxAgeSeconds}s must be whole minutes up to 7 days (a list left older than a week unalarmed is the stale copy senderIpRanges replaces; default Duration.days(3))`);
  }
  if (isConcrete(intervalSeconds) && isConcrete(maxAgeSeconds) && maxAgeSeconds <= intervalSeconds) {
    problems.add(
      `senderIpRangesMaxAge (${maxAgeSeconds}s) must be longer than senderIpRangesRefreshInterval (${intervalSeconds}s): every list is checked once an interval, so it is always up to an interval old; give it at least two intervals to let one failed refresh pass unalarmed`,
    );
  }
}

/** The names of a source's two managed IP sets (WAF: 1-128 characters of letters, digits, _ and -). */
export function managedIpSetName(endpointName: string, source: string, version: 'IPV4' | 'IPV6'): string {
  return `${endpointName}-${source}-${version === 'IPV4' ? 'v4' : 'v6'}`;
}

export interface SenderIpRangesRefresherProps {
  readonly endpointName: string;
  readonly interval: Duration;
  readonly runtime: lambda.Runtime;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** One managed set as the scheduled refresh names it. */
interface ManagedSet {
  readonly name: string;
  readonly id: string;
  readonly version: 'IPV4' | 'IPV6';
}

interface ManagedSource {
  readonly source: string;
  readonly sender: string;
  readonly maxShrinkPercent: number;
  readonly sets: ManagedSet[];
}

/**
 * The endpoint's one refresher: a function that owns every managed IP set (each a `Custom::WebhookIpSet`
 * custom resource it creates, updates and deletes: CloudFormation never holds the addresses, so a
 * deploy cannot revert a refreshed set, and WAF sees no drift), and a schedule that has it fetch each
 * source's published list and update that source's sets (lib/handlers/ip-ranges). It may touch only
 * the sets it was given, by exact name.
 */
export class SenderIpRangesRefresher extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.ILogGroup;
  public readonly rule: events.Rule;
  private readonly hardened: HardenedFunction;
  private readonly managed: ManagedSource[] = [];
  private last?: CustomResource;

  constructor(scope: Construct, id: string, private readonly props: SenderIpRangesRefresherProps) {
    super(scope, id);
    this.hardened = new HardenedFunction(this, 'Function', {
      handler: 'ip-ranges',
      description: `Keeps the WAF IP sets of the sources of webhook endpoint ${props.endpointName} current with their senders' published lists`,
      environment: { WEBHOOK_ENDPOINT: props.endpointName },
      runtime: props.runtime,
      memorySize: 256,
      // A list fetch gives up after 5 s; a run refreshes every managed source one after another.
      timeout: Duration.minutes(2),
      // One run at a time: a scheduled refresh and a deploy's update never race on one set (each
      // update also carries the set's lock token). CloudFormation's requests wait their turn:
      // the custom resources are created one after another (see addSource).
      reservedConcurrentExecutions: 1,
      fetchesKeys: true,
      noVpcReason:
        "The function reaches WAF's API over TLS with SigV4 and each sender's published list over HTTPS (one pinned URL per sender, from the library's catalogue), which needs internet access: inside a VPC it would need a NAT gateway, and gain no narrower reach.",
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      noDlqReason:
        "Invoked by CloudFormation for its custom resources (the function answers every request itself, FAILED on error, so a deploy never waits on a lost event) and by the refresh schedule, whose missed or failed run leaves the sets as they were and is caught by the stale-list alarm; a dead-letter queue would hold nothing to act on.",
    });
    this.function = this.hardened.function;
    this.logGroup = this.hardened.logGroup;

    // CloudFormation invokes a custom resource's function in the stack's own account with the deploying
    // principal's rights (lambda:InvokeFunction on it): a same-account service token needs no resource policy.
    this.rule = new events.Rule(this, 'Schedule', {
      description: `Refreshes the published sender IP lists of webhook endpoint ${props.endpointName}`.slice(0, 512),
      schedule: events.Schedule.rate(props.interval),
      targets: [
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ action: 'refresh-ip-ranges', sources: Lazy.any({ produce: () => this.managed }) }),
          // A failed run is not retried here: the next run comes within the interval, the sets stay as
          // they were meanwhile, and the stale-list alarm fires when runs keep failing.
          retryAttempts: 0,
        }),
      ],
    });
    acknowledge(this.rule, {
      id: 'Serverless-EventBusDLQ',
      reason: 'A scheduled refresh: a missed run leaves the IP sets as they were and the next run comes within the interval; runs that keep failing raise the stale-list alarm. A dead-letter queue of schedule ticks would be read by no one.',
    });
  }

  /**
   * A source's two managed sets (IPv4 and IPv6, also when one is empty, so a list that gains a version
   * needs no deploy), seeded from the shipped snapshot; returns their ARNs for the source's allowlist.
   */
  public addSource(source: string, sender: string, maxShrinkPercent: number): string[] {
    const snapshot = IP_RANGES_SNAPSHOT[sender];
    const cidrs = splitCidrs(snapshot.addresses);
    const stack = Stack.of(this);
    const sets: ManagedSet[] = [];
    const arns: string[] = [];
    for (const version of ['IPV4', 'IPV6'] as const) {
      const name = managedIpSetName(this.props.endpointName, source, version);
      const resource = new CustomResource(this, `IpSet-${source}-${version === 'IPV4' ? 'V4' : 'V6'}`, {
        serviceToken: this.function.functionArn,
        resourceType: 'Custom::WebhookIpSet',
        properties: { Name: name, IpVersion: version, Sender: sender, SnapshotAsOf: snapshot.asOf, Addresses: cidrs[version] },
      });
      // One request at a time reaches the function (reserved concurrency 1), so none is throttled.
      if (this.last) resource.node.addDependency(this.last);
      this.last = resource;
      sets.push({ name, id: resource.getAttString('Id'), version });
      arns.push(resource.getAttString('Arn'));
    }
    // A set's id is WAF's, known only once created: the name is exact, the id a wildcard.
    const setArns = sets.map((set) => stack.formatArn({ service: 'wafv2', resource: 'regional', resourceName: `ipset/${set.name}/*` }));
    this.hardened.allow(new iam.PolicyStatement({ actions: ['wafv2:CreateIPSet', 'wafv2:GetIPSet', 'wafv2:UpdateIPSet', 'wafv2:DeleteIPSet'], resources: setArns }));
    acknowledge(
      this.hardened.policy,
      ...sets.map((set, i) => ({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, setArns[i])}]`,
        reason: `The IP set ${set.name} this function creates, refreshes and deletes, by its exact name; its id is assigned by WAF when the set is created, so it cannot be named in advance.`,
      })),
    );
    this.managed.push({ source, sender, maxShrinkPercent, sets });
    return arns;
  }

  /** Sets this refresher manages (WAF's IP set quota counts them). */
  public get ipSetCount(): number {
    return this.managed.length * 2;
  }

  /** The schedule's input must fit EventBridge's 8,192 characters (WAF ids are 36). */
  public problems(): string[] {
    const placeholder = this.managed.map((m) => ({ ...m, sets: m.sets.map((s) => ({ ...s, id: 'x'.repeat(36) })) }));
    const length = JSON.stringify({ action: 'refresh-ip-ranges', sources: placeholder }).length;
    return length > TARGET_INPUT_LIMIT
      ? [`the ${this.managed.length} sources with senderIpRanges make the refresh schedule's input about ${length} characters, over EventBridge's ${TARGET_INPUT_LIMIT}; use senderIpRanges on fewer sources of this endpoint (or shorter source names), or split them over two endpoints`]
      : [];
  }
}
