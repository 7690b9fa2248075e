import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Signature } from '@hubspot/api-client';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { WebhooksHelper } from 'square';
import twilio from 'twilio';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { VerifierConfig } from '../../lib/handlers/verifier/verifier';
import { schemeFor, SchemeConfig } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// Square, HubSpot and Twilio sign the URL they post to followed by the body (Square, HubSpot) or the
// sorted form parameters (Twilio), with no separator. The verifier used to rebuild that URL from the
// request's own query string, so bytes could move between the query and what follows it and still
// verify: the consumer got a body the sender never sent, under a new dedupe key. It now verifies
// against the route's configured public URL exactly, query included, and refuses (400) a request
// whose query differs; the only parameters a request may add are those the sender appends itself
// (Twilio's bodySHA256). Signatures come from the senders' own SDKs (square, @hubspot/api-client,
// twilio) and, where a request is made up, from the schemes' own sign.

const URL_BASE = 'https://hooks.example.com/prod/webhooks/src';
const SQUARE_KEY = 'sq0wbk-0123456789abcdefABCDEF';
const HUBSPOT_SECRET = 'yyyyyyyy-1111-4a2b-8c3d-yyyyyyyyyyyy';
const TWILIO_TOKEN = '0123456789abcdef0123456789abcdef';

const aws = useFakeAws();

function handlerFor(scheme: SchemeConfig, secret: string, publicUrl: string | null = URL_BASE) {
  aws.reset();
  const lines: string[] = [];
  const config: VerifierConfig = {
    endpoint: 'e',
    source: 'src',
    scheme,
    secretId: aws.putSecret(`x/${Math.random()}`, JSON.stringify({ current: secret })),
    queueUrl: `${aws.url}/123456789012/q`,
    maxBodyBytes: 10_000,
    cacheTtlMs: 60_000,
    missRefreshIntervalMs: 30_000,
    maxStaleMs: 3_600_000,
    keySource: 'imported',
    publicUrl: publicUrl ?? undefined,
  };
  const handler = createVerifierHandler(config, { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => TEST_NOW, write: (l) => lines.push(l) });
  const lastLog = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { handler, lastLog };
}

/** A POST as API Gateway hands it over: the body's exact bytes (base64), the query decoded. */
function post(body: string, headers: Record<string, string>, query?: Record<string, string[]>): APIGatewayProxyEvent {
  return apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers, query });
}

describe('Square: URL + body', () => {
  const body = '{"merchant_id":"MLX","type":"payment.updated","event_id":"6a8f5f28-54a1-4eb0-a98a-3111513fd4fc","data":{"id":"pay_1"}}';
  const sign = (url: string, payload = body) => schemeFor({ type: 'square' }).sign({ body: payload, url }, SQUARE_KEY);

  test('a delivery signed over the configured URL verifies and is queued; a query added to it is refused (400), nothing queued', async () => {
    const { handler, lastLog } = handlerFor({ type: 'square' }, SQUARE_KEY);
    const headers = sign(URL_BASE);
    expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: headers['x-square-hmacsha256-signature'], signatureKey: SQUARE_KEY, notificationUrl: URL_BASE })).toBe(true);
    expect((await handler(post(body, headers))).statusCode).toBe(200);
    expect(aws.queue).toHaveLength(1);
    expect((await handler(post(body, headers, { x: ['1'] }))).statusCode).toBe(400);
    expect(lastLog()).toMatchObject({ reason: 'query_mismatch' });
    expect(aws.queue).toHaveLength(1);
  });

  test('rejects a query parameter named like an Object.prototype property (`constructor`) as any other: 400, not a 500', async () => {
    const { handler, lastLog } = handlerFor({ type: 'square' }, SQUARE_KEY, `${URL_BASE}?constructor=1`);
    const headers = sign(`${URL_BASE}?constructor=1`);
    expect((await handler(post(body, headers, { constructor: ['1'] }))).statusCode).toBe(200);
    expect((await handler(post(body, headers))).statusCode).toBe(400);
    expect(lastLog()).toMatchObject({ reason: 'query_mismatch' });
    expect((await handler(post(body, headers, { toString: ['x'] }))).statusCode).toBe(400);
  });

  test('bytes moved from the signed URL\'s query into the body no longer verify (the attack: a body Square never sent, a new dedupe key)', async () => {
    // Square signed its notification URL with a query; the verifier used to take the query from the request.
    const signedUrl = `${URL_BASE}?tenant=acme`;
    const headers = sign(signedUrl);
    expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: headers['x-square-hmacsha256-signature'], signatureKey: SQUARE_KEY, notificationUrl: signedUrl })).toBe(true);
    // `tenant=ac` + `me{...}` is the same string to sign as `tenant=acme` + `{...}`.
    const moved = `me${body}`;
    expect(await WebhooksHelper.verifySignature({ requestBody: moved, signatureHeader: headers['x-square-hmacsha256-signature'], signatureKey: SQUARE_KEY, notificationUrl: `${URL_BASE}?tenant=ac` })).toBe(true);
    const { handler } = handlerFor({ type: 'square' }, SQUARE_KEY);
    expect((await handler(post(moved, headers, { tenant: ['ac'] }))).statusCode).toBe(400);
    // Configured with that query, the verifier accepts exactly it, and still not the moved bytes.
    const configured = handlerFor({ type: 'square' }, SQUARE_KEY, signedUrl);
    expect((await configured.handler(post(moved, headers, { tenant: ['ac'] }))).statusCode).toBe(400);
    expect((await configured.handler(post(body, headers, { tenant: ['acme'] }))).statusCode).toBe(200);
    expect(aws.queue.map((m) => m.body)).toEqual([body]);
    for (const query of [undefined, { tenant: ['acme', 'acme'] }, { tenant: ['acme'], x: [''] }, { Tenant: ['acme'] }] as (Record<string, string[]> | undefined)[]) {
      expect((await configured.handler(post(body, headers, query))).statusCode).toBe(400);
    }
    expect(aws.queue).toHaveLength(1);
  });
});

describe('HubSpot: method + URL + body + timestamp', () => {
  const body = '[{"eventId":100,"subscriptionId":1234,"portalId":62515,"occurredAt":1764331200000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123}]';
  const timestamp = TEST_NOW;
  const sdkHeaders = (url: string, payload = body) => ({
    'content-type': 'application/json',
    'x-hubspot-request-timestamp': String(timestamp),
    'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', { clientSecret: HUBSPOT_SECRET, requestBody: payload, url, timestamp } as never),
  });

  test('bytes moved between the query and the body no longer verify; the configured URL, query included, does', async () => {
    const signedUrl = `${URL_BASE}?portal=62515`;
    const headers = sdkHeaders(signedUrl);
    const moved = `5${body}`;
    // The same string to sign: `portal=6251` + `5[...]`.
    expect(headers['x-hubspot-signature-v3']).toBe(sdkHeaders(`${URL_BASE}?portal=6251`, moved)['x-hubspot-signature-v3']);
    const { handler } = handlerFor({ type: 'hubspot' }, HUBSPOT_SECRET);
    expect((await handler(post(moved, headers, { portal: ['6251'] }))).statusCode).toBe(400);
    expect((await handler(post(body, headers, { portal: ['62515'] }))).statusCode).toBe(400);
    const configured = handlerFor({ type: 'hubspot' }, HUBSPOT_SECRET, signedUrl);
    expect((await configured.handler(post(moved, headers, { portal: ['6251'] }))).statusCode).toBe(400);
    expect((await configured.handler(post(body, headers, { portal: ['62515'] }))).statusCode).toBe(200);
    expect(aws.queue.map((m) => m.body)).toEqual([body]);
  });

  test('a `?` sent as %3F in the query is refused unless the configured query reads the same: HubSpot\'s decoding cannot make two queries one', async () => {
    // HubSpot decodes %3F before it signs, so `?next=a%3Fb=c` and `?next=a?b=c` sign alike; API
    // Gateway hands both over as next = "a?b=c". Configured with neither, both are refused.
    const { handler } = handlerFor({ type: 'hubspot' }, HUBSPOT_SECRET);
    const headers = sdkHeaders(`${URL_BASE}?next=a?b=c`);
    expect((await handler(post(body, headers, { next: ['a?b=c'] }))).statusCode).toBe(400);
    expect(aws.queue).toHaveLength(0);
  });
});

describe('Twilio: URL + sorted form parameters, or URL with bodySHA256', () => {
  const form = 'Body=hi&From=%2B15005550006&MessageSid=SM1';
  const params = Object.fromEntries(new URLSearchParams(form));
  const formHeaders = (url: string, p: Record<string, string> = params) => ({ 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, p) });

  test('a parameter moved into the query no longer verifies (`tenant=acmeBodyhi` + `From...` was `tenant=acme` + `Bodyhi` + `From...`)', async () => {
    const signedUrl = `${URL_BASE}?tenant=acme`;
    const headers = formHeaders(signedUrl);
    // Twilio concatenates the URL and the sorted parameters with no separator: the first pair can
    // move into the query's last value, and the consumer gets a form without it.
    const moved = 'From=%2B15005550006&MessageSid=SM1';
    expect(twilio.validateRequest(TWILIO_TOKEN, headers['x-twilio-signature'], `${URL_BASE}?tenant=acmeBodyhi`, Object.fromEntries(new URLSearchParams(moved)))).toBe(true);
    const { handler } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN);
    expect((await handler(post(moved, headers, { tenant: ['acmeBodyhi'] }))).statusCode).toBe(400);
    const configured = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, signedUrl);
    expect((await configured.handler(post(moved, headers, { tenant: ['acmeBodyhi'] }))).statusCode).toBe(400);
    expect((await configured.handler(post(form, headers, { tenant: ['acme'] }))).statusCode).toBe(200);
    expect(aws.queue.map((m) => m.body)).toEqual([form]);
  });

  test('the bodySHA256 Twilio appends for a JSON body is the one parameter a request may add, once', async () => {
    const json = '{"MessageSid":"SM1","Body":"hi"}';
    const hash = createHash('sha256').update(json).digest('hex');
    for (const configuredUrl of [URL_BASE, `${URL_BASE}?tenant=acme`]) {
      const signedUrl = `${configuredUrl}${configuredUrl.includes('?') ? '&' : '?'}bodySHA256=${hash}`;
      const headers = { 'content-type': 'application/json', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, signedUrl, {}) };
      expect(twilio.validateRequestWithBody(TWILIO_TOKEN, headers['x-twilio-signature'], signedUrl, json)).toBe(true);
      const tenant: Record<string, string[]> = configuredUrl.includes('?') ? { tenant: ['acme'] } : {};
      const { handler } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN, configuredUrl);
      expect((await handler(post(json, headers, { ...tenant, bodySHA256: [hash] }))).statusCode).toBe(200);
      expect((await handler(post(json, headers, { ...tenant, bodySHA256: [hash, hash] }))).statusCode).toBe(400);
      expect((await handler(post(json, headers, { ...tenant, bodySHA256: [hash], other: ['1'] }))).statusCode).toBe(400);
    }
    expect(aws.queue).toHaveLength(1);
  });

  test('nor can the query move into the body: a JSON delivery\'s signature does not verify a form field spelling `?bodySHA256=<hash>`', async () => {
    const json = '{"MessageSid":"SM1","Body":"hi"}';
    const hash = createHash('sha256').update(json).digest('hex');
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${URL_BASE}?bodySHA256=${hash}`, {});
    // Twilio's own validator takes it: the URL followed by the one field's name and value is the JSON delivery's signed URL.
    const form = `%3FbodySHA256=%3D${hash}`;
    expect(twilio.validateRequest(TWILIO_TOKEN, signature, URL_BASE, Object.fromEntries(new URLSearchParams(form)))).toBe(true);
    const { handler, lastLog } = handlerFor({ type: 'twilio' }, TWILIO_TOKEN);
    expect((await handler(post(form, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }))).statusCode).toBe(400);
    expect(lastLog()).toMatchObject({ reason: 'malformed_body' });
    expect(aws.queue).toHaveLength(0);
  });

  test('twilio-sha256 follows the same rule', async () => {
    const scheme = schemeFor({ type: 'twilio-sha256' } as SchemeConfig);
    const key = 'twilio-shared-key-0123456789abcdef';
    const headers = scheme.sign({ body: form, url: URL_BASE }, key);
    const { handler } = handlerFor({ type: 'twilio-sha256' } as SchemeConfig, key);
    expect((await handler(post(form, headers))).statusCode).toBe(200);
    expect((await handler(post(form, headers, { tenant: ['acme'] }))).statusCode).toBe(400);
  });
});

describe('a URL-signing source without a configured public URL', () => {
  test.each(['square', 'hubspot', 'twilio', 'twilio-sha256'])('%s: the verifier refuses to start (it would otherwise trust the request\'s Host and path)', (type) => {
    expect(() => handlerFor({ type } as SchemeConfig, 'a-secret-of-enough-length-000000', null)).toThrow(/WEBHOOK_PUBLIC_URL/);
  });
});
