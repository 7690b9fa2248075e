import { ArnFormat, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmTopicPublisher } from './alarm-topic-publisher';
import { acknowledge } from './nag-acknowledgements';
import { IP_RANGES_METRIC, METRIC_NAMESPACE, Outcome } from '../runtime/metrics-contract';
import { WebhookSource } from './webhook-source';

/** Alarm thresholds, each labelled by what it counts. Every one has a documented default. */
export interface AlarmThresholds {
  /** Invalid signatures per source per 5 minutes (a source's signatureFailureThreshold wins). @default 10 */
  readonly signatureFailures?: number;
  /** Width of the signature-failure anomaly band, in standard deviations. @default 3 */
  readonly signatureFailureAnomalyStdDevs?: number;
  /** Genuine signatures with a timestamp outside the tolerance (replays), per source per 5 minutes. @default 3 */
  readonly replays?: number;
  /** Duplicate deliveries per source per 5 minutes (a sender retrying a lot, or a replay burst). @default 50 */
  readonly duplicates?: number;
  /** Requests WAF blocked for coming from outside an allowlist, per 5 minutes. @default 20 */
  readonly allowlistBlocks?: number;
  /** Requests WAF blocked by the per-IP rate rule, per 5 minutes. @default 1 */
  readonly rateLimitBlocks?: number;
  /** Share of requests answered 4xx (0..1), in 2 of 3 five-minute periods. @default 0.05 */
  readonly clientErrorRate?: number;
  /** Share of requests answered 5xx (0..1), in 2 of 3 five-minute periods. @default 0.01 */
  readonly serverErrorRate?: number;
  /** Verifier function errors (crash, timeout) per source per 5 minutes. @default 1 */
  readonly verifierErrors?: number;
  /** Verifier invocations throttled (reserved concurrency exhausted) per source per 5 minutes. @default 1 */
  readonly verifierThrottles?: number;
  /** Messages visible in the dead-letter queue. @default 1 */
  readonly deadLetterMessages?: number;
  /** Age in seconds of the oldest message on the main queue (the processor is not keeping up). @default 900 */
  readonly oldestMessageAgeSeconds?: number;
}

export const DEFAULT_THRESHOLDS: Required<AlarmThresholds> = {
  signatureFailures: 10,
  signatureFailureAnomalyStdDevs: 3,
  replays: 3,
  duplicates: 50,
  allowlistBlocks: 20,
  rateLimitBlocks: 1,
  clientErrorRate: 0.05,
  serverErrorRate: 0.01,
  verifierErrors: 1,
  verifierThrottles: 1,
  deadLetterMessages: 1,
  oldestMessageAgeSeconds: 900,
};

/** The section of docs/runbook.md for each alarm. */
export const RUNBOOK = {
  signatureFailures: 'runbook-signature-failures',
  replays: 'runbook-replays',
  duplicates: 'runbook-duplicates',
  allowlistBlocks: 'runbook-waf-blocks',
  rateLimitBlocks: 'runbook-waf-blocks',
  clientErrors: 'runbook-api-errors',
  serverErrors: 'runbook-api-errors',
  verifierErrors: 'runbook-verifier-errors',
  deadLetter: 'runbook-dead-letter-queue',
  oldestMessage: 'runbook-queue-age',
  authAnomaly: 'runbook-auth-anomaly',
  rotationFailed: 'runbook-rotation-failed',
  secretAccess: 'runbook-secret-access',
  captureRefused: 'runbook-capture-refused',
  ipRangesRefused: 'runbook-ip-ranges-refused',
  ipRangesStale: 'runbook-ip-ranges-stale',
} as const;

/**
 * Refused key handshakes (Notion's) per source per 5 minutes that raise the alarm: one can be the
 * sender's own resend, a second within minutes is someone trying to replace the first.
 */
export const CAPTURE_REFUSALS = 2;

export interface WebhookMonitoringProps {
  readonly endpointName: string;
  readonly alarmTopic: sns.ITopic;
  /** How EventBridge rules page through the alarm topic. */
  readonly alarmPublisher: AlarmTopicPublisher;
  /**
   * Each overridable; those not given take DEFAULT_THRESHOLDS.
   * @default DEFAULT_THRESHOLDS
   */
  readonly thresholds?: AlarmThresholds;
  readonly runbookUrl: string;
  readonly api: apigw.RestApi;
  readonly webAclName: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue?: sqs.IQueue;
  readonly accessLogGroup: logs.ILogGroup;
  readonly hasEndpointAllowlist: boolean;
}

/**
 * Where a set of sources' alarms and investigation tools live: the endpoint's own stack, or a source
 * group's nested stack (its own composite alarm, grouped into the endpoint's; its own Contributor
 * Insights rule and saved queries, whose lists of log groups then stay within their limits).
 */
export interface MonitoringHome {
  readonly scope: Construct;
  readonly composite: cloudwatch.CompositeAlarm;
  readonly authAlarms: cloudwatch.IAlarm[];
  readonly verifierLogGroups: logs.ILogGroup[];
}

/**
 * Detection for one endpoint: alarms (each to the alarm topic, each description pointing at its
 * runbook entry), one composite alarm that pages once for any auth anomaly, a Contributor Insights
 * rule ranking source IPs by rejections, saved Logs Insights queries, a dashboard, and EventBridge
 * rules for secret reads by anyone but the verifier and rotation function.
 */
export class WebhookMonitoring extends Construct {
  public readonly authAnomalyAlarm: cloudwatch.CompositeAlarm;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly authAlarms: cloudwatch.IAlarm[] = [];
  private readonly verifierLogGroups: logs.ILogGroup[] = [];
  private readonly thresholds: Required<AlarmThresholds>;
  /** Sources with their own signatureFailureThreshold: their own alarm, left out of the shared one. */
  private readonly ownSignatureThreshold: string[] = [];
  /** The endpoint's own stack's alarms and investigation tools. */
  public readonly home: MonitoringHome;
  private everySourceWidgets = false;
  private sourceAllowlistAlarm?: cloudwatch.IAlarm;

  constructor(scope: Construct, id: string, private readonly props: WebhookMonitoringProps) {
    super(scope, id);
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
    const t = this.thresholds;
    const fiveMinutes = Duration.minutes(5);
    this.authAnomalyAlarm = new cloudwatch.CompositeAlarm(this, 'AuthAnomaly', {
      compositeAlarmName: `${props.endpointName}-auth-anomaly`,
      alarmDescription: this.describe('Auth anomaly: signature failures, replays or WAF blocks beyond their thresholds, grouped into one page', RUNBOOK.authAnomaly),
      alarmRule: cloudwatch.AlarmRule.fromString(
        Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...this.authAlarms).renderAlarmRule() }),
      ),
    });
    this.authAnomalyAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
    this.home = { scope: this, composite: this.authAnomalyAlarm, authAlarms: this.authAlarms, verifierLogGroups: this.verifierLogGroups };

    if (props.hasEndpointAllowlist) {
      this.authAlarm('WafAllowlistBlocks', {
        alarmDescription: this.describe(`WAF blocked at least ${t.allowlistBlocks} requests from outside the endpoint allowlist in 5 minutes`, RUNBOOK.allowlistBlocks),
        metric: this.wafBlocked(`${props.endpointName}-EndpointAllowlist`),
        threshold: t.allowlistBlocks,
      });
    }
    this.authAlarm('WafRateLimitBlocks', {
      alarmDescription: this.describe(`WAF's per-IP rate rule blocked at least ${t.rateLimitBlocks} requests in 5 minutes (a flood, or a sender's burst above the limit)`, RUNBOOK.rateLimitBlocks),
      metric: this.wafBlocked(`${props.endpointName}-RateLimitPerIp`),
      threshold: t.rateLimitBlocks,
    });

    // One alarm per outcome for every source, not one per source: a Metrics Insights query grouped
    // by Source makes each source a contributor with its own state, so isolation is what it was (a
    // flood at one sender is that sender's contributor in ALARM, named in the alarm's contributors)
    // while the endpoint pays for the sources that actually had such deliveries, instead of three
    // standing alarms per source, and new sources are covered without a resource of their own.
    this.authAlarm('SignatureFailures', {
      alarmDescription: this.describe(
        `a source had at least ${t.signatureFailures} deliveries with invalid signatures in 5 minutes (one contributor per source; see the alarm's contributors)`,
        RUNBOOK.signatureFailures,
      ),
      metric: this.perSource('SignatureInvalid', () => this.ownSignatureThreshold),
      threshold: t.signatureFailures,
    });
    this.authAlarm('Replays', {
      alarmDescription: this.describe(
        `a source had at least ${t.replays} genuinely signed deliveries with a stale or future timestamp in 5 minutes (one contributor per source)`,
        RUNBOOK.replays,
      ),
      metric: this.perSource('TimestampOutOfTolerance'),
      threshold: t.replays,
    });
    this.alarm('Duplicates', {
      alarmDescription: this.describe(`a source had at least ${t.duplicates} duplicate deliveries in 5 minutes (one contributor per source)`, RUNBOOK.duplicates),
      metric: this.perSource('Duplicate'),
      threshold: t.duplicates,
    });
    this.rotationFailedRule();

    const stage = props.api.deploymentStage;
    this.alarm('ApiClientErrorRate', {
      alarmDescription: this.describe(`More than ${t.clientErrorRate * 100}% of requests answered 4xx`, RUNBOOK.clientErrors),
      metric: stage.metricClientError({ statistic: 'Average', period: fiveMinutes }),
      threshold: t.clientErrorRate,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm('ApiServerErrorRate', {
      alarmDescription: this.describe(`More than ${t.serverErrorRate * 100}% of requests answered 5xx (senders retry; nothing acknowledged is lost)`, RUNBOOK.serverErrors),
      metric: stage.metricServerError({ statistic: 'Average', period: fiveMinutes }),
      threshold: t.serverErrorRate,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    if (props.deadLetterQueue) {
      this.alarm('DeadLetterQueue', {
        alarmDescription: this.describe('Verified webhooks failed processing and sit in the dead-letter queue', RUNBOOK.deadLetter),
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: t.deadLetterMessages,
      });
    }
    this.alarm('OldestMessageAge', {
      alarmDescription: this.describe(`The oldest verified webhook has waited more than ${t.oldestMessageAgeSeconds}s on the queue`, RUNBOOK.oldestMessage),
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: t.oldestMessageAgeSeconds,
    });

    // Insights and queries cover every source of this stack: their lists resolve at synth.
    this.addInvestigation(this.home, props.endpointName, props.endpointName);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${props.endpointName}-webhooks`.slice(0, 255) });
    this.addEndpointWidgets();
  }

  /**
   * A source group's monitoring, in the group's stack: a composite alarm of its sources' auth alarms
   * (grouped into the endpoint's, which pages), a Contributor Insights rule and saved queries over its
   * sources' verifier logs, named `<endpointName>-<group>-...` and `<endpointName>/<group>/...`.
   */
  public addGroup(scope: Construct, group: string): MonitoringHome {
    const composite = new cloudwatch.CompositeAlarm(scope, 'AuthAnomaly', {
      compositeAlarmName: `${this.props.endpointName}-${group}-auth-anomaly`,
      alarmDescription: this.describe(`Auth anomaly at a source of group ${group}: grouped into ${this.props.endpointName}-auth-anomaly, which pages`, RUNBOOK.authAnomaly),
      alarmRule: cloudwatch.AlarmRule.fromString(Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...home.authAlarms).renderAlarmRule() })),
    });
    const home: MonitoringHome = { scope, composite, authAlarms: [], verifierLogGroups: [] };
    this.authAlarms.push(composite);
    this.authAnomalyAlarm.node.addDependency(composite);
    this.addInvestigation(home, `${this.props.endpointName}-${group}`, `${this.props.endpointName}/${group}`);
    this.addEverySourceWidgets();
    return home;
  }

  /**
   * Per-source alarms, the secret-access rule, and the source's place in insights and the dashboard,
   * in `home` (a source group's stack) or the endpoint's own.
   */
  public addSource(source: WebhookSource, signatureFailureThreshold?: number, home: MonitoringHome = this.home): void {
    const t = this.thresholds;
    const name = source.sourceName;
    home.verifierLogGroups.push(source.verifierLogGroup);

    if (signatureFailureThreshold !== undefined) {
      this.ownSignatureThreshold.push(name);
      this.authAlarm(`SignatureFailures-${name}`, {
        alarmDescription: this.describe(`${name}: at least ${signatureFailureThreshold} deliveries with invalid signatures in 5 minutes`, RUNBOOK.signatureFailures),
        metric: source.metricOutcome('SignatureInvalid'),
        threshold: signatureFailureThreshold,
      }, home);
    }
    // Stays per source: an anomaly band is learnt from one time series.
    const anomaly = new cloudwatch.AnomalyDetectionAlarm(home.scope, `SignatureFailureSpike-${name}`, {
      alarmDescription: this.describe(`${name}: invalid signatures rose above their usual band (${t.signatureFailureAnomalyStdDevs} standard deviations)`, RUNBOOK.signatureFailures),
      metric: source.metricOutcome('SignatureInvalid'),
      stdDevs: t.signatureFailureAnomalyStdDevs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.grouped(anomaly, home);
    this.alarms.push(anomaly);
    // Crashes and throttles: one alarm on both of the function's metrics (each against its own
    // threshold) where there were two alarms, the same page for the same runbook.
    this.alarm(`VerifierHealth-${name}`, {
      alarmDescription: this.describe(
        `${name}: the verifier function failed (crash or timeout) at least ${t.verifierErrors} times, or at least ${t.verifierThrottles} invocations were throttled (reserved concurrency exhausted), in 5 minutes`,
        RUNBOOK.verifierErrors,
      ),
      metric: new cloudwatch.MathExpression({
        expression: `MAX([errors / ${t.verifierErrors}, throttles / ${t.verifierThrottles}])`,
        usingMetrics: {
          errors: source.verifier.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          throttles: source.verifier.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        label: `${name} verifier errors or throttles, as a share of their thresholds`,
        period: Duration.minutes(5),
      }),
      threshold: 1,
    }, true, home.scope);
    // Every source's own allowlist is one WAF rule (SourceAllowlists), so WAF has one BlockedRequests
    // metric for all of them, not one per source: one alarm on it, in the endpoint's stack, created with
    // the first such source. Its description names no source; the WAF log's terminatingRuleId and URI
    // tell which sender's route was blocked.
    if (source.hasOwnAllowlist && !this.sourceAllowlistAlarm) {
      this.sourceAllowlistAlarm = this.authAlarm('WafSourceAllowlistBlocks', {
        alarmDescription: this.describe(`WAF blocked at least ${t.allowlistBlocks} requests from outside the allowlists of sources with their own in 5 minutes (the WAF log's URI names the route)`, RUNBOOK.allowlistBlocks),
        metric: this.wafBlocked(`${this.props.endpointName}-SourceAllowlists`),
        threshold: t.allowlistBlocks,
      });
    }
    if (source.secret) this.secretAccessRule(source, home.scope);
    if (source.captureSecret) {
      this.authAlarm(`CaptureRefused-${name}`, {
        alarmDescription: this.describe(
          `${name}: at least ${CAPTURE_REFUSALS} unsigned key handshakes refused in 5 minutes after the first was kept (someone may be trying to replace it; check its source IP before putting it as the key)`,
          RUNBOOK.captureRefused,
        ),
        metric: source.metricOutcome('CaptureRefused'),
        threshold: CAPTURE_REFUSALS,
      }, home);
    }
    // A group's sources are on the dashboard through its SEARCH widgets (every source of the
    // endpoint), so its body stays the same size however many sources there are.
    if (home === this.home) this.addSourceWidgets(source);
  }

  /**
   * A source's published sender IP list: an alarm when a refresh was refused (the sets kept as they
   * were), and one when the list is stale: a refresh reported it older than `maxAge`, or the refresher
   * reported nothing for a whole refresh interval (plus an hour's slack), i.e. it stopped running.
   * Both in the endpoint's stack, with the refresher.
   */
  public addSenderIpRanges(source: string, interval: Duration, maxAge: Duration): void {
    const metric = (metricName: string, period: Duration) =>
      new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap: { Endpoint: this.props.endpointName, Source: source }, statistic: 'Maximum', period });
    this.alarm(`IpRangesRefused-${source}`, {
      alarmDescription: this.describe(`${source}: a refresh of its sender's published IP list was refused (empty, unreadable, too wide, not public, shrunk or grown too far, or not fetched); its WAF IP sets were kept as they were`, RUNBOOK.ipRangesRefused),
      metric: metric(IP_RANGES_METRIC.Refused, Duration.hours(1)),
      threshold: 1,
    });
    // One refresh per window: the interval, an hour's slack for the schedule's jitter, whole hours,
    // at most the 7 days an alarm can look back.
    const windowHours = Math.min(Math.ceil(interval.toSeconds() / 3600) + 1, 7 * 24);
    this.alarm(`IpRangesStale-${source}`, {
      alarmDescription: this.describe(
        `${source}: its sender's published IP list was last confirmed more than ${maxAge.toHumanString()} ago, or the refresher reported nothing for ${windowHours} hours`,
        RUNBOOK.ipRangesStale,
      ),
      metric: metric(IP_RANGES_METRIC.AgeSeconds, Duration.hours(windowHours)),
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // A refresher that never runs reports nothing: that list is stale too.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private describe(summary: string, anchor: string): string {
    return `${this.props.endpointName}: ${summary}. Runbook: ${this.props.runbookUrl}#${anchor}`;
  }

  private alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number }, notify = true, scope: Construct = this): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    if (notify) alarm.addAlarmAction(new cwActions.SnsAction(this.props.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }

  /** An auth-anomaly alarm: no page of its own, the composite pages once for all of them. */
  private authAlarm(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>, home: MonitoringHome = this.home): cloudwatch.Alarm {
    const alarm = this.alarm(id, props, false, home.scope);
    this.grouped(alarm, home);
    return alarm;
  }

  private grouped(alarm: cloudwatch.Alarm, home: MonitoringHome = this.home): void {
    home.authAlarms.push(alarm);
    home.composite.node.addDependency(alarm);
    acknowledge(
      alarm,
      ...['NIST.800.53.R5-CloudWatchAlarmAction', 'HIPAA.Security-CloudWatchAlarmAction', 'PCI.DSS.321-CloudWatchAlarmAction'].map((id) => ({
        id,
        reason: 'Grouped into the endpoint\'s auth-anomaly composite alarm, which notifies the alarm topic once per incident; an action here too would page several times for one attack.',
      })),
    );
  }

  /** GetSecretValue on the source's secret by anyone but its verifier and rotation roles (CloudTrail). */
  private secretAccessRule(source: WebhookSource, scope: Construct): void {
    const allowed = [source.verifierRole.roleArn, ...(source.rotationRole ? [source.rotationRole.roleArn] : [])];
    const secretName = `webhooks/${this.props.endpointName}/${source.sourceName}`;
    const ids = [secretName, { prefix: Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: secretName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) }];
    const secretId = { secretId: ids };
    const secretIdList = { secretIdList: ids };
    const rule = new events.Rule(scope, `SecretAccess-${source.sourceName}`, {
      ruleName: this.props.alarmPublisher.ruleName('secret-read', source.sourceName),
      description: this.describe(`${source.sourceName}: the signing secret was read by a principal other than its verifier and rotation function`, RUNBOOK.secretAccess).slice(0, 512),
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['GetSecretValue', 'BatchGetSecretValue'],
          // (this secret, by name or full or partial ARN, alone or in a batch) AND (not a role session, or
          // a session of a role other than the verifier's and rotation function's)
          $or: [secretId, secretIdList].flatMap((requested) => [
            { requestParameters: requested, userIdentity: { type: [{ 'anything-but': 'AssumedRole' }] } },
            { requestParameters: requested, userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': allowed }] } } } },
          ]),
        },
      },
      targets: [
        this.props.alarmPublisher.target(
          events.RuleTargetInput.fromText(
            `Signing secret of ${this.props.endpointName}/${source.sourceName} read by ${events.EventField.fromPath('$.detail.userIdentity.arn')} from ${events.EventField.fromPath('$.detail.sourceIPAddress')} at ${events.EventField.fromPath('$.time')}. Runbook: ${this.props.runbookUrl}#${RUNBOOK.secretAccess}`,
          ),
        ),
      ],
    });
    // GetSecretValue is a read-only management event: EventBridge delivers those only to rules in this state.
    (rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    acknowledge(rule, {
      id: 'Serverless-EventBusDLQ',
      reason: 'The target is the alarm topic itself: EventBridge retries delivery for 24 hours, and a dead-letter queue of undelivered alarm notices would be read by no one (the read stays in CloudTrail).',
    });
  }

  /** The Contributor Insights rule and saved queries over one home's verifier log groups (and the access logs). */
  private addInvestigation(home: MonitoringHome, ruleName: string, queryPrefix: string): void {
    const stack = Stack.of(home.scope);
    const verifierLogGroupNames = Lazy.list({ produce: () => home.verifierLogGroups.map((g) => g.logGroupName) });
    new cloudwatch.CfnInsightRule(home.scope, 'RejectionsBySourceIp', {
      ruleName: `${ruleName}-rejections-by-ip`.slice(0, 128),
      ruleState: 'ENABLED',
      ruleBody: Lazy.string({ produce: () => stack.toJsonString(contributorInsightsRule(home.verifierLogGroups.map((g) => g.logGroupName))) }),
    });
    for (const [name, queryString, withAccessLogs] of SAVED_QUERIES) {
      new logs.CfnQueryDefinition(home.scope, `Query-${name}`, {
        name: `${queryPrefix}/${name}`,
        queryString,
        logGroupNames: withAccessLogs
          ? Lazy.list({ produce: () => [...home.verifierLogGroups, this.props.accessLogGroup].map((g) => g.logGroupName) })
          : verifierLogGroupNames,
      });
    }
  }

  /** Outcomes of every source of the endpoint, a line per source, found by SEARCH on the Endpoint dimension. */
  private addEverySourceWidgets(): void {
    if (this.everySourceWidgets) return;
    this.everySourceWidgets = true;
    const search = (metricNames: string[], label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},Endpoint,Source} Endpoint="${this.props.endpointName}" (${metricNames.map((m) => `MetricName="${m}"`).join(' OR ')})', 'Sum', 300)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(5),
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Every source: accepted and duplicate', width: 12, left: [search(['Accepted', 'Duplicate'], 'accepted, duplicate')] }),
      new cloudwatch.GraphWidget({ title: 'Every source: rejected', width: 12, left: [search(['SignatureInvalid', 'TimestampOutOfTolerance', 'Malformed'], 'rejected')] }),
    );
  }

  /**
   * One verifier outcome of every source of this endpoint, a time series per source (Metrics
   * Insights), except the sources `excluded` names.
   */
  private perSource(outcome: Outcome, excluded: () => string[] = () => []): cloudwatch.IMetric {
    const others = Lazy.string({ produce: () => excluded().map((name) => ` AND Source != '${name}'`).join('') });
    return new cloudwatch.MathExpression({
      expression: `SELECT SUM(${outcome}) FROM SCHEMA(${METRIC_NAMESPACE}, Endpoint, Source) WHERE Endpoint = '${this.props.endpointName}'${others} GROUP BY Source ORDER BY SUM() DESC`,
      usingMetrics: {},
      label: `${outcome} per source`,
      period: Duration.minutes(5),
    });
  }

  /**
   * A failed or abandoned rotation of any of this endpoint's secrets (all named
   * webhooks/<endpointName>/<source>), from Secrets Manager's service events. One rule for all: the
   * page names the secret, and a rule per source would only add a resource per source.
   */
  private rotationFailedRule(): void {
    const stack = Stack.of(this);
    const { endpointName, alarmPublisher } = this.props;
    const secretArnPrefix = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `webhooks/${endpointName}/`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const rule = new events.Rule(this, 'RotationFailed', {
      ruleName: alarmPublisher.ruleName('rotation-failed', 'any-source'),
      description: this.describe('a signing key rotation failed (AWSCURRENT unchanged; see the rotation function\'s logs)', RUNBOOK.rotationFailed).slice(0, 512),
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: { eventName: ['RotationFailed', 'RotationAbandoned'], additionalEventData: { SecretId: [{ prefix: secretArnPrefix }] } },
      },
      targets: [
        alarmPublisher.target(
          events.RuleTargetInput.fromText(
            `Webhook signing key rotation ${events.EventField.fromPath('$.detail.eventName')} on endpoint ${endpointName}: ${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} (the source is the last part of its name). AWSCURRENT is unchanged; read that source's rotation function log group, fix, then run: aws secretsmanager rotate-secret --secret-id <that ARN>. Runbook: ${this.props.runbookUrl}#${RUNBOOK.rotationFailed}`,
          ),
        ),
      ],
    });
    acknowledge(rule, {
      id: 'Serverless-EventBusDLQ',
      reason: 'The target is the alarm topic itself: EventBridge retries delivery for 24 hours, and a dead-letter queue of undelivered alarm notices would be read by no one (the failed rotation also stays visible in Secrets Manager and the rotation logs).',
    });
  }

  private wafBlocked(rule: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: this.props.webAclName, Region: Stack.of(this).region, Rule: rule },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }

  private addEndpointWidgets(): void {
    const stack = Stack.of(this);
    const fiveMinutes = Duration.minutes(5);
    const stage = this.props.api.deploymentStage;
    const wafMetric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/WAFV2', metricName, dimensionsMap: { WebACL: this.props.webAclName, Region: stack.region, Rule: 'ALL' }, statistic: 'Sum', period: fiveMinutes });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${this.props.endpointName} webhooks\nWAF, queue and latency first; then accepted vs rejected and key rotation per source. Runbook: ${this.props.runbookUrl}`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'WAF allowed vs blocked', width: 8, left: [wafMetric('AllowedRequests')], right: [wafMetric('BlockedRequests')] }),
      new cloudwatch.GraphWidget({
        title: 'Queue depth and age',
        width: 8,
        left: [
          this.props.queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes }),
          ...(this.props.deadLetterQueue ? [this.props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, label: 'DLQ visible' })] : []),
        ],
        right: [this.props.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes })],
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (p50, p99) and errors',
        width: 8,
        left: [stage.metricLatency({ statistic: 'p50', period: fiveMinutes }), stage.metricLatency({ statistic: 'p99', period: fiveMinutes })],
        right: [stage.metricClientError({ period: fiveMinutes }), stage.metricServerError({ period: fiveMinutes })],
      }),
    );
  }

  private addSourceWidgets(s: WebhookSource): void {
    const fiveMinutes = Duration.minutes(5);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${s.sourceName}: accepted vs rejected`,
        width: 12,
        left: [s.metricOutcome('Accepted'), s.metricOutcome('Duplicate')],
        right: [s.metricOutcome('SignatureInvalid'), s.metricOutcome('TimestampOutOfTolerance'), s.metricOutcome('Malformed')],
      }),
      new cloudwatch.GraphWidget({
        title: `${s.sourceName}: verifier p99 and key rotation`,
        width: 12,
        left: [s.verifier.metricDuration({ statistic: 'p99', period: fiveMinutes, label: 'verifier p99' })],
        right: s.rotationFunction
          ? [s.rotationFunction.metricInvocations({ period: Duration.hours(1), label: 'rotation steps' }), s.rotationFunction.metricErrors({ period: Duration.hours(1), label: 'rotation errors' })]
          : [],
      }),
    );
  }
}

/** Saved Logs Insights queries: name, query, and whether the API access logs are searched too. */
const SAVED_QUERIES: [string, string, boolean][] = [
  [
    'rejections-by-reason',
    'fields @timestamp, Source, outcome, reason, status, sourceIp\n| filter status >= 400\n| stats count(*) as rejections by Source, reason, sourceIp\n| sort rejections desc\n| limit 100',
    false,
  ],
  [
    'one-event-path',
    "fields @timestamp, @log, requestId, Source, outcome, reason, status, eventId, unsignedEventId, unsignedEventType, payloadSha256, errorCode, ip, wafStatus\n| filter eventId = 'REPLACE_WITH_EVENT_ID' or unsignedEventId = 'REPLACE_WITH_EVENT_ID' or requestId = 'REPLACE_WITH_REQUEST_ID'\n| sort @timestamp asc",
    true,
  ],
  [
    'secret-unavailable-and-key-misses',
    "fields @timestamp, Source, outcome, reason, error\n| filter outcome in ['SecretUnavailable', 'SignatureInvalid']\n| stats count(*) by bin(5m), Source, outcome",
    false,
  ],
];

/** Top source IPs (and sources) by rejected deliveries, from the verifier's structured log lines. */
export function contributorInsightsRule(logGroupNames: string[]): object {
  return {
    Schema: { Name: 'CloudWatchLogRule', Version: 1 },
    AggregateOn: 'Count',
    Contribution: {
      Keys: ['$.sourceIp', '$.Source'],
      Filters: [{ Match: '$.outcome', In: ['SignatureInvalid', 'TimestampOutOfTolerance', 'Malformed'] }],
    },
    LogFormat: 'JSON',
    LogGroupNames: logGroupNames,
  };
}
