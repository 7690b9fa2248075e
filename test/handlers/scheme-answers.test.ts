import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createFamilyVerifierHandler } from '../../lib/handlers/verifier/verifier';
import { Scheme, SchemeConfig, schemeFor, signWebhook } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';
import { startDynalite, withAllOld } from '../support/dynalite';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// What the verifier does with a scheme's own answers, whatever the sender: an acknowledgement body
// (`Scheme.acknowledge`, Salesforce's SOAP Ack) only once the message is queued, and for duplicates of
// it, never for a failure; a handshake's response headers (Asana's X-Hook-Secret echo) never replacing
// the verifier's own; an unsigned handshake reached before the media-type and empty-body checks
// (Microsoft Graph's empty text/plain validation POST), with the POST's query.

const aws = useFakeAws();
const SECRET = 'a-sender-issued-secret-0123456789';
const CONFIG: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'body' };
const ACK = { body: '<Ack>true</Ack>', contentType: 'text/xml' };

/** The generic HMAC scheme with the answers under test added. */
function withAnswers(base: Scheme): Scheme {
  return Object.assign(Object.create(base) as Scheme, {
    acknowledge: () => ACK,
    handshake: {
      description: 'test handshake',
      unsigned: (body: string | Uint8Array, _headers: unknown, query: Readonly<Record<string, readonly string[] | undefined>>) => {
        const token = query.validationToken;
        if (body.length !== 0 || token?.length !== 1) return undefined;
        return { body: token[0], contentType: 'text/plain', headers: { 'X-Echo': token[0], 'content-type': 'text/html', 'Cache-Control': 'public', 'X-Content-Type-Options': 'sniff' } };
      },
    },
  });
}

let ddb: Awaited<ReturnType<typeof startDynalite>>;
beforeAll(async () => {
  ddb = await startDynalite();
});
afterAll(() => ddb.stop());

function setup(tableName?: string) {
  aws.reset();
  const secretId = aws.putSecret(`webhooks/test/${Math.random()}`, JSON.stringify({ current: SECRET }));
  return createFamilyVerifierHandler(
    (config) => withAnswers(schemeFor(config as SchemeConfig)),
    {
      endpoint: 'test-endpoint',
      source: 'src',
      scheme: CONFIG,
      secretId,
      queueUrl: `${aws.url}/123456789012/webhooks`,
      maxBodyBytes: 4096,
      cacheTtlMs: 300_000,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      keySource: 'imported',
      ...(tableName ? { dedupe: { tableName, retentionSeconds: 3600, lockSeconds: 35 } } : {}),
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), dynamodb: tableName ? withAllOld(new DynamoDBClient({ endpoint: ddb.url })) : undefined, now: () => TEST_NOW, write: () => undefined },
  );
}

function post(body: string, secret = SECRET) {
  const headers = signWebhook({ scheme: CONFIG, secret, body, timestamp: TEST_NOW / 1000 });
  return apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers });
}

test('a queued delivery is answered with the scheme acknowledgement, only after it is on the queue', async () => {
  const handler = setup();
  const response = await handler(post('{"id":1}'));
  expect(response).toMatchObject({ statusCode: 200, body: ACK.body });
  expect(response.headers?.['content-type']).toBe('text/xml');
  expect(aws.queue).toHaveLength(1);
});

test('a delivery that could not be queued gets no acknowledgement: a 503 the sender retries', async () => {
  const handler = setup();
  aws.fail('SendMessage', 3);
  const response = await handler(post('{"id":2}'));
  expect(response.statusCode).toBe(503);
  expect(response.body).not.toContain('Ack');
  expect(aws.queue).toHaveLength(0);
});

test('a duplicate of a queued delivery gets the acknowledgement again (the sender stops retrying), and is not queued twice', async () => {
  await ddb.createTable('acks');
  const handler = setup('acks');
  expect(await handler(post('{"id":4}'))).toMatchObject({ statusCode: 200, body: ACK.body });
  expect(await handler(post('{"id":4}'))).toMatchObject({ statusCode: 200, body: ACK.body });
  expect(aws.queue).toHaveLength(1);
});

test('a forged delivery gets the generic error, not the acknowledgement', async () => {
  const handler = setup();
  const response = await handler(post('{"id":3}', 'another-secret-0123456789abcdefgh'));
  expect(response.statusCode).toBe(401);
  expect(response.body).not.toContain('Ack');
});

test('an unsigned handshake is reached with an empty body of another media type and its query; its headers never replace the verifier own', async () => {
  const handler = setup();
  const response = await handler(apiEvent({ body: null, headers: { 'Content-Type': 'text/plain' }, query: { validationToken: ['Validation: Testing client application'] } }));
  expect(response.statusCode).toBe(200);
  expect(response.body).toBe('Validation: Testing client application');
  // Lower-cased, and never beside the verifier's own in another case.
  expect(response.headers).toEqual({ 'x-echo': 'Validation: Testing client application', 'content-type': 'text/plain', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  expect(aws.queue).toHaveLength(0);
});

test('without the handshake, an empty body or another media type is refused as before', async () => {
  const handler = setup();
  expect((await handler(apiEvent({ body: null, headers: { 'Content-Type': 'text/plain' } }))).statusCode).toBe(415);
  expect((await handler(apiEvent({ body: null, headers: { 'Content-Type': 'application/json' } }))).statusCode).toBe(400);
  expect((await handler(apiEvent({ body: null, headers: { 'Content-Type': 'application/json' }, query: { validationToken: ['a', 'b'] } }))).statusCode).toBe(400);
  expect(aws.queue).toHaveLength(0);
});
