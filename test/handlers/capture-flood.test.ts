import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createVerifierHandler } from '../../lib/handlers/verifier/any-sender';
import { SchemeConfig } from '../../lib/runtime';
import { MINUTE, TEST_NOW } from '../support/clock';
import { apiEvent } from '../support/events';
import { useFakeAws } from '../support/fake-aws';

// While a Notion source awaits its key, every unsigned `{"verification_token": ...}` POST made the
// verifier call PutSecretValue, even once the capture for the awaiting version was known to stand
// (Secrets Manager refuses each one, ResourceExistsException). PutSecretValue's rate quota is the
// account's, shared with every other secret's writers (rotation functions, other applications): an
// unauthenticated flood, spread over addresses to pass the WAF's per-IP limit, throttled them. A
// verifier that knows the awaiting version's capture stands refuses later ones itself (409, logged
// and alarmed as before), so each container makes at most one such call per awaiting version.

const aws = useFakeAws();
const TOKEN = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
const HANDSHAKE = JSON.stringify({ verification_token: TOKEN });
const AWAITING = { current: 'placeholder-awaiting-notion-0000', awaitingKey: true };

function container(secretId: string, captureSecretId: string, clock: () => number) {
  const lines: string[] = [];
  const handler = createVerifierHandler(
    {
      endpoint: 'workplace',
      source: 'src',
      scheme: { type: 'notion' } as SchemeConfig,
      secretId,
      captureSecretId,
      queueUrl: `${aws.url}/123456789012/webhooks`,
      maxBodyBytes: 4096,
      cacheTtlMs: 5 * MINUTE,
      missRefreshIntervalMs: 30_000,
      maxStaleMs: 3_600_000,
      keySource: 'imported',
    },
    { sqs: new SQSClient({}), secrets: new SecretsManagerClient({}), now: clock, write: (line) => lines.push(line) },
  );
  const post = (body: string, requestId: string) =>
    handler(apiEvent({ body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'application/json' }, requestId, sourceIp: '192.0.2.66' }));
  const lastLog = () => JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { post, lastLog };
}

function secrets() {
  aws.reset();
  const secretId = aws.putSecret(`webhooks/workplace/notion/${Math.random()}`, JSON.stringify(AWAITING));
  const captureSecretId = aws.putSecret(`webhooks/workplace/_captured/notion/${Math.random()}`, '{}');
  return { secretId, captureSecretId };
}

describe('notion: refused captures cost no Secrets Manager write', () => {
  test('after the first capture, a flood of handshakes is refused 409 (logged, alarmed) with no further PutSecretValue from that container', async () => {
    const { secretId, captureSecretId } = secrets();
    const { post, lastLog } = container(secretId, captureSecretId, () => TEST_NOW);
    expect((await post(HANDSHAKE, 'req-first')).statusCode).toBe(200);
    expect(aws.callCount('PutSecretValue')).toBe(1);
    const kept = aws.stage(captureSecretId, 'AWSCURRENT')!.value;
    for (let i = 0; i < 20; i++) {
      const impostor = JSON.stringify({ verification_token: `secret_Impostor${String(i).padStart(24, '0')}` });
      expect((await post(impostor, `req-flood-${i}`)).statusCode).toBe(409);
      expect(lastLog()).toMatchObject({ outcome: 'CaptureRefused', reason: 'capture_refused', status: 409, sourceIp: '192.0.2.66', requestId: `req-flood-${i}` });
    }
    expect(aws.callCount('PutSecretValue')).toBe(1);
    expect(aws.stage(captureSecretId, 'AWSCURRENT')!.value).toBe(kept);
  });

  test('another container learns it from Secrets Manager once (409), then refuses the rest itself', async () => {
    const { secretId, captureSecretId } = secrets();
    expect((await container(secretId, captureSecretId, () => TEST_NOW).post(HANDSHAKE, 'req-first')).statusCode).toBe(200);
    const other = container(secretId, captureSecretId, () => TEST_NOW);
    for (let i = 0; i < 5; i++) expect((await other.post(HANDSHAKE, `req-other-${i}`)).statusCode).toBe(409);
    expect(aws.callCount('PutSecretValue')).toBe(2);
  });

  test('once the signing secret awaits anew (put-key --reopen-capture), the same container captures the next handshake', async () => {
    const { secretId, captureSecretId } = secrets();
    let now = TEST_NOW;
    const { post } = container(secretId, captureSecretId, () => now);
    expect((await post(HANDSHAKE, 'req-first')).statusCode).toBe(200);
    expect((await post(HANDSHAKE, 'req-again')).statusCode).toBe(409);
    // What --reopen-capture puts: a new placeholder version that still awaits its key.
    await new SecretsManagerClient({}).send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...AWAITING, current: 'placeholder-reopened-notion-00000' }) }));
    now += 6 * MINUTE;
    expect((await post(HANDSHAKE, 'req-after-reopen')).statusCode).toBe(200);
    expect(JSON.parse(aws.stage(captureSecretId, 'AWSCURRENT')!.value!)).toMatchObject({ requestId: 'req-after-reopen', keyVersion: aws.stage(secretId, 'AWSCURRENT')!.versionId });
  });
});
