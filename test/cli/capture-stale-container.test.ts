import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsContext } from '../../cli/aws/context';
import { DiscoveredSource } from '../../cli/aws/discovery';
import { putKey, PutKeyOptions } from '../../cli/aws/put-key';
import { UsageError } from '../../cli/local/command';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { TEST_NOW } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// put-key --from-capture read the capture secret's AWSCURRENT only. After --reopen-capture, a verifier
// container that has not yet re-read the signing secret (its key cache, 5 minutes by default) still
// captures for the version before the reopen, if nothing was captured for that one. Such a capture,
// made after the sender's for the new version, takes AWSCURRENT: put-key then said nothing had been
// captured since the reopen and never offered the sender's capture, which the verifiers now refuse
// to replace (409) — so the operator had to reopen again, and again while an attacker keeps at it.
// The capture for the version awaiting its key is the capture secret's version named after it
// (captureRequestToken), whatever the stages say.

const aws = useFakeAws();
const TOKEN = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
const IMPOSTOR = 'secret_Impostor0000000000000000000000';
const handshake = (token: string) => JSON.stringify({ verification_token: token });

function container(source: DiscoveredSource) {
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
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: () => TEST_NOW, write: () => undefined },
  );
  return (body: string, requestId: string, sourceIp: string) =>
    handler(apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/json' }, requestId, sourceIp }));
}

const options = (extra: Partial<PutKeyOptions> = {}): PutKeyOptions => ({
  stack: 'Hooks',
  revokePrevious: false,
  readKey: () => Promise.reject(new Error('not from stdin')),
  progress: () => undefined,
  fromCapture: true,
  ...extra,
});

test('a capture for the version before a reopen, made later by a stale container, does not hide the sender\'s capture for the version awaiting now', async () => {
  aws.reset();
  aws.now = () => TEST_NOW;
  const secretId = aws.putSecret(`webhooks/cli/notion/${Math.random()}`, JSON.stringify({ previous: [], awaitingKey: true, current: 'Zx8Qp3Lm7Rt2Vb9Nc4Kd6Hf1Gj5Ws0Ey3Ua8Io2Pq7T' }));
  const captureSecretId = aws.putSecret(`webhooks/cli/_captured/notion/${Math.random()}`, '{}');
  const source: DiscoveredSource = { endpoint: 'cli', name: 'notion', schemeType: 'notion', scheme: { type: 'notion' }, keySource: 'imported', secretId, captureSecretId, verifierLogicalId: 'Verifier', unresolved: [] };
  const context = new AwsContext({ stack: 'Hooks' });

  // A container reads the signing secret (any request does), before anything is captured.
  const stale = container(source);
  expect((await stale('{}', 'req-warm', '203.0.113.9')).statusCode).toBe(400);
  expect((await putKey(context, source, options({ fromCapture: false, reopenCapture: true }))).status).toBe('reopened');

  // A container that read the reopened version keeps Notion's handshake; the stale one, an impostor's.
  expect((await container(source)(handshake(TOKEN), 'req-notion', '198.51.100.20')).statusCode).toBe(200);
  expect((await stale(handshake(IMPOSTOR), 'req-impostor', '192.0.2.66')).statusCode).toBe(200);

  const shown = await putKey(context, source, options()).then(
    () => 'put',
    (error: unknown) => (error instanceof UsageError ? error.message : String(error)),
  );
  expect(shown).toContain('(request req-notion)');
  await putKey(context, source, options({ confirmCapture: 'req-notion' }));
  expect(JSON.parse(aws.stage(secretId, 'AWSCURRENT')!.value!)).toEqual({ current: TOKEN });
});
