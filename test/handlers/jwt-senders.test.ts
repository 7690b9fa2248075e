import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { SchemeConfig, signWebhook } from '../../lib/runtime';
import { TEST_NOW, TEST_NOW_S } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// The HS256-token senders through the verifier handler: monday.com's URL-verification challenge is
// answered (signed, or with no Authorization at all) and never queued; a delivery is queued only
// once its token verifies; Vonage and Netlify deliveries are queued with the body they bind.

const aws = useFakeAws();
const SECRET = 'app-signing-secret-0123456789abcdefghij';
const CHALLENGE = '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}';
const EVENT = '{"event":{"userId":9603417,"boardId":1771812698,"pulseId":1772099344,"type":"create_pulse","triggerUuid":"b5ed2e17c530f43668de130142445cba"}}';
let lines: string[];

function setup(scheme: SchemeConfig) {
  aws.reset();
  lines = [];
  const secretId = aws.putSecret(`webhooks/test/${Math.random()}`, JSON.stringify({ current: SECRET }));
  return createVerifierHandler(
    {
      endpoint: 'test-endpoint',
      source: 'src',
      scheme,
      secretId,
      queueUrl: `${aws.url}/123456789012/webhooks`,
      maxBodyBytes: 4096,
      cacheTtlMs: 300_000,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      keySource: 'imported',
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => TEST_NOW, write: (line) => lines.push(line) },
  );
}

function post(body: string, headers: Record<string, string>) {
  return apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/json', ...headers } });
}

const signed = (scheme: SchemeConfig, body: string, secret = SECRET) => post(body, signWebhook({ scheme, secret, body, timestamp: TEST_NOW_S }));
const lastLog = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;

describe('monday', () => {
  const monday: SchemeConfig = { type: 'monday' };

  test('an unsigned challenge is answered with the same JSON; nothing queued or kept', async () => {
    const handler = setup(monday);
    const response = await handler(post(CHALLENGE, {}));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(CHALLENGE));
    expect(lastLog()).toMatchObject({ reason: 'answered_ping' });
    expect(aws.queue).toHaveLength(0);
    expect(aws.callCount('PutSecretValue')).toBe(0);
  });

  test('a signed challenge is answered once its token verifies; one signed with another key is refused', async () => {
    const handler = setup(monday);
    const response = await handler(signed(monday, CHALLENGE));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(CHALLENGE));
    expect(lastLog()).toMatchObject({ reason: 'answered_directly' });
    expect((await handler(signed(monday, CHALLENGE, 'the-client-secret-not-the-signing-one'))).statusCode).toBe(401);
    expect(aws.queue).toHaveLength(0);
  });

  test('an event is queued only with a verified token; unsigned, or with anything beside the challenge, it is refused', async () => {
    const handler = setup(monday);
    expect((await handler(post(EVENT, {}))).statusCode).toBe(400);
    expect(lastLog()).toMatchObject({ reason: 'missing_header' });
    expect((await handler(post('{"challenge":"abc","event":{"type":"create_pulse"}}', {}))).statusCode).toBe(400);
    expect(aws.queue).toHaveLength(0);
    expect((await handler(signed(monday, EVENT))).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    expect(aws.queue[0].body).toBe(EVENT);
  });
});

test.each([['vonage'], ['netlify']])('%s: a signed delivery is queued; the same token with another body is refused', async (type) => {
  const scheme = { type } as SchemeConfig;
  const handler = setup(scheme);
  const body = '{"message_uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","state":"ready"}';
  const headers = signWebhook({ scheme, secret: SECRET, body, timestamp: TEST_NOW_S });
  expect((await handler(post(body, headers))).statusCode).toBe(200);
  expect((await handler(post(body.replace('ready', 'error!'), headers))).statusCode).toBe(401);
  expect(aws.queue).toHaveLength(1);
});
