/*
 * The verifier's stages (lib/handlers/verifier/stages/), each called on its own: what it answers, what
 * it hands the next stage, and what it asks of AWS, with fake clients (no network). The handler's
 * behaviour end to end is test/handlers/verifier.test.ts and its neighbours.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { SchemeConfig } from '../../lib/runtime/scheme-config';
import { VERIFIER_FAMILIES } from '../../lib/runtime/schemes/catalogue';
import type { Scheme } from '../../lib/runtime/schemes/scheme';
import { ActiveKey } from '../../lib/runtime/types';
import { INLINE_BODY_BYTES } from '../../lib/runtime/body-limits';
import { KeyFetchError } from '../../lib/runtime/published-keys';
import { captureRequestToken } from '../../lib/runtime/key-set';
import { schemeFor } from '../../lib/runtime/verify';
import type { AuditRecord } from '../../lib/handlers/shared/telemetry';
import { verifierPipeline } from '../../lib/handlers/verifier/pipeline';
import { acknowledge } from '../../lib/handlers/verifier/stages/acknowledge';
import { Delivery, isAnswered, PublishedKeysStage, Verified, Verifier } from '../../lib/handlers/verifier/stages/context';
import { claim } from '../../lib/handlers/verifier/stages/dedupe';
import { enqueue, messageAttributes } from '../../lib/handlers/verifier/stages/enqueue';
import { answerGet, answerUnsigned } from '../../lib/handlers/verifier/stages/handshakes';
import { activeKeys, keyCache, loadKeys } from '../../lib/handlers/verifier/stages/keys';
import { credentialOf, fetchPublishedKeys } from '../../lib/handlers/verifier/stages/published-keys';
import { receive, respond } from '../../lib/handlers/verifier/stages/receive';
import { checkContent, checkMethod, checkSize } from '../../lib/handlers/verifier/stages/request';
import { settle } from '../../lib/handlers/verifier/stages/settle';
import { settleWithCall } from '../../lib/handlers/verifier/stages/settle-with-call';
import { signedUrl } from '../../lib/handlers/verifier/stages/signed-url';
import { verify } from '../../lib/handlers/verifier/stages/verify';
import { apiEvent } from '../support/events';
import { DAY, TEST_NOW, TEST_NOW_S } from '../support/clock';

const KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_KEY = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const BODY = '{"type":"invoice.paid","id":"in_1"}';
const SCHEME = schemeFor({ type: 'standard-webhooks' } as SchemeConfig);
const KEYS: readonly ActiveKey[] = [{ key: SCHEME.decodeKey(KEY), notAfterMs: Infinity }];

/** A fake AWS client: records every command and answers with `answer` (a throw is a failed call). */
function fakeClient(answer: (command: { input: Record<string, unknown>; constructor: { name: string } }) => unknown = () => ({})) {
  const commands: { name: string; input: Record<string, unknown> }[] = [];
  return {
    commands,
    send: async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
      commands.push({ name: command.constructor.name, input: command.input });
      return answer(command);
    },
  };
}

type Fake = ReturnType<typeof fakeClient>;

/** A fake dedupe table: each method's answer can be replaced. */
function fakeDedupe(overrides: Partial<NonNullable<Verifier['dedupe']>> = {}) {
  const calls: string[] = [];
  const dedupe: NonNullable<Verifier['dedupe']> = {
    claim: async (key, token) => (calls.push(`claim ${key} ${token}`), { state: 'claimed' }),
    recordAnswered: async (key, token) => void calls.push(`recordAnswered ${key} ${token}`),
    complete: async (key, token, messageId) => (calls.push(`complete ${key} ${token} ${messageId}`), 'completed'),
    release: async (key, token) => void calls.push(`release ${key} ${token}`),
    ...overrides,
  };
  return { dedupe, calls };
}

/** One source's verifier with fakes; anything can be replaced. */
function verifierWith(overrides: Partial<Verifier> = {}, sqs: Fake = fakeClient(), secrets: Fake = fakeClient()): Verifier {
  return {
    config: { endpoint: 'e', source: 'billing', scheme: { type: 'standard-webhooks' } as SchemeConfig, secretId: 's', queueUrl: 'https://sqs.example/q', maxBodyBytes: 1024, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 },
    deps: { sqs: sqs as never, secrets: secrets as never },
    scheme: SCHEME,
    now: () => TEST_NOW,
    usesSecret: true,
    maxBodyBytes: 1024,
    cache: { get: async () => KEYS, refreshAfterMiss: async () => undefined },
    ...overrides,
  };
}

/** A scheme with `extra` over the standard-webhooks one (its prototype). */
function schemeWith(extra: Partial<Scheme>): Scheme {
  return Object.assign(Object.create(SCHEME), extra) as Scheme;
}

let records: AuditRecord[];
beforeEach(() => {
  records = [];
});

/** The request as receive() reads it, its audit lines going to `records`. */
function delivery(options: Partial<Parameters<typeof apiEvent>[0]> = {}, now = () => TEST_NOW): Delivery {
  return receive(apiEvent({ body: BODY, headers: { 'Content-Type': 'application/json' }, ...options }), { record: (r) => records.push(r) }, now);
}

function signedHeaders(key = KEY, timestamp = TEST_NOW_S): Record<string, string> {
  return SCHEME.sign({ body: BODY, id: 'msg_1', timestamp }, key);
}

const answerOf = (answer: APIGatewayProxyResult | undefined) => ({ status: answer?.statusCode, body: answer && JSON.parse(answer.body) });

/** What verify() makes of a good delivery. */
async function verified(v = verifierWith(), d = delivery({ headers: signedHeaders() })): Promise<Verified> {
  const signed = checkContent(v, d);
  if (isAnswered(signed)) throw new Error('not signed');
  const result = await verify(v, d, signed, KEYS);
  if (isAnswered(result)) throw new Error(`not verified: ${result.body}`);
  return result;
}

describe('receive (parse)', () => {
  test('reads the exact bytes of a base64 body, its size in bytes, the method upper case and the request id', () => {
    // GIVEN a binary body as API Gateway passes it
    const bytes = Buffer.from([0xff, 0x00, 0xc3, 0xa9]);
    // WHEN it is received
    const d = delivery({ body: bytes.toString('base64'), isBase64Encoded: true, httpMethod: 'post', requestId: 'r-1' });
    // THEN the body is those bytes, and the rest is read as the stages need it
    expect({ body: d.body, size: d.size, method: d.method, requestId: d.requestId, receivedAt: d.receivedAt, sourceIp: d.sourceIp }).toEqual({
      body: bytes,
      size: 4,
      method: 'POST',
      requestId: 'r-1',
      receivedAt: new Date(TEST_NOW).toISOString(),
      sourceIp: '203.0.113.7',
    });
  });

  test('an empty body is "" of size 0, a text body counts its UTF-8 bytes, and no method is POST', () => {
    const event = apiEvent({ body: null, headers: {} });
    const none = receive({ ...event, httpMethod: undefined as never }, { record: () => undefined }, () => TEST_NOW);
    expect({ body: none.body, size: none.size, method: none.method }).toEqual({ body: '', size: 0, method: 'POST' });
    expect(delivery({ body: 'café' }).size).toBe(5);
  });

  test('finish writes one audit line, latency measured from receipt, and answers with the request id; a 503 says when to retry', () => {
    // GIVEN a request received at TEST_NOW, finished 40 ms later
    let clock = TEST_NOW;
    const d = delivery({ requestId: 'r-2' }, () => clock);
    clock += 40;
    // WHEN it is finished with a 503
    const answer = d.finish(503, 'SecretUnavailable', { reason: 'secret_unavailable', retryAfterSeconds: 9 });
    // THEN one line, and the generic answer
    expect(records).toEqual([{ requestId: 'r-2', outcome: 'SecretUnavailable', status: 503, sourceIp: '203.0.113.7', latencyMs: 40, reason: 'secret_unavailable', retryAfterSeconds: 9 }]);
    expect(answer.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'retry-after': '9' });
    expect(JSON.parse(answer.body)).toEqual({ error: 'Service unavailable; retry later', requestId: 'r-2' });
  });

  test('a duplicate is answered {received, duplicate}; a scheme\'s own answer never replaces the verifier\'s headers', () => {
    expect(JSON.parse(delivery().finish(200, 'Duplicate', { reason: 'duplicate' }).body)).toEqual({ received: true, duplicate: true, requestId: 'req-123' });
    const answer = respond(200, 'r', { body: 'ok', contentType: 'text/plain', headers: { 'X-Hook-Secret': 's', 'Content-Type': 'text/html', 'Cache-Control': 'public' } });
    expect(answer).toEqual({
      statusCode: 200,
      headers: { 'x-hook-secret': 's', 'content-type': 'text/plain', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      body: 'ok',
    });
  });
});

describe('request checks', () => {
  test('POST goes on; GET and HEAD are answered only by a scheme with that handshake, any other method is refused', async () => {
    const v = verifierWith();
    expect(checkMethod(v, delivery())).toBeUndefined();
    for (const httpMethod of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      expect({ httpMethod, status: (await checkMethod(v, delivery({ httpMethod })))?.statusCode }).toEqual({ httpMethod, status: 405 });
    }
    expect(records.map((r) => r.reason)).toEqual(['method_not_allowed', 'method_not_allowed', 'method_not_allowed', 'method_not_allowed']);
  });

  test('HEAD is answered 200 with no body by a scheme that has the HEAD handshake', async () => {
    const v = verifierWith({ scheme: schemeWith({ handshake: { description: 'd', head: true } }) });
    const answer = await checkMethod(v, delivery({ httpMethod: 'HEAD' }));
    expect({ status: answer?.statusCode, body: answer?.body, type: answer?.headers?.['content-type'] }).toEqual({ status: 200, body: '', type: 'text/plain' });
    expect(records[0].reason).toBe('answered_head');
  });

  test('GET goes to the bundle\'s GET handshake stage when the scheme has one', async () => {
    const getHandshake = jest.fn(async (_v: Verifier, d: Delivery) => d.finish(200, 'Accepted'));
    const v = verifierWith({ scheme: schemeWith({ handshake: { description: 'd', get: () => ({ body: 'c' }) } }), getHandshake });
    expect((await checkMethod(v, delivery({ httpMethod: 'GET' })))?.statusCode).toBe(200);
    expect(getHandshake).toHaveBeenCalledTimes(1);
  });

  test('rejects a body above the cap with 413 and its size; one at the cap goes on', () => {
    const v = verifierWith({ maxBodyBytes: 4 });
    expect(checkSize(v, delivery({ body: 'abcd' }))).toBeUndefined();
    expect(checkSize(v, delivery({ body: 'abcde' }))?.statusCode).toBe(413);
    expect(records).toMatchObject([{ outcome: 'Malformed', reason: 'body_too_large', size: 5 }]);
  });

  test('rejects a media type the sender does not use (415), a missing one (415) and an empty body (400)', () => {
    const v = verifierWith();
    expect(isAnswered(checkContent(v, delivery({ headers: { 'Content-Type': 'text/plain' } })))).toBe(true);
    expect(isAnswered(checkContent(v, delivery({ headers: {} })))).toBe(true);
    expect(isAnswered(checkContent(v, delivery({ body: null })))).toBe(true);
    expect(records.map((r) => [r.status, r.reason, r.size])).toEqual([
      [415, 'unsupported_media_type', undefined],
      [415, 'unsupported_media_type', undefined],
      [400, 'empty_body', undefined],
    ]);
  });

  test('hands verification the request and its media type, lower case without parameters', () => {
    const d = delivery({ headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
    expect(checkContent(verifierWith(), d)).toEqual({ request: { headers: d.headers, body: BODY, url: undefined, method: 'POST' }, mediaType: 'application/json' });
  });

  test('a URL-signing scheme verifies the configured URL; a query that differs from it is refused (400)', () => {
    const v = verifierWith({ scheme: schemeWith({ signsUrl: true }), signedUrl });
    const config = { ...v.config, publicUrl: 'https://hooks.example.com/in?team=a' };
    const good = checkContent({ ...v, config }, delivery({ query: { team: ['a'] } }));
    expect(isAnswered(good) ? good : good.request.url).toBe('https://hooks.example.com/in?team=a');
    expect((checkContent({ ...v, config }, delivery({ query: { team: ['b'] } })) as APIGatewayProxyResult).statusCode).toBe(400);
    expect(records).toMatchObject([{ reason: 'query_mismatch', size: BODY.length }]);
  });
});

describe('signedUrl (request checks, URL-signing senders)', () => {
  test('takes the configured URL as is, and appends only a parameter the sender adds itself, once', () => {
    const url = 'https://h.example/in';
    expect(signedUrl(url, { multiValueQueryStringParameters: null })).toBe(url);
    expect(signedUrl(url, { multiValueQueryStringParameters: { bodySHA256: ['x y'] } }, ['bodySHA256'])).toBe(`${url}?bodySHA256=x%20y`);
  });

  test('rejects an extra parameter, a repeated added one, a missing one and a name from Object.prototype', () => {
    expect(signedUrl('https://h.example/in', { multiValueQueryStringParameters: { a: ['1'] } })).toBeNull();
    expect(signedUrl('https://h.example/in', { multiValueQueryStringParameters: { bodySHA256: ['1', '2'] } }, ['bodySHA256'])).toBeNull();
    expect(signedUrl('https://h.example/in?a=1', { multiValueQueryStringParameters: null })).toBeNull();
    expect(signedUrl('https://h.example/in?constructor=1', { multiValueQueryStringParameters: {} })).toBeNull();
  });
});

describe('keys', () => {
  test('gives the cached keys', async () => {
    expect(await activeKeys(verifierWith(), delivery(), 3)).toBe(KEYS);
  });

  test('fails closed with 503, never 401, when no key can be had (the error\'s name and code, never its message)', async () => {
    const down = Object.assign(new Error('secret value of ...'), { name: 'ThrottlingException' });
    const v = verifierWith({ cache: { get: async () => Promise.reject(down), refreshAfterMiss: async () => undefined } });
    const answer = await activeKeys(v, delivery(), 3);
    expect(answerOf(answer as APIGatewayProxyResult).status).toBe(503);
    expect(records).toEqual([expect.objectContaining({ outcome: 'SecretUnavailable', reason: 'secret_unavailable', size: 3, error: 'ThrottlingException' })]);
    expect(JSON.stringify(records)).not.toContain('secret value');
  });

  test('the cache reads the secret and keeps what it carries beside the keys: the verify token, and the version awaiting its key', async () => {
    // GIVEN a secret that awaits its first key and carries a verify token
    const secrets = fakeClient(() => ({ SecretString: JSON.stringify({ current: KEY, verifyToken: 'vt', awaitingKey: true }), VersionId: 'v1' }));
    const base = verifierWith({}, fakeClient(), secrets);
    // WHEN the keys are read
    const keys = await keyCache(base).get();
    // THEN the key, the token and the awaiting version
    expect({ keys: keys.length, verifyToken: base.verifyToken, awaitingVersion: base.awaitingVersion, calls: secrets.commands }).toEqual({
      keys: 1,
      verifyToken: 'vt',
      awaitingVersion: 'v1',
      calls: [{ name: 'GetSecretValueCommand', input: { SecretId: 's' } }],
    });
  });

  test('a source without a secret reads nothing', async () => {
    const secrets = fakeClient();
    expect(await keyCache(verifierWith({ usesSecret: false }, fakeClient(), secrets)).get()).toEqual([]);
    expect(secrets.commands).toEqual([]);
  });

  test('an imported key keeps the one it replaced verifying for the grace period, and not after it', async () => {
    const secrets = fakeClient((c) =>
      c.input.VersionStage === 'AWSPREVIOUS' ? { SecretString: OTHER_KEY } : { SecretString: KEY, VersionId: 'v2', CreatedDate: new Date(TEST_NOW - DAY / 2) },
    );
    const within = await loadKeys(secrets, 's', { keySource: 'imported', graceMs: DAY }, TEST_NOW);
    expect(within.keys.map((k) => [k.key, k.notAfterMs])).toEqual([
      [KEY, Infinity],
      [OTHER_KEY, TEST_NOW + DAY / 2],
    ]);
    const after = await loadKeys(secrets, 's', { keySource: 'imported', graceMs: DAY / 4 }, TEST_NOW);
    expect(after.keys.map((k) => k.key)).toEqual([KEY]);
  });
});

describe('handshakes', () => {
  const getScheme = schemeWith({
    handshake: { description: 'd', get: (request, keys, nowMs) => (request.verifyToken === 'vt' && keys.length === 1 && nowMs === TEST_NOW ? { body: 'challenge', contentType: 'text/plain' } : 'not_allowed') },
  });

  test('a GET handshake that checks out is answered with the scheme\'s answer, the verify token read with the keys', async () => {
    const answer = await answerGet(verifierWith({ scheme: getScheme, verifyToken: 'vt' }), delivery({ httpMethod: 'GET', body: null }));
    expect({ status: answer.statusCode, body: answer.body }).toEqual({ status: 200, body: 'challenge' });
    expect(records).toMatchObject([{ outcome: 'Accepted', reason: 'answered_handshake' }]);
  });

  test('rejects a GET handshake that does not check out, and answers 503 when the keys cannot be read', async () => {
    expect((await answerGet(verifierWith({ scheme: getScheme, verifyToken: 'other' }), delivery({ httpMethod: 'GET' }))).statusCode).toBe(401);
    const down = verifierWith({ scheme: getScheme, cache: { get: () => Promise.reject(new Error('x')), refreshAfterMiss: async () => undefined } });
    expect((await answerGet(down, delivery({ httpMethod: 'GET' }))).statusCode).toBe(503);
    expect(records.map((r) => r.reason)).toEqual(['not_allowed', 'secret_unavailable']);
  });

  const ping = schemeWith({ handshake: { description: 'd', unsigned: (body) => (body === 'webhook_id=1' ? { body: '', contentType: 'text/plain' } : undefined) } });

  test('an unsigned ping is answered only for a request with none of the signature headers', async () => {
    const v = verifierWith({ scheme: ping });
    expect((await answerUnsigned(v, delivery({ body: 'webhook_id=1', headers: {} })))?.statusCode).toBe(200);
    expect(await answerUnsigned(v, delivery({ body: 'webhook_id=1', headers: { 'webhook-signature': 'v1,x' } }))).toBeUndefined();
    expect(await answerUnsigned(v, delivery({ body: 'other', headers: {} }))).toBeUndefined();
    expect(records).toMatchObject([{ reason: 'answered_ping', size: 12 }]);
  });

  const notion = schemeWith({ handshake: { description: 'd', capture: (body) => (String(body).includes('verification_token') ? { captured: 'tok', answer: { body: '{}' } } : undefined) } });
  const captureBody = '{"verification_token":"tok"}';

  test('a capture is kept only while the secret awaits its key, its request token fixed by that version', async () => {
    // GIVEN a secret awaiting its key, and a capture secret
    const secrets = fakeClient();
    const v = verifierWith({ scheme: notion, awaitingVersion: 'v1' }, fakeClient(), secrets);
    const withCapture = { ...v, config: { ...v.config, captureSecretId: 'cap' } };
    // WHEN the sender's unsigned handshake comes
    const answer = await answerUnsigned(withCapture, delivery({ body: captureBody, headers: {}, sourceIp: '198.51.100.1' }));
    // THEN it is stored once, as the version's capture, and answered
    expect(answer?.statusCode).toBe(200);
    expect(secrets.commands).toEqual([
      {
        name: 'PutSecretValueCommand',
        input: {
          SecretId: 'cap',
          ClientRequestToken: captureRequestToken('v1'),
          SecretString: JSON.stringify({ token: 'tok', capturedAt: new Date(TEST_NOW).toISOString(), sourceIp: '198.51.100.1', requestId: 'req-123', keyVersion: 'v1' }),
        },
      },
    ]);
    expect(withCapture.capturedVersion).toBe('v1');
    // AND a second one for that version is refused (409) with no call
    expect((await answerUnsigned(withCapture, delivery({ body: captureBody, headers: {} })))?.statusCode).toBe(409);
    expect(secrets.commands).toHaveLength(1);
    expect(records.map((r) => r.reason)).toEqual(['captured_handshake', 'capture_refused']);
  });

  test('no capture when the secret awaits no key or there is no capture secret', async () => {
    const v = verifierWith({ scheme: notion });
    expect(await answerUnsigned({ ...v, config: { ...v.config, captureSecretId: 'cap' } }, delivery({ body: captureBody, headers: {} }))).toBeUndefined();
    expect(await answerUnsigned(verifierWith({ scheme: notion, awaitingVersion: 'v1' }), delivery({ body: captureBody, headers: {} }))).toBeUndefined();
  });

  test('a capture Secrets Manager already holds is refused (409) and remembered; any other failure is a 503', async () => {
    const exists = fakeClient(() => Promise.reject(Object.assign(new Error('exists'), { name: 'ResourceExistsException' })));
    const v = verifierWith({ scheme: notion, awaitingVersion: 'v1' }, fakeClient(), exists);
    const withCapture = { ...v, config: { ...v.config, captureSecretId: 'cap' } };
    expect((await answerUnsigned(withCapture, delivery({ body: captureBody, headers: {} })))?.statusCode).toBe(409);
    expect(withCapture.capturedVersion).toBe('v1');
    const down = verifierWith({ scheme: notion, awaitingVersion: 'v2' }, fakeClient(), fakeClient(() => Promise.reject(Object.assign(new Error('x'), { name: 'InternalServiceError' }))));
    expect((await answerUnsigned({ ...down, config: { ...down.config, captureSecretId: 'cap' } }, delivery({ body: captureBody, headers: {} })))?.statusCode).toBe(503);
    expect(records.map((r) => [r.reason, r.error])).toEqual([
      ['capture_refused', undefined],
      ['handshake_store_failed', 'InternalServiceError'],
    ]);
  });
});

describe('verification', () => {
  test('a good signature is verified, with its dedupe record key and a claim token of its own', async () => {
    const v = verifierWith();
    const first = await verified(v);
    const second = await verified(v);
    expect(first.recordKey).toBe(`billing#${first.result.dedupeKey}`);
    expect(first.audit).toEqual({ eventId: 'msg_1', unsignedEventId: undefined, unsignedEventType: undefined, payloadSha256: first.result.payloadSha256, size: BODY.length });
    expect(first.mediaType).toBe('application/json');
    expect(first.claimToken).not.toBe(second.claimToken);
  });

  test.each([
    ['a missing header', (h: Record<string, string>) => ({ ...h, 'webhook-id': undefined as never }), 400, 'missing_header'],
    ['a duplicated header', (h: Record<string, string>) => ({ ...h, 'webhook-id': [h['webhook-id'], 'msg_2'] as never }), 400, 'duplicate_header'],
    ['a timestamp that is no number', (h: Record<string, string>) => ({ ...h, 'webhook-timestamp': 'NaN' }), 400, 'malformed_timestamp'],
    ['a stale timestamp', () => signedHeaders(KEY, TEST_NOW_S - 3600), 401, 'timestamp_out_of_tolerance'],
    ['another key', () => signedHeaders(OTHER_KEY), 401, 'signature_invalid'],
  ])('rejects %s', async (_name, change, status, reason) => {
    const headers = Object.fromEntries(Object.entries(change(signedHeaders())).filter(([, value]) => value !== undefined));
    const v = verifierWith();
    const d = delivery({ headers });
    const signed = checkContent(v, d);
    const answer = isAnswered(signed) ? signed : await verify(v, d, signed, KEYS);
    expect({ status: (answer as APIGatewayProxyResult).statusCode, reason: records[0]?.reason }).toEqual({ status, reason });
  });

  test('a signature no cached key matches re-reads the keys once, and verifies with the fresh ones', async () => {
    const refreshAfterMiss = jest.fn(async () => [{ key: SCHEME.decodeKey(OTHER_KEY), notAfterMs: Infinity }]);
    const v = verifierWith({ cache: { get: async () => KEYS, refreshAfterMiss } });
    const d = delivery({ headers: signedHeaders(OTHER_KEY) });
    const result = await verify(v, d, checkContent(v, d) as never, KEYS);
    expect({ verified: !isAnswered(result), refreshes: refreshAfterMiss.mock.calls.length }).toEqual({ verified: true, refreshes: 1 });
  });

  test('a published-key source verifies with the keys its stage gives, and stops at its answer', async () => {
    const keys = jest.fn<ReturnType<PublishedKeysStage>, Parameters<PublishedKeysStage>>(async () => KEYS);
    const published = { keysFor: jest.fn() };
    const v = verifierWith({ published, deps: { sqs: fakeClient() as never, secrets: fakeClient() as never, published: { cache: () => published, fetch: jest.fn(), keys } } });
    const d = delivery({ headers: signedHeaders() });
    expect(isAnswered(await verify(v, d, checkContent(v, d) as never, []))).toBe(false);
    keys.mockImplementationOnce(async (_v, d2) => d2.finish(503, 'SecretUnavailable'));
    expect(((await verify(v, d, checkContent(v, d) as never, [])) as APIGatewayProxyResult).statusCode).toBe(503);
  });
});

describe('published keys (verification, published-key senders)', () => {
  const request = { headers: {}, body: BODY, method: 'POST' };
  const withCache = (keysFor: () => Promise<unknown>, needsCredential = false) =>
    verifierWith({ published: { keysFor: keysFor as never }, scheme: schemeWith({ published: { needsCredential } as never }) });

  test('gives the key the request names, asking with the credential only where the key endpoint needs one', async () => {
    const keysFor = jest.fn(async () => ({ kind: 'keys', keys: KEYS }));
    expect(await fetchPublishedKeys(withCache(keysFor, true), delivery(), request, [{ key: Buffer.from('api-secret'), notAfterMs: Infinity }])).toBe(KEYS);
    expect(keysFor.mock.calls[0]).toEqual([request, 'api-secret']);
    expect(credentialOf([])).toBeUndefined();
  });

  test('fails closed with 503 and the fetch\'s Retry-After when a key cannot be had yet, never a 4xx', async () => {
    const deferred = new KeyFetchError('later', { retryAfterMs: 7000, deferred: true });
    const answer = (await fetchPublishedKeys(withCache(() => Promise.reject(deferred)), delivery(), request, [])) as APIGatewayProxyResult;
    expect({ status: answer.statusCode, retryAfter: answer.headers?.['retry-after'] }).toEqual({ status: 503, retryAfter: '7' });
    const failed = (await fetchPublishedKeys(withCache(() => Promise.reject(new Error('down'))), delivery(), request, [])) as APIGatewayProxyResult;
    expect({ status: failed.statusCode, retryAfter: failed.headers?.['retry-after'] }).toEqual({ status: 503, retryAfter: '5' });
    expect(records.map((r) => r.reason)).toEqual(['key_fetch_deferred', 'key_fetch_failed']);
  });

  test('refuses a request that names no key it may have', async () => {
    const answer = await fetchPublishedKeys(withCache(async () => ({ kind: 'rejected', reason: 'not_allowed' })), delivery(), request, []);
    expect((answer as APIGatewayProxyResult).statusCode).toBe(401);
  });
});

describe('settle', () => {
  test('a request the scheme answers itself is recorded as answered first, then answered; nothing is queued', async () => {
    const { dedupe, calls } = fakeDedupe();
    const v = verifierWith({ scheme: schemeWith({ immediateResponse: () => ({ body: 'pong' }) }), dedupe });
    const it = await verified(v);
    const answer = await settle(v, delivery({ headers: signedHeaders() }), it);
    expect({ status: answer?.statusCode, body: answer?.body, calls }).toEqual({ status: 200, body: 'pong', calls: [`recordAnswered ${it.recordKey} ${it.claimToken}`] });
    expect(records).toMatchObject([{ reason: 'answered_directly' }]);
  });

  test('no record, no answer: 503 when the dedupe table cannot be written', async () => {
    const { dedupe } = fakeDedupe({ recordAnswered: () => Promise.reject(Object.assign(new Error(), { name: 'ProvisionedThroughputExceededException' })) });
    const v = verifierWith({ scheme: schemeWith({ immediateResponse: () => ({ body: 'pong' }) }), dedupe });
    expect((await settle(v, delivery(), await verified(v)))?.statusCode).toBe(503);
    expect(records).toMatchObject([{ outcome: 'DedupeUnavailable', reason: 'dedupe_unavailable' }]);
  });

  test('a request to queue goes on', async () => {
    const v = verifierWith({ settleWithCall });
    expect(await settle(v, delivery(), await verified(v))).toBeUndefined();
  });

  test('a request settled with a call back is answered once the call succeeds, and 503 when it fails', async () => {
    const fetch = jest.fn();
    const deps = { sqs: fakeClient() as never, secrets: fakeClient() as never, published: { cache: jest.fn(), fetch, keys: jest.fn() } };
    const confirming = verifierWith({ scheme: schemeWith({ settle: (_b, _v, f) => (f === fetch ? Promise.resolve({ body: 'confirmed' }) : undefined) }), deps, settleWithCall });
    expect((await settle(confirming, delivery(), await verified(confirming)))?.body).toBe('confirmed');
    const failing = verifierWith({ scheme: schemeWith({ settle: () => Promise.reject(new Error('refused')) }), deps, settleWithCall });
    expect((await settle(failing, delivery(), await verified(failing)))?.statusCode).toBe(503);
    expect(records.map((r) => r.reason)).toEqual(['settled', 'settle_failed']);
  });
});

describe('dedupe (claim)', () => {
  test('goes on when the claim is ours, or when duplicate detection is off', async () => {
    const { dedupe, calls } = fakeDedupe();
    const v = verifierWith({ dedupe });
    const it = await verified(v);
    expect(await claim(v, delivery(), it)).toBeUndefined();
    expect(calls).toEqual([`claim ${it.recordKey} ${it.claimToken}`]);
    expect(await claim(verifierWith(), delivery(), it)).toBeUndefined();
  });

  test('a completed claim is a duplicate: 200, nothing queued, the sender\'s acknowledgement where it expects one', async () => {
    const { dedupe } = fakeDedupe({ claim: async () => ({ state: 'duplicate' }) });
    const v = verifierWith({ dedupe });
    expect(answerOf(await claim(v, delivery(), await verified(v)))).toEqual({ status: 200, body: { received: true, duplicate: true, requestId: 'req-123' } });
    const acknowledging = verifierWith({ dedupe, scheme: schemeWith({ acknowledge: () => ({ body: '[accepted]', contentType: 'text/plain' }) }) });
    expect((await claim(acknowledging, delivery(), await verified(acknowledging)))?.body).toBe('[accepted]');
    expect(records.map((r) => [r.outcome, r.reason])).toEqual([
      ['Duplicate', 'duplicate'],
      ['Duplicate', 'duplicate'],
    ]);
  });

  test('a claim another delivery holds, or one that cannot be made, is a 503 (retryable)', async () => {
    const held = verifierWith({ dedupe: fakeDedupe({ claim: async () => ({ state: 'in_progress' }) }).dedupe });
    expect((await claim(held, delivery(), await verified(held)))?.statusCode).toBe(503);
    const down = verifierWith({ dedupe: fakeDedupe({ claim: () => Promise.reject(new Error('x')) }).dedupe });
    expect((await claim(down, delivery(), await verified(down)))?.statusCode).toBe(503);
    expect(records.map((r) => r.outcome)).toEqual(['InProgress', 'DedupeUnavailable']);
  });
});

describe('enqueue', () => {
  test('sends the body inline with the attributes: source, time, hash, dedupe key, media type, encoding, request id, body binding', async () => {
    const sqs = fakeClient(() => ({ MessageId: 'm-1' }));
    const v = verifierWith({}, sqs);
    const it = await verified(v);
    expect(await enqueue(v, delivery(), it)).toEqual({ messageId: 'm-1' });
    expect(sqs.commands).toEqual([{ name: 'SendMessageCommand', input: { QueueUrl: 'https://sqs.example/q', MessageBody: BODY, MessageAttributes: messageAttributes(v, delivery(), it, 'utf8') } }]);
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    expect(messageAttributes(v, delivery(), it, 'utf8')).toEqual({
      source: text('billing'),
      receivedAt: text(new Date(TEST_NOW).toISOString()),
      payloadSha256: text(it.result.payloadSha256),
      dedupeKey: text(it.result.dedupeKey),
      contentType: text('application/json'),
      bodyEncoding: text('utf8'),
      requestId: text('req-123'),
      bodyBinding: text(it.result.bodyBinding),
      ...Object.fromEntries(Object.entries(it.result.metadata).map(([name, value]) => [name, text(value)])),
    });
  });

  test('a body above the inline limit is stored in the bucket first, never over another object, and the message says where', async () => {
    const s3 = fakeClient();
    const sqs = fakeClient(() => ({ MessageId: 'm-2' }));
    const v = verifierWith({}, sqs);
    const big = 'x'.repeat(INLINE_BODY_BYTES + 1);
    const withBucket = { ...v, config: { ...v.config, bodyBucket: 'bodies' }, deps: { ...v.deps, s3: s3 as never } };
    expect(await enqueue(withBucket, delivery({ body: big }), await verified(v))).toEqual({ messageId: 'm-2' });
    const put = s3.commands[0];
    expect({ name: put.name, bucket: put.input.Bucket, key: put.input.Key, ifNoneMatch: put.input.IfNoneMatch }).toEqual({
      name: 'PutObjectCommand',
      bucket: 'bodies',
      key: expect.stringMatching(/^billing\/2026\/11\/28\/[0-9a-f-]{36}$/),
      ifNoneMatch: '*',
    });
    expect(JSON.parse(sqs.commands[0].input.MessageBody as string)).toEqual({ bucket: 'bodies', key: put.input.Key, size: big.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((sqs.commands[0].input.MessageAttributes as Record<string, { StringValue: string }>).bodyEncoding.StringValue).toBe('s3');
  });

  test('a failed send gives the claim up and answers 503; a claim that cannot be given up is said so', async () => {
    const failing = fakeClient(() => Promise.reject(Object.assign(new Error('x'), { name: 'QueueDoesNotExist' })));
    const { dedupe, calls } = fakeDedupe();
    const v = verifierWith({ dedupe }, failing);
    const it = await verified(v);
    expect((await enqueue(v, delivery(), it)) as APIGatewayProxyResult).toMatchObject({ statusCode: 503 });
    expect(calls).toEqual([`release ${it.recordKey} ${it.claimToken}`]);
    const stuck = verifierWith({ dedupe: fakeDedupe({ release: () => Promise.reject(new Error('x')) }).dedupe }, failing);
    await enqueue(stuck, delivery(), await verified(stuck));
    expect(records.map((r) => [r.outcome, r.reason, r.error])).toEqual([
      ['EnqueueFailed', 'enqueue_failed', 'QueueDoesNotExist'],
      ['EnqueueFailed', 'enqueue_failed_claim_held', 'QueueDoesNotExist'],
    ]);
  });

  test('a body that cannot be stored is not sent: 503 body_store_failed', async () => {
    const sqs = fakeClient();
    const v = verifierWith({}, sqs);
    const withBucket = { ...v, config: { ...v.config, bodyBucket: 'bodies' }, deps: { ...v.deps, s3: fakeClient(() => Promise.reject(new Error('x'))) as never } };
    expect(((await enqueue(withBucket, delivery({ body: 'x'.repeat(INLINE_BODY_BYTES + 1) }), await verified(v))) as APIGatewayProxyResult).statusCode).toBe(503);
    expect({ sent: sqs.commands.length, reason: records[0].reason }).toEqual({ sent: 0, reason: 'body_store_failed' });
  });
});

describe('acknowledge (the response)', () => {
  test('completes the claim with the message id, then answers 200 with the audit fields and the sender\'s acknowledgement', async () => {
    const { dedupe, calls } = fakeDedupe();
    const v = verifierWith({ dedupe, scheme: schemeWith({ acknowledge: () => ({ body: '[accepted]', contentType: 'text/plain' }) }) });
    const it = await verified(v);
    const answer = await acknowledge(v, delivery(), it, 'm-1');
    expect({ status: answer.statusCode, body: answer.body, calls }).toEqual({ status: 200, body: '[accepted]', calls: [`complete ${it.recordKey} ${it.claimToken} m-1`] });
    expect(records).toEqual([expect.objectContaining({ outcome: 'Accepted', ...it.audit })]);
  });

  test('queued is acknowledged even when the claim was lost or cannot be completed (logged), and without dedupe', async () => {
    const lost = verifierWith({ dedupe: fakeDedupe({ complete: async () => 'claim_lost' }).dedupe });
    const failed = verifierWith({ dedupe: fakeDedupe({ complete: () => Promise.reject(Object.assign(new Error(), { name: 'ThrottlingException' })) }).dedupe });
    for (const v of [lost, failed, verifierWith()]) expect((await acknowledge(v, delivery(), await verified(v), 'm')).statusCode).toBe(200);
    expect(records.map((r) => [r.outcome, r.error])).toEqual([
      ['Accepted', 'dedupe_claim_lost'],
      ['Accepted', 'dedupe_complete_failed:ThrottlingException'],
      ['Accepted', undefined],
    ]);
  });
});

describe('optional stages', () => {
  const config = { endpoint: 'e', source: 's', scheme: { type: 'x' } as unknown as SchemeConfig, secretId: 's', publicUrl: 'https://h.example/in', queueUrl: 'q', maxBodyBytes: 1, cacheTtlMs: 1, missRefreshIntervalMs: 1, maxStaleMs: 1 };
  const deps = { sqs: fakeClient() as never, secrets: fakeClient() as never };

  test.each([
    ['GET handshake', { handshake: { description: 'd', get: () => 'not_allowed' as const } }],
    ['unsigned handshake', { handshake: { description: 'd', capture: () => undefined } }],
    ['signed URL', { signsUrl: true }],
  ])('fails at start-up if a scheme needs the %s stage and the bundle does not carry it', (stage, extra) => {
    expect(() => verifierPipeline(() => schemeWith(extra as Partial<Scheme>), config, deps, {})).toThrow(`needs the ${stage} stage, and this bundle does not carry it`);
  });

  test('fails at start-up if a scheme settles with a call back and the bundle does not carry that stage', () => {
    const published = { cache: jest.fn(), fetch: jest.fn(), keys: jest.fn() };
    expect(() => verifierPipeline(() => schemeWith({ settle: () => undefined }), config, { ...deps, published }, {})).toThrow('needs the settle-with-call stage');
    expect(() => verifierPipeline(() => schemeWith({ settle: () => undefined }), config, { ...deps, published }, { settleWithCall })).not.toThrow();
  });

  test('every family\'s bundle carries exactly the optional stages its senders need', () => {
    // GIVEN each entry's arguments (its Lambda handler is not built: verifierEntry is replaced)
    const given: Record<string, { schemes: (c: unknown) => Scheme | undefined; stages: Record<string, unknown> }> = {};
    jest.isolateModules(() => {
      jest.doMock('../../lib/handlers/verifier/entry', () => ({ verifierEntry: (schemes: never, stages = {}) => ({ schemes, stages }) }));
      const dir = join(__dirname, '../../lib/handlers/verifier/entries');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const file of readdirSync(dir)) given[file.slice(0, -3)] = require(join(dir, file)).handler;
    });
    // WHEN each family's senders are built (configured as test/support/every-type.ts configures them)
    const configured: Record<string, object> = {
      hmac: { algorithm: 'sha256', signatureHeader: 'x-signature', encoding: 'hex', signedContent: 'body' },
      sns: { topicArns: ['arn:aws:sns:us-east-1:123456789012:t'] },
      paypal: { webhookId: '1JE4291016473214C' },
      plaid: { clientId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
      salesforce: { organizationId: '00D5e000000KQ2eEAG' },
      pubsub: { audience: 'https://hooks.example.com/webhooks/pubsub', serviceAccountEmail: 'push@my-project.iam.gserviceaccount.com' },
      'apple-app-store': { bundleId: 'com.example.app', appAppleId: 1234567890 },
    };
    const families: Record<string, unknown[]> = Object.fromEntries(Object.entries(VERIFIER_FAMILIES).map(([family, types]) => [family, types.map((type) => ({ type, ...configured[type] }))]));
    // A generic template may sign the URL.
    families['generic-template'] = [{ type: 'hmac', algorithm: 'sha256', signatureHeader: 'x-signature', encoding: 'hex', signedContent: 'template', template: '{url}{body}' }];
    const needs = (scheme: Scheme): string[] => [
      ...(scheme.handshake?.get ? ['getHandshake'] : []),
      ...(scheme.handshake?.unsigned || scheme.handshake?.capture ? ['unsignedHandshakes'] : []),
      ...(scheme.signsUrl ? ['signedUrl'] : []),
      ...(scheme.settle ? ['settleWithCall'] : []),
      ...(scheme.published || scheme.settle ? ['published'] : []),
    ];
    // THEN each entry gives what its senders need, and nothing more
    expect(Object.keys(given).sort()).toEqual(Object.keys(families).sort());
    for (const [family, configs] of Object.entries(families)) {
      const { schemes, stages } = given[family];
      const needed = new Set(configs.flatMap((c) => needs(schemes(c)!)));
      expect({ family, stages: Object.keys(stages).sort() }).toEqual({ family, stages: [...needed].sort() });
    }
  });
});
