import { Annotations, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AlarmTopicPublisher } from './alarm-topic-publisher';
import { DedupeTable } from './dedupe-table';
import { allowServicesToUseKey, createEndpointKey, keyUseVia, requiredKeyPolicyStatements } from './encryption-key';
import { defaultRuntime } from './hardened-function';
import { Outcome } from '../runtime/metrics-contract';
import { acknowledge } from './nag-acknowledgements';
import { CustomDomainOptions, DEFAULT_TLS_POLICY, TLS12_OR_NEWER_POLICIES, WebhookApi } from './webhook-api';
import { WebhookFirewall } from './webhook-firewall';
import { AccessRolesOptions, WebhookAccessRoles } from './webhook-access-roles';
import { AlarmThresholds, DEFAULT_THRESHOLDS, WebhookMonitoring } from './webhook-monitoring';
import { BroughtQueue, checkBroughtQueue, requiredVisibilitySeconds, WebhookQueue } from './webhook-queue';
import { checkSourceOptions, needsClaimCheck, WebhookSource, WebhookSourceOptions } from './webhook-source';
import { BODY_BUCKET_ENV, ClaimCheckBucket, claimCheckExpiration } from './claim-check-bucket';
import { checkCidrs, isConcrete, Problems } from './validation';
import { deploymentLimitProblems } from './deployment-limits';
import { SourceGroup } from './source-group';
import { functionEnvironment, ProcessorIdempotency, processorIdempotencyProblems } from './processor-idempotency';
import { checkIpRangesSchedule, DEFAULT_IP_RANGES_MAX_AGE, DEFAULT_IP_RANGES_REFRESH_INTERVAL, SenderIpRangesRefresher, senderOf } from './sender-ip-ranges';
import { closest, suggestion } from '../runtime/suggest';
import { isProductionEnvironment, productionNearMiss } from './production';
import { checkEndpointPropKeys } from './known-props';

/** Where alarm descriptions point unless runbookUrl is given. */
export const DEFAULT_RUNBOOK = 'https://github.com/cdk-hardened-webhook/cdk-hardened-webhook/blob/main/docs/runbook.md';

export { PRODUCTION_ENVIRONMENTS } from './production';

export interface HardenedWebhookEndpointProps {
  /**
   * The deployment environment. `prod`/`production`, or a name with either as a "-"-separated word
   * (`prod-eu`), require an allowlist (or an explicit
   * `allowAnySourceIp`), an alarm destination and an `endpointName`, keep logs a year and retain data
   * on delete.
   * @default 'prod' (the strict one: relaxing is a decision to write down)
   */
  readonly environment?: string;
  /**
   * Names the API, the web ACL, the WAF log group, the secrets (`webhooks/<endpointName>/<source>`)
   * and metrics. Unique per account and region. Required in production: a name derived from the
   * construct path changes when a stack or construct id is renamed, and with it every name above, so
   * the secrets are replaced (in production the old ones are retained and new ones created, and
   * sender-issued keys must be put again). The error names the derived name, so an existing
   * deployment can pin it.
   * @default - derived from the construct path; refused in production
   */
  readonly endpointName?: string;
  /**
   * Source addresses allowed to post to any route (a source may carry its own list instead).
   * @default - no endpoint-wide allowlist (refused in production unless allowAnySourceIp is set)
   */
  readonly allowedSourceCidrs?: string[];
  /**
   * Accept deliveries from any address, relying on signatures, the rate limit and managed rules.
   * For senders that publish no address ranges.
   * @default false
   */
  readonly allowAnySourceIp?: boolean;
  /**
   * An address subscribed to the alarm topic.
   * @default - no subscription (refused in production unless alarmTopic is given)
   */
  readonly alarmEmail?: string;
  /**
   * The topic alarms go to.
   * @default - a new topic encrypted with the endpoint's key, TLS-only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The key for the queue, secrets, logs and alarm topic.
   *
   * A key of this app (`kms.Key`) you bring has its policy widened with these statements:
   * `AllowCloudWatchLogsForThisAccount` (principal `logs.<region>.amazonaws.com`: kms:Encrypt, Decrypt,
   * ReEncryptFrom, ReEncryptTo, GenerateDataKey, DescribeKey, only with the encryption context
   * `aws:logs:arn` of a log group of this account and region), `AllowThisAccountsAlarmsToPublishToEncryptedTopic`
   * (principal `cloudwatch.amazonaws.com`: kms:Decrypt, GenerateDataKey, only with `aws:SourceAccount`
   * this account and `aws:SourceArn` an alarm of this account and region), and, from CDK's Secret
   * construct, two statements for this account's root principal through
   * `kms:ViaService secretsmanager.<region>.amazonaws.com` only (kms:Encrypt, Decrypt, ReEncrypt*,
   * GenerateDataKey*; kms:CreateGrant, DescribeKey). The functions' and roles' use of the key is
   * granted in their own IAM policies (`kms:ViaService`), not in the key policy. Unlike the key the
   * endpoint creates, a key you bring does not get `DenyGrantsExceptForAwsResources` (deny
   * kms:CreateGrant unless for an AWS resource); add it yourself if you want it.
   *
   * An imported key (`kms.Key.fromKeyArn`) cannot take statements: it is refused unless
   * `encryptionKeyPolicyManagedExternally` is set.
   * @default - a new key with rotation on
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Declares that the policy of an imported `encryptionKey` is managed outside this app and already
   * contains: `AllowCloudWatchLogsForThisAccount` and `AllowThisAccountsAlarmsToPublishToEncryptedTopic`
   * as described under `encryptionKey`, and a statement letting this account's IAM policies use the
   * key (principal `arn:<partition>:iam::<account>:root`, `kms:*`: the default key policy), which the
   * verifier, rotation function, consumers and CloudFormation need to use it through Secrets Manager,
   * SQS, DynamoDB and SNS. Without them log groups, secrets and alarm notifications fail at deploy or
   * at run time. Refused for a key whose policy this app can edit, and without `encryptionKey`.
   * @default false (an imported encryptionKey is refused, naming the statements to add)
   */
  readonly encryptionKeyPolicyManagedExternally?: boolean;
  /**
   * Where verified webhooks go. With a queue you bring, its own settings apply: `maxReceiveCount` and
   * `queueRetentionPeriod` are refused (set them on your queue), and `processorTimeout` only checks
   * the queue's visibility timeout. When CDK can see the queue (a `sqs.Queue` of this app), synth
   * fails if its visibility timeout is shorter than 6× the consumer's timeout, the endpoint alarms on
   * its dead-letter queue as on its own, and the verifier is granted its key through SQS. An imported
   * queue shows CDK neither: pass `deadLetterQueue` and `queueEncryptionKey` (synth warns without).
   * @default - a new queue and dead-letter queue, encrypted with the endpoint's key
   */
  readonly queue?: sqs.IQueue;
  /**
   * The dead-letter queue of a `queue` you bring whose redrive policy CDK cannot see (an imported
   * queue), so the endpoint alarms on it as on its own. Refused without `queue`, and for a `sqs.Queue`
   * whose own redrive policy names another queue or none.
   * @default - the brought queue's own dead-letter queue when it is a sqs.Queue; else no dead-letter alarm (a synth warning)
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * The customer-managed KMS key a `queue` you bring is encrypted with, when the queue does not name
   * it (an imported queue, or a key set on its CfnQueue): the verifier is granted kms:GenerateDataKey
   * and kms:Decrypt on it through SQS only, and grantConsumeMessages() and the processor kms:Decrypt.
   * Refused without `queue`, for a queue that names another key, and for one not encrypted with a
   * customer-managed key.
   * @default - the queue's encryptionMasterKey; a sqs.Queue encrypted with a key CDK has no object for is refused, an imported queue warned about
   */
  readonly queueEncryptionKey?: kms.IKey;
  /**
   * Your function that processes verified webhooks from the queue, with partial batch failures. Where
   * a source takes bodies above 700 KiB, it may also read them from the claim-check bucket
   * (`bodyBucket`: s3:GetObject, s3:ListBucket so that a body gone is a 404, kms:Decrypt through S3),
   * and a lambda.Function processor finds that bucket's name in WEBHOOK_BODY_BUCKET (any other: a
   * synth warning; pass `bodyBucket.bucketName` to parseWebhookRecord yourself). A lambda.Function
   * that already has WEBHOOK_BODY_BUCKET is refused.
   * @default - none; use grantConsumeMessages() for your own consumer
   */
  readonly processor?: lambda.IFunction;
  /**
   * Your consumer's timeout, to size the queue's visibility timeout (6×, at most 12 hours). Set it
   * when you consume with grantConsumeMessages() or an IFunction whose timeout CDK cannot see. With a
   * `queue` you bring it sizes nothing: it is checked against that queue's visibility timeout, and
   * refused where CDK cannot read that (an imported queue).
   * @default - with a processor: its own timeout when it is a lambda.Function, else 15 minutes;
   * without one: a 5 minute visibility timeout
   */
  readonly processorTimeout?: Duration;
  /**
   * Messages per processor invocation, 1 to 10.
   * @default 10
   */
  readonly processorBatchSize?: number;
  /**
   * Creates the table of AWS Lambda Powertools' idempotency utility (@aws-lambda-powertools/idempotency)
   * for the processor: partition key `id`, TTL attribute `expiration` (its DynamoDB persistence layer's
   * defaults), encrypted with the endpoint's key, point-in-time recovery on, the endpoint's removal
   * policy. The processor is granted exactly what that layer does (dynamodb:GetItem, PutItem,
   * UpdateItem, DeleteItem on the table, and the key through DynamoDB); a lambda.Function processor
   * gets the table's name in IDEMPOTENCY_TABLE_NAME (any other: pass `idempotencyTable.tableName`).
   * Key idempotency on each record's `source` and `dedupeKey` (see `cdk-hardened-webhook/consumer`).
   * Refused without a processor, for a processor that sets IDEMPOTENCY_TABLE_NAME itself, and for one
   * another endpoint gave processorIdempotency already (set it on one endpoint only and put the
   * record's queue, eventSourceARN, in the key).
   * @default false
   */
  readonly processorIdempotency?: boolean;
  /**
   * Deliveries to a processor before a message moves to the dead-letter queue. Refused with a `queue`
   * you bring, whose own redrive policy applies.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long verified webhooks wait on the queue. Up to 14 days. Refused with a `queue` you bring,
   * whose own retention period applies.
   * @default Duration.days(4)
   */
  readonly queueRetentionPeriod?: Duration;
  /**
   * Requests per source IP per window before WAF blocks that IP. WAF's minimum is 10. Only addresses
   * outside every allowlist (the endpoint's and each source's) are counted and blocked: senders share
   * their egress addresses among all their customers, so anyone could aim their own deliveries from
   * the same sender here and get genuine ones rate-blocked. Allowlisted senders are bounded by stage
   * throttling and each verifier's reserved concurrency instead.
   * @default 3000
   */
  readonly rateLimit?: number;
  /**
   * The rate limit's window: 1, 2, 5 or 10 minutes.
   * @default Duration.minutes(5)
   */
  readonly rateLimitWindow?: Duration;
  /** Stage-wide steady requests per second. @default 100 */
  readonly throttlingRateLimit?: number;
  /** Stage-wide burst. @default 200 */
  readonly throttlingBurstLimit?: number;
  /**
   * TLS policy of the execute-api endpoint; only TLS 1.2+ enhanced policies are accepted.
   * @default 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09' (TLS 1.3, and TLS 1.2 with forward-secret AES-GCM suites only)
   */
  readonly securityPolicy?: string;
  /**
   * A custom domain (TLS 1.2+). When set, the execute-api endpoint is disabled.
   * @default - senders use the execute-api URL
   */
  readonly customDomain?: CustomDomainOptions;
  /** @default 'v1' */
  readonly stageName?: string;
  /**
   * Set the account's API Gateway CloudWatch role (needed once per account and region for logging).
   * Turn off when the account is already configured centrally. Made once per stack: a later endpoint
   * in the same stack reuses the first one's (its stage waits for it). Across stacks in one account
   * and region, leave it on in one stack only.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
  /**
   * Runtime of the verifier and rotation functions (Node.js only).
   * @default - the newest Node.js runtime the app's aws-cdk-lib knows (Node.js 24 or later), the one cdk-nag's latest-runtime rules expect
   */
  readonly runtime?: lambda.Runtime;
  /**
   * Log every request WAF lets through too. Off, the WAF log holds what an investigation needs from
   * it: every blocked request, and every request a body-inspecting rule counted (see
   * LOGGED_COUNTED_LABELS); allowed deliveries are already in the access and verifier logs. On, each
   * allowed request adds a full WAF record (about 2 KB, about $1 per million in log ingestion).
   * @default false
   */
  readonly wafLogAllowedRequests?: boolean;
  /**
   * Class of the API access log group. `logs.LogGroupClass.INFREQUENT_ACCESS` halves its ingestion
   * price (about $0.08 less per million webhooks); Logs Insights (the saved queries) still reads it,
   * while metric filters, subscriptions and Live Tail do not (nothing here uses them on access logs).
   * CloudFormation cannot change a log group's class: changing it on a deployed endpoint replaces the
   * access log group (with removalPolicy RETAIN, production's default, the old group and its records
   * are kept until their retention ends; otherwise they are deleted).
   * @default logs.LogGroupClass.STANDARD
   */
  readonly accessLogClass?: logs.LogGroupClass;
  /**
   * Share of requests X-Ray traces (API Gateway and the verifier), from 0 to 1, after the reservoir.
   * Trace everything with 1 (about $5 per million webhooks). An X-Ray sampling rule scoped to this
   * API's stage applies it; it is a rule like any other, so it can also be changed in the X-Ray
   * console for a while without a deploy (the next deploy sets it back).
   * @default 0.01 (1%: about $0.05 per million)
   */
  readonly tracingSampleRate?: number;
  /**
   * Requests per second X-Ray traces before tracingSampleRate applies, shared by every instance.
   * X-Ray's own default, 1, traces nearly every request of an endpoint receiving a few a second.
   * @default 0
   */
  readonly tracingReservoir?: number;
  /**
   * Retention of every log group (access, execution, WAF, functions): the audit trail.
   * @default - one year in production, three months in staging, one month elsewhere
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to queues, secrets and logs when removed from the stack.
   * @default - RETAIN in production, DESTROY elsewhere
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Alarm thresholds, each overridable (defaults in DEFAULT_THRESHOLDS and docs/props.md).
   * @default DEFAULT_THRESHOLDS
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Where the runbook lives; each alarm's description points at its section (`#runbook-...`).
   * @default - this library's runbook, docs/runbook.md on GitHub
   */
  readonly runbookUrl?: string;
  /**
   * Viewer, operator and admin roles, each assumable only by the principals you name.
   * @default - no roles
   */
  readonly accessRoles?: AccessRolesOptions;
  /**
   * Where each rotation's hand-off event goes (`source: cdk-hardened-webhook`, detail-type
   * `Webhook signing key rotated`, detail with the secret ARN and version id, never the key).
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Refuse redeliveries of an event already queued (DynamoDB table keyed by source and event id).
   * For a source whose scheme signs no timestamp this is the only replay control: turning it off is
   * refused in production unless that source sets `allowUnlimitedReplays`.
   * @default true
   */
  readonly deduplication?: boolean;
  /**
   * The Lambda concurrency limit of the account and Region the endpoint deploys to (Service Quotas,
   * "Concurrent executions"). Every verifier and rotation function reserves concurrency, and Lambda
   * keeps 100 of the account's unreserved: synth fails when the endpoint alone would reserve more
   * than this minus 100. Other functions of the account reserve from the same pool.
   * @default 1000 (Lambda's default quota)
   */
  readonly accountConcurrencyLimit?: number;
  /**
   * How often the sources with `senderIpRanges` have their sender's published list fetched and their
   * IP sets updated. Whole minutes from 1 hour to 7 days. Refused when no source uses senderIpRanges.
   * @default Duration.days(1)
   */
  readonly senderIpRangesRefreshInterval?: Duration;
  /**
   * How old a source's published list (its last successful check) may get before the stale-list
   * alarm fires (that alarm also fires when the refresher reports nothing for a whole refresh interval
   * plus an hour: it stopped running). Longer than the refresh interval, so that one failed refresh
   * passes unalarmed; at most 14 days. Refused when no source uses senderIpRanges.
   * @default Duration.days(3)
   */
  readonly senderIpRangesMaxAge?: Duration;
  /**
   * Senders, by name (the route's last segment). More can be added with addSource().
   * @default - none yet
   */
  readonly sources?: Record<string, WebhookSourceOptions>;
}

/**
 * A hardened inbound webhook endpoint: WAF (allowlist, rate limit, managed rules) → Regional REST API
 * (TLS 1.2+) → a verifier Lambda per source (HMAC over the raw body, timestamp tolerance) → SQS with
 * a DLQ, signing secrets in Secrets Manager under a customer-managed key with scheduled rotation, and
 * alarms to an encrypted topic. Every cdk-nag finding it leaves is acknowledged next to its resource.
 */
export class HardenedWebhookEndpoint extends Construct {
  public readonly environment: string;
  public readonly production: boolean;
  public readonly endpointName: string;
  public readonly encryptionKey: kms.IKey;
  public readonly queue: sqs.IQueue;
  /**
   * The dead-letter queue: the endpoint's own, or that of the queue you bring when CDK can see it (a
   * sqs.Queue's redrive policy) or the deadLetterQueue prop names it.
   */
  public readonly deadLetterQueue?: sqs.IQueue;
  public readonly api: apigw.RestApi;
  public readonly webAcl: wafv2.CfnWebACL;
  public readonly alarmTopic: sns.ITopic;
  /** The custom domain, when one was given. */
  public readonly domain?: apigw.DomainName;
  /** The dedupe table, unless deduplication is off. */
  public readonly dedupeTable?: dynamodb.ITable;
  /** The claim-check bucket, created with the first source whose maxBodySize exceeds 700 KiB; see bodyBucket. */
  private claimCheck?: ClaimCheckBucket;
  /** How long a claim-checked body is kept: as long as a message pointing at it can live (claimCheckExpiration). */
  private readonly bodyExpiration: Duration;
  /** Who reads the queue (the processor, grantConsumeMessages' grantees): each may read claim-checked bodies too. */
  private readonly bodyReaders: iam.IGrantable[] = [];
  /** The processor, told the body bucket's name in WEBHOOK_BODY_BUCKET when that bucket is created. */
  private readonly processor?: lambda.IFunction;
  /** The processor's idempotency table, with processorIdempotency. */
  public readonly idempotencyTable?: dynamodb.ITable;
  private readonly webhookApi: WebhookApi;
  private readonly firewall: WebhookFirewall;
  private readonly runtime: lambda.Runtime;
  private readonly logRetention: logs.RetentionDays;
  private readonly removalPolicy: RemovalPolicy;
  private readonly hasEndpointAllowlist: boolean;
  private readonly allowedSourceCidrs?: string[];
  private readonly allowAnySourceIp: boolean;
  private readonly sourcesByName = new Map<string, WebhookSource>();
  /** Sources with no replay control at all (no signed timestamp, no dedupe) that did not accept it. */
  private readonly unboundedReplaySources: string[] = [];
  private readonly unsignedBodySources: string[] = [];
  /** Alarms, the auth-anomaly composite, insights, saved queries and the dashboard. */
  public readonly monitoring: WebhookMonitoring;
  /** The viewer/operator/admin roles, when accessRoles was given. */
  public readonly accessRoles?: WebhookAccessRoles;
  private readonly eventBus?: events.IEventBus;
  private readonly alarmPublisher: AlarmTopicPublisher;
  /** The key of a brought queue that does not name it itself (the queueEncryptionKey prop). */
  private readonly queueEncryptionKey?: kms.IKey;
  private readonly accountConcurrencyLimit: number;
  /** Source groups by name, each a nested stack. */
  private readonly groups = new Map<string, SourceGroup>();
  /** The function and schedule keeping published sender IP lists current, created with the first source that uses one. */
  private ipRangesRefresher?: SenderIpRangesRefresher;
  /** Whether the viewer role was given the refresher's log group (with the first source that uses it). */
  private refresherLogsReadable = false;
  private readonly ipRangesSchedule: { readonly interval: Duration; readonly maxAge: Duration; readonly given: string[] };

  constructor(scope: Construct, id: string, props: HardenedWebhookEndpointProps = {}) {
    super(scope, id);
    const problems = new Problems();
    checkEndpointPropKeys(problems, props);
    this.environment = props.environment ?? 'prod';
    this.production = isProductionEnvironment(this.environment);
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(this.environment)) {
      problems.add(`environment "${this.environment}" must be 1-32 characters of a-z, 0-9 and "-" (e.g. "dev", "staging", "prod")`);
    }
    const nearMiss = this.production ? undefined : productionNearMiss(this.environment);
    if (nearMiss) {
      problems.add(
        `environment "${this.environment}": did you mean "${nearMiss}"? Only names with a "-"-separated word "prod" or "production" (e.g. "prod", "prod-eu") get production's rules (an allowlist, an alarm destination and an endpointName required, logs kept a year, data retained); any other name gets development's (data destroyed with the stack). Correct the name, or pick one that is not one edit from "prod" (e.g. "dev", "staging")`,
      );
    }
    const derivedName = Names.uniqueResourceName(this, { maxLength: 48, separator: '-' });
    this.endpointName = props.endpointName ?? derivedName;
    if (this.production && props.endpointName === undefined) {
      problems.add(
        `environment "${this.environment}" is production but endpointName is not set; a name derived from the construct path changes when the stack or a construct id is renamed, which replaces the API, web ACL and secrets (imported keys must then be put again). Set endpointName: "${derivedName}" to keep today's names, or a name of your own for a new endpoint`,
      );
    }
    if (!Token.isUnresolved(this.endpointName) && !/^[A-Za-z0-9][A-Za-z0-9-]{0,47}$/.test(this.endpointName)) {
      problems.add(`endpointName "${this.endpointName}" must be 1-48 characters of letters, digits and "-"`);
    }
    const allowlist = props.allowedSourceCidrs ? checkCidrs(problems, 'allowedSourceCidrs', props.allowedSourceCidrs) : undefined;
    if (props.allowedSourceCidrs && props.allowedSourceCidrs.length === 0) {
      problems.add('allowedSourceCidrs is empty, which would block every sender; list the senders\' CIDRs or omit it');
    }
    if (props.allowedSourceCidrs && props.allowAnySourceIp) {
      problems.add('allowedSourceCidrs and allowAnySourceIp: true contradict each other; keep one');
    }
    if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.alarmEmail)) {
      problems.add(`alarmEmail "${props.alarmEmail}" is not an email address`);
    }
    if (this.production && !props.alarmEmail && !props.alarmTopic) {
      problems.add(`environment "${this.environment}" is production but has no alarm destination; set alarmEmail or alarmTopic so auth anomalies reach on-call`);
    }
    const rateLimit = props.rateLimit ?? 3000;
    if (isConcrete(rateLimit) && (!Number.isInteger(rateLimit) || rateLimit < 10 || rateLimit > 2_000_000_000)) {
      problems.add(`rateLimit ${rateLimit} is outside WAF's 10..2,000,000,000 requests per IP per window`);
    }
    const rateLimitWindow = props.rateLimitWindow ?? Duration.minutes(5);
    if (!Token.isUnresolved(rateLimitWindow.toSeconds()) && ![60, 120, 300, 600].includes(rateLimitWindow.toSeconds())) {
      problems.add(`rateLimitWindow ${rateLimitWindow.toSeconds()}s is not one WAF supports; use 1, 2, 5 or 10 minutes`);
    }
    const throttlingRateLimit = props.throttlingRateLimit ?? 100;
    const throttlingBurstLimit = props.throttlingBurstLimit ?? 200;
    if (isConcrete(throttlingRateLimit) && !(throttlingRateLimit > 0)) problems.add(`throttlingRateLimit ${throttlingRateLimit} must be above 0`);
    if (isConcrete(throttlingBurstLimit) && (!Number.isInteger(throttlingBurstLimit) || throttlingBurstLimit < 1)) {
      problems.add(`throttlingBurstLimit ${throttlingBurstLimit} must be a whole number of at least 1`);
    }
    const securityPolicy = props.securityPolicy ?? DEFAULT_TLS_POLICY;
    if (!Token.isUnresolved(securityPolicy) && !TLS12_OR_NEWER_POLICIES.includes(securityPolicy)) {
      problems.add(`securityPolicy "${securityPolicy}" is not a TLS 1.2+ enhanced policy; use one of ${TLS12_OR_NEWER_POLICIES.join(', ')}`);
    }
    const domainPolicy = props.customDomain?.securityPolicy;
    if (domainPolicy !== undefined && !Token.isUnresolved(domainPolicy) && !TLS12_OR_NEWER_POLICIES.includes(domainPolicy)) {
      const why =
        domainPolicy === apigw.SecurityPolicy.TLS_1_0
          ? 'allows TLS 1.0'
          : domainPolicy === apigw.SecurityPolicy.TLS_1_2
            ? 'is the legacy policy: it admits CBC and non-forward-secret suites and no STRICT endpoint access'
            : 'is not an enhanced TLS 1.2+ policy for a Regional domain';
      problems.add(`customDomain.securityPolicy ${domainPolicy} ${why}; omit it (default apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09) or use another of ${TLS12_OR_NEWER_POLICIES.join(', ')}`);
    }
    const tracingSampleRate = props.tracingSampleRate ?? 0.01;
    if (isConcrete(tracingSampleRate) && !(tracingSampleRate >= 0 && tracingSampleRate <= 1)) {
      problems.add(`tracingSampleRate ${tracingSampleRate} is outside 0..1 (a share of requests: 0.01 traces 1%, 1 traces every request)`);
    }
    const tracingReservoir = props.tracingReservoir ?? 0;
    if (isConcrete(tracingReservoir) && (!Number.isInteger(tracingReservoir) || tracingReservoir < 0)) {
      problems.add(`tracingReservoir ${tracingReservoir} must be a whole number of requests per second, 0 or more`);
    }
    const stageName = props.stageName ?? 'v1';
    if (!/^[A-Za-z0-9_]{1,128}$/.test(stageName)) problems.add(`stageName "${stageName}" must be letters, digits and "_"`);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (isConcrete(maxReceiveCount) && (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000)) {
      problems.add(`maxReceiveCount ${maxReceiveCount} must be a whole number from 1 to 1000`);
    }
    const retention = (props.queueRetentionPeriod ?? Duration.days(4)).toSeconds();
    if (isConcrete(retention) && (retention < 60 || retention > 14 * 86400)) {
      problems.add(`queueRetentionPeriod ${retention}s is outside SQS's 1 minute..14 days`);
    }
    const batchSize = props.processorBatchSize ?? 10;
    if (isConcrete(batchSize) && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)) {
      problems.add(`processorBatchSize ${batchSize} must be a whole number from 1 to 10 (SQS's limit without a batching window)`);
    }
    if (props.processorBatchSize !== undefined && !props.processor) problems.add('processorBatchSize is set but there is no processor');
    if (props.processorIdempotency && !props.processor) {
      problems.add('processorIdempotency is set but there is no processor to grant the table to; pass processor, or remove processorIdempotency and give your own consumer a table for Powertools\' idempotency (partition key "id", TTL attribute "expiration", dynamodb:GetItem, PutItem, UpdateItem and DeleteItem)');
    }
    if (props.processorIdempotency && props.processor) for (const problem of processorIdempotencyProblems(props.processor)) problems.add(problem);
    const processorTimeout = props.processorTimeout ?? (props.processor instanceof lambda.Function ? props.processor.timeout : undefined) ?? Duration.minutes(15);
    this.runtime = props.runtime ?? defaultRuntime();
    if (this.runtime.family !== lambda.RuntimeFamily.NODEJS) {
      problems.add(`runtime ${this.runtime.name} is not Node.js; the verifier and rotation handlers are Node.js bundles`);
    }
    this.accountConcurrencyLimit = props.accountConcurrencyLimit ?? 1000;
    if (isConcrete(this.accountConcurrencyLimit) && (!Number.isInteger(this.accountConcurrencyLimit) || this.accountConcurrencyLimit < 100)) {
      problems.add(`accountConcurrencyLimit ${this.accountConcurrencyLimit} must be a whole number of at least 100 (Lambda's quota of concurrent executions for the account and Region)`);
    }
    checkIpRangesSchedule(problems, props.senderIpRangesRefreshInterval, props.senderIpRangesMaxAge);
    this.ipRangesSchedule = {
      interval: props.senderIpRangesRefreshInterval ?? DEFAULT_IP_RANGES_REFRESH_INTERVAL,
      maxAge: props.senderIpRangesMaxAge ?? DEFAULT_IP_RANGES_MAX_AGE,
      given: (['senderIpRangesRefreshInterval', 'senderIpRangesMaxAge'] as const).filter((p) => props[p] !== undefined),
    };
    const deduplication = props.deduplication ?? true;
    const givenSources = Object.entries(props.sources ?? {});
    for (const [name, options] of givenSources) this.checkSource(problems, name, options, deduplication);
    // The rules over all sources, checked at synth for sources added later, apply now to the sources
    // given here, so they are reported with every other problem instead of one round later.
    const sourceSet = sourceSetProblems(this.environment, this.production, {
      open: allowlist || props.allowAnySourceIp ? [] : givenSources.filter(([, o]) => !o.allowedSourceCidrs && !o.senderIpRanges).map(([name]) => name),
      unboundedReplays: givenSources.filter(([, o]) => hasNoReplayControl(o, deduplication)).map(([name]) => name),
      unsignedBodies: givenSources
        .filter(([, o]) => acceptsUnsignedBodiesFromAnyIp(o, allowlist !== undefined || o.allowedSourceCidrs !== undefined || o.senderIpRanges !== undefined))
        .map(([name]) => name),
    });
    for (const message of sourceSet) problems.add(message);

    let broughtQueue: BroughtQueue | undefined;
    if (props.queue) {
      const consumerTimeout =
        props.processorTimeout ?? (props.processor instanceof lambda.Function ? (props.processor.timeout ?? LAMBDA_DEFAULT_TIMEOUT) : undefined);
      broughtQueue = checkBroughtQueue(problems, {
        queue: props.queue,
        deadLetterQueue: props.deadLetterQueue,
        queueEncryptionKey: props.queueEncryptionKey,
        maxReceiveCount: props.maxReceiveCount,
        queueRetentionPeriod: props.queueRetentionPeriod,
        processorTimeout: props.processorTimeout,
        consumerTimeout,
      });
    } else {
      if (props.deadLetterQueue) problems.add('deadLetterQueue is set but the endpoint creates the queue and its own dead-letter queue; remove deadLetterQueue, or bring queue too');
      if (props.queueEncryptionKey) problems.add('queueEncryptionKey is set but the endpoint creates the queue, encrypted with encryptionKey; remove queueEncryptionKey, or bring queue too');
    }
    this.queueEncryptionKey = props.queue && !props.queue.encryptionMasterKey ? props.queueEncryptionKey : undefined;

    if (props.encryptionKey) {
      // Adding is the only way to learn whether the key takes statements; after a refusal below
      // nothing is synthesized, so the attempt leaves no trace.
      const policyEditable = allowServicesToUseKey(props.encryptionKey);
      if (!policyEditable && !props.encryptionKeyPolicyManagedExternally) {
        const key = Token.isUnresolved(props.encryptionKey.keyArn) ? props.encryptionKey.node.path : props.encryptionKey.keyArn;
        problems.add(
          `encryptionKey ${key} is imported, so its policy cannot be changed here and the endpoint's statements would be dropped (log groups, secrets and alarm notifications would then fail). Add these statements to that key's policy where it is managed: ${requiredKeyPolicyStatements(this, props.encryptionKey).join(' ')} (the last, the default key policy's, lets this account's IAM policies use the key: the verifier, rotation function, consumers and CloudFormation use it that way through Secrets Manager, SQS, DynamoDB and SNS). Then set encryptionKeyPolicyManagedExternally: true`,
        );
      } else if (policyEditable && props.encryptionKeyPolicyManagedExternally) {
        problems.add('encryptionKeyPolicyManagedExternally is set but the policy of encryptionKey is this app\'s, and the endpoint adds its statements to it; remove encryptionKeyPolicyManagedExternally');
      }
    } else if (props.encryptionKeyPolicyManagedExternally) {
      problems.add('encryptionKeyPolicyManagedExternally is set without encryptionKey: the endpoint creates its own key and writes its policy; remove it, or bring encryptionKey too');
    }
    if (problems.hasAny && this.production && !allowlist && !props.allowAnySourceIp && givenSources.length === 0) {
      // The sources come later (addSource), so whether one would accept any IP is decided at synth;
      // but the user is fixing this list now, and should not meet that rule one round later.
      problems.add(
        `environment "${this.environment}" is production and has no endpoint allowlist: every source you add will need its own allowedSourceCidrs; or set allowedSourceCidrs here to the senders' published ranges, senderIpRanges: SenderIpRanges.published() on each source whose sender publishes a list, or allowAnySourceIp: true if a sender publishes none`,
      );
    }
    problems.throwIfAny(`HardenedWebhookEndpoint props (${this.node.path})`);
    for (const [warningId, message] of broughtQueue?.warnings ?? []) Annotations.of(this).addWarningV2(`cdk-hardened-webhook:${warningId}`, message);

    // The audit trail (access, WAF, verifier logs) is kept longest where it matters most.
    this.logRetention =
      props.logRetention ??
      (this.production ? logs.RetentionDays.ONE_YEAR : this.environment === 'staging' ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.ONE_MONTH);
    this.removalPolicy = props.removalPolicy ?? (this.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.hasEndpointAllowlist = allowlist !== undefined;
    this.allowedSourceCidrs = props.allowedSourceCidrs;
    this.eventBus = props.eventBus;
    this.allowAnySourceIp = props.allowAnySourceIp ?? false;

    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      this.encryptionKey = createEndpointKey(this, 'Key', `Webhook endpoint ${this.endpointName}: queue, secrets, logs, alarm topic`);
    }

    if (props.queue) {
      this.queue = props.queue;
      this.deadLetterQueue = broughtQueue?.deadLetterQueue;
    } else {
      const visibilityTimeout = Duration.seconds(requiredVisibilitySeconds(processorTimeout.toSeconds()));
      const queue = new WebhookQueue(this, 'Queue', {
        encryptionKey: this.encryptionKey,
        maxReceiveCount,
        visibilityTimeout: props.processor || props.processorTimeout ? visibilityTimeout : Duration.minutes(5),
        retentionPeriod: props.queueRetentionPeriod ?? Duration.days(4),
        removalPolicy: this.removalPolicy,
      });
      this.queue = queue.queue;
      this.deadLetterQueue = queue.deadLetterQueue;
    }
    this.bodyExpiration = claimCheckExpiration(
      props.queue ? retentionOf(props.queue) : (props.queueRetentionPeriod ?? Duration.days(4)),
      this.deadLetterQueue && retentionOf(this.deadLetterQueue),
    );
    if (props.processor) {
      this.processor = props.processor;
      this.bodyReaders.push(props.processor);
      // The mapping is created under the processor, the user's function: acknowledge only what this adds.
      const before = new Set(props.processor.node.children);
      props.processor.addEventSource(new SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true }));
      this.grantQueueKeyDecrypt(props.processor);
      for (const mapping of props.processor.node.children.filter((child) => !before.has(child))) {
        acknowledge(mapping, {
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason: 'Lambda takes no on-failure destination for an SQS event source (only for streams and Kafka): a message the processor fails returns to the queue, whose redrive policy moves it to the dead-letter queue after maxReceiveCount receives.',
        });
      }
    }

    if (props.deduplication ?? true) {
      this.dedupeTable = new DedupeTable(this, 'DedupeTable', {
        encryptionKey: this.encryptionKey,
        removalPolicy: this.removalPolicy,
        deletionProtection: this.production,
      }).table;
    }
    if (props.processorIdempotency && props.processor) {
      this.idempotencyTable = new ProcessorIdempotency(this, 'ProcessorIdempotency', {
        processor: props.processor,
        encryptionKey: this.encryptionKey,
        removalPolicy: this.removalPolicy,
        deletionProtection: this.production,
      }).table;
    }

    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    this.alarmPublisher = new AlarmTopicPublisher(this, 'AlarmPublisher', {
      endpointName: this.endpointName,
      topic: this.alarmTopic,
      topicKey: props.alarmTopic ? props.alarmTopic.masterKey : this.encryptionKey,
    });
    if (props.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      acknowledge(subscription, {
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'An email subscription to alarms: SNS retries delivery and counts failures (NumberOfNotificationsFailed); a dead-letter queue of undelivered alarm emails would be read by no one.',
      });
    }

    this.webhookApi = new WebhookApi(this, 'Api', {
      name: this.endpointName,
      stageName,
      securityPolicy,
      throttlingRateLimit,
      throttlingBurstLimit,
      customDomain: props.customDomain,
      cloudWatchRole: props.cloudWatchRole ?? true,
      encryptionKey: this.encryptionKey,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
      tracingSampleRate,
      tracingReservoir,
      accessLogClass: props.accessLogClass ?? logs.LogGroupClass.STANDARD,
    });
    this.api = this.webhookApi.api;
    this.domain = this.webhookApi.domain;

    this.firewall = new WebhookFirewall(this, 'Firewall', {
      name: this.endpointName,
      allowedCidrs: allowlist,
      rateLimit,
      rateLimitWindow,
      encryptionKey: this.encryptionKey,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
      logAllowedRequests: props.wafLogAllowedRequests ?? false,
    });
    this.webAcl = this.firewall.webAcl;
    this.firewall.associate('StageAssociation', this.api.deploymentStage.stageArn).node.addDependency(this.api.deploymentStage);

    this.monitoring = new WebhookMonitoring(this, 'Monitoring', {
      endpointName: this.endpointName,
      alarmTopic: this.alarmTopic,
      alarmPublisher: this.alarmPublisher,
      thresholds: { ...DEFAULT_THRESHOLDS, ...props.alarmThresholds },
      runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
      api: this.api,
      webAclName: this.endpointName,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      accessLogGroup: this.webhookApi.accessLogGroup,
      hasEndpointAllowlist: allowlist !== undefined,
    });
    if (props.accessRoles) {
      this.accessRoles = new WebhookAccessRoles(this, 'AccessRoles', {
        ...props.accessRoles,
        endpointName: this.endpointName,
        encryptionKey: this.encryptionKey,
        queue: this.queue,
        deadLetterQueue: this.deadLetterQueue,
        logGroups: [this.webhookApi.accessLogGroup, this.webhookApi.executionLogGroup, this.firewall.logGroup],
        dashboard: this.monitoring.dashboard,
        ipSetArns: this.firewall.endpointIpSetArns,
      });
    }
    for (const [name, options] of Object.entries(props.sources ?? {})) this.addSource(name, options);

    this.node.addValidation({ validate: () => this.validateSources() });
  }

  /** The sources added so far. */
  public get sources(): WebhookSource[] {
    return [...this.sourcesByName.values()];
  }

  /** Adds a sender: `POST /webhooks/<name>` with its own verifier, signing secret and alarms. */
  public addSource(name: string, options: WebhookSourceOptions): WebhookSource {
    const problems = new Problems();
    const ownAllowlist = this.checkSource(problems, name, options, this.dedupeTable !== undefined);
    problems.throwIfAny(`source "${name}" of HardenedWebhookEndpoint (${this.node.path})`);

    const group = options.group === undefined ? undefined : this.sourceGroup(options.group);
    const bodyBucket = needsClaimCheck(options) ? this.claimCheckBucket().bucket : undefined;
    const source = new WebhookSource(group ?? this, `Source-${name}`, {
      ...options,
      name,
      endpointName: this.endpointName,
      queue: this.queue,
      queueEncryptionKey: this.queueEncryptionKey,
      encryptionKey: this.encryptionKey,
      runtime: this.runtime,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
      dedupeTable: this.dedupeTable,
      publicUrl: this.webhookApi.publicUrlFor(name),
      eventBus: this.eventBus,
      bodyBucket,
    });
    source.method = group ? this.webhookApi.addRouteIn(group, name, source.verifier, options.scheme) : this.webhookApi.addRoute(name, source.verifier, options.scheme);
    group?.sourceNames.push(name);
    const managedIpSets = options.senderIpRanges ? this.senderIpRangesRefresher().addSource(name, senderOf(options.senderIpRanges, options.scheme), options.senderIpRanges.maxShrinkPercent) : [];
    const ownIpSets = ownAllowlist || managedIpSets.length > 0 ? this.firewall.addSourceAllowlist(name, ownAllowlist ?? { IPV4: [], IPV6: [] }, managedIpSets) : [];
    const routeCidrs = options.allowedSourceCidrs ?? this.allowedSourceCidrs;
    // A resource policy is fixed at deploy: it cannot follow a published list, and would refuse its
    // new addresses. WAF alone restricts such a route.
    if (routeCidrs && !options.senderIpRanges) this.webhookApi.restrictRoute(name, routeCidrs);
    for (const header of options.scheme.redactedHeaders) this.firewall.redactHeader(header);
    if (options.scheme.credentialInBody) {
      Annotations.of(source).addWarningV2(
        'cdk-hardened-webhook:credentialInBody',
        `source "${name}" (${options.scheme.schemeType}): the sender's credential is a field of every body, so it travels to the queue, the DLQ and your processor with each message. Give the sender a value used for nothing else, and keep the queue's readers to the processor`,
      );
    }
    this.sourcesByName.set(name, source);
    if (acceptsUnsignedBodiesFromAnyIp(options, routeCidrs !== undefined || options.senderIpRanges !== undefined)) {
      this.unsignedBodySources.push(name);
      if (!this.production) {
        Annotations.of(source).addWarningV2(
          'cdk-hardened-webhook:unsignedBodyFromAnyIp',
          `source "${name}" (${options.scheme.schemeType}) authenticates with a shared credential that does not bind the body, and accepts any IP: whoever learns the credential can post any body. Set allowedSourceCidrs to the sender's published ranges (or senderIpRanges: SenderIpRanges.published() where the sender publishes a list), or allowUnsignedBodyFromAnyIp: true on the source to accept it (production refuses it without)`,
        );
      }
    }
    if (hasNoReplayControl(options, this.dedupeTable !== undefined)) {
      this.unboundedReplaySources.push(name);
      if (!this.production) {
        Annotations.of(source).addWarningV2(
          'cdk-hardened-webhook:unlimitedReplays',
          `source "${name}" signs no timestamp and deduplication is off: a captured delivery can be replayed without limit for as long as the key is valid. Keep deduplication on (the default), or set allowUnlimitedReplays: true on the source to accept it (production refuses it without)`,
        );
      }
    }
    this.monitoring.addSource(source, options.signatureFailureThreshold, group?.monitoring);
    if (options.senderIpRanges) this.monitoring.addSenderIpRanges(name, this.ipRangesSchedule.interval, this.ipRangesSchedule.maxAge);
    // The refresher owns the published lists' sets (an edit there is undone by the next refresh): the
    // admin role may edit the static ones only.
    const staticIpSets = ownIpSets.filter((arn) => !managedIpSets.includes(arn));
    // The refresher's log group (why a refresh was refused) with the first source that uses it.
    const refresherLogs = this.ipRangesRefresher && managedIpSets.length > 0 && !this.refresherLogsReadable ? [this.ipRangesRefresher.logGroup] : [];
    this.refresherLogsReadable ||= refresherLogs.length > 0;
    this.accessRoles?.addSource(source, [source.verifierLogGroup, ...(source.rotationLogGroup ? [source.rotationLogGroup] : []), ...refresherLogs], staticIpSets, managedIpSets);
    return source;
  }

  /** The refresher of published sender IP lists, created with the first source that uses one. */
  private senderIpRangesRefresher(): SenderIpRangesRefresher {
    // The endpoint's name is in the id: a renamed endpoint gets a new refresher, and the old one, still
    // allowed its own `<old>_*` sets, deletes them in the stack's cleanup (one refresher renamed in
    // place would have lost that right in the update phase, leaving the old sets behind).
    const id = Token.isUnresolved(this.endpointName) ? 'SenderIpRanges' : `SenderIpRanges-${this.endpointName}`;
    this.ipRangesRefresher ??= new SenderIpRangesRefresher(this.firewall, id, {
      endpointName: this.endpointName,
      interval: this.ipRangesSchedule.interval,
      runtime: this.runtime,
      encryptionKey: this.encryptionKey,
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    return this.ipRangesRefresher;
  }

  /** The nested stack of a source group, created with its first source. */
  private sourceGroup(name: string): SourceGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = new SourceGroup(this, `Group-${name}`, {
        groupName: name,
        description: `Webhook endpoint ${this.endpointName}: the sources of group ${name}`,
        monitoring: (scope) => this.monitoring.addGroup(scope, name),
      });
      this.groups.set(name, group);
    }
    return group;
  }

  /**
   * Lets a consumer receive, delete and decrypt verified webhooks, and read the bodies claim-checked
   * to the bodyBucket (s3:GetObject, s3:ListBucket, kms:Decrypt through S3), also when that bucket is
   * created by a source added later.
   */
  public grantConsumeMessages(grantee: iam.IGrantable): iam.Grant {
    this.bodyReaders.push(grantee);
    const grants = [this.queue.grantConsumeMessages(grantee), this.grantQueueKeyDecrypt(grantee), this.claimCheck?.grantReadBodies(grantee, this.encryptionKey)];
    return grants.filter((g) => g !== undefined).reduce((all, g) => all.combine(g));
  }

  /**
   * Where bodies above 700 KiB (INLINE_BODY_BYTES) wait for the processor (claim-check): created with
   * the first source whose maxBodySize exceeds that, else undefined. Each source's verifier may only
   * put objects under `<source>/`; the processor and grantConsumeMessages' grantees may only read.
   */
  public get bodyBucket(): s3.IBucket | undefined {
    return this.claimCheck?.bucket;
  }

  /** The claim-check bucket, created on first use; the queue's readers are granted its bodies. */
  private claimCheckBucket(): ClaimCheckBucket {
    if (!this.claimCheck) {
      this.claimCheck = new ClaimCheckBucket(this, 'ClaimCheck', { encryptionKey: this.encryptionKey, removalPolicy: this.removalPolicy, expiration: this.bodyExpiration });
      for (const reader of this.bodyReaders) this.claimCheck.grantReadBodies(reader, this.encryptionKey);
      if (this.processor) this.tellProcessorBodyBucket(this.processor, this.claimCheck.bucket);
    }
    return this.claimCheck;
  }

  /**
   * Sets WEBHOOK_BODY_BUCKET on a lambda.Function processor (parseWebhookRecord's `bucket`); refuses
   * one that has it already (its own, or another endpoint's: one variable cannot name two buckets);
   * warns for any other IFunction, whose environment CDK cannot set.
   */
  private tellProcessorBodyBucket(processor: lambda.IFunction, bucket: s3.IBucket): void {
    const environment = functionEnvironment(processor);
    if (!environment) {
      Annotations.of(this).addWarningV2(
        'cdk-hardened-webhook:bodyBucketNotSet',
        `The processor ${processor.node.path} is not a lambda.Function of this app, so ${BODY_BUCKET_ENV} cannot be set on it: give parseWebhookRecord's \`bucket\` option endpoint.bodyBucket.bucketName yourself`,
      );
      return;
    }
    if (BODY_BUCKET_ENV in environment) {
      throw new Error(
        `Invalid processor of HardenedWebhookEndpoint (${this.node.path}): ${processor.node.path} already has ${BODY_BUCKET_ENV} (set by you, or by another endpoint whose sources claim-check bodies), which this endpoint sets to its own body bucket, and one variable cannot name two buckets: remove it from the processor, or give each endpoint that claim-checks bodies its own processor`,
      );
    }
    (processor as lambda.Function).addEnvironment(BODY_BUCKET_ENV, bucket.bucketName);
  }

  /** kms:Decrypt through SQS on a brought queue's key that the queue does not name (CDK's grants miss it). */
  private grantQueueKeyDecrypt(grantee: iam.IGrantable): iam.Grant | undefined {
    if (!this.queueEncryptionKey) return undefined;
    const statement = keyUseVia(this, this.queueEncryptionKey, 'sqs', ['kms:Decrypt']);
    return iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources, conditions: statement.conditions });
  }

  /** Checks one source as addSource() would add it; returns its own allowlist split by IP version. */
  private checkSource(problems: Problems, name: string, options: WebhookSourceOptions, deduplication: boolean) {
    checkSourceOptions(problems, name, options);
    if (this.sourcesByName.has(name)) problems.add(`source "${name}" already exists on this endpoint; give each sender its own name`);
    const ownAllowlist = options.allowedSourceCidrs ? checkCidrs(problems, `source "${name}" allowedSourceCidrs`, options.allowedSourceCidrs) : undefined;
    if (options.allowedSourceCidrs?.length === 0) problems.add(`source "${name}" allowedSourceCidrs is empty, which would block the sender; list its CIDRs or omit it`);
    if (options.allowUnlimitedReplays && deduplication) {
      problems.add(`source "${name}": allowUnlimitedReplays has no effect while deduplication is on (replays are refused for dedupeWindow); remove it`);
    } else if (options.allowUnlimitedReplays && signsTimestamp(options)) {
      problems.add(`source "${name}": allowUnlimitedReplays has no effect because its scheme signs a timestamp (replays are refused outside timestampTolerance); remove it`);
    }
    if (options.allowUnsignedBodyFromAnyIp && options.scheme && options.scheme.bodyBinding !== 'unsigned') {
      problems.add(`source "${name}": allowUnsignedBodyFromAnyIp has no effect because its scheme (${options.scheme.schemeType}) binds the body (${options.scheme.bodyBinding}); remove it`);
    }
    return ownAllowlist;
  }

  /** The URL a source's sender posts to. */
  public urlForSource(name: string): string {
    if (!this.sourcesByName.has(name)) {
      const known = [...this.sourcesByName.keys()];
      const meant = closest(name, known);
      throw new Error(
        meant !== undefined
          ? `No source "${name}" on ${this.node.path}${suggestion(name, known, 'sources')}`
          : `No source "${name}" on ${this.node.path}; add it with addSource("${name}", ...) first${known.length > 0 ? `, or use one of its sources: ${known.join(', ')}` : ''}`,
      );
    }
    return this.webhookApi.urlFor(name);
  }

  /** One verifier outcome summed over every source. */
  public metricOutcome(outcome: Outcome, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const metrics: Record<string, cloudwatch.IMetric> = {};
    this.sources.forEach((s, i) => (metrics[`m${i}`] = s.metricOutcome(outcome, props)));
    return new cloudwatch.MathExpression({
      expression: this.sources.length ? Object.keys(metrics).join(' + ') : '0',
      usingMetrics: metrics,
      label: outcome,
      period: props?.period ?? Duration.minutes(5),
    });
  }

  private validateSources(): string[] {
    const errors: string[] = [];
    if (this.sourcesByName.size === 0) {
      errors.push('the endpoint has no source; add one with addSource("<name>", { scheme: SignatureScheme.standardWebhooks() })');
    }
    if (!this.ipRangesRefresher && this.ipRangesSchedule.given.length > 0) {
      errors.push(`${this.ipRangesSchedule.given.join(' and ')} ${this.ipRangesSchedule.given.length === 1 ? 'is' : 'are'} set but no source uses senderIpRanges, so nothing is refreshed; remove ${this.ipRangesSchedule.given.length === 1 ? 'it' : 'them'}, or give a source senderIpRanges: SenderIpRanges.published()`);
    }
    errors.push(...(this.ipRangesRefresher?.problems() ?? []));
    const open = this.hasEndpointAllowlist || this.allowAnySourceIp ? [] : this.sources.filter((s) => !this.firewall.hasSourceAllowlist(s.sourceName)).map((s) => s.sourceName);
    errors.push(...sourceSetProblems(this.environment, this.production, { open, unboundedReplays: this.unboundedReplaySources, unsignedBodies: this.unsignedBodySources }));
    const grouped = new Set([...this.groups.values()].flatMap((g) => g.sourceNames));
    const ownHome = this.monitoring.home;
    errors.push(
      ...deploymentLimitProblems({
        endpoint: this,
        stacks: [
          { stack: Stack.of(this), sources: this.sources.map((s) => s.sourceName).filter((n) => !grouped.has(n)), compositeChildren: ownHome.authAlarms.length, verifierLogGroups: ownHome.verifierLogGroups },
          ...[...this.groups.values()].map((g) => ({ stack: g, group: g.groupName, sources: g.sourceNames, compositeChildren: g.monitoring.authAlarms.length, verifierLogGroups: g.monitoring.verifierLogGroups })),
        ],
        wafCapacity: this.firewall.capacity(),
        wafReferenceStatements: this.firewall.referenceStatements(),
        ipSets: this.firewall.ipSetCount,
        apiResources: this.webhookApi.resourceCount,
        resourcePolicy: this.webhookApi.resourcePolicy,
        accountConcurrencyLimit: this.accountConcurrencyLimit,
      }),
    );
    return errors;
  }

  private createAlarmTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Webhook endpoint ${this.endpointName} alarms`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // enforceSSL replaces SNS's default topic policy, so CloudWatch must be allowed explicitly, and
    // only for this account's alarms.
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );
    return topic;
  }
}

/** Lambda's timeout when a function sets none. */
const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);

/**
 * A brought queue's message retention: what a sqs.Queue of this app declares (SQS's 4 days when it declares none), else (an imported queue, a token) SQS's longest, 14 days.
 */
function retentionOf(queue: sqs.IQueue): Duration {
  if (!(queue instanceof sqs.Queue)) return Duration.days(14);
  const seconds = (queue.node.defaultChild as sqs.CfnQueue).messageRetentionPeriod;
  return seconds === undefined ? Duration.days(4) : isConcrete(seconds) ? Duration.seconds(seconds) : Duration.days(14);
}

function signsTimestamp(options: WebhookSourceOptions): boolean {
  return options.scheme?.defaultTolerance !== undefined;
}

/** A source whose scheme signs no timestamp, without deduplication, that did not accept unlimited replays. */
function hasNoReplayControl(options: WebhookSourceOptions, deduplication: boolean): boolean {
  return !signsTimestamp(options) && !deduplication && !options.allowUnlimitedReplays;
}

/**
 * A source whose sender authenticates with a shared credential that binds no body (a static token,
 * Basic auth, a clientState or a JWT over no body), reachable from any IP (no allowlist of its own or
 * the endpoint's; `allowAnySourceIp` does not count), that did not accept it.
 */
function acceptsUnsignedBodiesFromAnyIp(options: WebhookSourceOptions, allowlisted: boolean): boolean {
  return options.scheme?.bodyBinding === 'unsigned' && !allowlisted && !options.allowUnsignedBodyFromAnyIp;
}

/**
 * Production's rules over the set of sources: none may accept any IP (open: sources with no allowlist
 * of their own while the endpoint has none and allowAnySourceIp is off), none may be replayable
 * without limit, none whose credential binds no body may take requests from any IP without saying so.
 */
function sourceSetProblems(environment: string, production: boolean, sources: { open: string[]; unboundedReplays: string[]; unsignedBodies: string[] }): string[] {
  if (!production) return [];
  const problems: string[] = [];
  if (sources.open.length > 0) {
    problems.push(
      `environment "${environment}" is production but source(s) ${sources.open.join(', ')} accept any IP; set allowedSourceCidrs (on the endpoint or the source) to the senders' published ranges (or senderIpRanges: SenderIpRanges.published() on a source whose sender publishes a list, kept current), or allowAnySourceIp: true if a sender publishes none`,
    );
  }
  if (sources.unboundedReplays.length > 0) {
    problems.push(
      `environment "${environment}" is production but deduplication is off and source(s) ${sources.unboundedReplays.join(', ')} sign no timestamp, so a captured delivery can be replayed without limit for as long as the key is valid; keep deduplication on (the default), or set allowUnlimitedReplays: true on each of those sources to accept that`,
    );
  }
  if (sources.unsignedBodies.length > 0) {
    problems.push(
      `environment "${environment}" is production but source(s) ${sources.unsignedBodies.join(', ')} authenticate with a shared credential that does not bind the body and accept any IP, so whoever learns the credential can post any body (only the dedupe record stops an exact replay); set senderIpRanges: SenderIpRanges.published() on the source where its sender publishes a list, or set allowedSourceCidrs on the source (or the endpoint) to the sender's published ranges, or allowUnsignedBodyFromAnyIp: true on each of those sources to accept that risk`,
    );
  }
  return problems;
}
