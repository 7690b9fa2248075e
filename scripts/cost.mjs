#!/usr/bin/env node
// npm run cost -- <template.json | cdk.out dir> [--prices <json file>] [--json]
//
// A cost model of a synthesized webhook endpoint, from its CloudFormation template(s) alone (nested
// stack templates included; no AWS credentials): the fixed monthly cost by item, and the cost per
// million webhooks by item next to the pipeline's floor (API Gateway REST + WAF + the verifier Lambda
// + one SQS send, nothing else). Prices are us-east-1 list prices on the date below; every price and
// every assumption can be overridden with --prices, a JSON file shaped like PRICES (partial is fine,
// "assumptions" included). Free tiers are ignored. What the template cannot say (traffic, how long a
// verifier runs, the size of its log line) is an assumption, printed with the result.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PRICES = {
  region: 'us-east-1',
  date: '2026-11-28',
  apiGatewayRestPerMillion: 3.5,
  wafWebAclMonthly: 5,
  wafRuleMonthly: 1,
  wafRequestsPerMillion: 0.6,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecondArm64: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,
  sqsRequestsPerMillion: 0.4,
  /** On-demand write request units; a conditional write whose condition fails consumes one too. */
  dynamodbWriteUnitsPerMillion: 0.625,
  logsIngestionStandardPerGb: 0.5,
  logsIngestionInfrequentAccessPerGb: 0.25,
  logsVendedPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  xrayTracesPerMillion: 5,
  secretMonthly: 0.4,
  secretsManagerPer10kCalls: 0.05,
  kmsKeyMonthly: 1,
  kmsPer10kRequests: 0.03,
  alarmMetricMonthly: 0.1,
  compositeAlarmMonthly: 0.5,
  dashboardMonthly: 3,
  customMetricMonthly: 0.3,
  contributorInsightsRuleMonthly: 0.5,
  /** S3 Standard: PUT and GET requests, storage (the claim-check bucket). */
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3StoragePerGbMonth: 0.023,
  assumptions: {
    /** Traffic, for what depends on the rate (X-Ray's default reservoir). */
    webhooksPerMonth: 1_000_000,
    /** Body size: SQS bills a request per 64 KiB. */
    bodyBytes: 1024,
    /** The verifier's average billed duration, with dedupe and queueing. */
    verifierAverageMs: 40,
    /** The verifier's one audit line per request, measured with the handler (Accepted, 37-character endpoint name; test/handlers/verifier.test.ts). */
    verifierLogBytes: 558,
    /** Lambda's START, END and REPORT lines of one invocation, when the system log level lets them through. */
    lambdaPlatformLogBytes: 450,
    lambdaPlatformLogLines: 3,
    /** One WAF log record. */
    wafLogBytes: 2000,
    /** CloudWatch Logs counts 26 bytes per event on top of the message. */
    logEventOverheadBytes: 26,
    /** Stored (compressed) bytes per ingested byte, for storage over the retention period. */
    logCompressionRatio: 0.15,
    /** Months kept when a log group never expires (no retention set). */
    unlimitedRetentionMonths: 12,
    /**
     * The dedupe protocol (lib/handlers/verifier/dedupe.ts): a conditional PutItem claims the event
     * before the send, an UpdateItem completes it after: 1 WRU each for a record under 1 KB. No read
     * (a failed claim returns the record it found, at no read cost).
     */
    dynamodbWritesPerWebhook: 2,
    /**
     * Deliveries per accepted webhook that find the event claimed already (a sender's retry of a queued
     * event, a concurrent copy): each is a failed conditional PutItem, which still consumes 1 WRU.
     */
    duplicateDeliveriesPerWebhook: 0,
    /** Outcome metrics (EMF, dimensions Endpoint and Source) a quiet source emits in a month: Accepted. */
    outcomeMetricsPerSource: 1,
    /** Time series a Metrics Insights alarm returns in a month (contributors that had such deliveries). */
    metricsInsightsSeriesPerAlarm: 1,
    /** Verifier containers kept warm all month, each reading its secret once per cache TTL. */
    warmContainersPerVerifier: 1,
    /** X-Ray's default rule when no rule of the template matches: reservoir per second and rate. */
    xrayDefaultReservoir: 1,
    xrayDefaultRate: 0.05,
    /** A claim-checked body (above the inline 700 KiB), for the per-million line of such deliveries. */
    claimCheckBodyBytes: 4_000_000,
    /** GetObject calls per claim-checked body: the processor reads it once (more if it retries). */
    claimCheckReadsPerBody: 1,
    /**
     * KMS requests per claim-checked body: without an S3 Bucket Key, one GenerateDataKey for the put and
     * one Decrypt for the get; the bucket key makes S3 reuse a bucket-level key for a while, cutting
     * them by up to 99% (AWS's figure): 2 × 1%.
     */
    claimCheckKmsRequestsPerBody: 0.02,
    /**
     * The verifier's extra billed time for a body of claimCheckBodyBytes: parsing the 6 MB event,
     * decoding, HMAC and SHA-256 take under 100 ms of one full vCPU (test/handlers/claim-check.test.ts
     * prints it), about 300 ms on 512 MB's share of one, and the PutObject about 100 ms more.
     */
    claimCheckVerifierExtraMs: 400,
  },
};

/** Bytes a $context variable typically expands to in an access log line. */
const CONTEXT_BYTES = {
  requestId: 36,
  extendedRequestId: 16,
  requestTimeEpoch: 13,
  requestTime: 26,
  'identity.sourceIp': 13,
  'identity.userAgent': 40,
  domainName: 45,
  httpMethod: 4,
  resourcePath: 20,
  path: 24,
  protocol: 8,
  tlsVersion: 7,
  status: 3,
  'error.responseType': 1,
  'error.message': 1,
  'waf.status': 3,
  wafResponseCode: 1,
  'integration.status': 3,
  'integration.latency': 3,
  'integration.error': 1,
  responseLatency: 3,
  responseLength: 2,
};
const DAYS_PER_MONTH = 30.44;

// ---------------------------------------------------------------------------------------------------
// Reading templates

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** asset hash → file name, from the asset manifests next to the templates (for nested stacks). */
function assetFiles(dir) {
  const files = new Map();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
    for (const [hash, asset] of Object.entries(readJson(join(dir, name)).files ?? {})) files.set(hash, asset.source?.path);
  }
  return files;
}

/** A template and the templates of its nested stacks, recursively: [{ name, template }]. */
function loadWithNested(path, assets = assetFiles(dirname(path))) {
  const template = readJson(path);
  const out = [{ name: basename(path), template }];
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    let file = resource.Metadata?.['aws:asset:path'];
    if (!file) {
      const hash = /([0-9a-f]{64})\.json/.exec(JSON.stringify(resource.Properties?.TemplateURL ?? ''))?.[1];
      file = hash ? assets.get(hash) : undefined;
    }
    if (!file || !existsSync(join(dirname(path), file))) throw new Error(`cost: cannot find the template of nested stack in ${path} (looked for ${file ?? 'its asset'}); give the cdk.out directory`);
    out.push(...loadWithNested(join(dirname(path), file), assets));
  }
  return out;
}

/** Deployments (a top-level stack and its nested stacks) at a path: a template file or a cdk.out directory. */
export function loadDeployments(path) {
  if (!statSync(path).isDirectory()) return [{ stack: basename(path).replace(/\.template\.json$/, ''), templates: loadWithNested(path) }];
  const manifest = join(path, 'manifest.json');
  if (existsSync(manifest)) {
    return Object.entries(readJson(manifest).artifacts ?? {})
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([name, a]) => ({ stack: name, templates: loadWithNested(join(path, a.properties.templateFile)) }));
  }
  const all = readdirSync(path).filter((f) => f.endsWith('.template.json') && !f.endsWith('.nested.template.json'));
  return all.map((f) => ({ stack: f.replace(/\.template\.json$/, ''), templates: loadWithNested(join(path, f)) }));
}

// ---------------------------------------------------------------------------------------------------
// The model

const isRef = (value, id) => JSON.stringify(value ?? null).includes(`"${id}"`);

function monthsKept(logGroup, a) {
  const days = logGroup?.Properties?.RetentionInDays;
  return days ? days / DAYS_PER_MONTH : a.unlimitedRetentionMonths;
}

/** Ingestion and storage of `bytes` a webhook into a log group, per million webhooks. */
function logCost(bytes, events, logGroup, p, a, vended = false) {
  const gb = ((bytes + events * a.logEventOverheadBytes) * 1e6) / 1e9;
  const ia = logGroup?.Properties?.LogGroupClass === 'INFREQUENT_ACCESS';
  const ingest = gb * (vended ? p.logsVendedPerGb : ia ? p.logsIngestionInfrequentAccessPerGb : p.logsIngestionStandardPerGb);
  const store = gb * a.logCompressionRatio * p.logsStoragePerGbMonth * monthsKept(logGroup, a);
  return { ingest, store, bytes: bytes + events * a.logEventOverheadBytes };
}

function accessLogBytes(format) {
  // Literal characters count as they are; each $context variable as its typical expansion.
  let bytes = 0;
  const literal = format.replace(/\$context\.([A-Za-z.]+)/g, (_, name) => {
    bytes += CONTEXT_BYTES[name] ?? 16;
    return '';
  });
  return bytes + Buffer.byteLength(literal);
}

export function model(templates, overrides = {}) {
  const p = { ...PRICES, ...overrides, assumptions: { ...PRICES.assumptions, ...overrides.assumptions } };
  const a = p.assumptions;
  const resources = templates.flatMap(({ template }) => Object.entries(template.Resources ?? {}).map(([id, r]) => ({ id, ...r })));
  const ofType = (type) => resources.filter((r) => r.Type === type);
  const byId = new Map(resources.map((r) => [r.id, r]));
  const logGroupOf = (value) => {
    const id = value?.Ref ?? value?.LogGroup?.Ref;
    return id ? byId.get(id) : undefined;
  };

  const verifiers = ofType('AWS::Lambda::Function').filter((f) => f.Properties?.Environment?.Variables?.WEBHOOK_QUEUE_URL);
  const sourceOf = new Map(verifiers.map((f) => [f.id, f.Properties.Environment.Variables.WEBHOOK_SOURCE]));
  const sources = [...new Set(sourceOf.values())];
  const fixed = [];
  const perSource = new Map(sources.map((s) => [s, 0]));
  const addFixed = (item, usd, source, kind = item) => {
    fixed.push({ item, kind, usd, perSource: source !== undefined });
    if (source !== undefined) perSource.set(source, (perSource.get(source) ?? 0) + usd);
  };
  /** The source a resource belongs to: it references that source's verifier, or names the source. */
  const ownerOf = (r) => {
    for (const [fnId, source] of sourceOf) if (isRef(r.Properties, fnId)) return source;
    const dims = JSON.stringify(r.Properties ?? {});
    for (const source of sources) if (dims.includes(`{"Name":"Source","Value":"${source}"}`)) return source;
    return undefined;
  };

  // Fixed, per month
  for (const secret of ofType('AWS::SecretsManager::Secret')) {
    const name = typeof secret.Properties?.Name === 'string' ? secret.Properties.Name : '';
    const source = sources.find((s) => name.endsWith(`/${s}`));
    addFixed(`Secrets Manager secret ${name || secret.id}`, p.secretMonthly, source, 'Secrets Manager secret');
  }
  for (const fn of verifiers) {
    const source = sourceOf.get(fn.id);
    const ttl = Number(fn.Properties.Environment.Variables.WEBHOOK_SECRET_CACHE_SECONDS ?? 300);
    const reads = ((DAYS_PER_MONTH * 86400) / ttl) * a.warmContainersPerVerifier;
    const readsKind = `secret reads by the verifier's cache (every ${ttl} s, ${a.warmContainersPerVerifier} warm container) and their KMS decrypts`;
    addFixed(`${source}: ${readsKind}`, (reads / 1e4) * (p.secretsManagerPer10kCalls + p.kmsPer10kRequests), source, readsKind);
    const metricsKind = `outcome metrics (${a.outcomeMetricsPerSource} custom metric a month, dimensions Endpoint and Source)`;
    addFixed(`${source}: ${metricsKind}`, a.outcomeMetricsPerSource * p.customMetricMonthly, source, metricsKind);
  }
  for (const alarm of ofType('AWS::CloudWatch::Alarm')) {
    const metrics = alarm.Properties?.Metrics;
    let units = 1;
    let kind = 'alarm';
    if (metrics) {
      const insights = metrics.some((m) => /^\s*SELECT\b/i.test(typeof m.Expression === 'string' ? m.Expression : JSON.stringify(m.Expression ?? '')));
      if (insights) {
        units = a.metricsInsightsSeriesPerAlarm;
        kind = `Metrics Insights alarm (${units} series)`;
      } else if (alarm.Properties.ThresholdMetricId) {
        units = 3;
        kind = 'anomaly-detection alarm';
      } else {
        units = metrics.filter((m) => m.MetricStat).length;
        kind = `metric-math alarm (${units} metrics)`;
      }
    }
    const source = ownerOf(alarm);
    addFixed(`${kind} ${alarm.id}`, units * p.alarmMetricMonthly, source, kind);
  }
  for (const composite of ofType('AWS::CloudWatch::CompositeAlarm')) addFixed(`composite alarm ${composite.id}`, p.compositeAlarmMonthly);
  for (const dashboard of ofType('AWS::CloudWatch::Dashboard')) addFixed(`dashboard ${dashboard.id}`, p.dashboardMonthly);
  for (const rule of ofType('AWS::CloudWatch::InsightRule')) addFixed(`Contributor Insights rule ${rule.id}`, p.contributorInsightsRuleMonthly);
  for (const key of ofType('AWS::KMS::Key')) addFixed(`KMS key ${key.id}`, p.kmsKeyMonthly);
  const acls = ofType('AWS::WAFv2::WebACL');
  for (const acl of acls) {
    const rules = Array.isArray(acl.Properties?.Rules) ? acl.Properties.Rules : [];
    // Every source's own allowlist shares one rule (SourceAllowlists) and its one alarm: fixed costs of
    // the endpoint, not of any source.
    addFixed(`WAF web ACL ${acl.id} and its ${rules.length} rules`, p.wafWebAclMonthly + rules.length * p.wafRuleMonthly);
  }

  // Per million webhooks
  const variable = [];
  const add = (item, usd, floor = false) => variable.push({ item, usd, floor });
  const stages = ofType('AWS::ApiGateway::Stage');
  if (ofType('AWS::ApiGateway::RestApi').length > 0) add('API Gateway REST requests', p.apiGatewayRestPerMillion, true);
  if (acls.length > 0) add('WAF requests', p.wafRequestsPerMillion, true);
  const verifier = verifiers[0];
  if (verifier) {
    const memoryGb = (verifier.Properties.MemorySize ?? 128) / 1024;
    const arm = (verifier.Properties.Architectures ?? ['x86_64']).includes('arm64');
    add('Lambda verifier requests', p.lambdaRequestsPerMillion, true);
    add(
      `Lambda verifier duration (${verifier.Properties.MemorySize ?? 128} MB ${arm ? 'arm64' : 'x86_64'}, ${a.verifierAverageMs} ms)`,
      memoryGb * (a.verifierAverageMs / 1000) * 1e6 * (arm ? p.lambdaGbSecondArm64 : p.lambdaGbSecondX86),
      true,
    );
    add('SQS SendMessage', Math.ceil(a.bodyBytes / 65536) * p.sqsRequestsPerMillion, true);
    if (verifier.Properties.Environment.Variables.WEBHOOK_DEDUPE_TABLE) {
      const duplicates = a.duplicateDeliveriesPerWebhook ? ` + ${a.duplicateDeliveriesPerWebhook} failed claim${a.duplicateDeliveriesPerWebhook === 1 ? '' : 's'} of duplicates` : '';
      add(
        `DynamoDB dedupe (${a.dynamodbWritesPerWebhook} WRU: claim + complete${duplicates})`,
        (a.dynamodbWritesPerWebhook + a.duplicateDeliveriesPerWebhook) * p.dynamodbWriteUnitsPerMillion,
      );
    }
    const logGroup = logGroupOf(verifier.Properties.LoggingConfig);
    const line = logCost(a.verifierLogBytes, 1, logGroup, p, a);
    add(`CloudWatch Logs: verifier audit line (1 a request, ${line.bytes} B) ingestion`, line.ingest);
    const platformQuiet = verifier.Properties.LoggingConfig?.SystemLogLevel === 'WARN';
    const platform = platformQuiet ? { ingest: 0, store: 0, bytes: 0 } : logCost(a.lambdaPlatformLogBytes, a.lambdaPlatformLogLines, logGroup, p, a);
    add(`CloudWatch Logs: Lambda START/END/REPORT (${platformQuiet ? 'dropped: system log level WARN' : `${a.lambdaPlatformLogLines} lines, ${platform.bytes} B`}) ingestion`, platform.ingest);
    add(`CloudWatch Logs: verifier log storage (${monthsKept(logGroup, a).toFixed(1)} months)`, line.store + platform.store);
  }
  for (const stage of stages) {
    const format = stage.Properties?.AccessLogSetting?.Format;
    if (typeof format === 'string') {
      const logGroup = resources.find((r) => r.Type === 'AWS::Logs::LogGroup' && isRef(stage.Properties.AccessLogSetting.DestinationArn, r.id));
      const cost = logCost(accessLogBytes(format), 1, logGroup, p, a);
      add(`CloudWatch Logs: API access line (${cost.bytes} B${logGroup?.Properties?.LogGroupClass === 'INFREQUENT_ACCESS' ? ', Infrequent Access' : ''}) ingestion`, cost.ingest);
      add(`CloudWatch Logs: access log storage (${monthsKept(logGroup, a).toFixed(1)} months)`, cost.store);
    }
    if (stage.Properties?.TracingEnabled) {
      const rule = ofType('AWS::XRay::SamplingRule').find((r) => r.Properties?.SamplingRule?.ServiceType !== undefined && /ApiGateway/.test(r.Properties.SamplingRule.ServiceType));
      const rps = a.webhooksPerMonth / (DAYS_PER_MONTH * 86400);
      const reservoir = rule ? rule.Properties.SamplingRule.ReservoirSize : a.xrayDefaultReservoir;
      const rate = rule ? rule.Properties.SamplingRule.FixedRate : a.xrayDefaultRate;
      const traced = Math.min(1, (Math.min(reservoir, rps) + rate * Math.max(0, rps - reservoir)) / rps);
      add(`X-Ray traces (${(traced * 100).toFixed(traced < 0.1 ? 2 : 1)}% of requests at ${rps.toFixed(2)}/s; ${rule ? 'sampling rule' : "X-Ray's default rule"})`, traced * p.xrayTracesPerMillion);
    }
  }
  for (const logging of ofType('AWS::WAFv2::LoggingConfiguration')) {
    const filter = logging.Properties?.LoggingFilter;
    const dropsAllowed = filter?.DefaultBehavior === 'DROP' && !JSON.stringify(filter.Filters ?? []).includes('"ALLOW"');
    const logGroup = resources.find((r) => r.Type === 'AWS::Logs::LogGroup' && typeof r.Properties?.LogGroupName === 'string' && JSON.stringify(logging.Properties.LogDestinationConfigs).includes(r.Properties.LogGroupName));
    const cost = dropsAllowed ? { ingest: 0, store: 0 } : logCost(a.wafLogBytes, 1, logGroup, p, a, true);
    add(`CloudWatch Logs: WAF record of an allowed request (${dropsAllowed ? 'filtered out: only blocked and counted requests are logged' : `${a.wafLogBytes + a.logEventOverheadBytes} B`})`, cost.ingest + cost.store);
  }

  const total = (items) => items.reduce((sum, i) => sum + i.usd, 0);

  // Per million claim-checked deliveries (bodies above the inline limit), on top of the above: what
  // the claim-check bucket adds. Each object is kept until the bucket's lifecycle expires it.
  let claimCheck;
  const bucketId = verifiers.map((f) => f.Properties.Environment.Variables.WEBHOOK_BODY_BUCKET?.Ref).find((id) => id !== undefined);
  const bucket = bucketId ? byId.get(bucketId) : undefined;
  if (bucket) {
    const largeVerifier = verifiers.find((f) => f.Properties.Environment.Variables.WEBHOOK_BODY_BUCKET);
    const days = (bucket.Properties?.LifecycleConfiguration?.Rules ?? []).map((r) => r.ExpirationInDays).find((d) => typeof d === 'number');
    const memoryMb = largeVerifier.Properties.MemorySize ?? 128;
    const arm = (largeVerifier.Properties.Architectures ?? ['x86_64']).includes('arm64');
    const gb = (a.claimCheckBodyBytes * 1e6) / 1e9;
    const items = [
      { item: 'S3 PutObject (the verifier)', usd: 1000 * p.s3PutPer1000 },
      { item: `S3 GetObject (the processor, ${a.claimCheckReadsPerBody} a body)`, usd: 1000 * a.claimCheckReadsPerBody * p.s3GetPer1000 },
      {
        item: `S3 storage (${gb.toFixed(0)} GB kept ${days ?? 'unknown: no expiration, 12 months counted'} days until the lifecycle expires it)`,
        usd: gb * ((days ?? 12 * DAYS_PER_MONTH) / DAYS_PER_MONTH) * p.s3StoragePerGbMonth,
      },
      { item: `KMS requests with the S3 Bucket Key (${a.claimCheckKmsRequestsPerBody} a body)`, usd: (a.claimCheckKmsRequestsPerBody * 1e6 * p.kmsPer10kRequests) / 1e4 },
      {
        item: `Lambda verifier extra duration (${memoryMb} MB, +${a.claimCheckVerifierExtraMs} ms)`,
        usd: (memoryMb / 1024) * (a.claimCheckVerifierExtraMs / 1000) * 1e6 * (arm ? p.lambdaGbSecondArm64 : p.lambdaGbSecondX86),
      },
    ];
    claimCheck = { bodyBytes: a.claimCheckBodyBytes, expirationDays: days, items, perMillion: total(items) };
  }

  const perMillion = total(variable);
  const floor = total(variable.filter((i) => i.floor));
  const fixedTotal = total(fixed);
  const perSourceValues = [...perSource.values()];
  return {
    prices: p,
    sources: sources.length,
    fixed,
    fixedTotal,
    fixedPerSource: perSourceValues.length ? total(fixed.filter((i) => i.perSource)) / perSourceValues.length : 0,
    fixedPerSourceMin: perSourceValues.length ? Math.min(...perSourceValues) : 0,
    fixedPerSourceMax: perSourceValues.length ? Math.max(...perSourceValues) : 0,
    variable,
    perMillion,
    floor,
    ratioToFloor: floor > 0 ? perMillion / floor : undefined,
    claimCheck,
  };
}

// ---------------------------------------------------------------------------------------------------
// Command line

function usd(n) {
  return n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2).padStart(9);
}

function print(stack, templates, m) {
  const lines = [];
  lines.push(`Cost model of ${stack} (${templates.length} template${templates.length === 1 ? '' : 's'}, ${m.sources} source${m.sources === 1 ? '' : 's'}); prices ${m.prices.region}, ${m.prices.date}, USD`);
  lines.push('', 'Fixed, per month');
  const fixedRows = new Map();
  for (const f of m.fixed) {
    // Per-source items are summed by kind, so 100 sources are one line each.
    const key = f.perSource ? `per source: ${f.kind}` : f.item;
    const row = fixedRows.get(key) ?? { usd: 0, count: 0 };
    row.usd += f.usd;
    row.count += 1;
    fixedRows.set(key, row);
  }
  for (const [item, row] of fixedRows) lines.push(`${usd(row.usd)}  ${item}${row.count > 1 ? ` (×${row.count})` : ''}`);
  lines.push(`${usd(m.fixedTotal)}  total fixed`);
  lines.push(`${usd(m.fixedPerSource)}  of which per source: average over ${m.sources}; smallest ${m.fixedPerSourceMin.toFixed(2)}, largest ${m.fixedPerSourceMax.toFixed(2)}`);
  lines.push('', 'Per million webhooks of 1 KiB' + (m.prices.assumptions.bodyBytes !== 1024 ? ` (${m.prices.assumptions.bodyBytes} B)` : ''));
  for (const v of m.variable) lines.push(`${usd(v.usd)}  ${v.item}${v.floor ? '  [floor]' : ''}`);
  lines.push(`${usd(m.perMillion)}  total per million`);
  lines.push(`${usd(m.floor)}  pipeline floor (API Gateway REST + WAF + Lambda + SQS)`);
  if (m.ratioToFloor !== undefined) lines.push(`${m.ratioToFloor.toFixed(2).padStart(8)}×  total / floor`);
  if (m.claimCheck) {
    lines.push('', `Per million claim-checked deliveries of ${(m.claimCheck.bodyBytes / 1e6).toFixed(1)} MB (bodies above 700 KiB), on top of the above`);
    for (const c of m.claimCheck.items) lines.push(`${usd(c.usd)}  ${c.item}`);
    lines.push(`${usd(m.claimCheck.perMillion)}  total per million claim-checked deliveries`);
  }
  return lines.join('\n');
}

function main(argv) {
  const args = [...argv];
  const json = args.includes('--json') ? (args.splice(args.indexOf('--json'), 1), true) : false;
  let overrides = {};
  const pricesAt = args.indexOf('--prices');
  if (pricesAt >= 0) {
    const file = args[pricesAt + 1];
    if (!file) throw new Error('cost: --prices needs a JSON file');
    overrides = readJson(file);
    args.splice(pricesAt, 2);
  }
  if (args.length !== 1) {
    console.error('usage: npm run cost -- <template.json | cdk.out directory> [--prices <json file>] [--json]');
    process.exit(2);
  }
  const deployments = loadDeployments(args[0]);
  if (deployments.length === 0) throw new Error(`cost: no stack template under ${args[0]}`);
  const results = deployments.map(({ stack, templates }) => ({ stack, templates: templates.map((t) => t.name), ...model(templates, overrides) }));
  if (json) {
    console.log(JSON.stringify(results, null, 1));
    return;
  }
  for (const [i, r] of results.entries()) {
    if (i > 0) console.log('');
    console.log(print(r.stack, r.templates, r));
  }
  console.log('');
  console.log(`Price table and assumptions (override any with --prices <file>):\n${JSON.stringify(results[0].prices, null, 1)}`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
