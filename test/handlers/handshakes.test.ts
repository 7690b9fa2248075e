import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHmac } from 'node:crypto';
import { VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { SchemeConfig, signWebhook } from '../../lib/runtime';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';
import { TEST_NOW } from '../support/clock';

// Every handshake through the handler: answered synchronously, only when what the sender signs (or
// the verify token) checks out, and never queued. And bodies as exact bytes.

const aws = useFakeAws();
const NOW = TEST_NOW;
const SECRET = 'a-sender-issued-secret-0123456789';
let lines: string[];

function setup(scheme: SchemeConfig, secret: object = { current: SECRET }, overrides: Partial<VerifierConfig> = {}) {
  aws.reset();
  lines = [];
  const secretId = aws.putSecret(`webhooks/test/${Math.random()}`, JSON.stringify(secret));
  const handler = createVerifierHandler(
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
      publicUrl: 'https://hooks.example.com/prod/webhooks/src',
      ...overrides,
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => NOW, write: (line) => lines.push(line) },
  );
  return { handler, secretId };
}

function post(scheme: SchemeConfig, body: string | Buffer, secret = SECRET, extra: Record<string, string> = {}, id?: string) {
  const headers = { ...signWebhook({ scheme, secret, body, id, timestamp: NOW / 1000, url: 'https://hooks.example.com/prod/webhooks/src' }), ...extra };
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  // As API Gateway hands it over with binary media type */*: base64 of the exact bytes.
  return apiEvent({ body: bytes.toString('base64'), isBase64Encoded: true, headers });
}

function get(query: Record<string, string[]>, headers: Record<string, string> = {}) {
  return apiEvent({ body: null, headers, httpMethod: 'GET', query });
}

const lastLog = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;

describe('signed POST handshakes', () => {
  test('Zoom endpoint.url_validation: answered with the plain token and its HMAC, after the signature verified; never queued', async () => {
    const { handler } = setup({ type: 'zoom' });
    const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: NOW });
    const response = await handler(post({ type: 'zoom' }, body));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
    expect(aws.queue).toHaveLength(0);
    expect(lastLog()).toMatchObject({ reason: 'answered_directly', status: 200 });
    // The same validation signed with another key is refused, and answers nothing.
    const forged = await handler(post({ type: 'zoom' }, body, 'another-secret-0123456789abcdef'));
    expect(forged.statusCode).toBe(401);
    expect(forged.body).not.toContain('encryptedToken');
    expect(aws.queue).toHaveLength(0);
  });

  test('Twitch webhook_callback_verification: the challenge as text/plain, never queued; a notification is queued with its metadata', async () => {
    const { handler } = setup({ type: 'twitch' });
    const body = JSON.stringify({ challenge: 'pogchamp-kappa-360noscope-vohiyo', subscription: { type: 'channel.follow', status: 'webhook_callback_verification_pending' } });
    const response = await handler(post({ type: 'twitch' }, body, SECRET, { 'Twitch-Eventsub-Message-Type': 'webhook_callback_verification' }));
    expect(response).toMatchObject({ statusCode: 200, body: 'pogchamp-kappa-360noscope-vohiyo' });
    expect(response.headers?.['content-type']).toBe('text/plain');
    expect(aws.queue).toHaveLength(0);

    const notification = await handler(
      post({ type: 'twitch' }, '{"event":{"user_id":"1"}}', SECRET, {
        'Twitch-Eventsub-Message-Type': 'notification',
        'Twitch-Eventsub-Subscription-Type': 'channel.follow',
        'Twitch-Eventsub-Message-Retry': '0',
        'Twitch-Eventsub-Subscription-Version': '2',
      }, 'e76c6bd4-55c9-4987-8304-da1588d8988b'),
    );
    expect(notification.statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    const attributes = aws.queue[0].attributes;
    // Five metadata values, two free slots: one as its own attribute, the rest as one JSON object.
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes.bodyBinding.StringValue).toBe('signed');
    expect(attributes['signed.eventId'].StringValue).toBe('e76c6bd4-55c9-4987-8304-da1588d8988b');
    expect(JSON.parse(attributes.metadata.StringValue!)).toEqual({
      'unsigned.eventType': 'channel.follow',
      'unsigned.messageType': 'notification',
      'unsigned.attempt': '0',
      'unsigned.subscriptionVersion': '2',
    });
    expect(attributes.dedupeKey.StringValue).toBe('e76c6bd4-55c9-4987-8304-da1588d8988b');
  });
});

describe('GET handshakes', () => {
  test('Meta: the challenge only for the verify token kept in the secret', async () => {
    const { handler } = setup({ type: 'meta' }, { current: 'f1e2d3c4b5a69788796a5b4c3d2e1f00', verifyToken: 'my-verify-token-42' });
    const ok = await handler(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['my-verify-token-42'], 'hub.challenge': ['1158201444'] }));
    expect(ok).toMatchObject({ statusCode: 200, body: '1158201444' });
    expect(ok.headers?.['content-type']).toBe('text/plain');
    const wrong = await handler(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['guess'], 'hub.challenge': ['1158201444'] }));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('1158201444');
    const twice = await handler(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['my-verify-token-42', 'x'], 'hub.challenge': ['1'] }));
    expect(twice.statusCode).toBe(400);
    const markup = await handler(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['my-verify-token-42'], 'hub.challenge': ['<script>'] }));
    expect(markup.statusCode).toBe(400);
    expect(aws.queue).toHaveLength(0);
  });

  test('Meta without a verifyToken in the secret answers no challenge', async () => {
    const { handler } = setup({ type: 'meta' }, { current: 'f1e2d3c4b5a69788796a5b4c3d2e1f00' });
    const response = await handler(get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['anything'], 'hub.challenge': ['1158201444'] }));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('1158201444');
  });

  test('Dropbox: the challenge echoed as text/plain with nosniff', async () => {
    const { handler } = setup({ type: 'dropbox' }, { current: 'abcdefghijk1234' });
    const response = await handler(get({ challenge: ['d4f9e8c1-challenge'] }));
    expect(response).toMatchObject({ statusCode: 200, body: 'd4f9e8c1-challenge' });
    expect(response.headers).toMatchObject({ 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' });
    expect((await handler(get({}))).statusCode).toBe(400);
  });

  test('Okta: the verification answered only with the hook\'s authorization header', async () => {
    const { handler } = setup({ type: 'okta' });
    const ok = await handler(get({}, { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK', Authorization: SECRET }));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ verification: 'rbXDeJ9Rv4ao-Lk5hjYK' });
    const wrong = await handler(get({}, { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK', Authorization: 'not-the-token-0123456789' }));
    expect(wrong.statusCode).toBe(401);
    const none = await handler(get({}, { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK' }));
    expect(none.statusCode).toBe(400);
  });

  test('a GET to a sender without a GET handshake is 405, and other methods too', async () => {
    const { handler } = setup({ type: 'github' }, { current: SECRET }, { keySource: 'generated' });
    expect((await handler(get({ challenge: ['x'] }))).statusCode).toBe(405);
    expect((await handler(apiEvent({ body: '{}', headers: {}, httpMethod: 'PUT' }))).statusCode).toBe(405);
  });
});

describe('exact bytes', () => {
  const generic: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'body', contentTypes: ['application/x-www-form-urlencoded', 'application/json'] };

  test('a Latin-1 form body verifies over its bytes and is queued base64, byte for byte', async () => {
    const { handler } = setup(generic);
    const latin1 = Buffer.from('name=Ren\xe9e&city=K\xf6ln', 'latin1');
    const event = post(generic, latin1, SECRET, { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' });
    expect((await handler(event)).statusCode).toBe(200);
    expect(aws.queue[0].attributes.bodyEncoding.StringValue).toBe('base64');
    expect(Buffer.from(aws.queue[0].body, 'base64').equals(latin1)).toBe(true);
  });

  test('a body with invalid UTF-8 verifies and round-trips; a UTF-8 body is still queued as text', async () => {
    const { handler } = setup(generic);
    const invalid = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    expect((await handler(post(generic, invalid))).statusCode).toBe(200);
    expect(Buffer.from(aws.queue[0].body, 'base64').equals(invalid)).toBe(true);
    const text = '{"note":"caf\u00e9 \ud83d\ude80"}';
    expect((await handler(post(generic, text))).statusCode).toBe(200);
    expect(aws.queue[1]).toMatchObject({ body: text });
    expect(aws.queue[1].attributes.bodyEncoding.StringValue).toBe('utf8');
  });

  test('the decoded-and-re-encoded text of a non-UTF-8 body does not verify (why the bytes must arrive as bytes)', async () => {
    const { handler } = setup(generic);
    const latin1 = Buffer.from('name=Ren\xe9e', 'latin1');
    const headers = signWebhook({ scheme: generic, secret: SECRET, body: latin1 });
    // What API Gateway without binary media types would hand over: the bytes read as UTF-8 (mangled).
    const mangled = apiEvent({ body: latin1.toString('utf8'), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await handler(mangled)).statusCode).toBe(401);
  });
});

describe('unsigned pings', () => {
  test('WooCommerce: the activation ping is answered 200 and nothing is queued or kept; a signed form delivery is still verified', async () => {
    const { handler } = setup({ type: 'woocommerce' }, { current: SECRET }, { keySource: 'generated' });
    const ping = apiEvent({ body: Buffer.from('webhook_id=3').toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const answered = await handler(ping);
    expect(answered.statusCode).toBe(200);
    expect(aws.queue).toHaveLength(0);
    expect(aws.callCount('PutSecretValue')).toBe(0);
    expect(lastLog()).toMatchObject({ reason: 'answered_ping' });
    // Anything else without a signature is refused by the verifier (API Gateway no longer requires the
    // signature header on this route, so that the ping reaches it: test/endpoint.test.ts).
    for (const body of ['webhook_id=3&order=1', '{"id":1}']) {
      const contentType = body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded';
      const other = apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { 'content-type': contentType } });
      expect((await handler(other)).statusCode).toBe(400);
      expect(lastLog()).toMatchObject({ reason: 'missing_header', outcome: 'Malformed' });
    }
    expect(aws.queue).toHaveLength(0);
    // A ping carrying a (bad) signature header is a delivery, and verified as one.
    const signedPing = apiEvent({ body: Buffer.from('webhook_id=3').toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-wc-webhook-signature': 'AAAA' } });
    expect((await handler(signedPing)).statusCode).toBe(400);
    expect((await handler(post({ type: 'woocommerce' }, '{"id":1}'))).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
  });
});
