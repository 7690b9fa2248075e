import { CreateSecretCommand, GetSecretValueCommand, ListSecretVersionIdsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { captureRequestToken } from '../../lib/runtime';
import { delivery } from './support/cli';
import { REGION } from './support/deploy';
import { loadBundledHandler, StdoutCapture, verifierBundle } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

/**
 * Notion's key handshake with the bundled verifier on moto_server: the capture secret takes the first
 * capture, and Secrets Manager's ClientRequestToken rule (which moto 5.2.1 keeps: a second value under
 * a token fails with ResourceExistsException and creates no version) refuses every later one, so a
 * loop of unauthenticated handshakes creates no version of either secret.
 */
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
let moto: MotoServer;
let secrets: SecretsManagerClient;
const output = new StdoutCapture();

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: moto.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  secrets = new SecretsManagerClient({ region: REGION, endpoint: moto.url });
  output.start();
}, 30_000);

afterAll(async () => {
  output.stop();
  await moto?.stop();
});

const versionsOf = async (id: string) => (await secrets.send(new ListSecretVersionIdsCommand({ SecretId: id, IncludeDeprecated: true }))).Versions ?? [];
const valueOf = async (id: string) => (await secrets.send(new GetSecretValueCommand({ SecretId: id, VersionStage: 'AWSCURRENT' }))).SecretString!;

test('moto keeps the ClientRequestToken rule: the same value again is accepted, another value is refused and creates no version', async () => {
  const { ARN } = await secrets.send(new CreateSecretCommand({ Name: 'probe/capture', SecretString: '{}' }));
  const token = captureRequestToken('some-awaiting-version');
  await secrets.send(new PutSecretValueCommand({ SecretId: ARN, ClientRequestToken: token, SecretString: '{"token":"a"}' }));
  await secrets.send(new PutSecretValueCommand({ SecretId: ARN, ClientRequestToken: token, SecretString: '{"token":"a"}' }));
  await expect(secrets.send(new PutSecretValueCommand({ SecretId: ARN, ClientRequestToken: token, SecretString: '{"token":"b"}' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
  expect(await valueOf(ARN!)).toBe('{"token":"a"}');
  expect(await versionsOf(ARN!)).toHaveLength(2);
});

test('the bundled Notion verifier keeps the first handshake in the capture secret and refuses the rest, writing no version of either secret', async () => {
  const create = async (Name: string, SecretString: string) => (await secrets.send(new CreateSecretCommand({ Name, SecretString }))).ARN!;
  const signing = await create('webhooks/e2e/docs', JSON.stringify({ previous: [], awaitingKey: true, current: 'Zx8Qp3Lm7Rt2Vb9Nc4Kd6Hf1Gj5Ws0Ey3Ua8Io2Pq7T' }));
  const capture = await create('webhooks/e2e/_captured/docs', '{}');
  const { QueueUrl } = await new SQSClient({ region: REGION, endpoint: moto.url }).send(new CreateQueueCommand({ QueueName: 'e2e-capture' }));
  const environment = {
    WEBHOOK_ENDPOINT: 'e2e',
    WEBHOOK_SOURCE: 'docs',
    WEBHOOK_SCHEME: JSON.stringify({ type: 'notion' }),
    WEBHOOK_SECRET_ARN: signing,
    WEBHOOK_CAPTURE_SECRET_ARN: capture,
    WEBHOOK_QUEUE_URL: QueueUrl!,
    WEBHOOK_MAX_BODY_BYTES: '262144',
    WEBHOOK_KEY_SOURCE: 'imported',
  };
  const verifier = loadBundledHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(verifierBundle(environment), environment);
  const token = 'secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6';
  const handshake = (value: string, ip: string) => delivery('docs', {}, JSON.stringify({ verification_token: value }), ip);

  const first = handshake(token, '198.51.100.20');
  expect((await verifier(first)).statusCode).toBe(200);
  const kept = await valueOf(capture);
  expect(JSON.parse(kept)).toMatchObject({ token, sourceIp: '198.51.100.20', requestId: first.requestContext.requestId });
  for (let i = 0; i < 10; i++) {
    expect((await verifier(handshake(`secret_Impostor${String(i).padStart(21, '0')}`, '192.0.2.66'))).statusCode).toBe(409);
  }
  expect((await verifier(handshake(token, '192.0.2.66'))).statusCode).toBe(409);
  expect(await valueOf(capture)).toBe(kept);
  expect((await versionsOf(capture)).map((v) => v.VersionId).sort()).toEqual(expect.arrayContaining([captureRequestToken(JSON.parse(kept).keyVersion)]));
  expect(await versionsOf(capture)).toHaveLength(2);
  expect(await versionsOf(signing)).toHaveLength(1);
  const refused = output.audit.filter((line) => line.reason === 'capture_refused');
  expect(refused).toHaveLength(11);
  expect(refused.every((line) => line.outcome === 'CaptureRefused' && line.status === 409 && line.raw.includes('"sourceIp":"192.0.2.66"'))).toBe(true);
}, 60_000);
