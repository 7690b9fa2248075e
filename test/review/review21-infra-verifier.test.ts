import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createFamilyVerifierHandler } from '../../lib/handlers/verifier/verifier';
import { Scheme, SchemeConfig, schemeFor } from '../../lib/runtime';
import { TEST_NOW } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// Review 21 (infra): the verifier handler's new answers.

const aws = useFakeAws();
const CONFIG: SchemeConfig = { type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Signature', encoding: 'hex', signedContent: 'body' };

function handlerWith(answerHeaders: Record<string, string>, config: SchemeConfig = CONFIG, secret = JSON.stringify({ current: 'a-sender-issued-secret-0123456789' })) {
  aws.reset();
  const secretId = aws.putSecret(`webhooks/test/${Math.random()}`, secret);
  const wrap = (base: Scheme): Scheme =>
    Object.assign(Object.create(base) as Scheme, {
      handshake: { description: 'test', unsigned: (body: string | Uint8Array) => (body.length === 0 ? { body: 'ok', contentType: 'text/plain', headers: answerHeaders } : undefined) },
    });
  return createFamilyVerifierHandler(
    (c) => wrap(schemeFor(c as SchemeConfig)),
    { endpoint: 'e', source: 'src', scheme: config, secretId, queueUrl: `${aws.url}/123456789012/webhooks`, maxBodyBytes: 4096, cacheTtlMs: 300_000, missRefreshIntervalMs: 30_000, maxStaleMs: 3_600_000, keySource: 'imported' },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => TEST_NOW, write: () => undefined },
  );
}

test('a handshake header spelled in another case never stands beside (or replaces) the verifier own security headers', async () => {
  // ImmediateAnswer.headers: "Names are lower case; the verifier's own headers ... win." Nothing enforces it: respond()
  // spreads the answer's headers under its own lower-case ones, so "Content-Type" / "Cache-Control" survive as
  // second entries of the same header, and which one API Gateway sends is up to it.
  const handler = handlerWith({ 'Content-Type': 'text/html', 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'sniff' });
  const response = await handler(apiEvent({ body: null, headers: { 'Content-Type': 'text/plain' } }));
  expect(response.statusCode).toBe(200);
  const names = Object.keys(response.headers ?? {}).map((n) => n.toLowerCase());
  // Found in review: content-type, cache-control and x-content-type-options each appeared twice; fixed in respond().
  expect(names.length).toBe(new Set(names).size);
});

test('(passes) with a signature header present in any case, an unsigned handshake is not reached', async () => {
  const handler = handlerWith({});
  const response = await handler(apiEvent({ body: null, headers: { 'Content-Type': 'application/json', 'X-SIGNATURE': 'ab' } }));
  expect(response.statusCode).not.toBe(200);
  expect(aws.queue).toHaveLength(0);
});

test('(passes) HEAD for a scheme without handshake.head is 405', async () => {
  const handler = handlerWith({});
  const response = await handler(apiEvent({ body: null, headers: {}, httpMethod: 'HEAD' }));
  expect(response.statusCode).toBe(405);
});
