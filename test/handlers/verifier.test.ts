import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { configFromEnv, errorFields, VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { Telemetry } from '../../lib/handlers/shared/telemetry';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { HOUR, isoAt, TEST_NOW } from '../support/clock';

const KEY_A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const KEY_B = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const BODY = '{"type":"invoice.paid","data":{"id":"in_1","amount":4200,"note":"caf\u00e9 \ud83d\ude80"}}';

const aws = useFakeAws();
// The SQS client sends to the queue URL's host, so the queue lives on the fake server too.
let QUEUE_URL: string;
let lines: string[];
let clock: number;

beforeAll(() => {
  QUEUE_URL = `${aws.url}/123456789012/webhooks`;
});

function setup(secret: object, overrides: Partial<VerifierConfig> = {}) {
  aws.reset();
  lines = [];
  clock = TEST_NOW;
  const secretId = aws.putSecret(`webhooks/test/${Math.random()}`, JSON.stringify(secret));
  const handler = createVerifierHandler(
    {
      endpoint: 'test-endpoint',
      source: 'billing',
      scheme: { type: 'standard-webhooks' },
      secretId,
      queueUrl: QUEUE_URL,
      maxBodyBytes: 1024,
      cacheTtlMs: 300_000,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      ...overrides,
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => clock, write: (line) => lines.push(line) },
  );
  return { handler, secretId };
}

function signed(key: string, body = BODY, id = 'msg_2Lk', at = new Date(clock)) {
  const headers = new Webhook(key).sign(id, at, body);
  return { 'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': headers };
}

function lastLog(): Record<string, unknown> {
  return JSON.parse(lines[lines.length - 1]);
}

describe('verifier handler', () => {
  test('accepts a delivery signed by the sender library and queues the raw body with its metadata', async () => {
    // GIVEN
    const { handler } = setup({ current: KEY_A });
    // WHEN
    const res = await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }));
    // THEN
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: true, requestId: 'req-123' });
    expect(aws.queue).toHaveLength(1);
    const [message] = aws.queue;
    expect(message.queueUrl).toBe(QUEUE_URL);
    expect(message.body).toBe(BODY);
    const attr = (name: string) => message.attributes[name]?.StringValue;
    expect(attr('source')).toBe('billing');
    expect(attr('signed.eventId')).toBe('msg_2Lk');
    expect(attr('dedupeKey')).toBe('msg_2Lk');
    expect(attr('unsigned.eventId')).toBeUndefined();
    expect(attr('payloadSha256')).toBe(createHash('sha256').update(BODY, 'utf8').digest('hex'));
    expect(attr('receivedAt')).toBe('2026-11-28T12:00:00.000Z');
    expect(attr('bodyEncoding')).toBe('utf8');
    expect(lastLog()).toMatchObject({ outcome: 'Accepted', Source: 'billing', Endpoint: 'test-endpoint', eventId: 'msg_2Lk', Accepted: 1 });
  });

  test('accepts a key still in its grace window and rejects one past it', async () => {
    const notAfter = isoAt(TEST_NOW + HOUR);
    const { handler } = setup({ current: KEY_A, previous: [{ key: KEY_B, notAfter }] });
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_B) }))).statusCode).toBe(200);
    clock = TEST_NOW + HOUR + 1000;
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_B) }))).statusCode).toBe(401);
    expect(lastLog()).toMatchObject({ outcome: 'SignatureInvalid', reason: 'signature_invalid' });
  });

  test.each([
    ['tampered body', (h: Record<string, string>) => ({ headers: h, body: BODY.replace('4200', '4201') }), 401, 'signature_invalid'],
    ['missing signature header', (h: Record<string, string>) => ({ headers: { ...h, 'webhook-signature': '' }, body: BODY }), 400, 'missing_header'],
    ['garbage signature list', (h: Record<string, string>) => ({ headers: { ...h, 'webhook-signature': 'v1,@@@' }, body: BODY }), 400, 'malformed_header'],
    ['non-numeric timestamp', (h: Record<string, string>) => ({ headers: { ...h, 'webhook-timestamp': '12e9' }, body: BODY }), 400, 'malformed_timestamp'],
    ['wrong content type', (h: Record<string, string>) => ({ headers: { ...h, 'Content-Type': 'text/plain' }, body: BODY }), 415, 'unsupported_media_type'],
    ['empty body', (h: Record<string, string>) => ({ headers: h, body: '' }), 400, 'empty_body'],
    ['oversized body', (h: Record<string, string>) => ({ headers: h, body: 'x'.repeat(1025) }), 413, 'body_too_large'],
  ])('rejects a %s with %d and queues nothing', async (_name, mutate, status, reason) => {
    const { handler } = setup({ current: KEY_A });
    const { headers, body } = mutate(signed(KEY_A));
    const res = await handler(apiEvent({ body, headers }));
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toEqual({ error: expect.any(String), requestId: 'req-123' });
    expect(res.body).not.toMatch(/signature|timestamp|header|secret/i);
    expect(aws.queue).toHaveLength(0);
    expect(lastLog()).toMatchObject({ reason, status });
  });

  test('rejects a signature header sent twice', async () => {
    const { handler } = setup({ current: KEY_A });
    const headers = signed(KEY_A);
    const res = await handler(apiEvent({ body: BODY, headers: { ...headers, 'webhook-signature': [headers['webhook-signature'], 'v1,AAAA'] } }));
    expect(res.statusCode).toBe(400);
    expect(lastLog()).toMatchObject({ reason: 'duplicate_header' });
  });

  test('rejects a validly signed but stale delivery as a replay', async () => {
    const { handler } = setup({ current: KEY_A });
    const headers = signed(KEY_A, BODY, 'msg_old', new Date(clock - 301_000));
    const res = await handler(apiEvent({ body: BODY, headers }));
    expect(res.statusCode).toBe(401);
    expect(lastLog()).toMatchObject({ outcome: 'TimestampOutOfTolerance', TimestampOutOfTolerance: 1 });
  });

  test('answers 503 and acknowledges nothing when SQS fails, so the sender retries', async () => {
    const { handler } = setup({ current: KEY_A });
    aws.fail('SendMessage', 2); // AWS_MAX_ATTEMPTS=2: the SDK's retry fails too
    const res = await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }));
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '5' });
    expect(aws.queue).toHaveLength(0);
    expect(lastLog()).toMatchObject({ outcome: 'EnqueueFailed', error: 'InternalFailure', level: 'ERROR' });
    // The retry gets through once SQS is back.
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
  });

  test('answers 503 when Secrets Manager is down and nothing is cached', async () => {
    const { handler } = setup({ current: KEY_A });
    aws.fail('GetSecretValue', 5, 'ThrottlingException', 400);
    const res = await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }));
    expect(res.statusCode).toBe(503);
    expect(aws.queue).toHaveLength(0);
  });

  test('keeps verifying from cached keys while Secrets Manager is down, until they go stale', async () => {
    const { handler } = setup({ current: KEY_A });
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(200);
    aws.fail('GetSecretValue', 1000, 'InternalServiceError', 500);
    clock += 600_000; // past the TTL: a read is attempted and fails
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(200);
    const readsAfterFailure = aws.callCount('GetSecretValue');
    // Within the retry interval, requests are served from the cache without another doomed call.
    for (let i = 0; i < 5; i++) expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(200);
    expect(aws.callCount('GetSecretValue')).toBe(readsAfterFailure);
    clock += 3_600_000; // past max staleness
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(503);
  });

  test('reads the secret once per TTL, and once more on a key miss at most once per interval', async () => {
    const { handler, secretId } = setup({ current: KEY_A });
    for (let i = 0; i < 3; i++) expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }))).statusCode).toBe(200);
    expect(aws.callCount('GetSecretValue')).toBe(1);

    // The secret rotates; the sender switches to the new key at once.
    aws.secrets.get(secretId)!.versions.forEach((v) => (v.value = JSON.stringify({ current: KEY_B })));
    expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_B) }))).statusCode).toBe(200);
    expect(aws.callCount('GetSecretValue')).toBe(2);

    // An attacker's junk signatures cannot force a read per request.
    for (let i = 0; i < 20; i++) expect((await handler(apiEvent({ body: BODY, headers: signed(KEY_A.replace('M', 'N')) }))).statusCode).toBe(401);
    expect(aws.callCount('GetSecretValue')).toBe(2);
    clock += 30_000;
    await handler(apiEvent({ body: BODY, headers: signed(KEY_A.replace('M', 'N')) }));
    expect(aws.callCount('GetSecretValue')).toBe(3);
  });

  test('sends a body SQS cannot carry as text base64-encoded, byte for byte', async () => {
    const { handler } = setup({ current: KEY_A });
    const body = '{"a":"\u0001\u0002"}';
    const res = await handler(apiEvent({ body, headers: signed(KEY_A, body) }));
    expect(res.statusCode).toBe(200);
    expect(aws.queue[0].attributes.bodyEncoding.StringValue).toBe('base64');
    expect(Buffer.from(aws.queue[0].body, 'base64').toString('utf8')).toBe(body);
  });

  test('verifies base64-encoded (binary) bodies over their bytes', async () => {
    const { handler } = setup({ current: KEY_A });
    const res = await handler(apiEvent({ body: Buffer.from(BODY).toString('base64'), isBase64Encoded: true, headers: signed(KEY_A) }));
    expect(res.statusCode).toBe(200);
  });

  test('never writes the secret, the signature or the body to its logs', async () => {
    const { handler } = setup({ current: KEY_A });
    const headers = signed(KEY_A);
    await handler(apiEvent({ body: BODY, headers }));
    await handler(apiEvent({ body: BODY.replace('4200', '1'), headers }));
    aws.fail('SendMessage', 5);
    await handler(apiEvent({ body: BODY, headers }));
    const all = lines.join('\n');
    expect(lines.length).toBe(3);
    for (const needle of [KEY_A, KEY_A.slice(6), headers['webhook-signature'].slice(3), 'invoice.paid', '4200']) expect(all).not.toContain(needle);
  });

  test('queues GitHub\'s delivery id and event type as unsigned metadata, never as eventId, within SQS\'s 10 attributes', async () => {
    // GIVEN a GitHub source
    const secret = 'github-secret-0123456789abcdef';
    const { handler } = setup({ current: secret }, { scheme: { type: 'github' } });
    const headers = {
      'Content-Type': 'application/json',
      'X-Hub-Signature-256': 'sha256=' + createHmac('sha256', secret).update(BODY).digest('hex'),
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'X-GitHub-Event': 'issues',
    };
    // WHEN a delivery arrives
    expect((await handler(apiEvent({ body: BODY, headers }))).statusCode).toBe(200);
    // THEN the unsigned headers travel under unsigned names, and the dedupe key is the signed body's
    const { attributes } = aws.queue[0];
    expect(attributes['signed.eventId']).toBeUndefined();
    expect(attributes['unsigned.eventId'].StringValue).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(attributes['unsigned.eventType'].StringValue).toBe('issues');
    expect(attributes.dedupeKey.StringValue).toBe(`sha256:${createHash('sha256').update(BODY).digest('hex')}`);
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(10);
    expect(lastLog()).toMatchObject({ outcome: 'Accepted', unsignedEventId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', unsignedEventType: 'issues' });
    expect(lastLog()).not.toHaveProperty('eventId');
  });

  test('logs the error code of a refused connection (ECONNREFUSED), not just its class name', async () => {
    // GIVEN an SQS client whose connection is refused (the socket's own error, as Lambda's SDK surfaces it)
    const refused = await new Promise<Error>((resolve) => connect(9, '127.0.0.1').on('error', resolve));
    expect(refused).toMatchObject({ name: 'Error', code: 'ECONNREFUSED' });
    aws.reset();
    lines = [];
    clock = TEST_NOW;
    const secretId = aws.putSecret('webhooks/test/refused', JSON.stringify({ current: KEY_A }));
    const handler = createVerifierHandler(
      { endpoint: 'e', source: 'billing', scheme: { type: 'standard-webhooks' }, secretId, queueUrl: QUEUE_URL, maxBodyBytes: 1024, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 },
      { sqs: { send: () => Promise.reject(refused) } as unknown as SQSClient, secrets: new SecretsManagerClient({}), now: () => clock, write: (line) => lines.push(line) },
    );
    // WHEN a delivery arrives
    const res = await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }));
    // THEN 503, and the audit line says why in a code an operator can act on, never the message
    expect(res.statusCode).toBe(503);
    expect(lastLog()).toMatchObject({ outcome: 'EnqueueFailed', error: 'Error', errorCode: 'ECONNREFUSED' });
    expect(lines.join('\n')).not.toContain('127.0.0.1:9');
  });

  test('keeps an error code out of the log unless it looks like one', () => {
    expect(errorFields(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toEqual({ error: 'Error', errorCode: 'ETIMEDOUT' });
    expect(errorFields(Object.assign(new Error('x'), { code: 'see body: {"secret":1}' }))).toEqual({ error: 'Error' });
    expect(errorFields({ name: 'ThrottlingException', Code: 'ThrottlingException' })).toEqual({ error: 'ThrottlingException' });
    expect(errorFields('a string')).toEqual({ error: 'UnknownError' });
  });

  test('logs an AWS error\'s name (ThrottlingException) and no code that merely repeats it', async () => {
    const { handler } = setup({ current: KEY_A });
    aws.fail('GetSecretValue', 5, 'ThrottlingException', 400);
    await handler(apiEvent({ body: BODY, headers: signed(KEY_A) }));
    expect(lastLog()).toMatchObject({ outcome: 'SecretUnavailable', error: 'ThrottlingException' });
  });
});

describe('configFromEnv', () => {
  const env = {
    WEBHOOK_ENDPOINT: 'e',
    WEBHOOK_SOURCE: 's',
    WEBHOOK_SCHEME: '{"type":"stripe"}',
    WEBHOOK_SECRET_ARN: 'arn',
    WEBHOOK_QUEUE_URL: 'https://q',
    WEBHOOK_MAX_BODY_BYTES: '1024',
  };

  test('reads a complete environment', () => {
    expect(configFromEnv({ ...env, WEBHOOK_TOLERANCE_SECONDS: '300' })).toMatchObject({ toleranceSeconds: 300, maxBodyBytes: 1024, cacheTtlMs: 300_000 });
  });

  test.each([
    ['WEBHOOK_TOLERANCE_SECONDS', 'abc'],
    ['WEBHOOK_TOLERANCE_SECONDS', 'Infinity'],
    ['WEBHOOK_MAX_BODY_BYTES', 'NaN'],
    ['WEBHOOK_SECRET_CACHE_SECONDS', '-5'],
    ['WEBHOOK_DEDUPE_RETENTION_SECONDS', 'x'],
  ])('rejects %s=%s at start-up, naming the variable', (name, value) => {
    expect(() => configFromEnv({ ...env, WEBHOOK_DEDUPE_TABLE: 't', [name]: value })).toThrow(new RegExp(`${name} must be a finite number`));
  });

  test.each([
    ['WEBHOOK_DEDUPE_LOCK_SECONDS', '0'],
    ['WEBHOOK_DEDUPE_LOCK_SECONDS', '0.5'],
    ['WEBHOOK_DEDUPE_RETENTION_SECONDS', '0'],
  ])('rejects %s=%s at start-up: a zero lock or retention would let a concurrent copy past the claim', (name, value) => {
    expect(() => configFromEnv({ ...env, WEBHOOK_DEDUPE_TABLE: 't', [name]: value })).toThrow(new RegExp(`${name} must be at least 1`));
  });
});

describe('the audit line', () => {
  // The Accepted line the cost model prices (scripts/cost.mjs verifierLogBytes): a 37-character
  // endpoint name, a UUID request id, a signed event id, an IPv4 address.
  const ACCEPTED = { requestId: 'c0ffee00-1234-4abc-9def-0123456789ab', outcome: 'Accepted' as const, status: 200, sourceIp: '203.0.113.10', latencyMs: 38, eventId: 'msg_2Lk4h5j6k7l8m9n0p1q2r3s4t5u', payloadSha256: 'a'.repeat(64), size: 1024 };
  const ENDPOINT = 'HardenedWebhook-prod-payments-endpoint';
  // The same record as the line was written before issue 15 (with an ISO timestamp): 597 B.
  const before = JSON.stringify({
    level: 'INFO', message: 'webhook', timestamp: new Date(0).toISOString(), Endpoint: ENDPOINT, Source: 'billing', ...ACCEPTED, Accepted: 1,
    _aws: { Timestamp: TEST_NOW, CloudWatchMetrics: [{ Namespace: 'HardenedWebhook', Dimensions: [['Endpoint', 'Source']], Metrics: [{ Name: 'Accepted', Unit: 'Count' }] }] },
  });

  test('is smaller, and still carries every field the queries, the CLI and EMF read', () => {
    const written: string[] = [];
    new Telemetry(ENDPOINT, 'billing', (line) => written.push(line)).record(ACCEPTED);
    const [line] = written;
    const bytes = Buffer.byteLength(line);
    // eslint-disable-next-line no-console
    console.log(`audit line (Accepted): ${Buffer.byteLength(before)} B before, ${bytes} B now (+26 B per event in CloudWatch Logs)`);
    expect(Buffer.byteLength(before)).toBe(597);
    expect(bytes).toBe(558);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ level: 'INFO', message: 'webhook', Endpoint: ENDPOINT, Source: 'billing', ...ACCEPTED, Accepted: 1 });
    expect(parsed).not.toHaveProperty('timestamp');
    // EMF: every dimension is a member of the root, and the metric's value is too.
    const [directive] = parsed._aws.CloudWatchMetrics;
    expect(directive).toEqual({ Namespace: 'HardenedWebhook', Dimensions: [['Endpoint', 'Source']], Metrics: [{ Name: 'Accepted', Unit: 'Count' }] });
    for (const name of directive.Dimensions[0]) expect(typeof parsed[name]).toBe('string');
    expect(typeof parsed._aws.Timestamp).toBe('number');
    // Every field the saved Logs Insights queries and the Contributor Insights rule name, under its name.
    const failed: string[] = [];
    new Telemetry(ENDPOINT, 'billing', (l) => failed.push(l)).record({ ...ACCEPTED, outcome: 'EnqueueFailed', status: 503, reason: 'enqueue_failed', unsignedEventId: 'u', unsignedEventType: 't', error: 'Error', errorCode: 'ECONNREFUSED' });
    expect(Object.keys(JSON.parse(failed[0]))).toEqual(expect.arrayContaining(['Source', 'outcome', 'reason', 'status', 'sourceIp', 'requestId', 'eventId', 'unsignedEventId', 'unsignedEventType', 'payloadSha256', 'error', 'errorCode', 'latencyMs']));
  });
});
