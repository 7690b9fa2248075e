import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_THRESHOLDS, SignatureScheme } from '../lib';
import { Telemetry } from '../lib/handlers/shared/telemetry';
import { contributorInsightsRule } from '../lib/constructs/webhook-monitoring';
import { defaultEndpoint } from './support/stacks';

type Resource = { Properties: Record<string, any> };

function alarms(t: Template): Record<string, Resource> {
  return t.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
}

/** The alarm whose logical id holds idPart followed by CDK's 8-character hash (so 'Replays' is not 'Replaysbilling'). */
function alarmNamed(t: Template, idPart: string): Resource {
  const found = Object.entries(alarms(t)).filter(([id]) => new RegExp(`${idPart}[0-9A-F]{8}$`).test(id));
  expect(found).toHaveLength(1);
  return found[0][1];
}

describe('alarms', () => {
  const { endpoint, template } = defaultEndpoint();
  endpoint.addSource('github', { scheme: SignatureScheme.github(), allowedSourceCidrs: ['192.30.252.0/22'] });
  const t = template();
  const topic = { Ref: expect.stringMatching('AlarmTopic') };

  test.each([
    // [logical id part, namespace, metric, statistic, threshold, paged directly?]
    ['WafAllowlistBlocks', 'AWS/WAFV2', 'BlockedRequests', 'Sum', DEFAULT_THRESHOLDS.allowlistBlocks, false],
    ['WafSourceAllowlistBlocks', 'AWS/WAFV2', 'BlockedRequests', 'Sum', DEFAULT_THRESHOLDS.allowlistBlocks, false],
    ['WafRateLimitBlocks', 'AWS/WAFV2', 'BlockedRequests', 'Sum', DEFAULT_THRESHOLDS.rateLimitBlocks, false],
    ['ApiClientErrorRate', 'AWS/ApiGateway', '4XXError', 'Average', DEFAULT_THRESHOLDS.clientErrorRate, true],
    ['ApiServerErrorRate', 'AWS/ApiGateway', '5XXError', 'Average', DEFAULT_THRESHOLDS.serverErrorRate, true],
    ['DeadLetterQueue', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', DEFAULT_THRESHOLDS.deadLetterMessages, true],
    ['OldestMessageAge', 'AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', DEFAULT_THRESHOLDS.oldestMessageAgeSeconds, true],
  ])('%s: %s %s (%s) at its documented default, with a runbook link', (idPart, namespace, metricName, statistic, threshold, paged) => {
    const alarm = alarmNamed(t, idPart).Properties;
    if (alarm.Metrics) {
      expect(JSON.stringify(alarm.Metrics)).toContain(`"Namespace":"${namespace}"`);
      expect(JSON.stringify(alarm.Metrics)).toContain(`"MetricName":"${metricName}"`);
    } else {
      expect(alarm).toMatchObject({ Namespace: namespace, MetricName: metricName, Statistic: statistic, Period: 300 });
    }
    expect(alarm.Threshold).toBe(threshold);
    expect(alarm.AlarmDescription).toMatch(/Runbook: https:\/\/github\.com\/cdk-hardened-webhook\/cdk-hardened-webhook\/blob\/main\/docs\/runbook\.md#runbook-[a-z-]+$/);
    if (paged) expect(alarm.AlarmActions).toEqual([topic]);
    else expect(alarm.AlarmActions).toBeUndefined();
  });

  test.each([
    // [logical id part, outcome, threshold, paged directly?]
    ['MonitoringSignatureFailures', 'SignatureInvalid', DEFAULT_THRESHOLDS.signatureFailures, false],
    ['MonitoringReplays', 'TimestampOutOfTolerance', DEFAULT_THRESHOLDS.replays, false],
    ['MonitoringDuplicates', 'Duplicate', DEFAULT_THRESHOLDS.duplicates, true],
  ])('%s: one alarm for every source, each source its own contributor (%s)', (idPart, outcome, threshold, paged) => {
    const alarm = alarmNamed(t, idPart).Properties;
    expect(alarm.Metrics).toEqual([
      {
        Id: expect.any(String),
        Expression: `SELECT SUM(${outcome}) FROM SCHEMA(HardenedWebhook, Endpoint, Source) WHERE Endpoint = 'test-hooks' GROUP BY Source ORDER BY SUM() DESC`,
        Label: `${outcome} per source`,
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(alarm).toMatchObject({ Threshold: threshold, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(alarm.AlarmDescription).toMatch(/one contributor per source.*Runbook: .*#runbook-[a-z-]+$/);
    if (paged) expect(alarm.AlarmActions).toEqual([topic]);
    else expect(alarm.AlarmActions).toBeUndefined();
    // No standing alarm per source for these outcomes.
    expect(Object.keys(alarms(t)).filter((id) => id.includes(idPart.replace('Monitoring', '')) && /billing|github/.test(id))).toEqual([]);
  });

  test('each source: one paged alarm on its verifier\'s crashes and throttles, each against its own threshold', () => {
    const health = alarmNamed(t, 'VerifierHealthbilling').Properties;
    expect(health).toMatchObject({ Threshold: 1, AlarmActions: [topic] });
    const [expression, errors, throttles] = health.Metrics;
    expect(expression.Expression).toBe(`MAX([errors / ${DEFAULT_THRESHOLDS.verifierErrors}, throttles / ${DEFAULT_THRESHOLDS.verifierThrottles}])`);
    expect(errors).toMatchObject({ Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    expect(throttles).toMatchObject({ Id: 'throttles', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Throttles' }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    const { template: t2 } = defaultEndpoint({ alarmThresholds: { verifierErrors: 2, verifierThrottles: 5 } });
    expect(alarmNamed(t2(), 'VerifierHealthbilling').Properties.Metrics[0].Expression).toBe('MAX([errors / 2, throttles / 5])');
  });

  test('the signature-failure spike alarm uses an anomaly-detection band', () => {
    const spike = alarmNamed(t, 'SignatureFailureSpikebilling').Properties;
    expect(spike.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(JSON.stringify(spike.Metrics)).toContain(`ANOMALY_DETECTION_BAND(m0, ${DEFAULT_THRESHOLDS.signatureFailureAnomalyStdDevs})`);
  });

  test('one composite alarm pages once for every auth-anomaly alarm', () => {
    const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
    expect(composite).toHaveLength(1);
    expect(composite[0].Properties.AlarmActions).toEqual([topic]);
    const rule = JSON.stringify(composite[0].Properties.AlarmRule);
    const grouped = Object.entries(alarms(t)).filter(([, a]) => a.Properties.AlarmActions === undefined).map(([id]) => id);
    expect(grouped.length).toBe(7); // per source: spike (+ github's own allowlist); signature failures and replays of every source; endpoint allowlist; rate rule
    for (const id of grouped) expect(rule).toContain(`"${id}"`);
  });

  test('thresholds are overridable by label, and a source may set its own signature threshold', () => {
    const { endpoint: e2, template: t2 } = defaultEndpoint({ alarmThresholds: { replays: 1, oldestMessageAgeSeconds: 60 }, runbookUrl: 'https://wiki.example.com/webhooks' });
    e2.addSource('strict', { scheme: SignatureScheme.github(), signatureFailureThreshold: 2 });
    const tt = t2();
    expect(alarmNamed(tt, 'MonitoringReplays').Properties.Threshold).toBe(1);
    expect(alarmNamed(tt, 'OldestMessageAge').Properties.Threshold).toBe(60);
    // A source with its own threshold has its own alarm and is left out of the shared one.
    const strict = alarmNamed(tt, 'SignatureFailuresstrict').Properties;
    expect(strict).toMatchObject({ Threshold: 2, Namespace: 'HardenedWebhook', MetricName: 'SignatureInvalid', Dimensions: expect.arrayContaining([{ Name: 'Source', Value: 'strict' }]) });
    const shared = alarmNamed(tt, 'MonitoringSignatureFailures').Properties;
    expect(shared.Metrics[0].Expression).toContain("WHERE Endpoint = 'test-hooks' AND Source != 'strict' GROUP BY Source");
    expect(shared.AlarmDescription).toContain('https://wiki.example.com/webhooks#runbook-signature-failures');
  });

  test('a secret read by anyone but its verifier and rotation function reaches the alarm topic', () => {
    const rule = Object.values(t.findResources('AWS::Events::Rule')).find((r: any) => JSON.stringify(r.Properties.EventPattern).includes('GetSecretValue')) as Resource;
    const { EventPattern: pattern, State, Targets } = rule.Properties;
    // Read-only management events (GetSecretValue) reach only rules in this state.
    expect(State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(Targets).toEqual([expect.objectContaining({ Arn: { Ref: expect.stringMatching('AlarmTopic') } })]);
    expect(pattern).toMatchObject({ source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail'] });
    expect(pattern.detail.eventName).toEqual(['GetSecretValue', 'BatchGetSecretValue']);
    const branches = pattern.detail.$or as any[];
    expect(branches).toHaveLength(4);
    const ids = [expect.stringMatching(/^webhooks\/.+\/billing$/), { prefix: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, expect.stringMatching(/:secretsmanager:us-east-1:123456789012:secret:webhooks\/.+\/billing$/)]] } }];
    const allowed = [{ 'Fn::GetAtt': [expect.stringMatching('SourcebillingVerifierRole'), 'Arn'] }, { 'Fn::GetAtt': [expect.stringMatching('SourcebillingSigningSecretRotationFunctionRole'), 'Arn'] }];
    expect(branches).toEqual([
      { requestParameters: { secretId: ids }, userIdentity: { type: [{ 'anything-but': 'AssumedRole' }] } },
      { requestParameters: { secretId: ids }, userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': allowed }] } } } },
      { requestParameters: { secretIdList: ids }, userIdentity: { type: [{ 'anything-but': 'AssumedRole' }] } },
      { requestParameters: { secretIdList: ids }, userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': allowed }] } } } },
    ]);
  });
});

describe('investigation', () => {
  const { template } = defaultEndpoint();
  const t = template();

  test('Contributor Insights ranks source IPs by rejection, over every verifier log group', () => {
    const rule = (Object.values(t.findResources('AWS::CloudWatch::InsightRule'))[0] as Resource).Properties;
    expect(rule.RuleState).toBe('ENABLED');
    expect(JSON.stringify(rule.RuleBody)).toContain('SourcebillingVerifierLogGroup');
  });

  test('the rule counts exactly the rejections in the verifier\'s real log lines, keyed by IP and source', () => {
    const lines: string[] = [];
    const telemetry = new Telemetry('e', 'billing', (l) => lines.push(l));
    const base = { requestId: 'r', latencyMs: 1 };
    telemetry.record({ ...base, outcome: 'Accepted', status: 200, sourceIp: '198.51.100.1' });
    telemetry.record({ ...base, outcome: 'SignatureInvalid', status: 401, reason: 'signature_invalid', sourceIp: '203.0.113.9' });
    telemetry.record({ ...base, outcome: 'SignatureInvalid', status: 401, reason: 'signature_invalid', sourceIp: '203.0.113.9' });
    telemetry.record({ ...base, outcome: 'Malformed', status: 400, reason: 'missing_header', sourceIp: '192.0.2.4' });
    telemetry.record({ ...base, outcome: 'Duplicate', status: 200, sourceIp: '198.51.100.1' });
    telemetry.record({ ...base, outcome: 'EnqueueFailed', status: 503, sourceIp: '198.51.100.1' });
    const rule = contributorInsightsRule(['g']) as { Contribution: { Keys: string[]; Filters: { Match: string; In: string[] }[] } };
    // Evaluate the rule's JSON paths and filters the way Contributor Insights does.
    const at = (record: Record<string, unknown>, path: string) => record[path.replace(/^\$\./, '')];
    const counts = new Map<string, number>();
    for (const record of lines.map((l) => JSON.parse(l))) {
      if (!rule.Contribution.Filters.every((f) => f.In.includes(at(record, f.Match) as string))) continue;
      const key = rule.Contribution.Keys.map((k) => at(record, k)).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ '203.0.113.9 billing': 2, '192.0.2.4 billing': 1 });
  });

  test('saved Logs Insights queries: rejections by reason, one event\'s path (with access logs), secret problems', () => {
    const queries = Object.values(t.findResources('AWS::Logs::QueryDefinition')) as Resource[];
    expect(queries.map((q) => q.Properties.Name.split('/')[1]).sort()).toEqual(['one-event-path', 'rejections-by-reason', 'secret-unavailable-and-key-misses']);
    const path = queries.find((q) => q.Properties.Name.endsWith('one-event-path'))!.Properties;
    expect(JSON.stringify(path.LogGroupNames)).toContain('AccessLogs');
    // An event is found by its signed id or, for senders that sign none, by the unsigned delivery id.
    expect(path.QueryString).toContain("unsignedEventId = 'REPLACE_WITH_EVENT_ID'");
    expect(path.QueryString).toContain('errorCode');
  });

  test('a dashboard: WAF, queue, latency, and accepted vs rejected and rotation per source', () => {
    const dashboard = (Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource).Properties;
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const title of ['WAF allowed vs blocked', 'Queue depth and age', 'API latency', 'billing: accepted vs rejected', 'billing: verifier p99 and key rotation']) expect(body).toContain(title);
  });

});

describe('sources in a group', () => {
  const { endpoint, template } = defaultEndpoint();
  endpoint.addSource('grouped', { scheme: SignatureScheme.github(), group: 'partners', allowedSourceCidrs: ['192.30.252.0/22'] });
  const root = template();
  const group = Template.fromStack(endpoint.node.findChild('Group-partners') as unknown as import('aws-cdk-lib').Stack);

  test('their own alarms and secret-read rule live in the group\'s nested stack', () => {
    for (const id of ['SignatureFailureSpikegrouped', 'VerifierHealthgrouped']) {
      expect(Object.keys(alarms(group)).filter((k) => k.includes(id))).toHaveLength(1);
      expect(Object.keys(alarms(root)).filter((k) => k.includes(id))).toHaveLength(0);
    }
    expect(JSON.stringify(group.findResources('AWS::Events::Rule'))).toContain('secret-read-grouped');
    // Its own allowlist is a branch of the endpoint's one SourceAllowlists rule: that rule's alarm is the endpoint's.
    expect(Object.keys(alarms(group)).filter((k) => k.includes('WafSourceAllowlistBlocks'))).toHaveLength(0);
    expect(Object.keys(alarms(root)).filter((k) => /^WebhooksMonitoringWafSourceAllowlistBlocks[0-9A-F]{8}$/.test(k))).toHaveLength(1);
  });

  test('the group\'s composite alarm groups them and is itself grouped into the endpoint\'s, which pages', () => {
    const [groupComposite] = Object.values(group.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
    expect(groupComposite.Properties.AlarmName).toBe('test-hooks-partners-auth-anomaly');
    expect(groupComposite.Properties.AlarmActions).toBeUndefined();
    expect(JSON.stringify(groupComposite.Properties.AlarmRule)).toContain('SignatureFailureSpikegrouped');
    const [endpointComposite] = Object.values(root.findResources('AWS::CloudWatch::CompositeAlarm')) as Resource[];
    expect(JSON.stringify(endpointComposite.Properties.AlarmRule)).toMatch(/GroupApartners.*AuthAnomaly|partners.*AuthAnomaly/);
  });

  test('the shared Metrics Insights alarms cover them without anything per source', () => {
    expect(alarmNamed(root, 'MonitoringSignatureFailures').Properties.Metrics[0].Expression).toContain("WHERE Endpoint = 'test-hooks'");
  });

  test('the group has its own Contributor Insights rule and saved queries over its verifier logs; the dashboard shows every source by SEARCH', () => {
    group.hasResourceProperties('AWS::CloudWatch::InsightRule', { RuleName: 'test-hooks-partners-rejections-by-ip' });
    expect(Object.values(group.findResources('AWS::Logs::QueryDefinition')).map((q: any) => q.Properties.Name).sort()).toEqual([
      'test-hooks/partners/one-event-path',
      'test-hooks/partners/rejections-by-reason',
      'test-hooks/partners/secret-unavailable-and-key-misses',
    ]);
    const body = JSON.stringify(Object.values(root.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(body).toContain('SEARCH(');
    expect(body).toMatch(/SEARCH\('\{HardenedWebhook,Endpoint,Source\} Endpoint=\W{0,8}test-hooks/);
    expect(body).not.toContain('grouped: accepted vs rejected');
  });
});

