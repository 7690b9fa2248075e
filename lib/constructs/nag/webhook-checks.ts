import { CfnResource } from 'aws-cdk-lib';
import type { NagMessageLevel, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { CdkNagModule, installedCdkNag, NagPackClassOf, webhookNagPackOn } from './cdk-nag';
import { WebhookRule } from './rule';
import {
  APINoCORS,
  APIStageAccessLogs,
  APIStageWAF,
  APITlsPolicy,
  DLQAlarm,
  QueueCMK,
  QueueDLQ,
  RouteFunctionConcurrency,
  SecretRotation,
} from './rules';

/** cdk-nag's NagMessageLevel.ERROR (the same string in both majors). */
const ERROR = 'Error' as NagMessageLevel;

/**
 * The pack's rules, as cdk-nag packs list theirs: why a resource was flagged (`info`), why the rule
 * exists (`explanation`, shown with `verbose: true`), the level and the rule. Ids are
 * `Webhook-<rule name>`.
 */
export const WEBHOOK_RULES: { readonly info: string; readonly explanation: string; readonly level: NagMessageLevel; readonly rule: WebhookRule }[] = [
  {
    info: 'The REST API or custom domain does not require TLS 1.2 or newer under an enhanced security policy with endpoint access mode STRICT.',
    explanation:
      'Webhook bodies carry business events and their signatures. REST APIs and domains default to TLS_1_0, and the legacy TLS_1_2 policy still admits CBC suites and key exchange without forward secrecy. ' +
      'Enhanced policies (SecurityPolicy_TLS13_1_2_*, SecurityPolicy_TLS13_1_3_*) apply to the execute-api endpoint as well, and STRICT refuses connections that do not negotiate the policy (BASIC is a migration mode). ' +
      'Set SecurityPolicy and EndpointAccessMode on the CfnRestApi (the L2 RestApi has neither prop) and on each DomainName, or disable the execute-api endpoint where a custom domain serves the API.',
    level: ERROR,
    rule: APITlsPolicy,
  },
  {
    info: 'The REST API stage has no WAF web ACL associated with it.',
    explanation:
      'A webhook endpoint is public by necessity: senders cannot sign SigV4 or present tokens, so WAF is where source allowlists, rate limits and body-size limits stop unwanted traffic before it reaches (and bills) API Gateway integrations and Lambda. ' +
      'Associate a WAFv2 web ACL with the stage (AWS::WAFv2::WebACLAssociation with the stage ARN) in the same stack.',
    level: ERROR,
    rule: APIStageWAF,
  },
  {
    info: 'The REST API answers with CORS headers (an Access-Control-* response header on a method, typically an OPTIONS preflight, or on a gateway response).',
    explanation:
      'Webhook senders are servers, which neither send preflights nor read CORS headers. CORS only lets scripts on other origins call the endpoint from a visitor\'s browser and read its answers, which widens what a signature check has to stand against for no sender\'s benefit. ' +
      'Remove defaultCorsPreflightOptions/addCorsPreflight and the Access-Control-* response parameters.',
    level: ERROR,
    rule: APINoCORS,
  },
  {
    info: 'A Lambda function that a REST API route invokes per request has no reserved concurrency.',
    explanation:
      'Anyone can send requests to a webhook URL. Without reserved concurrency, a flood on one route takes the account\'s whole unreserved concurrency and throttles every other function in the account and region; with it, the route is capped and other functions keep theirs. ' +
      'Set reservedConcurrentExecutions on every function behind a method integration or authorizer (size it from the sender\'s peak rate times the function\'s duration).',
    level: ERROR,
    rule: RouteFunctionConcurrency,
  },
  {
    info: 'The secret is not rotated at least every 90 days and is not tagged webhook:key-source=sender-issued.',
    explanation:
      'A signing key that never changes lets whoever once read it forge deliveries for ever. Keys generated here rotate on a schedule of at most 90 days (AWS::SecretsManager::RotationSchedule with AutomaticallyAfterDays, rate() or a cron that fires at least every other month). ' +
      'A key the sender issues (Stripe, Slack, Shopify...) can only be rotated at the sender and imported: tag its secret webhook:key-source=sender-issued to say so, and rotate it at the sender. ' +
      'A secret in the same scope that is no signing key (a database credential) follows the same bound, or is acknowledged with its own reason.',
    level: ERROR,
    rule: SecretRotation,
  },
  {
    info: 'The SQS queue is not encrypted with a customer-managed KMS key.',
    explanation:
      'The queue holds verified webhook bodies: customer data and events. With SQS-managed SSE or the AWS-managed alias/aws/sqs key, every principal with sqs:ReceiveMessage reads them and the key policy cannot be narrowed or audited; a customer-managed key makes reading a message also require kms:Decrypt on a key whose policy you own, and puts each use in CloudTrail. ' +
      'Set KmsMasterKeyId to a customer-managed key (encryption: QueueEncryption.KMS with encryptionMasterKey).',
    level: ERROR,
    rule: QueueCMK,
  },
  {
    info: 'The SQS queue has no dead-letter queue.',
    explanation:
      'A webhook is acknowledged to its sender once it is queued; the sender will not send it again. A message the processor keeps failing is otherwise received again and again until the retention period deletes it silently. ' +
      'Give the queue a RedrivePolicy (deadLetterQueue: { queue, maxReceiveCount }). Queues that are themselves a dead-letter queue in the same stack pass.',
    level: ERROR,
    rule: QueueDLQ,
  },
  {
    info: 'The dead-letter queue has no alarm on its depth that notifies anyone.',
    explanation:
      'Messages in a dead-letter queue are accepted webhooks that were never processed: lost business events until someone looks. ' +
      'Add an AWS::CloudWatch::Alarm on the queue\'s AWS/SQS ApproximateNumberOfMessagesVisible (threshold 1) with an alarm action, or make it part of a composite alarm that has one.',
    level: ERROR,
    rule: DLQAlarm,
  },
  {
    info: 'The REST API stage does not write access logs.',
    explanation:
      'Access logs are the only record of requests that WAF, throttling or validation refused before any function ran: who sent what, when, with which TLS version and WAF verdict. Without them a forged or flooding sender leaves no trace an investigation can use. ' +
      'Set AccessLogSetting (destination and format) on every stage, e.g. deployOptions.accessLogDestination and accessLogFormat.',
    level: ERROR,
    rule: APIStageAccessLogs,
  },
];

/**
 * Checks for inbound webhook endpoints, run the way cdk-nag's own packs run in the cdk-nag major the
 * project has installed:
 *
 * - cdk-nag 3: `Validations.of(app).addPlugins(new WebhookChecks(app))`; acknowledge a finding with
 *   `Validations.of(construct).acknowledge({ id: 'Webhook-QueueDLQ', reason })`.
 * - cdk-nag 2: `Aspects.of(app).add(new WebhookChecks())`; suppress a finding with
 *   `NagSuppressions.addResourceSuppressions(construct, [{ id: 'Webhook-QueueDLQ', reason }])`.
 *
 * The rules read CloudFormation resources, so they judge any endpoint, whoever built it.
 */
export class WebhookChecks extends webhookNagPackOn(installedCdkNag()) {
  public readonly name = 'Webhook';

  /** cdk-nag 3's form (the scope is where `writeSuppressionsToCloudFormation` applies); cdk-nag 2 ignores the scope. */
  constructor(scope?: IConstruct, props?: NagPackProps);
  /** cdk-nag 2's form; in cdk-nag 3 the same as `(undefined, props)`. */
  constructor(props?: NagPackProps);
  constructor(scopeOrProps?: IConstruct | NagPackProps, props?: NagPackProps) {
    super(scopeOrProps, props);
    this.packName = 'Webhook';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of WEBHOOK_RULES) this.applyRule({ ...rule, node });
  }
}

/**
 * `WebhookChecks` built on a given cdk-nag module, for a project that holds both majors (cdk-nag 2
 * under an npm alias, say): `const WebhookChecks2 = webhookChecksOn(nag2)`, then
 * `Aspects.of(app).add(new WebhookChecks2({ reports: false }))`; constructed and typed as that
 * module's own packs. Otherwise import `WebhookChecks`, which builds on the project's `cdk-nag`.
 */
export function webhookChecksOn<N extends CdkNagModule>(nag: N): NagPackClassOf<N> {
  class WebhookChecksOn extends webhookNagPackOn(nag) {
    public readonly name = 'Webhook';
    constructor(scopeOrProps?: IConstruct | NagPackProps, props?: NagPackProps) {
      super(scopeOrProps, props);
      this.packName = 'Webhook';
    }

    protected checkResource(node: CfnResource): void {
      for (const rule of WEBHOOK_RULES) this.applyRule({ ...rule, node });
    }
  }
  return WebhookChecksOn as unknown as NagPackClassOf<N>;
}
