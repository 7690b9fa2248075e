import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import { VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { SchemeConfig } from '../../lib/runtime';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW_S } from '../support/clock';

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TWILIO_TOKEN = '0123456789abcdef0123456789abcdef';
const NOW_S = TEST_NOW_S;

const aws = useFakeAws();
let queueUrl: string;
beforeAll(() => {
  queueUrl = `${aws.url}/1/q`;
});

function handlerFor(scheme: SchemeConfig, secret: string, extra: Partial<VerifierConfig> = {}) {
  aws.reset();
  const lines: string[] = [];
  const handler = createVerifierHandler(
    { endpoint: 'e', source: 's', scheme, secretId: aws.putSecret(`x/${Math.random()}`, JSON.stringify({ current: secret })), queueUrl, maxBodyBytes: 10_000, cacheTtlMs: 60_000, missRefreshIntervalMs: 30_000, maxStaleMs: 3_600_000, ...extra },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => NOW_S * 1000, write: (l) => lines.push(l) },
  );
  return { handler, lines };
}

describe('Slack url_verification', () => {
  const body = '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
  const sign = (b: string, s = SLACK_SECRET) => ({
    'Content-Type': 'application/json',
    'X-Slack-Request-Timestamp': String(NOW_S),
    'X-Slack-Signature': 'v0=' + createHmac('sha256', s).update(`v0:${NOW_S}:${b}`).digest('hex'),
  });

  test('is answered with the challenge, synchronously, and not queued', async () => {
    const { handler } = handlerFor({ type: 'slack' }, SLACK_SECRET);
    const res = await handler(apiEvent({ body, headers: sign(body) }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(aws.queue).toHaveLength(0);
  });

  test('is not answered when its signature is wrong', async () => {
    const { handler } = handlerFor({ type: 'slack' }, SLACK_SECRET);
    const res = await handler(apiEvent({ body, headers: sign(body, 'another-secret-000000000000') }));
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('3eZbrw1');
  });

  test('form-encoded slash commands are verified and queued', async () => {
    const { handler } = handlerFor({ type: 'slack' }, SLACK_SECRET);
    const form = 'command=%2Fdeploy&text=prod';
    const res = await handler(apiEvent({ body: form, headers: { ...sign(form), 'Content-Type': 'application/x-www-form-urlencoded' } }));
    expect(res.statusCode).toBe(200);
    expect(aws.queue[0].body).toBe(form);
  });
});

describe('Twilio behind API Gateway', () => {
  const form = 'From=%2B15005550006&Body=hello+world&MessageSid=SM1';
  const params = Object.fromEntries(new URLSearchParams(form));

  test('verifies against the configured public URL (custom domain with base path)', async () => {
    const url = 'https://hooks.example.com/in/webhooks/sms';
    const { handler } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, { publicUrl: url });
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params);
    const res = await handler(apiEvent({ body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature } }));
    expect(res.statusCode).toBe(200);
  });

  test('verifies against that URL only: a query it lacks is refused (400), and without one the verifier does not start', async () => {
    const url = 'https://hooks.example.com/in/webhooks/sms';
    const { handler } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, { publicUrl: url });
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${url}?tenant=acme`, params);
    const event = apiEvent({ body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature }, query: { tenant: ['acme'] } });
    expect((await handler(event)).statusCode).toBe(400);
    expect(() => handlerFor({ type: 'twilio' }, TWILIO_TOKEN)).toThrow(/WEBHOOK_PUBLIC_URL/);
  });
});

describe('every queued message says how much of its body the signature vouches for (bodyBinding)', () => {
  const attribute = (name: string) => aws.queue[0].attributes[name]?.StringValue;

  test('signed: a GitHub body, every byte under the HMAC', async () => {
    const secret = 'github-secret-0123456789';
    const { handler } = handlerFor({ type: 'github' }, secret);
    const body = '{"zen":"hi"}';
    const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    expect((await handler(apiEvent({ body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': 'd-1' } }))).statusCode).toBe(200);
    expect(attribute('bodyBinding')).toBe('signed');
  });

  test('partial: a Twilio form, whose parameters are signed only as one sorted name+value string', async () => {
    const url = 'https://hooks.example.com/in/webhooks/sms';
    const { handler } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, { publicUrl: url });
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, { Body: 'hello' });
    expect((await handler(apiEvent({ body: 'Body=hello', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature } }))).statusCode).toBe(200);
    expect(attribute('bodyBinding')).toBe('partial');
  });

  test('unsigned: a GitLab delivery, authenticated by a token that binds no body', async () => {
    const token = 'gitlab-token-0123456789abcdef';
    const { handler } = handlerFor({ type: 'gitlab' }, token);
    expect((await handler(apiEvent({ body: '{"object_kind":"push"}', headers: { 'Content-Type': 'application/json', 'X-Gitlab-Token': token } }))).statusCode).toBe(200);
    expect(attribute('bodyBinding')).toBe('unsigned');
  });

  test('a Twilio form a consumer would read other fields from (a pair repeated) is a 400 malformed_body, never queued', async () => {
    const url = 'https://hooks.example.com/in/webhooks/sms';
    const { handler, lines } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, { publicUrl: url });
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, { Body: 'hello' });
    const res = await handler(apiEvent({ body: 'Body=hello&Body=hello', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature } }));
    expect(res.statusCode).toBe(400);
    expect(aws.queue).toHaveLength(0);
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ outcome: 'Malformed', reason: 'malformed_body' });
  });
});

describe('metrics', () => {
  test('every outcome is one EMF line in the HardenedWebhook namespace with Endpoint and Source', async () => {
    const { handler, lines } = handlerFor({ type: 'github' }, 'github-secret-0123456789');
    await handler(apiEvent({ body: '{}', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': 'sha256=' + '0'.repeat(64), 'X-GitHub-Delivery': 'd' } }));
    await handler(apiEvent({ body: '{}', headers: { 'Content-Type': 'text/xml' } }));
    const records = lines.map((l) => JSON.parse(l));
    expect(records.map((r) => r.outcome)).toEqual(['SignatureInvalid', 'Malformed']);
    for (const r of records) {
      expect(r._aws.CloudWatchMetrics).toEqual([{ Namespace: 'HardenedWebhook', Dimensions: [['Endpoint', 'Source']], Metrics: [{ Name: r.outcome, Unit: 'Count' }] }]);
      expect(r[r.outcome]).toBe(1);
      expect(r).toMatchObject({ Endpoint: 'e', Source: 's', requestId: 'req-123' });
    }
  });
});
