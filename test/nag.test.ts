import { Duration, Size } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { HardenedWebhookEndpoint, SignatureScheme } from '../lib';
import { defaultEndpoint, newProcessor, newStack } from './support/stacks';

const PACKS: [string, () => NagPack][] = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
  ['NIST80053R5', () => new NIST80053R5Checks()],
  ['PCIDSS321', () => new PCIDSS321Checks()],
  ['HIPAASecurity', () => new HIPAASecurityChecks()],
];

/** Unacknowledged findings as "rule at path" lines, so a failure says exactly what to fix. */
function findings(scope: IConstruct, pack: NagPack): string[] {
  return pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

function customisedEndpoint() {
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
  return { stack, endpoint };
}

describe('cdk-nag', () => {
  const defaults = defaultEndpoint();
  const customised = customisedEndpoint();

  test.each(PACKS)('%s: the default endpoint has no unacknowledged finding', (_name, pack) => {
    expect(findings(defaults.stack, pack())).toEqual([]);
  });

  // The processor is the user's function: its own findings are theirs, so the scope is the endpoint.
  test.each(PACKS)('%s: a fully customised endpoint has no unacknowledged finding', (_name, pack) => {
    expect(findings(customised.endpoint, pack())).toEqual([]);
  });

  test('the checks do find things: a bare queue inside the endpoint is reported', () => {
    const { endpoint } = defaultEndpoint();
    new sqs.Queue(endpoint, 'Bare');
    expect(findings(endpoint, new AwsSolutionsChecks())).toEqual(['AwsSolutions-SQS3 at Test/Webhooks/Bare/Resource', 'AwsSolutions-SQS4 at Test/Webhooks/Bare/Resource']);
  });
});
