import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Size } from 'aws-cdk-lib';
import { SignatureScheme } from '../lib';
import { defaultEndpoint } from './support/stacks';

const SCRIPT = join(__dirname, '..', 'scripts', 'cost.mjs');

interface Report {
  stack: string;
  templates: string[];
  sources: number;
  fixed: { item: string; usd: number; perSource: boolean }[];
  fixedTotal: number;
  fixedPerSource: number;
  variable: { item: string; usd: number; floor: boolean }[];
  perMillion: number;
  floor: number;
  ratioToFloor: number;
  claimCheck?: { bodyBytes: number; expirationDays: number; items: { item: string; usd: number }[]; perMillion: number };
}

function cost(...args: string[]): Report[] {
  return JSON.parse(execFileSync(process.execPath, [SCRIPT, ...args, '--json'], { encoding: 'utf8' }));
}

const ref = (id: string) => ({ Ref: id });
const byVerifier = { Name: 'FunctionName', Value: ref('Verifier') };

/**
 * A small endpoint-like template whose every priced item is written out below, so the expected
 * figures can be checked by hand: one source (billing), WAF logging allowed requests, Lambda's platform
 * lines on, a 10% sampling rule, a two-field access log.
 */
const TEMPLATE = {
  Resources: {
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
    Stage: {
      Type: 'AWS::ApiGateway::Stage',
      Properties: {
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': ['AccessLogs', 'Arn'] }, Format: '{"requestId":"$context.requestId","status":"$context.status"}' },
      },
    },
    AccessLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
    Sampling: { Type: 'AWS::XRay::SamplingRule', Properties: { SamplingRule: { FixedRate: 0.1, ReservoirSize: 0, ServiceType: 'AWS::ApiGateway::Stage' } } },
    Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{ Name: 'RateLimitPerIp' }, { Name: 'SourceAllowlists' }] } },
    WafLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'aws-waf-logs-e', RetentionInDays: 30 } },
    WafLogging: { Type: 'AWS::WAFv2::LoggingConfiguration', Properties: { LogDestinationConfigs: ['arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-e'] } },
    Verifier: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        MemorySize: 512,
        Architectures: ['arm64'],
        Environment: { Variables: { WEBHOOK_QUEUE_URL: 'q', WEBHOOK_SOURCE: 'billing', WEBHOOK_DEDUPE_TABLE: 't', WEBHOOK_SECRET_CACHE_SECONDS: '600' } },
        LoggingConfig: { LogGroup: ref('VerifierLogs') },
      },
    },
    VerifierLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 365 } },
    Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'webhooks/e/billing' } },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
    Health: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Metrics: [
          { Id: 'e', Expression: 'MAX([a, b])' },
          { Id: 'a', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [byVerifier] } } },
          { Id: 'b', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: [byVerifier] } } },
        ],
      },
    },
    Spike: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ThresholdMetricId: 'ad',
        Metrics: [
          { Id: 'ad', Expression: 'ANOMALY_DETECTION_BAND(m, 3)' },
          { Id: 'm', MetricStat: { Metric: { Namespace: 'HardenedWebhook', MetricName: 'SignatureInvalid', Dimensions: [{ Name: 'Endpoint', Value: 'e' }, { Name: 'Source', Value: 'billing' }] } } },
        ],
      },
    },
    Shared: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'q', Expression: "SELECT SUM(Duplicate) FROM SCHEMA(HardenedWebhook, Endpoint, Source) WHERE Endpoint = 'e' GROUP BY Source ORDER BY SUM() DESC" }] } },
    QueueAge: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage' } },
    Composite: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: {} },
    Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
  },
};

describe('npm run cost', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cost-test-'));
    writeFileSync(join(dir, 'endpoint.template.json'), JSON.stringify(TEMPLATE));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('fixed monthly cost of a hand-checked template, by item and per source', () => {
    const [report] = cost(join(dir, 'endpoint.template.json'));
    expect(report.sources).toBe(1);
    // Secret reads: a 600 s cache TTL is 30.44 × 86400 / 600 = 4383.36 reads a month, each a Secrets
    // Manager call ($0.05 per 10k) and a KMS decrypt ($0.03 per 10k).
    const reads = ((30.44 * 86400) / 600 / 1e4) * (0.05 + 0.03);
    const billing = 0.4 /* secret */ + reads + 0.3 /* Accepted metric */ + 0.2 /* health: 2 metrics */ + 0.3 /* anomaly band */;
    const endpoint = 0.1 /* Metrics Insights alarm, 1 series */ + 0.1 /* queue age */ + 0.5 /* composite */ + 3 /* dashboard */ + 1 /* KMS key */ + 5 + 2; /* web ACL and its 2 rules (SourceAllowlists is shared) */
    expect(report.fixedPerSource).toBeCloseTo(billing, 6);
    expect(report.fixedTotal).toBeCloseTo(billing + endpoint, 6);
    expect(report.fixed.filter((f) => f.perSource).map((f) => f.usd).reduce((a, b) => a + b)).toBeCloseTo(billing, 6);
  });

  test('two sources with their own allowlists (and one without): at most $1.5 a month per source', () => {
    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: ['192.30.252.0/22'] });
    endpoint.addSource('shopify', { scheme: SignatureScheme.shopify(), allowedSourceCidrs: ['23.227.32.0/19', '2620:127:f00f::/48'] });
    writeFileSync(join(dir, 'own-lists.template.json'), JSON.stringify(template().toJSON()));
    const [report] = cost(join(dir, 'own-lists.template.json'));
    expect(report.sources).toBe(3);
    expect(report.fixedPerSource).toBeLessThanOrEqual(1.5);
    // The allowlists' one rule is the endpoint's, not a source's.
    expect(report.fixed.filter((f) => f.perSource && /WAF/.test(f.item))).toEqual([]);
  });

  test('cost per million 1 KiB webhooks of the same template, by item, and its ratio to the pipeline floor', () => {
    const [report] = cost(join(dir, 'endpoint.template.json'));
    const floor = 3.5 /* API Gateway */ + 0.6 /* WAF */ + 0.2 /* Lambda requests */ + 0.5 * 0.04 * 1e6 * 0.0000133334 /* 512 MB arm64 for 40 ms */ + 0.4; /* SQS */
    // Log bytes per webhook (26 bytes counted per event) → GB per million; stored at 0.15 of that for the retention.
    const gb = (bytes: number) => (bytes * 1e6) / 1e9;
    const stored = (bytes: number, days: number) => gb(bytes) * 0.15 * 0.03 * (days / 30.44);
    const verifierLine = 558 + 26;
    const platform = 450 + 3 * 26;
    // {"requestId":"","status":""} is 28 characters; a request id 36, a status 3.
    const accessLine = 28 + 36 + 3 + 26;
    const waf = 2000 + 26;
    const extras =
      2 * 0.625 /* 2 WRU: the claim and its completion */ +
      gb(verifierLine) * 0.5 +
      gb(platform) * 0.5 +
      stored(verifierLine + platform, 365) +
      gb(accessLine) * 0.5 +
      stored(accessLine, 30) +
      0.1 * 5 /* 10% traced */ +
      gb(waf) * 0.5 +
      stored(waf, 30);
    expect(report.floor).toBeCloseTo(floor, 6);
    expect(report.perMillion).toBeCloseTo(floor + extras, 6);
    expect(report.ratioToFloor).toBeCloseTo((floor + extras) / floor, 6);
    expect(report.variable.filter((v) => v.floor).map((v) => v.item)).toEqual([
      'API Gateway REST requests',
      'WAF requests',
      'Lambda verifier requests',
      'Lambda verifier duration (512 MB arm64, 40 ms)',
      'SQS SendMessage',
    ]);
  });

  test('dedupe: 2 write units per accepted webhook (claim, complete), and 1 more per duplicate delivery (a failed conditional claim still consumes one)', () => {
    const prices = join(dir, 'duplicates.json');
    writeFileSync(prices, JSON.stringify({ assumptions: { duplicateDeliveriesPerWebhook: 0.5 } }));
    const item = (r: Report) => r.variable.find((v) => v.item.startsWith('DynamoDB dedupe'))!;
    const [base] = cost(join(dir, 'endpoint.template.json'));
    const [withDuplicates] = cost(join(dir, 'endpoint.template.json'), '--prices', prices);
    expect(item(base)).toEqual({ item: 'DynamoDB dedupe (2 WRU: claim + complete)', usd: 1.25, floor: false });
    expect(item(withDuplicates)).toEqual({ item: 'DynamoDB dedupe (2 WRU: claim + complete + 0.5 failed claims of duplicates)', usd: 2.5 * 0.625, floor: false });
  });

  test('what the endpoint turns off is priced at zero: filtered WAF logs, quiet Lambda platform lines, an Infrequent Access log group at half price', () => {
    const quiet = JSON.parse(JSON.stringify(TEMPLATE));
    quiet.Resources.WafLogging.Properties.LoggingFilter = { DefaultBehavior: 'DROP', Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }] }] };
    quiet.Resources.Verifier.Properties.LoggingConfig.SystemLogLevel = 'WARN';
    quiet.Resources.AccessLogs.Properties.LogGroupClass = 'INFREQUENT_ACCESS';
    writeFileSync(join(dir, 'quiet.template.json'), JSON.stringify(quiet));
    const [before] = cost(join(dir, 'endpoint.template.json'));
    const [after] = cost(join(dir, 'quiet.template.json'));
    const item = (r: Report, start: string) => r.variable.find((v) => v.item.startsWith(start))!.usd;
    expect(item(after, 'CloudWatch Logs: WAF record')).toBe(0);
    expect(item(after, 'CloudWatch Logs: Lambda START/END/REPORT')).toBe(0);
    expect(item(after, 'CloudWatch Logs: API access line')).toBeCloseTo(item(before, 'CloudWatch Logs: API access line') / 2, 9);
  });

  test('--prices overrides any price or assumption, and the report prints the table it used', () => {
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ apiGatewayRestPerMillion: 1, assumptions: { verifierAverageMs: 80 } }));
    const [base] = cost(join(dir, 'endpoint.template.json'));
    const [changed] = cost(join(dir, 'endpoint.template.json'), '--prices', prices);
    const duration = 0.5 * 0.04 * 1e6 * 0.0000133334;
    expect(changed.perMillion).toBeCloseTo(base.perMillion - 2.5 + duration, 6);
    const text = execFileSync(process.execPath, [SCRIPT, join(dir, 'endpoint.template.json')], { encoding: 'utf8' });
    expect(text).toMatch(/prices us-east-1, \d{4}-\d{2}-\d{2}/);
    expect(text).toMatch(/"apiGatewayRestPerMillion": 3\.5/);
    expect(text).toMatch(/total \/ floor/);
  });

  test('claim-checked bodies: S3 PUT, GET, storage until the lifecycle expires them, KMS with the bucket key, the verifier\'s extra time, per million 4 MB deliveries', () => {
    writeFileSync(join(dir, 'inline.template.json'), JSON.stringify(defaultEndpoint().template().toJSON()));
    expect(cost(join(dir, 'inline.template.json'))[0].claimCheck).toBeUndefined();

    const { endpoint, template } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: Size.mebibytes(4) });
    writeFileSync(join(dir, 'large.template.json'), JSON.stringify(template().toJSON()));
    const [report] = cost(join(dir, 'large.template.json'));
    // 4 MB × 1e6 = 4,000 GB, kept 29 days (the default queue's 4 days and DLQ's 14: twice 14, and a day).
    const storage = 4000 * (29 / 30.44) * 0.023;
    const extra = 0.5 /* GB: the large-body verifier's 512 MB */ * 0.4 * 1e6 * 0.0000133334;
    expect(report.claimCheck).toMatchObject({ bodyBytes: 4_000_000, expirationDays: 29 });
    expect(report.claimCheck!.items.map((i) => i.usd)).toEqual([5, 0.4, expect.closeTo(storage, 6), expect.closeTo(0.06, 9), expect.closeTo(extra, 6)]);
    expect(report.claimCheck!.perMillion).toBeCloseTo(5 + 0.4 + storage + 0.06 + extra, 6);
    const text = execFileSync(process.execPath, [SCRIPT, join(dir, 'large.template.json')], { encoding: 'utf8' });
    expect(text).toMatch(/Per million claim-checked deliveries of 4\.0 MB \(bodies above 700 KiB\), on top of the above/);
    expect(text).toMatch(/ {4}87\.65 {2}S3 storage \(4000 GB kept 29 days until the lifecycle expires it\)/);
  });

  test('reads a cdk.out directory: every stack in its manifest, with its nested stacks found through the asset manifest', () => {
    const out = join(dir, 'cdk.out');
    mkdirSync(out);
    const hash = 'a'.repeat(64);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ artifacts: { Root: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Root.template.json' } } } }));
    writeFileSync(join(out, 'Root.assets.json'), JSON.stringify({ files: { [hash]: { source: { path: 'RootGroupA.nested.template.json' } } } }));
    writeFileSync(
      join(out, 'Root.template.json'),
      JSON.stringify({ Resources: { Group: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: { 'Fn::Join': ['', ['https://s3/', `${hash}.json`]] } } }, Key: { Type: 'AWS::KMS::Key' } } }),
    );
    writeFileSync(join(out, 'RootGroupA.nested.template.json'), JSON.stringify({ Resources: { Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'webhooks/e/a' } } } }));
    const [report] = cost(out);
    expect(report.stack).toBe('Root');
    expect(report.templates).toEqual(['Root.template.json', 'RootGroupA.nested.template.json']);
    expect(report.fixedTotal).toBeCloseTo(1 + 0.4, 6);
  });
});
