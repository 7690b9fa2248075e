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
import { IP_RANGES_SNAPSHOT, PUBLISHED_IP_LISTS, publishedIpList, splitCidrs, UNPUBLISHED_IP_LISTS } from '../runtime/ip-ranges';
import { SignatureScheme } from './signature-scheme';
import { isConcrete, Problems } from './validation';
import { meant, unknownKeyProblems } from '../runtime/suggest';
import { SENDER_IP_RANGES_OPTIONS } from './known-props';

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
 * (IPv4 and IPv6) start from the snapshot shipped with this library, are refreshed once at deploy and
 * then on a schedule by the endpoint's refresher function, which refuses an empty list, an unreadable
 * one, one with a block wider than IPv4 /16 or IPv6 /24 or in special-purpose (non-public) space, one
 * that shrank more than `maxShrinkPercent` of the addresses covered, and one that more than doubled
 * them (alarmed, the sets kept as they were). A deploy never reverts a refreshed set to an older snapshot.
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

  /**
   * Keys of the options that SenderIpRangesOptions lacks, as problems (see known-props.ts).
   * @internal
   */
  public readonly _optionProblems: readonly string[];

  private constructor(sender: string | undefined, options: SenderIpRangesOptions) {
    this._optionProblems = unknownKeyProblems(`SenderIpRanges.${sender === undefined ? 'published' : 'publishedBy'}() options`, options, SENDER_IP_RANGES_OPTIONS);
    this.sender = sender;
    this.maxShrinkPercent = options.maxShrinkPercent ?? DEFAULT_MAX_SHRINK_PERCENT;
  }
}

export const DEFAULT_MAX_SHRINK_PERCENT = 50;
export const DEFAULT_IP_RANGES_REFRESH_INTERVAL = Duration.days(1);
export const DEFAULT_IP_RANGES_MAX_AGE = Duration.days(3);
/** The longest refresh interval. */
const LONGEST_INTERVAL_SECONDS = 7 * 86400;
/** The oldest a list may be allowed to get (two of the longest intervals): older, it is the stale copy this feature replaces. */
const LONGEST_MAX_AGE_SECONDS = 14 * 86400;
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
        : `${label}: senderIpRanges: "${sender}" is not a sender whose published list this library knows${meant(sender, [...Object.keys(PUBLISHED_IP_LISTS), ...Object.keys(UNPUBLISHED_IP_LISTS)])} (those it knows: ${known}); set allowedSourceCidrs on the source instead`,
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
 * stale alarm fires (longer than the interval, at most 14 days).
 */
export function checkIpRangesSchedule(problems: Problems, interval: Duration | undefined, maxAge: Duration | undefined): void {
  const intervalSeconds = (interval ?? DEFAULT_IP_RANGES_REFRESH_INTERVAL).toSeconds();
  const maxAgeSeconds = (maxAge ?? DEFAULT_IP_RANGES_MAX_AGE).toSeconds();
  if (interval !== undefined && isConcrete(intervalSeconds) && (intervalSeconds < 3600 || intervalSeconds > LONGEST_INTERVAL_SECONDS || intervalSeconds % 60 !== 0)) {
    problems.add(`senderIpRangesRefreshInterval ${intervalSeconds}s must be whole minutes from 1 hour to 7 days (default Duration.days(1))`);
  }
  if (maxAge !== undefined && isConcrete(maxAgeSeconds) && (maxAgeSeconds % 60 !== 0 || maxAgeSeconds > LONGEST_MAX_AGE_SECONDS)) {
    problems.add(`senderIpRangesMaxAge ${maxAgeSeconds}s must be whole minutes up to 14 days and longer than senderIpRangesRefreshInterval (a list left older than two weeks unalarmed is the stale copy senderIpRanges replaces; default Duration.days(3))`);
  }
  if (isConcrete(intervalSeconds) && isConcrete(maxAgeSeconds) && maxAgeSeconds <= intervalSeconds) {
    problems.add(
      `senderIpRangesMaxAge (${maxAgeSeconds}s) must be longer than senderIpRangesRefreshInterval (${intervalSeconds}s): every list is checked once an interval, so it is always up to an interval old; give it at least two intervals to let one failed refresh pass unalarmed`,
    );
  }
}

/**
 * The separator between the endpoint's and the source's name in a managed set's name: neither an
 * endpoint name (`[A-Za-z0-9-]`) nor a source name (`[a-z0-9-]`) can hold it, so `<endpoint>_` names
 * exactly one endpoint's sets (endpoint `hooks` + source `eu-github` and endpoint `hooks-eu` + source
 * `github` give `hooks_eu-github-v4` and `hooks-eu_github-v4`), and the refresher's IAM can cover
 * its own sets, and no other endpoint's, by that prefix.
 */
export const IP_SET_NAME_SEPARATOR = '_';

/** The names of a source's two managed IP sets (WAF: 1-128 characters of letters, digits, _ and -). */
export function managedIpSetName(endpointName: string, source: string, version: 'IPV4' | 'IPV6'): string {
  return `${endpointName}${IP_SET_NAME_SEPARATOR}${source}-${version === 'IPV4' ? 'v4' : 'v6'}`;
}

export interface SenderIpRangesRefresherProps {
  readonly endpointName: string;
  readonly interval: Duration;
  readonly runtime: lambda.Runtime;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** How long CloudFormation waits for the function's answer: its 5-minute timeout and a margin. */
const CUSTOM_RESOURCE_TIMEOUT = Duration.minutes(6);

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
 * source's published list and update that source's sets (lib/handlers/ip-ranges), also once at
 * deploy (`Custom::WebhookIpRangesRefresh`). It may touch only its endpoint's sets, named `<endpoint>_*`.
 */
export class SenderIpRangesRefresher extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.ILogGroup;
  public readonly rule: events.Rule;
  private readonly hardened: HardenedFunction;
  private readonly managed: ManagedSource[] = [];
  private last?: CustomResource;
  /** Runs the scheduled refresh once at deploy, after every set exists (Custom::WebhookIpRangesRefresh). */
  public readonly deployRefresh: CustomResource;

  constructor(scope: Construct, id: string, private readonly props: SenderIpRangesRefresherProps) {
    super(scope, id);
    this.hardened = new HardenedFunction(this, 'Function', {
      handler: 'ip-ranges',
      description: `Keeps the WAF IP sets of the sources of webhook endpoint ${props.endpointName} current with their senders' published lists`,
      environment: { WEBHOOK_ENDPOINT: props.endpointName },
      runtime: props.runtime,
      memorySize: 256,
      // A list fetch gives up after 5 s; a run refreshes every managed source one after another. A
      // CloudFormation request retries AccessDenied for 39 s (IAM propagation on a first deploy); the
      // deploy-time refresh starts no new source after 2 minutes, so it answers well inside this.
      timeout: Duration.minutes(5),
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
    // The refresher may touch only its endpoint's sets: every name it manages starts `<endpoint>_`, which
    // no other endpoint's set can (see IP_SET_NAME_SEPARATOR). One statement by prefix, not one per set: a
    // source removed from the app loses its sets in the stack's cleanup phase, after the policy was
    // updated, and the function must still be allowed to delete them then.
    const stack = Stack.of(this);
    const ownSets = stack.formatArn({ service: 'wafv2', resource: 'regional', resourceName: `ipset/${props.endpointName}${IP_SET_NAME_SEPARATOR}*/*` });
    this.hardened.allow(new iam.PolicyStatement({ actions: ['wafv2:CreateIPSet', 'wafv2:GetIPSet', 'wafv2:UpdateIPSet', 'wafv2:DeleteIPSet'], resources: [ownSets] }));
    acknowledge(this.hardened.policy, {
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, ownSets)}]`,
      reason: `The IP sets of endpoint ${props.endpointName} this function creates, refreshes and deletes, all named ${props.endpointName}${IP_SET_NAME_SEPARATOR}<source>-v4|v6 (no endpoint or source name holds ${IP_SET_NAME_SEPARATOR}, so no other endpoint's set matches); a set's id is assigned by WAF when it is created, and a removed source's sets must stay deletable after the policy update, so neither can be named in advance.`,
    });

    // At deploy, once every set exists (each addSource makes it depend on its sets): the scheduled
    // refresh's own input, run once, so new and renamed sets hold the sender's current list instead of
    // the shipped snapshot (the snapshot is only the fallback when the fetch fails), and the stale
    // alarm gets its first IpRangesAgeSeconds datapoint. Its properties change, and so it runs again,
    // when a set is added, removed or replaced (their ids are in the input) or a snapshot changes.
    this.deployRefresh = new CustomResource(this, 'DeployRefresh', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::WebhookIpRangesRefresh',
      // CloudFormation's wait for an answer that never comes (the function's 5 minutes, then a margin),
      // instead of its default hour.
      serviceTimeout: CUSTOM_RESOURCE_TIMEOUT,
      properties: {
        // JSON text: CloudFormation hands a custom resource's numbers over as strings.
        Input: Lazy.string({ produce: () => stack.toJsonString({ action: 'refresh-ip-ranges', sources: this.managed }) }),
        SnapshotAsOf: Lazy.any({ produce: () => Object.fromEntries([...new Set(this.managed.map((m) => m.sender))].sort().map((sender) => [sender, IP_RANGES_SNAPSHOT[sender]?.asOf ?? 'none'])) }),
      },
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
    const sets: ManagedSet[] = [];
    const arns: string[] = [];
    for (const version of ['IPV4', 'IPV6'] as const) {
      const name = managedIpSetName(this.props.endpointName, source, version);
      // The set's name is in the construct id, so in the logical id: a renamed endpoint or source is a
      // new resource (Create, then the old one's Delete in cleanup; a failed deploy rolls back by deleting
      // the new set), never an in-place rename that could not roll back. The new set then holds the
      // snapshot only until the deploy-time refresh (deployRefresh) fills it with the current list.
      const resource = new CustomResource(this, `IpSet-${Token.isUnresolved(name) ? `${source}-${version}` : name}`, {
        serviceToken: this.function.functionArn,
        resourceType: 'Custom::WebhookIpSet',
        serviceTimeout: CUSTOM_RESOURCE_TIMEOUT,
        properties: { Name: name, IpVersion: version, Sender: sender, SnapshotAsOf: snapshot.asOf, Addresses: cidrs[version] },
      });
      // One request at a time reaches the function (reserved concurrency 1), so none is throttled.
      if (this.last) resource.node.addDependency(this.last);
      this.last = resource;
      this.deployRefresh.node.addDependency(resource);
      sets.push({ name, id: resource.getAttString('Id'), version });
      arns.push(resource.getAttString('Arn'));
    }
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
