import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import type { IncomingMessage } from 'node:http';
import { gatewayEvent } from '../../lib/cli/local/gateway-event';
import { MemoryDynamoDb } from '../../lib/cli/local/memory-dynamodb';
import { DedupeClaims } from '../../lib/handlers/verifier/dedupe';
import { startDynalite, withAllOld } from '../support/dynalite';
import { verifyWebhook } from '../../lib/runtime';
import { runCli, Serving, startServe } from './support/cli';
import { atTestNow, TEST_NOW, TEST_NOW_S, wallNow } from '../support/clock';

const STRIPE_SECRET = 'whsec_local_stripe_0123456789abcdef';
const SVIX_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const GITHUB_SECRET = 'github-local-secret-0123456789';
const TWILIO_TOKEN = 'twilio-auth-token-0123456789abcdef';
const META_SECRET = 'meta-app-secret-0123456789abcdef';
const BODY = '{"id":"evt_1","type":"invoice.paid"}';
const stripe = new Stripe('sk_test_local');

async function post(url: string, headers: Record<string, string>, body: string | Buffer) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('serve: the verifier Lambda behind a local endpoint', () => {
  let serve: Serving;
  const route = (name: string) => `${serve.url}/webhooks/${name}`;
  beforeAll(async () => {
    process.env.CLI_TEST_STRIPE_SECRET = STRIPE_SECRET;
    serve = await startServe(
      '--source', 'billing=stripe:env:CLI_TEST_STRIPE_SECRET',
      '--source', `orders={"type":"standard-webhooks","headerPrefix":"svix"}:${SVIX_SECRET}`,
      '--source', `repo=github:${GITHUB_SECRET}`,
      '--source', `sms=twilio:${TWILIO_TOKEN}`,
      '--public-url', 'sms=https://hooks.example.com/webhooks/sms?tenant=a%20b',
      '--source', `ads=meta:${META_SECRET}`,
      '--verify-token', 'ads=local-verify-token',
      '--source', `pos=square:${TWILIO_TOKEN}`,
    );
  });
  afterAll(() => serve.stop());

  test('says where it listens, per route, without printing a secret', () => {
    expect(serve.stderr()).toContain(`${serve.url}/webhooks/billing  (stripe)`);
    expect(serve.stderr()).toMatch(/POST, GET\s+http:\/\/127\.0\.0\.1:\d+\/webhooks\/ads/);
    for (const secret of [STRIPE_SECRET, SVIX_SECRET, GITHUB_SECRET, TWILIO_TOKEN, META_SECRET, 'local-verify-token']) expect(serve.stderr()).not.toContain(secret);
  });

  test('a Stripe delivery signed by stripe is accepted and printed as the queue carries it; the same again answers duplicate and prints nothing new', async () => {
    const headers = { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: STRIPE_SECRET }) };
    const before = serve.stdoutLines().length;

    const first = await post(route('billing'), headers, BODY);
    expect(first).toEqual({ status: 200, body: { received: true, requestId: expect.any(String) } });
    const lines = serve.stdoutLines();
    expect(lines).toHaveLength(before + 1);
    const sha = createHash('sha256').update(BODY).digest('hex');
    expect(lines[before]).toEqual({
      messageId: expect.any(String),
      body: BODY,
      bodyEncoding: 'utf8',
      attributes: {
        source: 'billing',
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        payloadSha256: sha,
        dedupeKey: `sha256:${sha}`,
        contentType: 'application/json',
        bodyEncoding: 'utf8',
        requestId: first.body.requestId,
        bodyBinding: 'signed',
      },
    });

    const again = await post(route('billing'), headers, BODY);
    expect(again).toEqual({ status: 200, body: { received: true, duplicate: true, requestId: expect.any(String) } });
    expect(serve.stdoutLines()).toHaveLength(before + 1);
    expect(serve.stderrLines()).toContainEqual({ source: 'billing', status: 200, outcome: 'Duplicate', reason: 'duplicate', requestId: again.body.requestId });
  });

  test('a refusal for a header says on stderr which header; the response stays generic', async () => {
    // GitHub without its signature header, and with no delivery id (no longer required: metadata only).
    const unsigned = await post(route('repo'), { 'content-type': 'application/json' }, BODY);
    expect(unsigned).toEqual({ status: 400, body: { error: 'Bad request', requestId: expect.any(String) } });
    expect(serve.stderrLines()).toContainEqual({
      source: 'repo', status: 400, outcome: 'Malformed', reason: 'missing_header', requestId: unsigned.body.requestId,
      headers: ['x-hub-signature-256'], detail: 'github must send x-hub-signature-256; the request had no such header',
    });
    // Its own body: the one the other tests send must not be a duplicate of this one.
    const own = '{"id":"evt_headers","type":"push"}';
    const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(own).digest('hex')}`;
    const accepted = await post(route('repo'), { 'content-type': 'application/json', 'x-hub-signature-256': signature }, own);
    expect(accepted.status).toBe(200);
  });

  test('a repeated or unreadable signed header is named on stderr too; the response stays generic', async () => {
    // GIVEN GitHub's signature header twice (two header lines: fetch would merge them), THEN duplicate_header names it
    const own = '{"id":"evt_repeat","type":"push"}';
    const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(own).digest('hex')}`;
    const repeated = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const request = httpRequest(route('repo'), { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': [signature, signature] } }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      });
      request.on('error', reject);
      request.end(own);
    });
    expect(repeated).toEqual({ status: 400, body: { error: 'Bad request', requestId: expect.any(String) } });
    expect(serve.stderrLines()).toContainEqual({
      source: 'repo', status: 400, outcome: 'Malformed', reason: 'duplicate_header', requestId: repeated.body.requestId,
      headers: ['x-hub-signature-256'], detail: 'github sends x-hub-signature-256 once; the request repeated it',
    });
    // WHEN the signature is not in GitHub's format, THEN malformed_header names the header it read
    const unreadable = await post(route('repo'), { 'content-type': 'application/json', 'x-hub-signature-256': 'not-a-signature' }, own);
    expect(unreadable.status).toBe(400);
    expect(serve.stderrLines()).toContainEqual({
      source: 'repo', status: 400, outcome: 'Malformed', reason: 'malformed_header', requestId: unreadable.body.requestId,
      headers: ['x-hub-signature-256'], detail: "x-hub-signature-256 is not in github's format",
    });
  });

  test('rejects a tampered delivery with 401 and one line on stderr', async () => {
    const headers = { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: STRIPE_SECRET }) };
    const before = serve.stdoutLines().length;
    const response = await post(route('billing'), headers, BODY.replace('evt_1', 'evt_2'));
    expect(response).toEqual({ status: 401, body: { error: 'Unauthorized', requestId: expect.any(String) } });
    expect(serve.stderrLines()).toContainEqual({ source: 'billing', status: 401, outcome: 'SignatureInvalid', reason: 'signature_invalid', requestId: response.body.requestId });
    expect(serve.stdoutLines()).toHaveLength(before);
  });

  test('a Svix delivery (JSON scheme config in --source) carries its signed id; a GitHub one its unsigned delivery id and event', async () => {
    const id = 'msg_local_1';
    // serve checks timestamps against the system clock, as the Lambda does: signed at that clock.
    const timestamp = new Date(wallNow());
    const svix = { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'svix-signature': new SvixWebhook(SVIX_SECRET).sign(id, timestamp, BODY) };
    expect((await post(route('orders'), svix, BODY)).status).toBe(200);
    expect(serve.stdoutLines().at(-1)).toMatchObject({ attributes: { source: 'orders', 'signed.eventId': id, dedupeKey: id } });

    const github = { 'content-type': 'application/json', 'x-hub-signature-256': await octokitSign(GITHUB_SECRET, BODY), 'x-github-delivery': 'd-1', 'x-github-event': 'push' };
    expect((await post(route('repo'), github, BODY)).status).toBe(200);
    expect(serve.stdoutLines().at(-1)).toMatchObject({ attributes: { source: 'repo', 'unsigned.eventId': 'd-1', 'unsigned.eventType': 'push' } });
  });

  test('a Twilio form signed by twilio over the --public-url verifies, query string included', async () => {
    const params = { Body: 'hello', From: '+15550001111' };
    const form = new URLSearchParams(params).toString();
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, 'https://hooks.example.com/webhooks/sms?tenant=a%20b', params);
    const response = await post(`${route('sms')}?tenant=a%20b`, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, form);
    expect(response.status).toBe(200);
    expect(serve.stdoutLines().at(-1)).toMatchObject({ body: form, attributes: { source: 'sms', contentType: 'application/x-www-form-urlencoded' } });
    // Only that query: another one is refused, as the deployed verifier refuses it.
    const other = await post(`${route('sms')}?tenant=c`, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, 'https://hooks.example.com/webhooks/sms?tenant=c', params) }, form);
    expect(other.status).toBe(400);
  });

  test('a URL-signing source without --public-url verifies the URL the request was made to (send signs it)', async () => {
    const sent = await runCli('send', '--url', `${route('pos')}?shop=1`, '--scheme', 'square', '--secret', TWILIO_TOKEN, '--body', BODY);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(serve.stdoutLines().at(-1)).toMatchObject({ body: BODY, attributes: { source: 'pos' } });
  });

  test('passes a GET to the handler: Meta\'s handshake is answered with the challenge, a sender without one gets 405', async () => {
    const ok = await fetch(`${route('ads')}?hub.mode=subscribe&hub.verify_token=local-verify-token&hub.challenge=1158201444`);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const wrong = await fetch(`${route('ads')}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(401);
    const none = await fetch(route('billing'));
    expect(none.status).toBe(405);
    expect(serve.stderrLines().at(-1)).toMatchObject({ source: 'billing', status: 405, reason: 'method_not_allowed' });
  });

  test('rejects a signature header sent twice (kept apart in multiValueHeaders, as API Gateway does)', async () => {
    const signature = stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: STRIPE_SECRET });
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(route('billing'), { method: 'POST' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.setHeader('content-type', 'application/json');
      request.setHeader('stripe-signature', [signature, signature]);
      request.end(BODY);
    });
    expect(status).toBe(400);
    expect(serve.stderrLines().at(-1)).toMatchObject({ source: 'billing', status: 400, reason: 'duplicate_header' });
  });

  test('answers a path or method the API does not have with 403, as API Gateway does', async () => {
    const response = await fetch(`${serve.url}/webhooks/nope`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'Request rejected', requestId: expect.any(String) });
    expect(serve.stderrLines().at(-1)).toMatchObject({ status: 403, reason: 'unknown_route', path: '/webhooks/nope' });
    expect((await fetch(route('billing'), { method: 'PUT', body: '{}' })).status).toBe(403);
  });

  test('fails with a usage error when the port is taken', async () => {
    const taken = await runCli('serve', '--port', new URL(serve.url).port, '--source', `repo=github:${GITHUB_SECRET}`);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/is in use; give another --port \(0 picks a free one\)/);
  });

  test('send against serve exits 0 and prints the answer; a body that is not UTF-8 round-trips as base64', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x7b]);
    const file = join(mkdtempSync(join(tmpdir(), 'cli-')), 'body.bin');
    writeFileSync(file, bytes);
    const sent = await runCli('send', '--url', route('repo'), '--scheme', 'github', '--secret', GITHUB_SECRET, '--body-file', file);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(sent.stdout).toMatch(/^200 OK\n\{"received":true,"requestId":"[^"]+"\}\n$/);
    expect(serve.stdoutLines().at(-1)).toMatchObject({
      body: bytes.toString('base64'),
      bodyEncoding: 'base64',
      attributes: { source: 'repo', bodyEncoding: 'base64', payloadSha256: createHash('sha256').update(bytes).digest('hex') },
    });
  });

  test('send exits 1 when the endpoint rejects the delivery, and prints its answer', async () => {
    const sent = await runCli('send', '--url', route('billing'), '--scheme', 'stripe', '--secret', 'whsec_not_the_right_secret_at_all', '--body', BODY);
    expect(sent.code).toBe(1);
    expect(sent.stdout).toMatch(/^401 Unauthorized\n/);
    expect(sent.stderr).toContain(`${route('billing')} answered 401`);
    expect(sent.stderr).not.toContain('whsec_not_the_right_secret_at_all');
    expect(sent.stderr).not.toContain('--help');
  });
});

describe('sign', () => {
  test('prints the headers a sender would send, content-type included, that the sender\'s own library verifies', async () => {
    const run = await runCli('sign', '--scheme', 'stripe', '--secret', STRIPE_SECRET, '--body', BODY, '--timestamp', String(TEST_NOW_S));
    expect(run.code).toBe(0);
    const headers = JSON.parse(run.stdout) as Record<string, string>;
    expect(Object.keys(headers)).toEqual(['content-type', 'stripe-signature']);
    expect(headers['content-type']).toBe('application/json');
    expect(stripe.webhooks.constructEvent(BODY, headers['stripe-signature'], STRIPE_SECRET, undefined, undefined, TEST_NOW)).toMatchObject({ id: 'evt_1' });
  });

  test('takes --id and --timestamp, and the secret from an environment variable', async () => {
    process.env.CLI_TEST_SW_SECRET = SVIX_SECRET;
    const timestamp = TEST_NOW_S;
    const run = await runCli('sign', '--scheme', 'standard-webhooks', '--secret-env', 'CLI_TEST_SW_SECRET', '--body', BODY, '--id', 'msg_42', '--timestamp', String(timestamp));
    const headers = JSON.parse(run.stdout) as Record<string, string>;
    expect(headers).toMatchObject({ 'webhook-id': 'msg_42', 'webhook-timestamp': String(timestamp) });
    // The library checks the timestamp against the system clock and takes no time of its own: pinned at TEST_NOW.
    expect(atTestNow(() => new StandardWebhook(SVIX_SECRET).verify(BODY, headers))).toEqual(JSON.parse(BODY));
  });

  test('reads the secret from stdin with --secret -', async () => {
    const stdin = jest.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(`${GITHUB_SECRET}\n`)]) as unknown as typeof process.stdin);
    try {
      const run = await runCli('sign', '--scheme', 'github', '--secret', '-', '--body', BODY);
      expect(JSON.parse(run.stdout)['x-hub-signature-256']).toBe(await octokitSign(GITHUB_SECRET, BODY));
    } finally {
      stdin.mockRestore();
    }
  });

  test('--help says argv is for local test secrets only', async () => {
    const run = await runCli('sign', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/local test secrets only,\s+never\s+for a production key/);
  });
});

describe('usage errors exit 2 and name the fix', () => {
  test.each([
    [['sign', '--scheme', 'strpe', '--secret', STRIPE_SECRET, '--body', BODY], /unknown scheme type "strpe" \(did you mean "stripe"\?\); give one of .*\bstripe\b/],
    [['sign', '--scheme', 'stripe', '--body', BODY], /give the signing secret: --secret-env <VAR>, --secret - \(stdin\)/],
    [['sign', '--scheme', 'stripe', '--secret', STRIPE_SECRET], /give the body: --body <text> or --body-file <file>/],
    [['sign', '--scheme', 'stripe', '--secret', STRIPE_SECRET, '--body', BODY, '--body-file', 'x'], /'--body <text>' cannot be used with option '--body-file <file>'/],
    [['sign', '--scheme', 'twilio', '--secret', TWILIO_TOKEN, '--body', 'a=b'], /twilio signs the URL .*give it with --url <url>/],
    [['sign', '--scheme', 'hmac', '--secret', GITHUB_SECRET, '--body', BODY], /hmac needs its configuration; give it as JSON, e\.g\. '\{"type":"hmac"/],
    [['sign', '--scheme', 'stripe', '--secret-env', 'CLI_TEST_UNSET', '--body', BODY], /CLI_TEST_UNSET is not set or empty; export it/],
    [['sign', '--scheme', 'stripe', '--secret', STRIPE_SECRET, '--body', BODY, '--timestamp', 'yesterday'], /give a unix time in whole seconds/],
    [['send', '--scheme', 'stripe', '--secret', STRIPE_SECRET, '--body', BODY], /required option '--url <url>' not specified/],
    [['serve'], /required option '--source <name>=<type>:<secret>' not specified/],
    [['serve', '--source', 'billing'], /no "=" after the source's name; give --source <name>=<type>:<secret>/],
    [['serve', '--source', 'billing=stripe'], /no ":" between the type and the secret/],
    [['serve', '--source', `Billing=stripe:${STRIPE_SECRET}`], /must be 1-40 of a-z, 0-9 and -/],
    [['serve', '--source', `billing=stripe:${STRIPE_SECRET}`, '--public-url', 'sms=https://x.test/'], /"sms" is not a source; give one of billing/],
    [['serve', '--source', `billing=stripe:${STRIPE_SECRET}`, '--port', '99999'], /give a port number from 0 to 65535/],
  ])('%j', async (args, message) => {
    const run = await runCli(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  test('a secret the scheme refuses is named by its flaw, never echoed', async () => {
    const sign = await runCli('sign', '--scheme', 'github', '--secret', 'tooshort', '--body', BODY);
    const serve = await runCli('serve', '--source', 'repo=github:tooshort');
    for (const run of [sign, serve]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/at least 16 characters/);
      expect(run.stderr).not.toContain('tooshort');
    }
  });
});

describe('the event serve gives the verifier', () => {
  test('is API Gateway\'s proxy event for binary media type */*', () => {
    const request = {
      method: 'POST',
      httpVersion: '1.1',
      rawHeaders: ['Host', '127.0.0.1:8080', 'Content-Type', 'application/json', 'X-Sig', 'a', 'x-sig', 'b', 'X-Sig', 'c'],
      headers: { host: '127.0.0.1:8080', 'user-agent': undefined },
      socket: { remoteAddress: '::ffff:127.0.0.1' },
    } as unknown as IncomingMessage;
    const event = gatewayEvent({ request, body: Buffer.from('{}'), path: '/webhooks/billing', query: 'a=1&b=x%20y&a=2&flag&bad=%E0', resource: '/webhooks/billing', requestId: 'r-1', receivedAt: TEST_NOW });
    expect(event).toMatchObject({
      body: Buffer.from('{}').toString('base64'),
      isBase64Encoded: true,
      httpMethod: 'POST',
      path: '/webhooks/billing',
      resource: '/webhooks/billing',
      headers: { Host: '127.0.0.1:8080', 'Content-Type': 'application/json', 'X-Sig': 'c', 'x-sig': 'b' },
      multiValueHeaders: { 'X-Sig': ['a', 'c'], 'x-sig': ['b'] },
      queryStringParameters: { a: '2', b: 'x y', flag: '', bad: '%E0' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'], flag: [''], bad: ['%E0'] },
      requestContext: { requestId: 'r-1', identity: { sourceIp: '127.0.0.1' }, httpMethod: 'POST', requestTime: '28/Nov/2026:12:00:00 +0000' },
    });
    expect(gatewayEvent({ request: { ...request, method: 'GET' } as IncomingMessage, body: Buffer.alloc(0), path: '/', query: '', resource: '/', requestId: 'r', receivedAt: 0 })).toMatchObject({
      body: null,
      isBase64Encoded: false,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    });
  });
});

describe('serve\'s in-memory dedupe table answers as DynamoDB does (dynalite as the oracle)', () => {
  const T = TEST_NOW;
  const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (error: Error) => error.name);

  async function protocol(client: DynamoDBClient) {
    const claims = new DedupeClaims(client, { tableName: 'dedupe', retentionSeconds: 100, lockSeconds: 15 }, async () => undefined);
    const item = async (pk: string) => (await client.send(new GetItemCommand({ TableName: 'dedupe', Key: { pk: { S: pk } }, ConsistentRead: true }))).Item;
    const seen: unknown[] = [];
    seen.push(await claims.claim('s#a', 't1', T)); // claimed
    seen.push(await item('s#a'));
    seen.push(await claims.claim('s#a', 't1', T + 1)); // claimed: its own claim resent (a lost answer)
    seen.push(await claims.claim('s#a', 't2', T + 1000)); // in progress: another holds it
    seen.push(await claims.complete('s#a', 't2', 'm-x')); // claim lost: not its claim
    seen.push(await claims.complete('s#a', 't1', 'm-1')); // completed
    seen.push(await claims.complete('s#a', 't1', 'm-1')); // completed again: a resent completion
    seen.push(await item('s#a'));
    seen.push(await claims.claim('s#a', 't3', T + 20_000)); // duplicate
    seen.push(await claims.claim('s#a', 't4', T + 200_000)); // claimed: past retention
    seen.push(await outcome(claims.release('s#a', 't3'))); // ok, and nothing released: not its claim
    seen.push((await item('s#a'))?.claimToken);
    seen.push(await claims.claim('s#a', 't5', T + 216_000)); // claimed: t4's lock ran out
    seen.push(await outcome(claims.release('s#a', 't5')));
    seen.push((await item('s#a')) ?? 'released');
    await claims.recordAnswered('s#h', 'th', T);
    seen.push(await item('s#h'));
    seen.push(await claims.claim('s#h', 't6', T + 1000)); // duplicate: an answered handshake
    seen.push(await outcome(client.send(new PutItemCommand({ TableName: 'dedupe', Item: { pk: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':unused': { S: 'x' } } }))));
    seen.push(await outcome(client.send(new UpdateItemCommand({ TableName: 'dedupe', Key: { pk: { S: 'x' } }, UpdateExpression: 'SET #n = :v', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v': { N: '1' } } }))));
    seen.push(await outcome(client.send(new UpdateItemCommand({ TableName: 'dedupe', Key: { pk: { S: 'x' } }, UpdateExpression: 'SET #n = :v REMOVE gone', ExpressionAttributeNames: { '#n': 'n' }, ExpressionAttributeValues: { ':v': { N: '1' } } }))));
    seen.push((await client.send(new GetItemCommand({ TableName: 'dedupe', Key: { pk: { S: 'x' } } }))).Item);
    seen.push(await outcome(client.send(new DeleteItemCommand({ TableName: 'dedupe', Key: { pk: { S: 'x' } }, ConditionExpression: 'n > :zero AND NOT (n = :two)', ExpressionAttributeValues: { ':zero': { N: '0' }, ':two': { N: '2' } } }))));
    seen.push((await client.send(new GetItemCommand({ TableName: 'dedupe', Key: { pk: { S: 'x' } } }))).Item ?? 'deleted');
    return seen;
  }

  test('for every step of the dedupe claims (claim, own claim resent, in progress, complete, duplicate, expiry, lock run out, release, answered handshake), and for expressions it refuses', async () => {
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    const dynalite = await startDynalite();
    try {
      await dynalite.createTable('dedupe');
      const real = await protocol(withAllOld(new DynamoDBClient({ endpoint: dynalite.url })));
      const memory = await protocol(new MemoryDynamoDb() as unknown as DynamoDBClient);
      expect(memory).toEqual(real);
      const claimed = { state: 'claimed' };
      expect(memory.slice(0, 17)).toEqual([
        claimed,
        { pk: { S: 's#a' }, status: { S: 'IN_PROGRESS' }, lockExpiresAtMs: { N: String(T + 15_000) }, claimToken: { S: 't1' }, expiresAt: { N: String(T / 1000 + 100) } },
        claimed,
        { state: 'in_progress' },
        'claim_lost',
        'completed',
        'completed',
        { pk: { S: 's#a' }, status: { S: 'COMPLETED' }, claimToken: { S: 't1' }, expiresAt: { N: String(T / 1000 + 100) }, messageId: { S: 'm-1' } },
        { state: 'duplicate' },
        claimed,
        'ok',
        { S: 't4' },
        claimed,
        'ok',
        'released',
        { pk: { S: 's#h' }, status: { S: 'COMPLETED' }, claimToken: { S: 'th' }, expiresAt: { N: String(T / 1000 + 100) } },
        { state: 'duplicate' },
      ]);
      expect(memory.slice(17)).toEqual([
        'ValidationException',
        'ConditionalCheckFailedException',
        'ok',
        { pk: { S: 'x' }, n: { N: '1' } },
        'ok',
        'deleted',
      ]);
    } finally {
      await dynalite.stop();
    }
  });
});

describe('the bundled command line', () => {
  const bin = join(__dirname, '..', '..', 'dist', 'cli', 'index.js');

  test('runs --help as a child process and lists the local commands', async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run node scripts/bundle.mjs (npm test does it first)`);
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/Usage: cdk-hardened-webhook/);
    expect(stdout).toMatch(/sign \[options\][\s\S]*send \[options\][\s\S]*serve \[options\]/);
  });

  test('--version prints the version of the package it was built from, and nothing else', async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run node scripts/bundle.mjs (npm test does it first)`);
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { stdout } = await promisify(execFile)(process.execPath, [bin, flag]);
      expect(stdout).toBe(`${version}\n`);
    }
    // Only the version is inlined, not the rest of package.json (its dependency list and scripts).
    expect(readFileSync(bin, 'utf8')).not.toMatch(/cdk-hardened-webhook contributors|"test:consumer"/);
  });

  test('an unknown command is a usage error: exit code 2, and it says so', async () => {
    const failed = await promisify(execFile)(process.execPath, [bin, 'frobnicate']).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('sign for a sender that signs inside the body', () => {
  test('mailgun: prints the headers and the signed body, which the verifier accepts', async () => {
    const secret = 'key-0123456789abcdef0123456789abcdef';
    const run = await runCli('sign', '--scheme', 'mailgun', '--secret', secret, '--body', '{"event-data":{"event":"delivered"}}', '--timestamp', String(TEST_NOW_S));
    expect(run.code).toBe(0);
    const { headers, body } = JSON.parse(run.stdout) as { headers: Record<string, string>; body: string };
    expect(JSON.parse(body).signature).toMatchObject({ token: expect.any(String), timestamp: expect.any(String), signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verifyWebhook({ headers, body }, { scheme: { type: 'mailgun' }, secrets: [secret], now: TEST_NOW }).ok).toBe(true);
  });
});
