import { Duration } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { HardenedWebhookEndpoint, SignatureScheme } from '../../lib';
import { UsageError } from '../../lib/cli/local/command';
import { explainAwsError } from '../../lib/cli/aws/context';
import {
  DiscoveredEndpoint,
  discoverEndpoints,
  findSource,
  NotAnEndpointStackError,
  queueNameOf,
  selectEndpoints,
  StackDescription,
  Template,
  UnknownNameError,
} from '../../lib/cli/aws/discovery';
import { table } from '../../lib/cli/aws/format';
import { KeyState } from '../../lib/cli/aws/keys';
import { formatPutKey, keyDocument } from '../../lib/cli/aws/put-key';
import { formatRedrive } from '../../lib/cli/aws/redrive';
import { formatRotation } from '../../lib/cli/aws/rotate';
import { classifyAlarms, describeKeys, formatStatus, StatusReport } from '../../lib/cli/aws/status';
import { formatTail, groupRejections, parseRejection } from '../../lib/cli/aws/tail';
import { formatDuration, parseDurationSeconds, parseSince, parseTimeout } from '../../lib/cli/aws/time';
import { newStack } from '../support/stacks';
import { runCli } from './support/cli';
import { TEST_NOW } from '../support/clock';

// The CLI's times below are spelled in TEST_NOW's calendar (2026-11-28T12:00:00Z).
const NOW = TEST_NOW;
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Hooks/0a1b2c3d';

/** A stack as CloudFormation would describe it after deploying `template`: every resource named `<logical id>-physical`, queues by URL. */
function deployed(template: Template, overrides: { physical?: Record<string, string | undefined>; outputs?: Record<string, string>; stackName?: string } = {}): StackDescription {
  return {
    stackName: overrides.stackName ?? 'Hooks',
    stackId: STACK_ID,
    region: 'eu-west-1',
    accountId: '111122223333',
    urlSuffix: 'amazonaws.com',
    template,
    resources: Object.entries(template.Resources ?? {})
      .filter(([id]) => !(overrides.physical && id in overrides.physical && overrides.physical[id] === undefined))
      .map(([logicalId, r]) => ({
        logicalId,
        type: r.Type,
        physicalId:
          overrides.physical?.[logicalId] ??
          (r.Type === 'AWS::SQS::Queue' ? `https://sqs.eu-west-1.amazonaws.com/111122223333/${logicalId}-physical` : `${logicalId}-physical`),
      })),
    outputs: overrides.outputs ?? {},
  };
}

/** The construct's template: a generated-key Standard Webhooks source and an imported-key Stripe source. */
function endpointTemplate(): Template {
  const stack = newStack();
  new HardenedWebhookEndpoint(stack, 'Webhooks', {
    environment: 'dev',
    endpointName: 'test-hooks',
    allowAnySourceIp: true,
    sources: {
      billing: { scheme: SignatureScheme.standardWebhooks(), rotationInterval: Duration.days(7), gracePeriod: Duration.hours(2) },
      payments: { scheme: SignatureScheme.stripe() },
    },
  });
  return CdkTemplate.fromStack(stack).toJSON() as Template;
}

const logicalIdOf = (template: Template, type: string, match: (properties: Record<string, unknown>) => boolean) =>
  Object.entries(template.Resources ?? {}).find(([, r]) => r.Type === type && match(r.Properties ?? {}))![0];
const envOf = (properties: Record<string, unknown>) => ((properties.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {}) as Record<string, unknown>;

describe('discovery: from the stack\'s template and resources to each source', () => {
  const template = endpointTemplate();
  const secretId = (source: string) => logicalIdOf(template, 'AWS::SecretsManager::Secret', (p) => p.Name === `webhooks/test-hooks/${source}`);
  const verifierId = (source: string) => logicalIdOf(template, 'AWS::Lambda::Function', (p) => envOf(p).WEBHOOK_SOURCE === source && envOf(p).WEBHOOK_QUEUE_URL !== undefined);
  const rotationId = (source: string) => logicalIdOf(template, 'AWS::Lambda::Function', (p) => envOf(p).WEBHOOK_SOURCE === source && envOf(p).WEBHOOK_QUEUE_URL === undefined);

  test('maps each verifier to its source: secret, queue, functions, log groups, key source and grace', () => {
    const [endpoint] = discoverEndpoints(deployed(template));

    expect(endpoint.name).toBe('test-hooks');
    expect(endpoint.sources.map((s) => s.name)).toEqual(['billing', 'payments']);
    const [billing, payments] = endpoint.sources;
    expect(billing).toMatchObject({
      schemeType: 'standard-webhooks',
      keySource: 'generated',
      secretId: `${secretId('billing')}-physical`,
      verifierFunctionName: `${verifierId('billing')}-physical`,
      rotationFunctionName: `${rotationId('billing')}-physical`,
      graceSeconds: 7200,
      cacheSeconds: 300,
      unresolved: [],
    });
    expect(billing.verifierLogGroupName).toMatch(/^WebhooksSourcebillingVerifierLogGroup\w+-physical$/);
    expect(billing.rotationLogGroupName).toMatch(/^WebhooksSourcebillingSigningSecretRotationFunctionLogGroup\w+-physical$/);
    expect(payments).toMatchObject({ schemeType: 'stripe', keySource: 'imported', graceSeconds: 86400, rotationFunctionName: undefined });
    expect(endpoint.queueUrl).toMatch(/^https:\/\/sqs\.eu-west-1\.amazonaws\.com\/111122223333\/WebhooksQueue\w+-physical$/);
  });

  test('the URL is the REST API\'s execute-api URL with its stage, or an output ending in /webhooks/<source>', () => {
    const apiId = logicalIdOf(template, 'AWS::ApiGateway::RestApi', () => true);

    const computed = discoverEndpoints(deployed(template, { physical: { [apiId]: 'abc123' } }))[0].sources[0].url;
    const fromOutput = discoverEndpoints(deployed(template, { outputs: { Urlbilling: 'https://hooks.example.com/webhooks/billing' } }))[0].sources[0].url;

    expect(computed).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/webhooks/billing');
    expect(fromOutput).toBe('https://hooks.example.com/webhooks/billing');
  });

  test('a secret the stack does not list (an emulator\'s CloudFormation skips secrets) is found by its name', () => {
    const [endpoint] = discoverEndpoints(deployed(template, { physical: { [secretId('payments')]: undefined } }));

    expect(endpoint.sources[1].secretId).toBe('webhooks/test-hooks/payments');
  });

  test('alarm resources of the stack are the endpoint\'s alarms', () => {
    const [endpoint] = discoverEndpoints(deployed(template));

    expect(endpoint.alarmNames.length).toBeGreaterThan(5);
    expect(endpoint.alarmNames.every((name) => name.endsWith('-physical'))).toBe(true);
  });

  test('sources in a nested stack resolve through its parameters; the URL comes from the endpoint\'s own stack', () => {
    const root = deployed(
      {
        Resources: {
          Api: { Type: 'AWS::ApiGateway::RestApi' },
          Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { StageName: 'live' } },
          Queue: { Type: 'AWS::SQS::Queue' },
          Group: { Type: 'AWS::CloudFormation::Stack' },
        },
      },
      { physical: { Api: 'api42' } },
    );
    const nested: StackDescription = {
      ...deployed({
        Parameters: { QueueUrlRef: { Type: 'String' } },
        Resources: {
          Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'webhooks/grouped/orders' } },
          Verifier: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Environment: {
                Variables: {
                  WEBHOOK_ENDPOINT: 'grouped',
                  WEBHOOK_SOURCE: 'orders',
                  WEBHOOK_SCHEME: '{"type":"github"}',
                  WEBHOOK_SECRET_ARN: { Ref: 'Secret' },
                  WEBHOOK_QUEUE_URL: { Ref: 'QueueUrlRef' },
                  WEBHOOK_KEY_SOURCE: 'generated',
                },
              },
            },
          },
        },
      }),
      parameters: { QueueUrlRef: 'https://sqs.eu-west-1.amazonaws.com/111122223333/Queue-physical' },
    };

    const [endpoint] = discoverEndpoints({ ...root, nested: [nested] });

    expect(endpoint.sources[0]).toMatchObject({
      name: 'orders',
      secretId: 'Secret-physical',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/Queue-physical',
      url: 'https://api42.execute-api.eu-west-1.amazonaws.com/live/webhooks/orders',
      verifierLogGroupName: '/aws/lambda/Verifier-physical',
    });
  });

  test('values the template cannot give (an imported queue) are listed as unresolved', () => {
    const copy = JSON.parse(JSON.stringify(template)) as Template;
    for (const resource of Object.values(copy.Resources ?? {})) {
      const env = resource.Properties ? envOf(resource.Properties) : {};
      if (env.WEBHOOK_QUEUE_URL) env.WEBHOOK_QUEUE_URL = { 'Fn::ImportValue': 'shared-queue-url' };
    }

    const [endpoint] = discoverEndpoints(deployed(copy));

    expect(endpoint.sources[0].unresolved).toEqual(['WEBHOOK_QUEUE_URL']);
    expect(endpoint.queueUrl).toBeUndefined();
  });

  test('fails if the stack holds no endpoint, saying which stack to give', () => {
    const other = deployed({ Resources: { Queue: { Type: 'AWS::SQS::Queue' }, Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { A: 'b' } } } } } });

    expect(() => discoverEndpoints(other)).toThrow(NotAnEndpointStackError);
    expect(() => discoverEndpoints(other)).toThrow('stack Hooks holds no cdk-hardened-webhook endpoint');
  });
});

describe('choosing a source or endpoint', () => {
  const source = (endpoint: string, name: string) => ({ endpoint, name }) as DiscoveredEndpoint['sources'][number];
  const endpoints: DiscoveredEndpoint[] = [
    { name: 'public', sources: [source('public', 'billing'), source('public', 'github')], alarmNames: [] },
    { name: 'partners', sources: [source('partners', 'billing')], alarmNames: [] },
  ];

  test('finds a source by name, narrowed by --endpoint when two endpoints share it', () => {
    expect(findSource(endpoints, 'Hooks', 'github')).toMatchObject({ endpoint: 'public', name: 'github' });
    expect(findSource(endpoints, 'Hooks', 'billing', 'partners')).toMatchObject({ endpoint: 'partners' });
    expect(selectEndpoints(endpoints, 'Hooks', { source: 'github' })).toEqual([{ ...endpoints[0], sources: [endpoints[0].sources[1]] }]);
    expect(selectEndpoints(endpoints, 'Hooks', {})).toHaveLength(2);
  });

  test('rejects an unknown or ambiguous name, listing what the stack has', () => {
    expect(() => findSource(endpoints, 'Hooks', 'stripe')).toThrow(new UnknownNameError('stack Hooks has no source named stripe; its sources: billing (endpoint public), github (endpoint public), billing (endpoint partners)'));
    expect(() => findSource(endpoints, 'Hooks', 'billing')).toThrow('has a source named billing on several endpoints (public, partners); add --endpoint <name>');
    expect(() => selectEndpoints(endpoints, 'Hooks', { endpoint: 'nope' })).toThrow('stack Hooks has no endpoint named nope; its endpoints: public, partners');
  });

  test('a queue\'s name is the last segment of its URL', () => {
    expect(queueNameOf('https://sqs.us-east-1.amazonaws.com/123456789012/Hooks-Queue-1ABC')).toBe('Hooks-Queue-1ABC');
    expect(queueNameOf('http://127.0.0.1:4566/000000000000/q/')).toBe('q');
  });
});

describe('durations and --since', () => {
  test('reads durations back from now and ISO-8601 instants', () => {
    expect(parseSince('15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseSince('1h30m', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseSince('7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseSince('45s', NOW)).toBe(NOW - 45_000);
    expect(parseSince('2026-11-28T09:00:00Z', NOW)).toBe(Date.parse('2026-11-28T09:00:00Z'));
    expect(parseDurationSeconds('2W')).toBe(14 * 86400);
    expect(parseTimeout('90s')).toBe(90_000);
  });

  test('rejects what is neither, a zero duration and an instant in the future', () => {
    expect(() => parseSince('yesterday', NOW)).toThrow('give a duration back from now (30s, 15m, 2h, 1h30m, 7d) or an ISO-8601 instant');
    expect(() => parseSince('15', NOW)).toThrow('give a duration back from now');
    expect(() => parseSince('0m', NOW)).toThrow('give a duration above zero');
    expect(() => parseSince('2026-13-45T00:00:00Z', NOW)).toThrow('is not a valid ISO-8601 instant');
    expect(() => parseSince('2026-11-29T00:00:00Z', NOW)).toThrow('is in the future');
    expect(() => parseTimeout('soon')).toThrow('give a duration such as 90s, 10m or 1h');
  });

  test('prints durations as people read them', () => {
    expect([42_000, 303_000, 3 * 3_600_000 + 12 * 60_000, 4 * 86_400_000 + 2 * 3_600_000, 86_400_000, -5].map(formatDuration)).toEqual(['42s', '5m 3s', '3h 12m', '4d 2h', '1d', '0s']);
  });
});

describe('status', () => {
  const endpoint = {
    name: 'test-hooks',
    alarmNames: ['Hooks-DeadLetterQueue-1X'],
    sources: [{ name: 'billing' }, { name: 'payments' }],
  };
  const alarm = (name: string, description: string, dimensions: { Name: string; Value: string }[] = []): MetricAlarm => ({ AlarmName: name, AlarmDescription: description, Dimensions: dimensions, StateReason: 'Threshold Crossed' });

  test('alarms in ALARM are the stack\'s or described as the endpoint\'s; a Source dimension or "<endpoint>: <source>:" assigns one to its source', () => {
    const classified = classifyAlarms(
      [
        alarm('Hooks-DeadLetterQueue-1X', 'renamed description'),
        alarm('spike', 'test-hooks: billing: invalid signatures rose above their usual band'),
        alarm('errors', 'test-hooks: verifier errors', [{ Name: 'Source', Value: 'payments' }]),
        alarm('api', 'test-hooks: More than 1% of requests answered 5xx'),
        alarm('other-endpoint', 'other-hooks: billing: invalid signatures'),
      ],
      endpoint,
    );

    expect(classified).toEqual([
      { name: 'api', reason: 'Threshold Crossed' },
      { name: 'errors', source: 'payments', reason: 'Threshold Crossed' },
      { name: 'Hooks-DeadLetterQueue-1X', reason: 'Threshold Crossed' },
      { name: 'spike', source: 'billing', reason: 'Threshold Crossed' },
    ]);
  });

  const state = (overrides: Partial<KeyState> = {}): KeyState => ({
    arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:webhooks/test-hooks/x-AbCdEf',
    current: { id: 'v2', createdAt: NOW - 3 * 86_400_000 },
    rotationEnabled: true,
    schedule: 'rate(30 days)',
    lastRotatedAt: NOW - 3 * 86_400_000,
    nextRotationAt: NOW + 27 * 86_400_000,
    revokePending: false,
    awaitingFirstKey: false,
    ...overrides,
  });

  test('a generated key: its age and rotation state; a pending version is a rotation in progress, the revoke tag a revoke', () => {
    const generated = { keySource: 'generated' as const, graceSeconds: 86400 };

    expect(describeKeys(generated, state(), NOW)).toMatchObject({ keyAgeSeconds: 3 * 86400, rotation: { state: 'scheduled', schedule: 'rate(30 days)' } });
    expect(describeKeys(generated, state({ pending: { id: 'v3', createdAt: NOW - 60_000 } }), NOW).rotation).toMatchObject({ state: 'in-progress', pendingSince: '2026-11-28T11:59:00.000Z' });
    expect(describeKeys(generated, state({ revokePending: true, pending: { id: 'v3' } }), NOW).rotation?.state).toBe('revoke-in-progress');
    expect(describeKeys(generated, state({ rotationEnabled: false }), NOW).rotation?.state).toBe('disabled');
  });

  test('an imported key: not put yet, or issued by the sender with the replaced key valid until its grace ends', () => {
    const imported = { keySource: 'imported' as const, graceSeconds: 86400 };
    const justPut = state({ current: { id: 'v2', createdAt: NOW - 3_600_000 }, previous: { id: 'v1' } });

    expect(describeKeys(imported, state({ awaitingFirstKey: true }), NOW).rotation?.state).toBe('awaiting-first-key');
    expect(describeKeys(imported, justPut, NOW)).toMatchObject({ rotation: { state: 'issued-by-sender' }, previousKeyValidUntil: '2026-11-29T11:00:00.000Z' });
    expect(describeKeys(imported, state({ previous: { id: 'v1' } }), NOW).previousKeyValidUntil).toBeUndefined();
  });

  test('the report says what to do: redrive a dead-letter queue that holds messages, put a key not put yet', () => {
    const report: StatusReport = {
      stack: 'Hooks',
      region: 'eu-west-1',
      checkedAt: new Date(NOW).toISOString(),
      endpoints: [
        {
          name: 'test-hooks',
          queue: { name: 'Hooks-Queue', visible: 1, inFlight: 2, delayed: 0, oldestAgeSeconds: 42 },
          deadLetterQueue: { name: 'Hooks-DLQ', visible: 3, inFlight: 0, delayed: 0 },
          alarmsInAlarm: [{ name: 'Hooks-DeadLetterQueue-1X' }],
          errors: [],
          sources: [
            { name: 'payments', scheme: 'stripe', url: 'https://x/webhooks/payments', keySource: 'imported', keyAgeSeconds: 10, rotation: { state: 'awaiting-first-key' }, alarmsInAlarm: [] },
            { name: 'billing', scheme: 'standard-webhooks', keySource: 'generated', error: 'AWS refused the call: AccessDenied', alarmsInAlarm: [{ name: 'spike', source: 'billing' }] },
          ],
        },
      ],
    };

    const text = formatStatus(report);

    expect(text).toContain('Stack Hooks (eu-west-1), checked 2026-11-28 12:00:00Z');
    expect(text).toContain('queue        Hooks-Queue: 1 message waiting, 2 in flight, oldest 42s');
    expect(text).toContain('dead-letter  Hooks-DLQ: 3 messages waiting, 0 in flight, oldest no data  (fix the processor, then: cdk-hardened-webhook redrive --stack Hooks)');
    expect(text).toContain('alarms       1 in ALARM: Hooks-DeadLetterQueue-1X');
    expect(text).toContain('rotation  no key put yet: every delivery is refused until you run cdk-hardened-webhook put-key --stack Hooks --source payments');
    expect(text).toContain('key       generated; AWS refused the call: AccessDenied');
    expect(text).toContain('alarms    1 in ALARM: spike');
  });
});

describe('put-key: the document put', () => {
  const stripe = { name: 'payments', scheme: { type: 'stripe' as const }, schemeType: 'stripe' };

  test('a bare key becomes {"current"}; a document is taken as the verifier reads it; --revoke-previous adds the revoke', () => {
    expect(keyDocument('whsec_0123456789abcdef0123', stripe, false)).toEqual({ current: 'whsec_0123456789abcdef0123' });
    expect(keyDocument(' whsec_0123456789abcdef0123 \n', stripe, true)).toEqual({ current: 'whsec_0123456789abcdef0123', revokePrevious: true });
    expect(keyDocument('{"current":"whsec_0123456789abcdef0123","verifyToken":"tok"}', stripe, false)).toEqual({ current: 'whsec_0123456789abcdef0123', verifyToken: 'tok' });
  });

  test('rejects a key that does not fit the scheme, or a document that is not a key set, without repeating it', () => {
    const attempts = [
      () => keyDocument('short-key', stripe, false),
      () => keyDocument('{"current": 5}', stripe, false),
      () => keyDocument('{"current":"whsec_0123456789abcdef0123","awaitingKey":true}', stripe, false),
      () => keyDocument('{"current":"whsec_0123456789abcdef0123","revokePrevious":true}', stripe, false),
    ];
    const messages = attempts.map((attempt) => {
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    });

    expect(messages[0]).toBe("the key does not fit payments's stripe scheme: a signing secret must be a string of at least 16 characters");
    expect(messages[1]).toContain('"current" must be a non-empty string');
    expect(messages[2]).toContain('"awaitingKey"');
    expect(messages[3]).toContain('pass --revoke-previous instead');
    for (const message of messages) expect(message).not.toContain('whsec_0123456789abcdef0123');
  });

  test('says how long the replaced key verifies, or by when it is rejected', () => {
    expect(formatPutKey({ source: 'payments', secretArn: 'arn', status: 'put', versionId: 'v2', revokedPrevious: false, previousKeyValidUntil: '2026-11-29T12:00:00.000Z' })).toBe(
      'put a new key for payments (version v2); it verifies at once\nthe replaced key keeps verifying until 2026-11-29 12:00:00Z (the grace period), while the sender switches\n',
    );
    expect(formatPutKey({ source: 'payments', secretArn: 'arn', status: 'put', versionId: 'v3', revokedPrevious: true, previousKeyRejectedBy: '2026-11-28T12:05:00.000Z', keptVerifyToken: true })).toContain(
      'the replaced key is revoked: every verifier rejects it by 2026-11-28 12:05:00Z (their key cache)\nkept the verify token',
    );
    expect(formatPutKey({ source: 'payments', secretArn: 'arn', status: 'unchanged', revokedPrevious: false })).toBe('payments: that key is already the current one; nothing put\n');
  });
});

describe('tail: the verifier\'s audit lines', () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 'WARN', message: 'webhook', timestamp: '2026-11-28T11:50:00.000Z', Endpoint: 'test-hooks', Source: 'payments', ...fields });

  test('keeps 4xx and 5xx audit records, whatever precedes the JSON; drops accepted ones and other lines', () => {
    expect(parseRejection(line({ status: 401, outcome: 'SignatureInvalid', reason: 'signature_invalid', sourceIp: '203.0.113.7', requestId: 'r1' }), 'x')).toEqual({
      timestamp: '2026-11-28T11:50:00.000Z',
      source: 'payments',
      status: 401,
      outcome: 'SignatureInvalid',
      reason: 'signature_invalid',
      sourceIp: '203.0.113.7',
      requestId: 'r1',
    });
    expect(parseRejection(`2026-11-28T11:50:00Z\tabc\tINFO\t${line({ status: 503, outcome: 'EnqueueFailed', reason: 'enqueue_failed', error: 'Error', errorCode: 'ECONNRESET' })}`, 'x')).toMatchObject({ status: 503, error: 'Error:ECONNRESET' });
    expect(parseRejection(line({ status: 200, outcome: 'Accepted' }), 'x')).toBeUndefined();
    expect(parseRejection('{"level":"INFO","message":"created pending key set"}', 'x')).toBeUndefined();
    expect(parseRejection('START RequestId: abc', 'x')).toBeUndefined();
  });

  test('groups by source, status, outcome and reason, the largest first, with the last time seen', () => {
    const rejection = (source: string, reason: string, timestamp: string) => parseRejection(line({ Source: source, status: 401, outcome: 'SignatureInvalid', reason, timestamp }), 'x')!;
    const groups = groupRejections([
      rejection('payments', 'signature_invalid', '2026-11-28T11:00:00.000Z'),
      rejection('billing', 'timestamp_out_of_tolerance', '2026-11-28T11:10:00.000Z'),
      rejection('payments', 'signature_invalid', '2026-11-28T11:20:00.000Z'),
    ]);

    expect(groups).toEqual([
      { source: 'payments', status: 401, outcome: 'SignatureInvalid', reason: 'signature_invalid', count: 2, lastSeen: '2026-11-28T11:20:00.000Z' },
      { source: 'billing', status: 401, outcome: 'SignatureInvalid', reason: 'timestamp_out_of_tolerance', count: 1, lastSeen: '2026-11-28T11:10:00.000Z' },
    ]);
  });

  test('prints the counts as a table, then the most recent ones', () => {
    const recent = [parseRejection(line({ status: 401, outcome: 'SignatureInvalid', reason: 'signature_invalid', sourceIp: '203.0.113.7', requestId: 'r1' }), 'x')!];
    const text = formatTail({ stack: 'Hooks', since: '2026-11-28T11:45:00.000Z', until: '2026-11-28T12:00:00.000Z', groups: groupRejections(recent), recent, total: 1, truncated: false, problems: ['billing: log group /aws/lambda/x does not exist yet'] });

    expect(text).toBe(
      '1 rejected deliveries in Hooks from 2026-11-28 11:45:00Z to 2026-11-28 12:00:00Z\n\n' +
        'SOURCE    STATUS  OUTCOME           REASON             COUNT  LAST SEEN\n' +
        'payments  401     SignatureInvalid  signature_invalid  1      2026-11-28 11:50:00Z\n\n' +
        'most recent 1:\n' +
        'TIME                  SOURCE    STATUS  REASON             SOURCE IP    REQUEST ID\n' +
        '2026-11-28 11:50:00Z  payments  401     signature_invalid  203.0.113.7  r1\n' +
        '! billing: log group /aws/lambda/x does not exist yet\n',
    );
    expect(formatTail({ stack: 'Hooks', since: '2026-11-28T11:45:00.000Z', until: '2026-11-28T12:00:00.000Z', groups: [], recent: [], total: 0, truncated: false, problems: [] })).toBe(
      'no rejected deliveries in Hooks from 2026-11-28 11:45:00Z to 2026-11-28 12:00:00Z\n',
    );
  });
});

describe('output of redrive and rotations', () => {
  test('redrive: moved, nothing to move, still running, failed', () => {
    const base = { endpoint: 'test-hooks', deadLetterQueue: 'DLQ', queue: 'Q' };

    expect(
      formatRedrive([
        { ...base, status: 'COMPLETED', messagesMoved: 3 },
        { ...base, status: 'nothing-to-move', messagesMoved: 0 },
        { ...base, status: 'RUNNING', messagesMoved: 1, taskHandle: 'h1' },
        { ...base, status: 'FAILED', messagesMoved: 1, failureReason: 'AccessDenied' },
      ]),
    ).toBe('moved 3 messages from DLQ back to Q\nDLQ is empty: nothing to redrive\nmoving DLQ → Q (task h1); follow it with redrive again\nmove task FAILED: AccessDenied after 1 messages (DLQ → Q)\n');
  });

  test('rotate and revoke say when the old key stops and how to read the new one, never printing it', () => {
    const rotated = formatRotation({ source: 'billing', action: 'rotate', status: 'completed', secretArn: 'arn:s', versionId: 'v9', previousKeyValidUntil: '2026-11-29T12:00:00.000Z' });
    const revoked = formatRotation({ source: 'billing', action: 'revoke', status: 'completed', secretArn: 'arn:s', versionId: 'v10', earlierKeysRejectedBy: '2026-11-28T12:05:00.000Z' });

    expect(rotated).toContain('rotated billing: version v9 is current\ngive the sender the new key before 2026-11-29 12:00:00Z');
    expect(rotated).toContain('aws secretsmanager get-secret-value --secret-id arn:s --version-id v9');
    expect(revoked).toContain("revoked billing's earlier keys: version v10 is current, with no earlier key\nevery verifier rejects the old keys by 2026-11-28 12:05:00Z");
    expect(formatRotation({ source: 'billing', action: 'rotate', status: 'started', secretArn: 'arn:s', versionId: 'v9' })).toBe('rotate of billing started (version v9); run status to follow it\n');
  });

  test('tables pad every column but the last', () => {
    expect(table(['A', 'LONG'], [['xyz', '1'], ['q', '']])).toBe('A    LONG\nxyz  1\nq\n');
  });
});

describe('AWS errors say what to do', () => {
  const error = (name: string, message: string) => Object.assign(new Error(message), { name });

  test('no credentials, no region, an expired session, access denied, an unreachable endpoint', () => {
    expect(explainAwsError(error('CredentialsProviderError', 'Could not load credentials from any providers')).message).toMatch(/^no AWS credentials found: set AWS_PROFILE/);
    expect(explainAwsError(new Error('Region is missing')).message).toBe('no AWS region: set AWS_REGION, pass --region <region>, or set region in your AWS profile');
    expect(explainAwsError(error('ExpiredTokenException', 'The security token included in the request is expired')).message).toContain('log in again (aws sso login)');
    expect(explainAwsError(error('AccessDeniedException', 'User x is not authorized to perform: sqs:StartMessageMoveTask')).message).toContain('sqs:StartMessageMoveTask. Use credentials of a role allowed');
    expect(explainAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' })).message).toContain('check the network, and AWS_ENDPOINT_URL');
  });
});

describe('arguments (no AWS call is made)', () => {
  test('every AWS command requires --stack (exit 2)', async () => {
    for (const command of ['status', 'redrive', 'rotate', 'revoke', 'put-key', 'tail']) {
      const run = await runCli(command, '--source', 'billing');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("required option '--stack <name>' not specified");
    }
  });

  test('rotate, revoke and put-key require --source; put-key takes no key on the command line', async () => {
    const rotate = await runCli('rotate', '--stack', 'Hooks');
    const putKey = await runCli('put-key', '--stack', 'Hooks', '--source', 'payments', '--key', 'whsec_leaked');

    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain("required option '--source <name>' not specified");
    expect(putKey.code).toBe(2);
    expect(putKey.stderr).toContain("unknown option '--key'");
  });

  test('rejects a --since, --timeout, --rate or --limit that does not parse (exit 2)', async () => {
    const runs = await Promise.all([
      runCli('tail', '--stack', 'Hooks', '--since', 'last week'),
      runCli('rotate', '--stack', 'Hooks', '--source', 'billing', '--timeout', 'forever'),
      runCli('redrive', '--stack', 'Hooks', '--rate', '0'),
      runCli('tail', '--stack', 'Hooks', '--limit', '-3'),
    ]);

    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(runs[0].stderr).toContain("option '--since <when>' argument 'last week' is invalid. give a duration back from now");
    expect(runs[1].stderr).toContain('give a duration such as 90s, 10m or 1h');
    expect(runs[2].stderr).toContain('give a whole number of at least 1');
  });
});
