import { Duration, RemovalPolicy, Size, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, Outcome } from '../runtime/metrics-contract';
import { INLINE_BODY_BYTES, LARGEST_BODY_BYTES } from '../runtime/body-limits';
import { bodyKeyUse } from './claim-check-bucket';
import { keyUseVia } from './encryption-key';
import { HardenedFunction } from './hardened-function';
import { acknowledge, nagResourceName } from './nag-acknowledgements';
import { SignatureScheme } from './signature-scheme';
import { KeySource } from './key-source';
import { checkSenderIpRanges, SenderIpRanges } from './sender-ip-ranges';
import { SigningSecret } from './signing-secret';
import { Problems, isConcrete } from './validation';
import { checkSourceOptionKeys } from './known-props';

/** Options of one sender. */
export interface WebhookSourceOptions {
  /** How this sender signs its webhooks. */
  readonly scheme: SignatureScheme;
  /**
   * This sender's published source addresses. They replace the endpoint's allowlist for this route.
   * @default - the endpoint's allowlist applies
   */
  readonly allowedSourceCidrs?: string[];
  /**
   * Allow this route only from the addresses the sender publishes, kept current: two WAF IP sets
   * (IPv4, IPv6) seeded from the list's snapshot shipped with this library and refreshed on the
   * endpoint's schedule (`senderIpRangesRefreshInterval`) and once at deploy; a refresh that empties
   * the list, cannot read it, holds a block too wide or not public, shrinks it past `maxShrinkPercent`
   * or more than doubles it is refused and alarmed. `SenderIpRanges.published()`
   * takes the scheme's sender (refused for one that publishes no list: the message says what it
   * publishes instead); `SenderIpRanges.publishedBy('<sender>')` names it, for a generic scheme.
   * Like allowedSourceCidrs it replaces the endpoint's allowlist for this route; with both, the route
   * accepts an address in either (the static list and the published one are ORed). WAF alone enforces
   * it: the API's resource policy, fixed at deploy, does not restrict such a route.
   * @default - no published list: allowedSourceCidrs, or the endpoint's allowlist, applies
   */
  readonly senderIpRanges?: SenderIpRanges;
  /**
   * How far a signed timestamp may be from now, either way, before the delivery counts as a replay.
   * Between 1 second and 1 hour.
   * @default - the scheme's own (5 minutes for Standard Webhooks)
   */
  readonly timestampTolerance?: Duration;
  /**
   * Bodies larger than this are refused with 413 before any other work. At most 4,521,984 bytes
   * (LARGEST_BODY_BYTES, about 4.3 MiB: the most whose base64 form fits a synchronous Lambda
   * invocation's 6 MB with the request's headers). A body up to 700 KiB (INLINE_BODY_BYTES) is queued
   * in the message itself; a larger one is written to the endpoint's claim-check bucket (created
   * with the first source that allows more than 700 KiB) and the message carries its location, size
   * and SHA-256.
   * @default Size.kibibytes(256); for SNS, Size.kibibytes(700): the most SNS can send that this
   * library queues inline (a 256 KiB message grows when escaped in SNS's JSON envelope)
   */
  readonly maxBodySize?: Size;
  /**
   * Reserved concurrency of this source's verifier: a ceiling on what a flood can cost, and a floor
   * other functions cannot take away.
   * @default 10
   */
  readonly reservedConcurrency?: number;
  /**
   * The verifier's memory in MB (Lambda gives CPU in proportion).
   * @default 256; 512 when maxBodySize exceeds 700 KiB (a 4.3 MiB body is held three times over:
   * the event's base64, the bytes, the upload)
   */
  readonly memorySize?: number;
  /**
   * The verifier's timeout. Between 3 and 28 seconds (API Gateway waits at most 29).
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Where the signing keys come from: generated and rotated here, or issued by the sender and
   * imported with the CLI's `put-key`.
   * @default - KeySource.IMPORTED for Stripe, Slack, Shopify and Twilio (they issue the key),
   * KeySource.GENERATED otherwise
   */
  readonly keySource?: KeySource;
  /**
   * How often a generated key is rotated, a whole number of hours from 4 hours to 1000 days.
   * Give this or `rotationScheduleExpression`, not both.
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * A Secrets Manager schedule expression instead of an interval, e.g. `cron(0 9 ? * MON#1 *)`
   * (first Monday of the month, 09:00 UTC) or `rate(7 days)`.
   * @default - rotationInterval
   */
  readonly rotationScheduleExpression?: string;
  /**
   * A function that pushes a newly generated key to the sender's API during setSecret. It receives
   * `{ secretArn, versionId, versionStage: 'AWSPENDING', endpoint, source }` and reads the key from
   * Secrets Manager itself (it is granted read on this secret); if it fails, the rotation fails and
   * the current key stays current.
   * @default - none: the rotation event tells automation or a person to update the sender
   */
  readonly senderHook?: lambda.IFunction;
  /**
   * How long a replaced key still verifies after a rotation or an import, for the sender to switch
   * over. Shorter than the rotation interval.
   * @default Duration.hours(24)
   */
  readonly gracePeriod?: Duration;
  /**
   * How long the verifier keeps the keys in memory before reading Secrets Manager again. Between 1
   * second and 1 hour. A delivery signed with a key the cache does not hold triggers one early read
   * (at most one per 30 s per container), so a rotation is picked up at once anyway.
   * @default Duration.minutes(5)
   */
  readonly secretCacheTtl?: Duration;
  /**
   * How long a queued event's id is remembered, refusing redeliveries as duplicates. For senders
   * that sign no timestamp (GitHub, Shopify, Twilio) this is the replay window; it must be at least
   * twice the timestamp tolerance (for Google Pub/Sub, whose token lives an hour, an hour more).
   * @default Duration.days(7)
   */
  readonly dedupeWindow?: Duration;
  /**
   * Signature failures within 5 minutes that raise the alarm.
   * @default 10
   */
  readonly signatureFailureThreshold?: number;
  /**
   * Accept that this source has no replay control at all: its scheme signs no timestamp (GitHub,
   * Shopify, Twilio, generic HMAC over the body alone) and the endpoint's `deduplication` is off.
   * Production refuses that combination without it (elsewhere it is a synth warning); set where it
   * has no effect (deduplication on, or a scheme that signs a timestamp) it is refused.
   * @default false (with true, a captured delivery can be replayed without limit for as long as the key is valid)
   */
  readonly allowUnlimitedReplays?: boolean;
  /**
   * Accept that this source takes requests from any IP although its sender authenticates with a
   * shared credential that does not bind the body (a static token or Basic auth: Telegram, Postmark,
   * Chargebee, Auth0, Strapi, GitLab's token, Okta; Salesforce's organization id; Microsoft Graph's
   * clientState; Pub/Sub's and monday.com's tokens): whoever learns the credential can post any body,
   * and only the dedupe record stops an exact replay. Production refuses such a source without an IP
   * allowlist (its own `allowedSourceCidrs` or the endpoint's; `allowAnySourceIp` does not count)
   * unless this is set (elsewhere it is a synth warning); set on a scheme that binds the body it is refused.
   * @default false
   */
  readonly allowUnsignedBodyFromAnyIp?: boolean;
  /**
   * Puts this source in a nested stack of its own group (created with the group's first source):
   * its functions, roles, secret, log groups, route and methods, alarms and rule, about 18 resources.
   * The web ACL, the API and its stage stay the endpoint's, and the route is deployed through them.
   * CloudFormation holds at most 500 resources in a stack, so an endpoint's own stack takes about 25
   * sources; past that, synth fails and asks for groups. A group holds about 27.
   *
   * Set it when adding the source and keep it: moving a deployed source to another group (or out of
   * one) recreates its resources in another stack, and its secret, whose name is fixed, cannot be
   * created there while the old one exists. Adding or removing a source never moves another.
   * 1-20 characters of a-z, 0-9 and "-".
   * @default - the endpoint's own stack, where sources have always been (their logical ids unchanged)
   */
  readonly group?: string;
}

export interface WebhookSourceProps extends WebhookSourceOptions {
  readonly name: string;
  readonly endpointName: string;
  readonly queue: sqs.IQueue;
  /**
   * The key the queue is encrypted with, where the queue does not name it itself (an imported queue).
   * @default - the queue's encryptionMasterKey, if any
   */
  readonly queueEncryptionKey?: kms.IKey;
  readonly encryptionKey: kms.IKey;
  readonly runtime: lambda.Runtime;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The dedupe table; undefined when deduplication is off. */
  readonly dedupeTable?: dynamodb.ITable;
  readonly eventBus?: events.IEventBus;
  /** The route's public URL, for schemes that sign it. */
  readonly publicUrl: string;
  /**
   * The endpoint's claim-check bucket, given when this source's maxBodySize exceeds 700 KiB
   * (INLINE_BODY_BYTES): larger bodies are written there, under the source's own prefix.
   * @default - no claim-check: bodies above 700 KiB are refused with 413
   */
  readonly bodyBucket?: s3.IBucket;
}

const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const GROUP_NAME = /^[a-z0-9][a-z0-9-]{0,19}$/;

/**
 * The body cap a source gets unless it sets one: 256 KiB, or for a sender that sends more (SNS's
 * envelope around a 256 KiB message, and SNS never retries the 413) as much of that as this library
 * can queue.
 */
function defaultMaxBody(scheme: SignatureScheme): Size {
  const largest = scheme.largestBody?.toBytes();
  return largest === undefined ? Size.kibibytes(256) : Size.bytes(Math.min(largest, INLINE_BODY_BYTES));
}

/**
 * Whether a source takes bodies above the inline limit, and so needs the claim-check bucket. A size
 * not known at synth (a token) counts as large: the bucket is created rather than every large body refused.
 */
export function needsClaimCheck(options: Pick<WebhookSourceOptions, 'maxBodySize' | 'scheme'>): boolean {
  const bytes = (options.maxBodySize ?? defaultMaxBody(options.scheme)).toBytes();
  return !isConcrete(bytes) || bytes > INLINE_BODY_BYTES;
}

/** Checks one source's options; returns nothing, adds problems. */
export function checkSourceOptions(problems: Problems, name: string, options: WebhookSourceOptions): void {
  if (!SOURCE_NAME.test(name)) {
    problems.add(`source name "${name}" must be 1-40 characters of a-z, 0-9 and "-", starting with a letter or digit (it becomes /webhooks/${name})`);
  }
  const label = `source "${name}"`;
  checkSourceOptionKeys(problems, name, options);
  for (const problem of options.scheme?._optionProblems ?? []) problems.add(`${label}: ${problem}`);
  for (const problem of options.senderIpRanges?._optionProblems ?? []) problems.add(`${label}: ${problem}`);
  if (options.group !== undefined && !GROUP_NAME.test(options.group)) {
    problems.add(`${label}: group "${options.group}" must be 1-20 characters of a-z, 0-9 and "-", starting with a letter or digit (it names a nested stack and its alarms)`);
  }
  if (!options.scheme) problems.add(`${label} has no scheme; set scheme: SignatureScheme.standardWebhooks() (or another preset)`);
  if (options.timestampTolerance && options.scheme && options.scheme.defaultTolerance === undefined) {
    problems.add(`${label}: timestampTolerance is set, but ${options.scheme.schemeType} signs no timestamp, so it would check nothing; remove it (this source's replay window is its dedupeWindow)`);
  }
  const tolerance = options.timestampTolerance?.toSeconds();
  if (isConcrete(tolerance) && (tolerance < 1 || tolerance > 3600)) {
    problems.add(`${label}: timestampTolerance ${tolerance}s is outside 1s..3600s; senders' own defaults are 300s (Duration.minutes(5))`);
  }
  const maxBody = options.maxBodySize?.toBytes();
  if (isConcrete(maxBody) && (maxBody < 1 || maxBody > LARGEST_BODY_BYTES)) {
    problems.add(
      `${label}: maxBodySize ${maxBody} bytes is outside 1..${LARGEST_BODY_BYTES} (LARGEST_BODY_BYTES: the largest body whose base64 form, with the request's headers, fits a synchronous Lambda invocation's 6 MB); a sender that sends more must send a link to the content instead`,
    );
  }
  if (isConcrete(options.reservedConcurrency) && (!Number.isInteger(options.reservedConcurrency) || options.reservedConcurrency < 1)) {
    problems.add(`${label}: reservedConcurrency ${options.reservedConcurrency} must be a whole number of at least 1`);
  }
  if (isConcrete(options.memorySize) && (options.memorySize < 128 || options.memorySize > 10240)) {
    problems.add(`${label}: memorySize ${options.memorySize} MB is outside Lambda's 128..10240`);
  }
  const timeout = options.timeout?.toSeconds();
  if (isConcrete(timeout) && (timeout < 3 || timeout > 28)) {
    problems.add(`${label}: timeout ${timeout}s is outside 3s..28s (API Gateway gives up after 29s)`);
  }
  if (options.rotationInterval && options.rotationScheduleExpression) {
    problems.add(`${label}: give rotationInterval or rotationScheduleExpression, not both`);
  }
  const expression = options.rotationScheduleExpression;
  if (expression !== undefined && !Token.isUnresolved(expression) && !/^(rate\(\d+ (hours?|days?)\)|cron\([^)]+\))$/.test(expression)) {
    problems.add(`${label}: rotationScheduleExpression "${expression}" is not a Secrets Manager schedule; use rate(<n> hours|days) or cron(...)`);
  }
  const keySource = options.keySource ?? options.scheme?.defaultKeySource;
  const published = options.scheme?.defaultKeySource === KeySource.PUBLISHED;
  if (options.scheme && options.keySource !== undefined && published !== (options.keySource === KeySource.PUBLISHED)) {
    problems.add(
      published
        ? `${label}: keySource ${options.keySource} does not apply: ${options.scheme.schemeType} publishes its keys and the verifier fetches them (KeySource.PUBLISHED, no secret); remove keySource`
        : `${label}: keySource ${options.keySource} does not apply: ${options.scheme.schemeType} keys are kept in the source's secret; use KeySource.GENERATED or KeySource.IMPORTED, or remove keySource`,
    );
  }
  if (keySource === KeySource.IMPORTED && (options.rotationInterval || options.rotationScheduleExpression || options.senderHook)) {
    problems.add(`${label}: keys imported from the sender are not rotated here; drop rotationInterval/rotationScheduleExpression/senderHook or use keySource: KeySource.GENERATED`);
  }
  if (published) {
    const set = (['rotationInterval', 'rotationScheduleExpression', 'senderHook', 'gracePeriod', 'secretCacheTtl'] as const).filter((name) => options[name] !== undefined);
    if (set.length > 0) {
      problems.add(`${label}: ${set.join(', ')} ${set.length === 1 ? 'does' : 'do'} not apply: ${options.scheme!.schemeType} publishes its keys (the sender rotates them; the source has no secret); remove ${set.length === 1 ? 'it' : 'them'}`);
    }
  }
  const rotationHours = options.rotationInterval?.toHours({ integral: false });
  if (isConcrete(rotationHours) && (rotationHours < 4 || rotationHours > 24000 || !Number.isInteger(rotationHours))) {
    problems.add(`${label}: rotationInterval ${rotationHours}h must be a whole number of hours from 4 hours to 1000 days (Secrets Manager's rate() takes hours or days)`);
  }
  const graceSeconds = options.gracePeriod?.toSeconds();
  const rotationSeconds = (options.rotationInterval ?? Duration.days(30)).toSeconds();
  if (isConcrete(graceSeconds) && isConcrete(rotationSeconds) && graceSeconds >= rotationSeconds) {
    problems.add(`${label}: gracePeriod (${graceSeconds}s) must be shorter than rotationInterval (${rotationSeconds}s), or keys would pile up`);
  }
  const ttl = options.secretCacheTtl?.toSeconds();
  if (isConcrete(ttl) && (ttl < 1 || ttl > 3600)) {
    problems.add(`${label}: secretCacheTtl ${ttl}s is outside 1s..3600s (it bounds how long a revoked key keeps working)`);
  }
  const dedupeSeconds = options.dedupeWindow?.toSeconds();
  const toleranceSeconds = (options.timestampTolerance ?? options.scheme?.defaultTolerance)?.toSeconds() ?? 0;
  // How long one signed request can be replayed: twice the tolerance, plus, for a sender whose
  // credential outlives the request (a Pub/Sub token is good for an hour), that credential's life.
  const replaySeconds = 2 * toleranceSeconds + (options.scheme?.schemeType === 'pubsub' ? 3600 : 0);
  if (isConcrete(dedupeSeconds) && isConcrete(toleranceSeconds) && (dedupeSeconds < Math.max(replaySeconds, 60) || dedupeSeconds > 365 * 86400)) {
    problems.add(`${label}: dedupeWindow ${dedupeSeconds}s must be from ${Math.max(replaySeconds, 60)}s (the longest a signed request can be replayed) to 365 days, or a replay could outlive its record`);
  }
  if (options.senderIpRanges) checkSenderIpRanges(problems, label, options.senderIpRanges, options.scheme);
  if (isConcrete(options.signatureFailureThreshold) && options.signatureFailureThreshold < 1) {
    problems.add(`${label}: signatureFailureThreshold ${options.signatureFailureThreshold} must be at least 1`);
  }
}

/**
 * One sender: its own signing secret (with rotation) and its own verifier function, so a flood or a
 * leaked key at one sender touches nothing of another's.
 */
export class WebhookSource extends Construct {
  /** The source's name, the last segment of its route. */
  public readonly sourceName: string;
  public readonly scheme: SignatureScheme;
  /**
   * The signing key set (read its `current` key to configure the sender), or the credential a
   * published-key sender's key endpoint needs (Plaid). Undefined for senders whose keys are all
   * published (`KeySource.PUBLISHED`: SNS, PayPal, Google Pub/Sub).
   */
  public readonly secret?: secretsmanager.ISecret;
  /**
   * Where the verifier keeps a sender's unsigned key handshake (Notion's verification token) until an
   * operator puts it as the key. Only for imported keys of a sender whose handshake hands the key over.
   */
  public readonly captureSecret?: secretsmanager.ISecret;
  /** Generated keys only: the rotation function (invoke it with {"action":"revoke"} to revoke). */
  public readonly rotationFunction?: lambda.IFunction;
  public readonly keySource: KeySource;
  public readonly rotationRole?: iam.IRole;
  public readonly rotationLogGroup?: logs.ILogGroup;
  public readonly verifierRole: iam.IRole;
  /** Whether this sender has its own allowlist, static or published (replacing the endpoint's for its route). */
  public readonly hasOwnAllowlist: boolean;
  public readonly verifier: lambda.IFunction;
  public readonly verifierLogGroup: logs.ILogGroup;
  /** Set by the endpoint once the route exists. */
  public method?: apigw.Method;
  private readonly endpointName: string;

  constructor(scope: Construct, id: string, props: WebhookSourceProps) {
    super(scope, id);
    this.sourceName = props.name;
    this.scheme = props.scheme;
    this.endpointName = props.endpointName;

    this.keySource = props.keySource ?? props.scheme.defaultKeySource;
    const gracePeriod = props.gracePeriod ?? Duration.hours(24);
    const signing =
      this.keySource === KeySource.PUBLISHED
        ? undefined
        : new SigningSecret(this, 'SigningSecret', {
            secretName: `webhooks/${props.endpointName}/${props.name}`,
            endpointName: props.endpointName,
            sourceName: props.name,
            scheme: props.scheme,
            keySource: this.keySource,
            encryptionKey: props.encryptionKey,
            rotationSchedule: props.rotationScheduleExpression ?? events.Schedule.rate(props.rotationInterval ?? Duration.days(30)).expressionString,
            gracePeriod,
            eventBus: props.eventBus,
            senderHook: props.senderHook,
            runtime: props.runtime,
            logRetention: props.logRetention,
            removalPolicy: props.removalPolicy,
          });
    this.secret = signing?.secret;
    this.captureSecret = signing?.captureSecret;
    this.rotationFunction = signing?.rotationFunction;
    this.rotationRole = signing?.rotationRole;
    this.rotationLogGroup = signing?.rotationLogGroup;
    this.hasOwnAllowlist = props.allowedSourceCidrs !== undefined || props.senderIpRanges !== undefined;

    const environment: Record<string, string> = {
      WEBHOOK_ENDPOINT: props.endpointName,
      WEBHOOK_SOURCE: props.name,
      WEBHOOK_SCHEME: props.scheme.toJson(),
      WEBHOOK_QUEUE_URL: props.queue.queueUrl,
      WEBHOOK_MAX_BODY_BYTES: String((props.maxBodySize ?? defaultMaxBody(props.scheme)).toBytes()),
      WEBHOOK_KEY_SOURCE: this.keySource,
    };
    if (signing) {
      environment.WEBHOOK_SECRET_ARN = signing.secret.secretArn;
      if (signing.captureSecret) environment.WEBHOOK_CAPTURE_SECRET_ARN = signing.captureSecret.secretArn;
      environment.WEBHOOK_SECRET_CACHE_SECONDS = String((props.secretCacheTtl ?? Duration.minutes(5)).toSeconds());
    }
    if (this.keySource === KeySource.IMPORTED) environment.WEBHOOK_GRACE_SECONDS = String(gracePeriod.toSeconds());
    const tolerance = props.timestampTolerance ?? props.scheme.defaultTolerance;
    if (tolerance) environment.WEBHOOK_TOLERANCE_SECONDS = String(tolerance.toSeconds());
    if (props.scheme.signsUrl) environment.WEBHOOK_PUBLIC_URL = props.publicUrl;
    const timeout = props.timeout ?? Duration.seconds(10);
    // Above the inline limit, bodies are claim-checked: written to the endpoint's bucket, under this
    // source's prefix only.
    const claimChecked = props.bodyBucket !== undefined && needsClaimCheck(props);
    if (claimChecked) environment.WEBHOOK_BODY_BUCKET = props.bodyBucket!.bucketName;
    if (props.dedupeTable) {
      environment.WEBHOOK_DEDUPE_TABLE = props.dedupeTable.tableName;
      environment.WEBHOOK_DEDUPE_RETENTION_SECONDS = String((props.dedupeWindow ?? Duration.days(7)).toSeconds());
      // A claim outlives the invocation that made it (it is made after the invocation starts, and
      // Lambda ends the invocation at its timeout), so a slow live delivery is never overtaken by a
      // retry; the 5 s cover clock differences between Lambda hosts. A crash between claim and send
      // blocks the sender's retries this long, no longer. (A timeout not known at synth leaves the
      // verifier's default, which covers the longest timeout allowed.)
      const timeoutSeconds = timeout.toSeconds();
      if (isConcrete(timeoutSeconds)) environment.WEBHOOK_DEDUPE_LOCK_SECONDS = String(timeoutSeconds + 5);
    }

    const fn = new HardenedFunction(this, 'Verifier', {
      // The bundle of this sender's family only (each ≤ 40 KB).
      handler: `verifier-${props.scheme._family}`,
      fetchesKeys: props.scheme.fetchesKeys,
      description: `Verifies ${props.name} webhooks (signature, timestamp) and queues them`,
      environment,
      runtime: props.runtime,
      memorySize: props.memorySize ?? (claimChecked ? 512 : 256),
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 10,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      noDlqReason: 'API Gateway invokes the verifier synchronously: a failure is answered with a 5xx and the sender retries, so there is no event to dead-letter.',
    });
    this.verifier = fn.function;
    this.verifierRole = fn.role;
    this.verifierLogGroup = fn.logGroup;

    // Exactly what the verifier does: read its own secret, send to its queue. Written out because the
    // grantXxx helpers add kms:ReEncrypt*/GenerateDataKey* and queue reads it never uses. It never
    // writes its signing secret: no condition can confine PutSecretValue to a staging label (the
    // action has no secretsmanager:VersionStage key), so a write there could replace the key.
    if (signing) {
      fn.allow(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [signing.secret.secretArn] }));
      fn.allow(keyUseVia(this, props.encryptionKey, 'secretsmanager', ['kms:Decrypt']));
    }
    if (signing?.captureSecret) {
      // Notion-style senders hand over their key unsigned, before any key exists: the verifier keeps
      // the first such handshake in a secret of its own, for an operator to check and put as the key.
      // Write only (it never reads what it captured), that one secret, encrypted under the endpoint's
      // key for that secret alone. Secrets Manager asks for kms:Decrypt as well as GenerateDataKey from
      // whoever changes a value (it compares a resent ClientRequestToken's value with the stored one).
      fn.allow(new iam.PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [signing.captureSecret.secretArn] }));
      const write = keyUseVia(this, props.encryptionKey, 'secretsmanager', ['kms:GenerateDataKey', 'kms:Decrypt']);
      write.addCondition('StringEquals', { 'kms:EncryptionContext:SecretARN': signing.captureSecret.secretArn });
      fn.allow(write);
    }
    fn.allow(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }));
    if (props.dedupeTable) {
      fn.allow(
        new iam.PolicyStatement({
          // The claim protocol (lib/handlers/verifier/dedupe.ts): conditional PutItem (claim, answered
          // handshake), UpdateItem (complete), DeleteItem (release after a failed send). No read: a
          // failed claim returns the record it found (ReturnValuesOnConditionCheckFailure).
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [props.dedupeTable.tableArn],
          // Each source's verifier writes only its own records in the shared table.
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${props.name}#*`] } },
        }),
      );
      if (props.dedupeTable.encryptionKey) {
        fn.allow(keyUseVia(this, props.dedupeTable.encryptionKey, 'dynamodb'));
      }
    }
    if (claimChecked) {
      // Write only, this source's prefix only, no delete, and never over what is there: a put without
      // If-None-Match (or a multipart upload, which cannot carry it) would replace a queued body in
      // this unversioned bucket, so IAM requires the header rather than trusting the code to send it.
      // Only the endpoint's key: no SSE-S3, no customer-provided key the processor could not read.
      const objects = props.bodyBucket!.arnForObjects(`${props.name}/*`);
      fn.allow(
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [objects],
          conditions: {
            'Null': { 's3:if-none-match': 'false', 's3:x-amz-server-side-encryption-customer-algorithm': 'true' },
            'StringEqualsIfExists': {
              's3:x-amz-server-side-encryption': 'aws:kms',
              's3:x-amz-server-side-encryption-aws-kms-key-id': props.encryptionKey.keyArn,
            },
          },
        }),
      );
      fn.allow(bodyKeyUse(props.bodyBucket!, props.encryptionKey, ['kms:GenerateDataKey']));
      acknowledge(fn.policy, {
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(fn.policy, objects)}]`,
        reason: `The verifier writes each large body under a new random key below its own source's prefix (${props.name}/<yyyy>/<mm>/<dd>/<uuid>); it may write nowhere else in the bucket, and may neither read nor delete.`,
      });
    }
    const queueKey = props.queueEncryptionKey ?? props.queue.encryptionMasterKey;
    if (queueKey) {
      fn.allow(keyUseVia(this, queueKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']));
    }
  }

  /**
   * Lets a principal revoke every earlier key at once: invoke the rotation function with
   * `{"action":"revoke"}`. The old key stops verifying within the verifiers' cache TTL.
   */
  public grantRevoke(grantee: iam.IGrantable): iam.Grant {
    if (!this.rotationFunction) {
      throw new Error(`Source "${this.sourceName}" uses keys issued by the sender: revoke by putting the new key with "revokePrevious": true (docs/signing-keys.md, "Emergency revoke")`);
    }
    return this.rotationFunction.grantInvoke(grantee);
  }

  /** A per-source verifier outcome (Accepted, SignatureInvalid, ...), from the verifier's EMF logs. */
  public metricOutcome(outcome: Outcome, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: outcome,
      dimensionsMap: { Endpoint: this.endpointName, Source: this.sourceName },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }
}
