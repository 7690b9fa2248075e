import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHmac } from 'node:crypto';
import { AwsContext } from '../../lib/cli/aws/context';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { DiscoveredSource, discoverEndpoints, Template } from '../../lib/cli/aws/discovery';
import { HardenedWebhookEndpoint, SignatureScheme } from '../../lib';
import { newStack } from '../support/stacks';
import { readKeyState } from '../../lib/cli/aws/keys';
import { formatPutKey, putKey, PutKeyOptions } from '../../lib/cli/aws/put-key';
import { describeKeys, formatStatus, SourceStatus } from '../../lib/cli/aws/status';
import { UsageError } from '../../lib/cli/local/command';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { apiEvent } from '../support/events';
import { TEST_NOW } from '../support/clock';
import { useFakeAws } from '../support/fake-aws';
import { runCli } from './support/cli';

// Notion's handshake from capture to key, through the verifier and the CLI's put-key and status, over
// the fake AWS (which keeps Secrets Manager's ClientRequestToken rule: one version per token).

const aws = useFakeAws();
const NOW = TEST_NOW;
const TOKEN = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
const IMPOSTOR = 'secret_Impostor0000000000000000000000';
const handshake = (token: string) => JSON.stringify({ verification_token: token });

function setup() {
  aws.reset();
  aws.now = () => NOW;
  const secretId = aws.putSecret(`webhooks/cli/notion/${Math.random()}`, JSON.stringify({ previous: [], awaitingKey: true, current: 'Zx8Qp3Lm7Rt2Vb9Nc4Kd6Hf1Gj5Ws0Ey3Ua8Io2Pq7T' }));
  const captureSecretId = aws.putSecret(`webhooks/cli/_captured/notion/${Math.random()}`, '{}');
  const source: DiscoveredSource = {
    endpoint: 'cli',
    name: 'notion',
    schemeType: 'notion',
    scheme: { type: 'notion' },
    keySource: 'imported',
    secretId,
    captureSecretId,
    verifierLogicalId: 'Verifier',
    unresolved: [],
  };
  return { secretId, captureSecretId, source };
}

/** A verifier container started now (it reads the signing secret on its first request). */
function verifier(source: DiscoveredSource) {
  const handler = createVerifierHandler(
    {
      endpoint: 'cli',
      source: 'notion',
      scheme: { type: 'notion' },
      secretId: source.secretId,
      captureSecretId: source.captureSecretId,
      queueUrl: `${aws.url}/123456789012/webhooks`,
      maxBodyBytes: 4096,
      cacheTtlMs: 300_000,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      keySource: 'imported',
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => NOW, write: () => undefined },
  );
  return (body: string, from: { requestId: string; sourceIp: string }, headers: Record<string, string> = {}) =>
    handler(apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/json', ...headers }, ...from }));
}

const context = () => new AwsContext({ stack: 'Hooks' });
const options = (extra: Partial<PutKeyOptions> = {}): PutKeyOptions => ({
  stack: 'Hooks',
  revokePrevious: false,
  readKey: () => Promise.reject(new Error('put-key --from-capture must not read a key from stdin')),
  progress: () => undefined,
  fromCapture: true,
  ...extra,
});
const current = (arn: string) => JSON.parse(aws.stage(arn, 'AWSCURRENT')!.value!) as Record<string, unknown>;
const refusal = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a UsageError'); }, (error: unknown) => { expect(error).toBeInstanceOf(UsageError); return (error as Error).message; });

async function statusOf(source: DiscoveredSource): Promise<SourceStatus> {
  const keys = describeKeys(source, await readKeyState(context(), source), NOW);
  return { name: source.name, scheme: 'notion', keySource: 'imported', alarmsInAlarm: [], ...keys };
}

test('before any capture: status says none, and put-key --from-capture has nothing to put', async () => {
  const { source, secretId } = setup();
  const status = await statusOf(source);
  expect(status.capture).toEqual({ captured: false });
  expect(formatStatus({ stack: 'Hooks', region: 'us-east-1', checkedAt: new Date(NOW).toISOString(), endpoints: [{ name: 'cli', alarmsInAlarm: [], sources: [status], errors: [] }] })).toContain(
    'no key put yet and no handshake captured: create the subscription at the sender, then cdk-hardened-webhook put-key --stack Hooks --source notion --from-capture',
  );
  expect(await refusal(putKey(context(), source, options()))).toMatch(/^nothing captured yet for notion/);
  expect(current(secretId).awaitingKey).toBe(true);
});

test('the capture is shown (when, from where, which request) and put only when that request id is confirmed; the token is never printed', async () => {
  const { source, secretId } = setup();
  const post = verifier(source);
  expect((await post(handshake(TOKEN), { requestId: 'req-notion', sourceIp: '198.51.100.20' })).statusCode).toBe(200);
  expect((await post(handshake(IMPOSTOR), { requestId: 'req-later', sourceIp: '192.0.2.66' })).statusCode).toBe(409);

  const status = await statusOf(source);
  expect(status.capture).toEqual({ captured: true, capturedAt: new Date(NOW).toISOString() });
  const shown = await refusal(putKey(context(), source, options()));
  expect(shown).toBe('notion: captured 2026-11-28 12:00:00Z from 198.51.100.20 (request req-notion). Check that this is the sender\'s (its address, and the time you created the subscription), then run again with --confirm-capture req-notion');
  expect(await refusal(putKey(context(), source, options({ confirmCapture: 'req-later' })))).toContain('(the request id given, req-later, is not this capture\'s)');
  expect(current(secretId).awaitingKey).toBe(true);

  const put = await putKey(context(), source, options({ confirmCapture: 'req-notion' }));
  expect(current(secretId)).toEqual({ current: TOKEN });
  expect(put).toMatchObject({ status: 'put', capture: { sourceIp: '198.51.100.20', requestId: 'req-notion', capturedAt: new Date(NOW).toISOString() } });
  expect(JSON.stringify(put) + formatPutKey(put) + shown).not.toContain(TOKEN);
  expect(formatPutKey(put)).toContain('the key is the handshake captured 2026-11-28 12:00:00Z from 198.51.100.20 (request req-notion)');

  // A new container reads the key: Notion's signed deliveries verify; handshakes are captured no more.
  const after = verifier(source);
  const body = '{"id":"e1","type":"page.created"}';
  const signed = await after(body, { requestId: 'req-event', sourceIp: '198.51.100.20' }, { 'x-notion-signature': `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}` });
  expect(signed.statusCode).toBe(200);
  expect((await after(handshake(IMPOSTOR), { requestId: 'req-x', sourceIp: '192.0.2.66' })).statusCode).toBe(400);
  // And the capture, now stale, cannot be put again over the key.
  expect(await refusal(putKey(context(), source, options({ confirmCapture: 'req-notion' })))).toMatch(/captured for an earlier version of its signing secret/);
});

test('a capture that is not the sender\'s: --reopen-capture lets the next one in, and the stale one is never offered again', async () => {
  const { source, secretId, captureSecretId } = setup();
  expect((await verifier(source)(handshake(IMPOSTOR), { requestId: 'req-impostor', sourceIp: '192.0.2.66' })).statusCode).toBe(200);

  const reopened = await putKey(context(), source, options({ fromCapture: false, reopenCapture: true }));
  expect(reopened.status).toBe('reopened');
  expect(current(secretId)).toMatchObject({ awaitingKey: true, previous: [] });
  expect(await refusal(putKey(context(), source, options({ confirmCapture: 'req-impostor' })))).toMatch(/captured for an earlier version/);

  // Containers that read the new version capture once more (and once only).
  const post = verifier(source);
  expect((await post(handshake(TOKEN), { requestId: 'req-notion', sourceIp: '198.51.100.20' })).statusCode).toBe(200);
  expect((await post(handshake(IMPOSTOR), { requestId: 'req-impostor-2', sourceIp: '192.0.2.66' })).statusCode).toBe(409);
  expect(JSON.parse(aws.stage(captureSecretId, 'AWSCURRENT')!.value!)).toMatchObject({ token: TOKEN, requestId: 'req-notion' });
  await putKey(context(), source, options({ confirmCapture: 'req-notion' }));
  expect(current(secretId)).toEqual({ current: TOKEN });

  // Once the key is put, reopening would replace it with a placeholder: refused.
  expect(await refusal(putKey(context(), source, options({ fromCapture: false, reopenCapture: true })))).toMatch(/already has its key/);
  expect(current(secretId)).toEqual({ current: TOKEN });
});

test('a source without a capture secret has nothing to put from or reopen', async () => {
  const { source } = setup();
  const plain = { ...source, captureSecretId: undefined };
  expect(await refusal(putKey(context(), plain, options()))).toMatch(/keeps no captured handshake/);
  expect(await refusal(putKey(context(), plain, options({ fromCapture: false, reopenCapture: true })))).toMatch(/captures no handshake/);
});

test('discovery finds the capture secret from the verifier\'s environment, by ARN or (not listed by the stack) by name', () => {
  const stack = newStack();
  new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev', endpointName: 'hooks', allowAnySourceIp: true, sources: { docs: { scheme: SignatureScheme.notion() }, pay: { scheme: SignatureScheme.stripe() } } });
  const template = CdkTemplate.fromStack(stack).toJSON() as Template;
  const captureId = Object.entries(template.Resources!).find(([, r]) => r.Properties?.Name === 'webhooks/hooks/_captured/docs')![0];
  const described = (listCapture: boolean) => ({
    stackName: 'Hooks',
    stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Hooks/0a1b',
    region: 'us-east-1',
    accountId: '123456789012',
    urlSuffix: 'amazonaws.com',
    template,
    resources: Object.entries(template.Resources!)
      .filter(([id]) => listCapture || id !== captureId)
      .map(([logicalId, r]) => ({ logicalId, type: r.Type, physicalId: `${logicalId}-physical` })),
    outputs: {},
  });
  const [withArn] = discoverEndpoints(described(true));
  expect(withArn.sources.find((s) => s.name === 'docs')).toMatchObject({ captureSecretId: `${captureId}-physical`, unresolved: [] });
  expect(withArn.sources.find((s) => s.name === 'pay')!.captureSecretId).toBeUndefined();
  const [byName] = discoverEndpoints(described(false));
  expect(byName.sources.find((s) => s.name === 'docs')!.captureSecretId).toBe('webhooks/hooks/_captured/docs');
});

test('put-key: --confirm-capture only with --from-capture, --reopen-capture alone (exit 2, before any AWS call)', async () => {
  const calls = aws.calls.length;
  const confirm = await runCli('put-key', '--stack', 'Hooks', '--source', 'notion', '--confirm-capture', 'req-notion');
  const reopen = await runCli('put-key', '--stack', 'Hooks', '--source', 'notion', '--reopen-capture', '--from-capture');
  expect([confirm.code, reopen.code]).toEqual([2, 2]);
  expect(confirm.stderr).toContain('--confirm-capture goes with --from-capture');
  expect(reopen.stderr).toContain('--reopen-capture puts no key: give it alone');
  expect(aws.calls.length).toBe(calls);
});

// After --reopen-capture, a container that has not re-read the signing secret yet (its key cache)
// still captures for the version before the reopen, if nothing was captured for that one. Such a
// capture, made after the sender's for the new version, takes the capture secret's AWSCURRENT: put-key
// must still find the sender's capture, the version named after the awaiting one (captureRequestToken),
// whatever the stages say; else the operator reopens again, and again while an impostor keeps at it.
test('a capture for the version before a reopen, made later by a stale container, does not hide the sender\'s capture for the version awaiting now', async () => {
  const { secretId, source } = setup();
  const stale = verifier(source);
  expect((await stale('{}', { requestId: 'req-warm', sourceIp: '203.0.113.9' })).statusCode).toBe(400);
  expect((await putKey(context(), source, options({ fromCapture: false, reopenCapture: true }))).status).toBe('reopened');

  // A container that read the reopened version keeps Notion's handshake; the stale one, an impostor's.
  expect((await verifier(source)(handshake(TOKEN), { requestId: 'req-notion', sourceIp: '198.51.100.20' })).statusCode).toBe(200);
  expect((await stale(handshake(IMPOSTOR), { requestId: 'req-impostor', sourceIp: '192.0.2.66' })).statusCode).toBe(200);

  expect(await refusal(putKey(context(), source, options()))).toContain('(request req-notion)');
  await putKey(context(), source, options({ confirmCapture: 'req-notion' }));
  expect(current(secretId)).toEqual({ current: TOKEN });
});
