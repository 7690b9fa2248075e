// The consumer app of `npm run test:consumer` (scripts/consumer-test.mjs copies it into a throw-away
// project that installed the packed library). Plain JavaScript, so it runs without a compile step.
//
//   node consumer-app.js <nag3|nag2|helpers> <outdir>
//
// An existing stack with its own KMS key, SQS queue and processor Lambda gains two production
// endpoints. It synthesizes with the five cdk-nag packs, through cdk-nag 3 (`Validations` plugins) or
// cdk-nag 2 (Aspects), and prints one JSON line: each finding with its construct path and whether
// the library created that construct (it was not there before the endpoints were added). The library's
// own webhook pack (`cdk-hardened-webhook/nag`, WebhookChecks) runs beside cdk-nag's five. `helpers`
// runs the testing helpers (`cdk-hardened-webhook/testing`) a user's own tests call instead.
const { App, Aspects, CfnOutput, Duration, RemovalPolicy, Size, Stack, Validations } = require('aws-cdk-lib');
const kms = require('aws-cdk-lib/aws-kms');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const sqs = require('aws-cdk-lib/aws-sqs');
const fs = require('node:fs');
const path = require('node:path');
const { HardenedWebhookEndpoint, LARGEST_BODY_BYTES, SenderIpRanges, SignatureScheme } = require('cdk-hardened-webhook');

const [mode, outdir] = process.argv.slice(2);
const PACKS = ['AwsSolutionsChecks', 'ServerlessChecks', 'NIST80053R5Checks', 'PCIDSS321Checks', 'HIPAASecurityChecks'];
const RULE = /^\[?((?:AwsSolutions|Serverless|NIST\.800\.53\.R5|PCI\.DSS\.321|HIPAA\.Security|Webhook)-[A-Za-z0-9]+(?:\[[^\]]*\])?)/;
// Published webhook source ranges (Stripe's and GitHub's lists, 2026-11).
const STRIPE_CIDRS = ['3.18.12.63/32', '3.130.192.231/32', '13.235.14.237/32', '13.235.122.149/32', '18.211.135.69/32', '35.154.171.200/32',
  '52.15.183.38/32', '54.88.130.119/32', '54.88.130.237/32', '54.187.174.169/32', '54.187.205.235/32', '54.187.216.72/32'];
const GITHUB_CIDRS = ['192.30.252.0/22', '185.199.108.0/22', '140.82.112.0/20', '143.55.64.0/20'];

const app = new App({ outdir });
const stack = new Stack(app, 'ConsumerStack', { env: { account: '111111111111', region: 'eu-west-1' } });

// The consumer's own resources, as a team that already runs an order pipeline would have them.
const key = new kms.Key(stack, 'AppKey', { enableKeyRotation: true, description: 'Order pipeline data', removalPolicy: RemovalPolicy.RETAIN });
const deadLetters = new sqs.Queue(stack, 'OrdersDlq', {
  encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, retentionPeriod: Duration.days(14),
});
const orders = new sqs.Queue(stack, 'Orders', {
  encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true, retentionPeriod: Duration.days(4),
  visibilityTimeout: Duration.minutes(3), deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
});
const processor = new lambda.Function(stack, 'Processor', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  timeout: Duration.seconds(30),
  reservedConcurrentExecutions: 5,
  tracing: lambda.Tracing.ACTIVE,
  logGroup: new logs.LogGroup(stack, 'ProcessorLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR }),
});
const before = new Set(stack.node.findAll().map((c) => c.node.path));

// Payments: Stripe and GitHub on the consumer's key and queue, processed by its function.
const payments = new HardenedWebhookEndpoint(stack, 'PaymentsWebhooks', {
  environment: 'prod',
  endpointName: 'consumer-payments',
  allowedSourceCidrs: STRIPE_CIDRS,
  alarmEmail: 'payments-oncall@example.com',
  encryptionKey: key,
  queue: orders,
  processor,
  processorBatchSize: 5,
  // Powertools' idempotency table for the processor, and its grants.
  processorIdempotency: true,
});
payments.addSource('stripe', { scheme: SignatureScheme.stripe() });
payments.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: GITHUB_CIDRS });

// Platform: Standard Webhooks, GitHub, Discord and SNS with the endpoint's own key and queue. The account's API
// Gateway logging role is already set by the first endpoint (one per account and region).
const platform = new HardenedWebhookEndpoint(stack, 'PlatformWebhooks', {
  environment: 'prod',
  endpointName: 'consumer-platform',
  allowedSourceCidrs: ['203.0.113.0/24'],
  alarmEmail: 'platform-oncall@example.com',
  cloudWatchRole: false,
  processor,
  sources: {
    billing: { scheme: SignatureScheme.standardWebhooks(), rotationInterval: Duration.days(30), gracePeriod: Duration.hours(24) },
    github: { scheme: SignatureScheme.github(), allowedSourceCidrs: GITHUB_CIDRS },
    // Senders that sign with a private key: a configured public key, and certificates fetched from
    // SNS (no secret at all).
    interactions: { scheme: SignatureScheme.discord() },
    orders: { scheme: SignatureScheme.sns({ topicArns: ['arn:aws:sns:us-east-1:123456789012:orders'] }) },
    // GitHub's published hook ranges, kept current by the refresher, and bodies up to what Lambda
    // carries (claim-checked through the endpoint's bucket above 700 KiB).
    releases: { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES) },
  },
});
const libraryPaths = new Set(stack.node.findAll().map((c) => c.node.path).filter((p) => !before.has(p)));
for (const endpoint of [payments, platform]) {
  for (const source of endpoint.sources) {
    new CfnOutput(stack, `${endpoint.node.id}Url${source.sourceName}`, { value: endpoint.urlForSource(source.sourceName) });
  }
}

/** The library's if its construct, or the nearest ancestor that is a construct, was added by the endpoints. */
function isLibrary(constructPath) {
  for (let p = constructPath.replace(/^\//, ''); p; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
    if (libraryPaths.has(p)) return true;
    if (before.has(p)) return false;
  }
  return false;
}

const findings = [];
if (mode === 'nag3') {
  const nag = require('cdk-nag');
  const { WebhookChecks } = require('cdk-hardened-webhook/nag');
  Validations.of(app).addPlugins(...PACKS.map((pack) => new nag[pack](app)), new WebhookChecks(app));
  try {
    app.synth();
  } catch (error) {
    // An unacknowledged error-level finding fails the synth (as `cdk synth` does); the report says which.
    if (!/[Vv]alidation/.test(String(error && error.message))) throw error;
  }
  for (const report of readReport(outdir)) {
    for (const violation of report.violations) {
      for (const resource of violation.resources) {
        findings.push({ engine: 'cdk-nag 3', pack: report.plugin, rule: violation.rule, level: violation.level, path: resource, library: isLibrary(resource) });
      }
    }
  }
} else if (mode === 'nag2') {
  const nag = require('cdk-nag-2');
  for (const pack of PACKS) Aspects.of(app).add(new nag[pack]({ reports: false }));
  // This project's `cdk-nag` is major 3: the webhook pack is built on the cdk-nag 2 alias.
  const { webhookChecksOn } = require('cdk-hardened-webhook/nag');
  Aspects.of(app).add(new (webhookChecksOn(nag))({ reports: false }));
  const assembly = app.synth();
  for (const artifact of assembly.stacks) {
    for (const message of artifact.messages) {
      const text = String(message.entry.data);
      const rule = RULE.exec(text);
      if (!rule || (message.level !== 'error' && message.level !== 'warning')) continue;
      findings.push({ engine: 'cdk-nag 2', rule: rule[1], level: message.level, path: message.id.replace(/^\//, ''), library: isLibrary(message.id) });
    }
  }
} else if (mode === 'helpers') {
  // The helpers a user's own tests call, from the packed tarball.
  const { nagReport, normalizedTemplate } = require('cdk-hardened-webhook/testing');
  const reports = [['cdk-nag 3', require('cdk-nag'), 3], ['cdk-nag 2', require('cdk-nag-2'), 2]].map(([engine, cdkNag, want]) => {
    const r = nagReport(app, { cdkNag });
    return {
      engine,
      majorOk: r.major === want,
      library: r.library,
      yours: r.yours,
      disagree: [...r.library.filter((f) => !isLibrary(f.path)), ...r.yours.filter((f) => isLibrary(f.path))],
    };
  });
  const s3Keys = Object.values(normalizedTemplate(stack).Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code.S3Key)
    .map((r) => r.Properties.Code.S3Key);
  console.log(JSON.stringify({ reports, s3Keys }));
  process.exit(0);
} else {
  throw new Error(`usage: node consumer-app.js <nag3|nag2|helpers> <outdir> (got "${mode}")`);
}
const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
console.log(JSON.stringify({ findings, templates }));

/**
 * The plugins' findings from the cloud assembly's validation report, as
 * { plugin, violations: [{ rule, level, resources: [constructPath] }] }: `validation-report.json`
 * (newer aws-cdk-lib) or the legacy `policy-validation-report.json`.
 */
function readReport(dir) {
  const file = ['validation-report.json', 'policy-validation-report.json'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no validation report in ${dir}: did the cdk-nag 3 plugins run?`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  return json.pluginReports.map((r) => ({
    plugin: r.pluginName ?? r.summary?.pluginName,
    violations: (r.violations ?? []).map((v) => ({
      rule: v.ruleName,
      level: v.severity ?? 'error',
      resources: [
        ...(v.violatingResources ?? []).map((res) => res.constructPath ?? `${res.templatePath}#${res.resourceLogicalId}`),
        ...(v.violatingConstructs ?? []).map((c) => c.constructPath),
      ].filter(Boolean),
    })),
  }));
}
