import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Template } from 'aws-cdk-lib/assertions';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, SignatureScheme } from '../../lib';
import { addEveryType } from './every-type';

/** A stack for unit tests: built-in CloudFormation validation off for speed (the example app keeps it). */
export function newStack(): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

/**
 * The sketch: a prod endpoint with a name (production requires one), an allowlist, an alarm
 * email and one Standard Webhooks source.
 */
export function defaultEndpoint(props: HardenedWebhookEndpointProps = {}, stack = newStack()) {
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    endpointName: 'test-hooks',
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
    ...props,
  });
  const source = endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks() });
  return { stack, endpoint, source, template: () => Template.fromStack(stack) };
}

/** A stand-in for the user's queue processor, reporting no batch item failures. */
export function newProcessor(stack: Stack, timeout: Duration): lambda.Function {
  return new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    timeout,
  });
}

/** Every prop and option given a non-default value, every scheme but Slack, own allowlists, roles, a custom domain. */
export function customisedEndpoint() {
  const stack = newStack();
  const processor = newProcessor(stack, Duration.seconds(30));
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'staging',
    endpointName: 'custom-hooks',
    allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'],
    alarmEmail: 'oncall@example.com',
    processor,
    processorBatchSize: 5,
    maxReceiveCount: 3,
    rateLimit: 500,
    rateLimitWindow: Duration.minutes(1),
    throttlingRateLimit: 20,
    throttlingBurstLimit: 40,
    securityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09',
    stageName: 'live',
    accessRoles: {
      viewers: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/Auditors')],
      operators: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/OnCall')],
      admins: [new iam.ArnPrincipal('arn:aws:iam::123456789012:role/WebhookAdmins')],
    },
    cloudWatchRole: false,
    customDomain: {
      domainName: 'hooks.example.com',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/abc'),
    },
  });
  endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks(), maxBodySize: Size.kibibytes(512), reservedConcurrency: 5 });
  endpoint.addSource('notify', {
    scheme: SignatureScheme.svix(),
    allowedSourceCidrs: ['192.0.2.0/24'],
    timestampTolerance: Duration.minutes(2),
    rotationInterval: Duration.days(7),
    gracePeriod: Duration.hours(6),
    secretCacheTtl: Duration.minutes(1),
  });
  endpoint.addSource('payments', { scheme: SignatureScheme.stripe(), dedupeWindow: Duration.days(3) });
  endpoint.addSource('gh', { scheme: SignatureScheme.github(), rotationScheduleExpression: 'cron(0 9 ? * MON#1 *)', senderHook: processor });
  endpoint.addSource('sms', { scheme: SignatureScheme.twilio() });
  return { stack, endpoint, template: () => Template.fromStack(stack) };
}

/**
 * One source of every kind of sender on one endpoint: a signature list with a timestamp (Stripe), the
 * URL signed (Twilio, HubSpot with its method), a signed POST handshake (Zoom), a GET handshake (Meta),
 * a shared token (GitLab), a handshake captured before any key exists (Notion), fields inside the body
 * (Mailgun), numbered signature headers (DocuSign), a configured public key (Discord), published
 * certificates with no secret (SNS, PayPal), a published key set with a credential (Plaid) and without
 * (Google Pub/Sub).
 */
export const EVERY_KIND = ['stripe', 'twilio', 'hubspot', 'zoom', 'meta', 'gitlab', 'notion', 'mailgun', 'docusign'];

export function everyKindEndpoint() {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    endpointName: 'every-kind',
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
  });
  for (const type of EVERY_KIND) endpoint.addSource(type, { scheme: SignatureScheme.sender(type) });
  endpoint.addSource('discord', { scheme: SignatureScheme.discord() });
  const topic = new sns.Topic(stack, 'Topic', { enforceSSL: true, masterKey: endpoint.encryptionKey });
  endpoint.addSource('sns', { scheme: SignatureScheme.sns({ topicArns: [topic.topicArn] }) });
  endpoint.addSource('paypal', { scheme: SignatureScheme.paypal({ webhookId: '1JE4291016473214C' }) });
  endpoint.addSource('plaid', { scheme: SignatureScheme.plaid({ clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' }) });
  endpoint.addSource('pubsub', { scheme: SignatureScheme.pubsub({ audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' }) });
  return { stack, endpoint };
}

/**
 * One source of every scheme type (test/support/every-type.ts), in nested-stack groups of 25, on a
 * production endpoint with an endpoint-wide allowlist (so the sources whose credential binds no body
 * are allowlisted too).
 */
export function everyTypeEndpoint() {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'prod',
    endpointName: 'every-type',
    allowedSourceCidrs: ['203.0.113.0/24'],
    alarmEmail: 'oncall@example.com',
    accountConcurrencyLimit: 2000,
  });
  const sources = addEveryType(stack, endpoint);
  return { stack, endpoint, sources };
}
